import Foundation

/// Slurm's own commands (`sbatch`, `scontrol`, `squeue`, `scancel`), run as the user would run
/// them: PolyICL schedules nothing itself. Their errors are passed on as Slurm wrote them.
enum Slurm {
    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Where `tool` is on PATH, or nil.
    static func locate(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `tool arguments`; a missing tool is a clear failure naming what to do.
    static func run(_ tool: String, _ arguments: [String]) throws -> Output {
        guard let executable = locate(tool) else {
            throw CommandFailure("SlurmUnavailable", "`\(tool)` is not on PATH, so Slurm cannot be reached from this machine",
                                 hint: "run the notebook on the cluster's login node (or a machine with Slurm's client commands and its slurm.conf), or set PATH to include Slurm's bin directory")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw CommandFailure("SlurmUnavailable", "could not start \(executable): \(error.localizedDescription)")
        }
        // Read both pipes before waiting, so a chatty command cannot fill one and block.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                      standardError: String(decoding: errData, as: UTF8.self))
    }

    /// Submits a batch script; returns the job id.
    static func submit(script: String, extraArguments: [String]) throws -> String {
        let output = try run("sbatch", ["--parsable"] + extraArguments + [script])
        let id = output.standardOutput.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard output.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let said = output.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            throw CommandFailure("SlurmRejected", "sbatch refused the job: \(said.isEmpty ? output.standardOutput : said)",
                                 hint: "check the partition, time and resources asked for (`sinfo` lists partitions and their limits); the batch script is \(script)")
        }
        return id
    }

    /// A job's state as Slurm reports it.
    struct JobState {
        /// PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ... or UNKNOWN.
        var state: String
        var exitCode: Int?
        var reason: String?
        var nodes: String?
        var elapsed: String?

        static let terminal: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                                            "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]
        var hasEnded: Bool { JobState.terminal.contains(state) }
    }

    /// The state from `scontrol show job` (which keeps ended jobs for MinJobAge), else from
    /// the exit status file the batch script leaves (`exitFile`), else UNKNOWN.
    static func state(of id: String, exitFile: String) throws -> JobState {
        let output = try run("scontrol", ["show", "job", "-o", id])
        if output.status == 0, let line = output.standardOutput.split(separator: "\n").first {
            var fields: [String: String] = [:]
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            let exit = fields["ExitCode"].flatMap { $0.split(separator: ":").first.flatMap { Int($0) } }
            let reason = fields["Reason"].flatMap { $0 == "None" ? nil : $0 }
            return JobState(state: fields["JobState"] ?? "UNKNOWN", exitCode: exit, reason: reason,
                            nodes: fields["NodeList"].flatMap { $0 == "(null)" ? nil : $0 }, elapsed: fields["RunTime"])
        }
        if let text = try? String(contentsOfFile: exitFile, encoding: .utf8), let status = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return JobState(state: status == 0 ? "COMPLETED" : "FAILED", exitCode: status)
        }
        return JobState(state: "UNKNOWN", reason: output.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func cancel(_ id: String) throws {
        let output = try run("scancel", [id])
        guard output.status == 0 else {
            throw CommandFailure("SlurmRejected", "scancel \(id) failed: \(output.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
