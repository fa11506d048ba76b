import Foundation
import PolyICLCore

/// `watch`, `cancel` and `result`: following, stopping and collecting a submitted job.
enum WatchCommand {
    /// Seconds between two looks at Slurm.
    static let pollInterval = 1.0

    static let declaration = CommandDeclaration(
        name: "watch",
        summary: "Follow a submitted job live until it ends: its Slurm state and latest progress line.",
        help: "Interrupting stops the watching only; the job keeps running (`cancel job` stops it).",
        examples: ["watch job"],
        positionals: [Parameter("job", .objectName([.job]), required: true, help: "The job to follow.")],
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let job = try SlurmJob.named("job", in: invocation)
        let displayID = invocation.newDisplayID()
        var state = try job.state()
        invocation.sink.display(MIMEBundle(plainText: job.describe(state)), displayID: displayID)
        var lastLook = Date()
        while !state.hasEnded {
            if invocation.cancellation.isCancelled {
                throw CommandFailure("Interrupted", "Interrupted: stopped watching job \(job.id), which keeps running",
                                     hint: "show it again with `\(invocation.arguments.objectName("job") ?? "job")`, or stop it with `cancel \(invocation.arguments.objectName("job") ?? "job")`")
            }
            Thread.sleep(forTimeInterval: 0.05)
            guard Date().timeIntervalSince(lastLook) >= pollInterval else { continue }
            lastLook = Date()
            state = try job.state()
            invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: job.describe(state)))
        }
        // The final state as an output of its own, for clients that do not update displays.
        invocation.show(MIMEBundle(plainText: job.describe(state)))
        return nil
    }
}

enum CancelCommand {
    static let declaration = CommandDeclaration(
        name: "cancel",
        summary: "Cancel a submitted job (scancel).",
        help: "A training in the job gets SIGTERM and saves its completed steps if it saves periodically.",
        examples: ["cancel job"],
        positionals: [Parameter("job", .objectName([.job]), required: true, help: "The job to cancel.")],
        run: { invocation in
            let job = try SlurmJob.named("job", in: invocation)
            try Slurm.cancel(job.id)
            invocation.sink.stream(.stdout, "cancelled Slurm job \(job.id)\n")
            return nil
        })
}

enum ResultCommand {
    static let declaration = CommandDeclaration(
        name: "result",
        summary: "Load the checkpoint a finished job saved.",
        help: "By default the file of the script's last `save`; path= names another file the job wrote.",
        examples: ["m = result job", "m = result job path=\"models/pretrained.safetensors\""],
        positionals: [Parameter("job", .objectName([.job]), required: true, help: "A finished job.")],
        keys: [Parameter("path", .string, help: "The checkpoint to load, relative to the script's directory.")],
        produces: .model,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let job = try SlurmJob.named("job", in: invocation)
        let scriptDirectory = URL(fileURLWithPath: job.script).deletingLastPathComponent().path
        guard let path = invocation.arguments.string("path").map({ $0.hasPrefix("/") ? $0 : scriptDirectory + "/" + $0 }) ?? job.checkpoint else {
            throw CommandFailure("NoValue", "\(URL(fileURLWithPath: job.script).lastPathComponent) saves no model, so job \(job.id) has no checkpoint to load",
                                 hint: "give the file: result \(invocation.arguments.objectName("job") ?? "job") path=\"...safetensors\"")
        }
        let state = try job.state()
        guard state.state == "COMPLETED" else {
            let what = state.hasEnded ? "ended \(state.state)" : "is \(state.state)"
            throw CommandFailure("InvalidValue", "job \(job.id) \(what), so its checkpoint is not final",
                                 hint: state.hasEnded ? "its log is \(job.logPath)" : "wait for it: watch \(invocation.arguments.objectName("job") ?? "job")")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try CheckpointFile.load(URL(fileURLWithPath: path)) } catch {
            throw CommandFailure("InvalidValue", "cannot load job \(job.id)'s checkpoint: \(error)")
        }
        let object = try LoadCommand.modelObject(from: checkpoint)
        invocation.sink.stream(.stdout, "loaded \(path) from job \(job.id)\n")
        return object
    }
}

extension SlurmJob {
    /// The job a checked argument names.
    static func named(_ key: String, in invocation: CommandInvocation) throws -> SlurmJob {
        let name = invocation.arguments.objectName(key) ?? ""
        guard let job = try invocation.object(named: name) as? SlurmJob else {
            throw CommandFailure("WrongKind", "`\(name)` is not a submitted job")
        }
        return job
    }
}
