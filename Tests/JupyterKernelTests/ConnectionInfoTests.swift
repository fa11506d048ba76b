import Foundation
import Testing
@testable import JupyterKernel

@Suite struct ConnectionInfoTests {
    let valid = #"{"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005, "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "polyicl"}"#

    func parse(_ text: String) throws(ConnectionFileError) -> ConnectionInfo {
        try ConnectionInfo.parse(Array(text.utf8), path: "test.json")
    }

    func problem(_ text: String) -> String {
        do { _ = try parse(text); return "" } catch { return error.description }
    }

    @Test func readsAValidFile() throws {
        let info = try parse(valid)
        #expect(info.shellPort == 5001 && info.heartbeatPort == 5005)
        #expect(info.endpoint(port: info.shellPort) == "tcp://127.0.0.1:5001")
        #expect(info.key == "k")
    }

    @Test func ipcEndpointsFollowJupyterClient() throws {
        let info = try parse(valid.replacingOccurrences(of: "\"tcp\"", with: "\"ipc\"").replacingOccurrences(of: "127.0.0.1", with: "/tmp/kernel"))
        #expect(info.endpoint(port: 5002) == "ipc:///tmp/kernel-5002")
    }

    @Test func explainsMissingFields() {
        #expect(problem(valid.replacingOccurrences(of: #""hb_port": 5005, "#, with: "")).contains("missing field \"hb_port\""))
        #expect(problem(valid.replacingOccurrences(of: #""key": "k", "#, with: "")).contains("missing field \"key\""))
    }

    @Test func explainsBadPorts() {
        #expect(problem(valid.replacingOccurrences(of: "5001", with: "70000")).contains("shell_port"))
        #expect(problem(valid.replacingOccurrences(of: "5001", with: "0")).contains("1...65535"))
        #expect(problem(valid.replacingOccurrences(of: "5001", with: "\"5001\"")).contains("shell_port"))
        #expect(problem(valid.replacingOccurrences(of: "5002", with: "5001")).contains("must differ"))
    }

    @Test func explainsUnsupportedTransportAndScheme() {
        #expect(problem(valid.replacingOccurrences(of: "\"tcp\"", with: "\"udp\"")).contains("transport \"udp\" is not supported"))
        #expect(problem(valid.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5")).contains("only \"hmac-sha256\""))
    }

    @Test func explainsNonJSON() {
        #expect(problem("shell_port=1").contains("not valid JSON"))
        #expect(problem("[1,2]").contains("JSON object"))
    }

    @Test func missingFileIsAnError() {
        #expect(throws: ConnectionFileError.self) { try ConnectionInfo.load(path: "/nonexistent/connection.json") }
    }
}
