import Foundation
import Testing
import PolyICLCore

/// Runs reference scripts with the project's Python (POLYICL_PYTHON, else the package's
/// .venv/bin/python) and gives tests scratch directories.
enum DataTestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["POLYICL_PYTHON"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// A fresh empty directory under the system's temporary directory.
    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polyicl-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `script` with Python in `directory` (its working directory); returns stdout.
    /// Fails the test with stderr when the script fails.
    @discardableResult
    static func runPython(_ script: String, in directory: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let scriptURL = directory.appendingPathComponent("reference.py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scriptURL.path]
        process.currentDirectoryURL = directory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderrText = String(decoding: errData, as: UTF8.self)
        #expect(process.terminationStatus == 0, "python failed: \(stderrText)", sourceLocation: sourceLocation)
        if process.terminationStatus != 0 { throw PythonFailed(message: stderrText) }
        return String(decoding: outData, as: UTF8.self)
    }

    struct PythonFailed: Error { var message: String }
}
