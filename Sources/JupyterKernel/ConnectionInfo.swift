#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What is wrong with a connection file, phrased for the person reading stderr.
public struct ConnectionFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "connection file \(path): \(problem)" }
}

/// The contents of a Jupyter connection file: where to bind the five sockets and how to
/// sign messages.
public struct ConnectionInfo: Sendable, Equatable {
    public enum Transport: String, Sendable { case tcp, ipc }

    public var transport: Transport
    public var ip: String
    public var shellPort: Int
    public var iopubPort: Int
    public var stdinPort: Int
    public var controlPort: Int
    public var heartbeatPort: Int
    public var key: String
    public var signatureScheme: String
    public var kernelName: String

    public init(transport: Transport, ip: String, shellPort: Int, iopubPort: Int, stdinPort: Int,
                controlPort: Int, heartbeatPort: Int, key: String,
                signatureScheme: String = "hmac-sha256", kernelName: String = "") {
        self.transport = transport
        self.ip = ip
        self.shellPort = shellPort
        self.iopubPort = iopubPort
        self.stdinPort = stdinPort
        self.controlPort = controlPort
        self.heartbeatPort = heartbeatPort
        self.key = key
        self.signatureScheme = signatureScheme
        self.kernelName = kernelName
    }

    /// The ZeroMQ endpoint for a port: tcp://ip:port, or for ipc the path "ip-port" as
    /// jupyter_client names its ipc files.
    public func endpoint(port: Int) -> String {
        switch transport {
        case .tcp: return "tcp://\(ip):\(port)"
        case .ipc: return "ipc://\(ip)-\(port)"
        }
    }

    public static func load(path: String) throws(ConnectionFileError) -> ConnectionInfo {
        guard let file = fopen(path, "rb") else {
            throw ConnectionFileError(path: path, problem: "cannot be read (\(String(cString: strerror(errno))))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > 1 << 20 { throw ConnectionFileError(path: path, problem: "is larger than 1 MiB; not a connection file") }
        }
        return try parse(bytes, path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(ConnectionFileError) -> ConnectionInfo {
        func fail(_ problem: String) -> ConnectionFileError { ConnectionFileError(path: path, problem: problem) }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw fail("is not valid JSON (\(error))") }
        guard case .object(let object) = value else { throw fail("must be a JSON object") }

        func string(_ field: String, default defaultValue: String? = nil) throws(ConnectionFileError) -> String {
            guard let v = object[field] else {
                if let defaultValue { return defaultValue }
                throw fail("missing field \"\(field)\"")
            }
            guard let s = v.stringValue else { throw fail("field \"\(field)\" must be a string") }
            return s
        }
        func port(_ field: String) throws(ConnectionFileError) -> Int {
            guard let v = object[field] else { throw fail("missing field \"\(field)\" (a port number 1...65535)") }
            guard let p = v.intValue, (1...65535).contains(p) else {
                throw fail("field \"\(field)\" is \(v.serializedString); expected a port number 1...65535 (0 means 'pick one' only to the launcher, which must fill it in)")
            }
            return p
        }

        let transportName = try string("transport", default: "tcp")
        guard let transport = Transport(rawValue: transportName) else {
            throw fail("transport \"\(transportName)\" is not supported; use \"tcp\" or \"ipc\"")
        }
        let ip = try string("ip")
        guard !ip.isEmpty else { throw fail("field \"ip\" is empty; expected an address such as 127.0.0.1") }
        let scheme = try string("signature_scheme", default: "hmac-sha256")
        guard scheme == "hmac-sha256" else {
            throw fail("signature_scheme \"\(scheme)\" is not supported; only \"hmac-sha256\" is")
        }
        let info = ConnectionInfo(
            transport: transport, ip: ip,
            shellPort: try port("shell_port"), iopubPort: try port("iopub_port"),
            stdinPort: try port("stdin_port"), controlPort: try port("control_port"),
            heartbeatPort: try port("hb_port"), key: try string("key"),
            signatureScheme: scheme, kernelName: try string("kernel_name", default: ""))
        let ports = [info.shellPort, info.iopubPort, info.stdinPort, info.controlPort, info.heartbeatPort]
        guard Set(ports).count == ports.count else {
            throw fail("the five ports must differ, got shell \(info.shellPort), iopub \(info.iopubPort), stdin \(info.stdinPort), control \(info.controlPort), hb \(info.heartbeatPort)")
        }
        return info
    }
}
