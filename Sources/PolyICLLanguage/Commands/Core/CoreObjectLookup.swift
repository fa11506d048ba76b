import Foundation
import PolyICLCore

/// The session objects core-bound commands work on, looked up by the name an argument
/// gives, with an error that says what the name holds when it is not what the core needs.
extension CommandInvocation {
    func taskObject(_ key: String) throws -> (name: String, task: TaskObject) {
        try object(key, as: TaskObject.self, isNot: "a task the training core can draw from") { "make one with `\($0) = task chebyshev degree=0..11`" }
    }

    func modelObject(_ key: String) throws -> (name: String, model: TransformerModelObject) {
        try object(key, as: TransformerModelObject.self, isNot: "a model the training core can run") {
            "make one with `\($0) = model preset=small` or `\($0) = load \"FILE.safetensors\"`"
        }
    }

    func resultObject(_ key: String) throws -> (name: String, result: ResultObject) {
        try object(key, as: ResultObject.self, isNot: "an evaluation result") { "make one with `\($0) = eval MODEL on=TASK`" }
    }

    /// The object named by `key`, when it is of `kind`; otherwise a WrongKind failure saying
    /// "`name` is not \(isNot)", with `hint(name)`, at the key.
    private func object<Object>(_ key: String, as kind: Object.Type, isNot: String, hint: (String) -> String) throws -> (String, Object) {
        let name = arguments.objectName(key) ?? ""
        guard let found = try object(named: name) as? Object else {
            throw CommandFailure("WrongKind", "`\(name)` is not \(isNot)", hint: hint(name), at: arguments.range(of: key))
        }
        return (name, found)
    }

    /// The task's x width must be the model's: checked before any work.
    func requireMatchingInputs(task: (name: String, task: TaskObject), model: (name: String, model: TransformerModelObject), taskKey: String) throws {
        let taskWidth = task.task.source.inputDimension, modelWidth = model.model.configuration.inputDimension
        guard taskWidth == modelWidth else {
            throw CommandFailure("InvalidValue", "task `\(task.name)` gives x of width \(taskWidth) but model `\(model.name)` reads x of width \(modelWidth)",
                                 hint: "use a task with dim=\(modelWidth), or a model made with inputs=\(taskWidth)", at: arguments.range(of: taskKey))
        }
    }

    /// Prompts read from files can only give as many prompts and points as the files hold.
    func requireShape(of task: (name: String, task: TaskObject), count: Int, points: Int, key: String) throws {
        guard let limited = task.task.source as? any LimitedPromptSource else { return }
        do { try limited.check(count: count, points: points) } catch {
            throw CommandFailure("OutOfRange", "task `\(task.name)` cannot give \(count) prompts of \(points) points: \(error)", at: arguments.range(of: key))
        }
    }

    /// An error of the core (a file that cannot be read, a setting out of range) as a
    /// failure of this command, pointing at `key` when given.
    func failure(_ error: any Error, key: String? = nil) -> CommandFailure {
        if let failure = error as? CommandFailure { return failure }
        return CommandFailure("InvalidValue", "\(error)", at: key.map { arguments.range(of: $0) })
    }
}

/// The task and model checks that can be made from the checker's environment: the x
/// width of a live task against the model's, before anything runs.
enum TaskChecks {
    static func inputWidthMatches(task taskKey: String, model modelKey: String) -> CrossCheck {
        { arguments, environment in
            guard let modelName = arguments.objectName(modelKey), let taskName = arguments.objectName(taskKey),
                  let configuration = environment.modelConfiguration(named: modelName),
                  let task = environment.liveObject(named: taskName) as? TaskObject,
                  task.source.inputDimension != configuration.inputDimension else { return [] }
            let width = task.source.inputDimension
            return [Diagnostic(.invalidValue, "task `\(taskName)` gives x of width \(width) but model `\(modelName)` reads x of width \(configuration.inputDimension)",
                               at: arguments.range(of: taskKey), hint: "use a task with dim=\(configuration.inputDimension), or a model made with inputs=\(width)")]
        }
    }
}
