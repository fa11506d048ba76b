import Foundation

/// Runs a Python script as an independent reference (Python's own printf-style
/// formatting, csv and json modules). Python comes from POLYICL_PYTHON (set by
/// scripts/env.sh) or the package's .venv.
enum PythonReference {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func executable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["POLYICL_PYTHON"], !path.isEmpty,
           FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        // Tests/PolyICLRenderTests/PythonReference.swift → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv/bin/python").path
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        throw Failure(description: "no Python found: set POLYICL_PYTHON (source scripts/env.sh) or create .venv with scripts/setup.sh")
    }

    /// Runs `script` with `input` on standard input; returns standard output.
    static func run(_ script: String, input: String = "") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = ["-c", script]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python failed: " + (String(data: errors, encoding: .utf8) ?? ""))
        }
        return String(data: output, encoding: .utf8) ?? ""
    }
}
