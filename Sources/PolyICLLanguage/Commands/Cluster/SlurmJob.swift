import Foundation
import PolyICLRender

extension ObjectKind {
    /// A batch job submitted to Slurm: `submit`.
    public static let job = ObjectKind("job", madeBy: "submit")
}

/// A script running as a Slurm batch job: where its files are, and what Slurm says of it.
final class SlurmJob: SessionObject {
    let id: String
    let script: String
    /// The job's own directory: its batch script, log, exit status and the script's figures.
    let directory: String
    /// The checkpoint `result` loads: the last file the script saves, if it saves one.
    let checkpoint: String?
    let ranks: Int

    init(id: String, script: String, directory: String, checkpoint: String?, ranks: Int) {
        self.id = id
        self.script = script
        self.directory = directory
        self.checkpoint = checkpoint
        self.ranks = ranks
    }

    var kind: ObjectKind { .job }
    var logPath: String { directory + "/job.log" }
    var exitFile: String { directory + "/exit-status" }
    var summary: String { "Slurm job \(id): \(URL(fileURLWithPath: script).lastPathComponent), \(ranks) rank\(ranks == 1 ? "" : "s")" }

    func state() throws -> Slurm.JobState { try Slurm.state(of: id, exitFile: exitFile) }

    /// The last line of the job's log worth showing: its latest training progress, else its
    /// last line.
    var latestLogLine: String? {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let tail = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let lines = tail.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return lines.last(where: { $0.hasPrefix("step ") }) ?? lines.last
    }

    func describe(_ state: Slurm.JobState) -> String {
        var line = "job \(id) (\(URL(fileURLWithPath: script).lastPathComponent), \(ranks) rank\(ranks == 1 ? "" : "s")): \(state.state)"
        if let reason = state.reason, !state.hasEnded || state.state != "COMPLETED" { line += " (\(reason))" }
        if let nodes = state.nodes, !nodes.isEmpty { line += " on \(nodes)" }
        if let elapsed = state.elapsed { line += ", \(elapsed)" }
        if state.hasEnded, let exit = state.exitCode { line += ", exit status \(exit)" }
        if let progress = latestLogLine { line += "\n  " + progress }
        if state.hasEnded && state.state != "COMPLETED" { line += "\n  log: \(logPath)" }
        return line
    }

    func representation() -> MIMEBundle {
        do { return MIMEBundle(plainText: describe(try state())) } catch let failure as CommandFailure {
            return MIMEBundle(plainText: "job \(id): \(failure.message)")
        } catch {
            return MIMEBundle(plainText: "job \(id): \(error)")
        }
    }
}
