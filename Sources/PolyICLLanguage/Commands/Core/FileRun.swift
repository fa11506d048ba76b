import Foundation
import PolyICLCore
import PolyICLRender

extension SaveCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (name, object) = try invocation.modelObject("model")
        guard invocation.session.writesFiles else { return nil }
        let path = invocation.resolve(path: invocation.arguments.string("path") ?? "")
        try requireDirectory(of: path, invocation: invocation)
        let merged = invocation.arguments.boolean("merged") ?? false
        if let adapters = object.model.adapters {
            guard merged else {
                do { try AdapterFile.save(adapters, to: URL(fileURLWithPath: path)) } catch { throw invocation.failure(error, key: "path") }
                invocation.sink.stream(.stdout, "saved the adapters of \(name) (\(TextFormat.grouped(adapters.parameterCount)) parameters, peft names) to \(invocation.arguments.string("path") ?? path)\n")
                return nil
            }
            guard adapters.promptPairs == 0 else {
                throw CommandFailure("InvalidValue", "`\(name)` has a soft prompt, which cannot be merged into a checkpoint's weights",
                                     hint: "leave out merged=true to save the prompt on its own", at: invocation.arguments.range(of: "merged"))
            }
        }
        let checkpoint = Checkpoint(configuration: object.configuration, parameters: object.model.mergedParameters(),
                                    trainingHistory: object.historyJSON(),
                                    trainingState: invocation.arguments.boolean("state") == true ? object.trainingState : nil)
        do { try CheckpointFile.save(checkpoint, to: URL(fileURLWithPath: path)) } catch { throw invocation.failure(error, key: "path") }
        invocation.sink.stream(.stdout, "saved \(name) (\(TextFormat.grouped(object.configuration.parameterCount)) parameters) to \(invocation.arguments.string("path") ?? path)\n")
        return nil
    }

    static func requireDirectory(of path: String, invocation: CommandInvocation) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("FileNotFound", "the directory \(directory) does not exist", hint: "create it first, or write to an existing directory",
                                 at: invocation.arguments.range(of: "path"))
        }
    }
}

extension LoadCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let written = a.string("path") ?? ""
        let path = invocation.resolve(path: written)
        let contents: SafetensorsFile
        do { contents = try Safetensors.read(URL(fileURLWithPath: path)) } catch {
            throw CommandFailure("InvalidValue", "cannot load \(written): \(error)", at: a.range(of: "path"))
        }
        switch FileKind(contents) {
        case .adapters:
            guard a.isGiven("base") else {
                throw CommandFailure("InvalidValue", "\(written) holds \(adapterDescription(contents)), not a model: adapters need the model they were trained on",
                                     hint: "name it with base=: `x = load \"\(written)\" base=MODEL`", at: a.range(of: "path"))
            }
            return try attachAdapters(from: contents, written: written, invocation: invocation)
        case .model:
            if a.isGiven("base") {
                throw CommandFailure("InvalidValue", "\(written) is a full model checkpoint, not an adapter file: base= is for adapters",
                                     hint: "leave out base= to load the model as it is", at: a.range(of: "base"))
            }
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try CheckpointFile.checkpoint(from: contents, file: path, heads: a.integer("heads"), points: a.integer("points"))
        } catch {
            let text = "\(error)"
            let hint = text.contains("head") ? "give the head count: load \"\(a.string("path") ?? path)\" heads=4" : nil
            throw CommandFailure("InvalidValue", "cannot load \(a.string("path") ?? path): \(text)", hint: hint, at: a.range(of: "path"))
        }
        do { return try modelObject(from: checkpoint) } catch {
            throw invocation.failure(error, key: "path")
        }
    }

    /// A session model holding a checkpoint's weights and history.
    static func modelObject(from checkpoint: Checkpoint) throws -> TransformerModelObject {
        var generator = RandomGenerator(seed: 0)
        let model = try TransformerModel(configuration: checkpoint.configuration, generator: &generator)
        try model.setParameters(checkpoint.parameters)
        let history = TransformerModelObject.history(fromJSON: checkpoint.trainingHistory)
        return TransformerModelObject(model: model, history: history.records, foreignHistory: history.foreign,
                                      savedTraining: checkpoint.trainingState)
    }
}

extension ExportCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (name, result) = try invocation.resultObject("result")
        guard invocation.session.writesFiles else { return nil }
        let written = invocation.arguments.string("path") ?? ""
        let path = invocation.resolve(path: written)
        try SaveCommand.requireDirectory(of: path, invocation: invocation)
        let text = path.lowercased().hasSuffix(".json") ? TableExport.json(result.table) : TableExport.csv(result.table)
        do {
            // Foundation's atomic write goes to a temporary file and renames it over the
            // destination: a reader never sees half a file.
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandFailure("InvalidValue", "cannot write \(written): \(error.localizedDescription)", at: invocation.arguments.range(of: "path"))
        }
        invocation.sink.stream(.stdout, "exported \(name) (\(result.table.rowCount) rows, \(result.table.columns.count) columns) to \(written)\n")
        return nil
    }
}
