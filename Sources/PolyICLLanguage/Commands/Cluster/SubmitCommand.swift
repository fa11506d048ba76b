import Foundation

/// `submit`: a script as a Slurm batch job, its `train` commands data-parallel over the job's
/// MPI ranks. The job runs this same `polyicl` binary, so the cluster needs nothing else.
enum SubmitCommand {
    static let declaration = CommandDeclaration(
        name: "submit",
        summary: "Run a script (.icl) as a Slurm batch job; its train commands run data-parallel over the job's MPI ranks.",
        help: """
        The script is checked first (a mistake is reported here, not in the job's log). A job \
        directory beside the script (jobs/NAME-ID) receives the batch script, the job's log, its exit \
        status and the script's figures. With tasks above 1 the job starts `mpirun -np TASKS polyicl run \
        SCRIPT`: every rank runs the script, each `train` shares its batches across them, and rank 0 \
        alone saves and shows. Show the job to see its Slurm state and latest progress; `watch job` \
        follows it live, `cancel job` stops it, `m = result job` loads the checkpoint the script saves last.
        """,
        examples: ["job = submit \"pretrain.icl\" nodes=1 tasks=2 cpus=1 time=10 partition=\"debug\"",
                   "job = submit \"pretrain.icl\" tasks=4 time=120 account=\"myproject\" sbatch=[\"--mem=8G\"]"],
        positionals: [Parameter("script", .path(mustExist: true, extensions: ["icl"]), required: true, help: "The script the job runs.")],
        keys: [
            Parameter("nodes", .integer(IntegerBounds(minimum: 1, maximum: 100_000)), default: .integer(1), help: "Nodes (sbatch --nodes)."),
            Parameter("tasks", .integer(IntegerBounds(minimum: 1, maximum: 1_000_000)), default: .integer(1), help: "MPI ranks in all (sbatch --ntasks)."),
            Parameter("cpus", .integer(IntegerBounds(minimum: 1, maximum: 4096)), default: .integer(1), help: "Threads per rank (sbatch --cpus-per-task)."),
            Parameter("time", .integer(IntegerBounds(minimum: 1, maximum: 525_600)), default: .integer(60), help: "Time limit in minutes (sbatch --time)."),
            Parameter("partition", .string, help: "Partition (sbatch --partition); the cluster's default if not given."),
            Parameter("account", .string, help: "Account charged (sbatch --account)."),
            Parameter("name", .string, help: "Job name; default polyicl-SCRIPT."),
            Parameter("sbatch", .list(.string), help: "More sbatch options, passed as they are, for example [\"--mem=8G\", \"--qos=short\"]."),
            Parameter("binary", .path(mustExist: true, extensions: []), help: "The polyicl the job runs, as the cluster's nodes see it; default this kernel's own binary."),
        ],
        produces: .job,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let script = invocation.resolve(path: a.string("script") ?? "")
        let text: String
        do { text = try String(contentsOfFile: script, encoding: .utf8) } catch {
            throw CommandFailure("FileNotFound", "cannot read \(script): \(error.localizedDescription)", at: a.range(of: "script"))
        }
        let scriptDirectory = URL(fileURLWithPath: script).deletingLastPathComponent().path
        let checker = Interpreter(registry: invocation.registry, workingDirectory: scriptDirectory)
        if let problem = checker.diagnostics(for: text).first {
            let where_ = problem.rendered(in: text).joined(separator: "\n")
            throw CommandFailure("InvalidValue", "\(URL(fileURLWithPath: script).lastPathComponent) has a mistake, so it was not submitted:\n\(where_)",
                                 at: a.range(of: "script"))
        }
        let binary = try a.string("binary").map(invocation.resolve(path:)) ?? executablePath()
        let stem = URL(fileURLWithPath: script).deletingPathExtension().lastPathComponent
        let tasks = a.integer("tasks") ?? 1, cpus = a.integer("cpus") ?? 1
        let stamp = String(Int(Date().timeIntervalSince1970 * 1000), radix: 36)
        let directory = scriptDirectory + "/jobs/\(stem)-\(stamp)"
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw CommandFailure("FileNotFound", "cannot create the job directory \(directory): \(error.localizedDescription)")
        }

        var options = [
            "--job-name=\(a.string("name") ?? "polyicl-\(stem)")", "--nodes=\(a.integer("nodes") ?? 1)", "--ntasks=\(tasks)",
            "--cpus-per-task=\(cpus)", "--time=\(a.integer("time") ?? 60)", "--output=\(directory)/job.log",
            "--chdir=\(scriptDirectory)",
        ]
        if let partition = a.string("partition") { options.append("--partition=\(partition)") }
        if let account = a.string("account") { options.append("--account=\(account)") }
        let batch = batchScript(options: options, binary: binary, script: script, directory: directory, tasks: tasks, cpus: cpus)
        let batchPath = directory + "/batch.sh"
        do { try Data(batch.utf8).write(to: URL(fileURLWithPath: batchPath), options: .atomic) } catch {
            throw CommandFailure("FileNotFound", "cannot write \(batchPath): \(error.localizedDescription)")
        }
        let extra = (a.list("sbatch") ?? []).compactMap(\.stringValue)
        let id = try Slurm.submit(script: batchPath, extraArguments: extra)
        let job = SlurmJob(id: id, script: script, directory: directory,
                           checkpoint: lastSavedCheckpoint(in: text).map { $0.hasPrefix("/") ? $0 : scriptDirectory + "/" + $0 },
                           ranks: tasks)
        invocation.sink.stream(.stdout, "submitted \(URL(fileURLWithPath: script).lastPathComponent) as Slurm job \(id) (\(tasks) rank\(tasks == 1 ? "" : "s") x \(cpus) thread\(cpus == 1 ? "" : "s")); files in \(directory)\n")
        return job
    }

    /// The job's batch script: `#SBATCH` lines, then the script run by polyicl, through mpirun
    /// with more than one task. Each rank gets `cpus` worker threads.
    static func batchScript(options: [String], binary: String, script: String, directory: String, tasks: Int, cpus: Int) -> String {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var lines = ["#!/bin/bash"] + options.map { "#SBATCH \($0)" }
        lines += [
            "# Written by PolyICL's submit; runs \(script).",
            "export POLYICL_THREADS=\(cpus)",
            "run=(\(quoted(binary)) run \(quoted(script)) --out \(quoted(directory)))",
            "if [ \"${SLURM_NTASKS:-1}\" -gt 1 ]; then",
            "  as_root=(); [ \"$(id -u)\" = 0 ] && as_root=(--allow-run-as-root)",
            "  mpirun \"${as_root[@]}\" -np \"$SLURM_NTASKS\" \"${run[@]}\"",
            "else",
            "  \"${run[@]}\"",
            "fi",
            "status=$?",
            "echo \"$status\" > \(quoted(directory + "/exit-status"))",
            "exit \"$status\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The path of the script's last `save MODEL "path"` of a full model (not adapters), as written.
    static func lastSavedCheckpoint(in text: String) -> String? {
        var last: String?
        for statement in Parser.parse(text).statements {
            guard case .command(let call) = statement.body, call.name == "save" else { continue }
            let path = call.arguments.first(where: { $0.key == "path" }) ?? call.arguments.filter({ $0.key == nil }).dropFirst().first
            if case .string(let written)? = path?.value.kind { last = written }
        }
        return last
    }

    /// This process's executable (the kernel's polyicl), which the job runs.
    static func executablePath() throws -> String {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw CommandFailure("InvalidValue", "cannot tell where this polyicl binary is", hint: "give it: binary=\"/path/to/polyicl\"")
        }
        return path
    }
}
