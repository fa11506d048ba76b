import PolyICLCore
import PolyICLRender

extension EvalCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let (modelName, object) = try invocation.modelObject("model")
        let task = try invocation.taskObject("on")
        try invocation.requireMatchingInputs(task: task, model: (modelName, object), taskKey: "on")
        let points = a.integer("points") ?? 31, samples = a.integer("samples") ?? 1280
        guard points <= object.configuration.points else {
            throw CommandFailure("OutOfRange", "points=\(points) is more than model `\(modelName)` takes (\(object.configuration.points))",
                                 hint: "use points=\(object.configuration.points) or less", at: a.range(of: "points"))
        }
        if let file = task.task.source as? FilePrompts {
            guard samples <= file.promptCount, points <= file.pointCount else {
                throw CommandFailure("OutOfRange", "task `\(task.name)` holds \(file.promptCount) prompts of \(file.pointCount) points; asked for \(samples) of \(points)",
                                     hint: "use samples=\(min(samples, file.promptCount)) points=\(min(points, file.pointCount))", at: a.range(of: "samples"))
            }
        }
        var baselines = try (a.list("baselines") ?? []).map { try baseline($0, task: task, invocation: invocation) }
        // A paired baseline is evaluated too, whether or not `baselines` names it.
        let paired = try (a.list("paired") ?? []).map { try baseline($0, task: task, invocation: invocation, key: "paired") }
        for entry in paired where !baselines.contains(where: { $0.0 == entry.0 }) { baselines.append(entry) }
        let model = object.model
        var predictors = [EvaluationPredictor.model(named: modelName) { batch in try model.predict(batch) }]
        for (name, baseline) in baselines where name != modelName { predictors.append(.baseline(baseline, named: name)) }
        var pairedNames: [String] = []
        for (name, _) in paired where !pairedNames.contains(name) { pairedNames.append(name) }

        let bootstrap = a.integer("bootstrap") ?? 1000
        let chunk = min(samples, 256)
        let settings = EvaluationSettings(points: points, samples: samples, seed: UInt64(a.integer("seed") ?? 0),
                                          chunkSize: chunk, resamples: max(1, bootstrap), pairedReferences: pairedNames)
        let displayID = invocation.newDisplayID()
        invocation.sink.display(progressBundle(model: modelName, done: 0, total: samples), displayID: displayID)
        var table: ResultTable
        do {
            table = try Evaluation.run(
                source: task.task.source, predictors: predictors, settings: settings,
                taskDescription: task.task.definition,
                progress: { invocation.sink.updateDisplay(displayID, progressBundle(model: modelName, done: $0.promptsDone, total: $0.promptsTotal)) },
                isCancelled: { invocation.cancellation.isCancelled })
        } catch EvaluationError.cancelled {
            invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "evaluating \(modelName): interrupted"))
            throw CommandFailure.interrupted("eval of `\(modelName)` stopped before it finished; no result was kept")
        } catch {
            throw invocation.failure(error)
        }
        table.title = "\(modelName) on \(task.task.definition)"
        if bootstrap == 0 {
            table.columns.removeAll { $0.name.hasSuffix(" lower") || $0.name.hasSuffix(" upper") }
        }
        table.notes["model"] = modelName
        table.notes["task"] = task.task.definition
        table.notes["samples"] = String(samples)
        table.notes["bootstrap"] = String(bootstrap)
        invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "evaluated \(modelName) on \(samples) prompts of \(points) points"))
        return ResultObject(table: table)
    }

    static func progressBundle(model: String, done: Int, total: Int) -> MIMEBundle {
        let text = "evaluating \(model): \(done)/\(total) prompts"
        return MIMEBundle(plainText: text, html: "<div style=\"font-family:monospace\"><progress value=\"\(done)\" max=\"\(total)\"></progress> \(XMLEscaping.escape(text))</div>")
    }

    /// A baseline the language names (lstsq, ridge(λ), zero) for this task's function class.
    static func baseline(_ value: Value, task: (name: String, task: TaskObject), invocation: CommandInvocation, key: String = "baselines") throws -> (String, Baseline) {
        guard case .call(let name, let arguments) = value else {
            throw CommandFailure("InvalidValue", "\(value) is not a baseline", hint: "use lstsq, ridge(0.2) or zero", at: invocation.arguments.range(of: key))
        }
        let ridge = name == "ridge" ? (arguments.first?.numberValue ?? 0) : 0
        let label = name == "ridge" ? "ridge \(Value.number(ridge).compactDescription)" : name == "lstsq" ? "least squares" : "zero"
        if name == "zero" { return (label, .zero) }
        switch task.task.source {
        case let chebyshev as ChebyshevTask:
            return (label, .chebyshevLeastSquares(degree: chebyshev.degrees.upperBound, ridge: ridge))
        case is LinearRegressionTask, is DimensionCurriculumTask:
            return (label, .linearLeastSquares(ridge: ridge))
        default:
            throw CommandFailure("InvalidValue", "\(name) needs to know the task's function class, and `\(task.name)` holds prompts read from files",
                                 hint: "use baselines=[zero] for prompts from files", at: invocation.arguments.range(of: key))
        }
    }
}
