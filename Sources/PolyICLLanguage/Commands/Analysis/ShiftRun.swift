import PolyICLCore
import PolyICLRender

extension ShiftCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let model = try invocation.modelObject("model")
        let task = try invocation.taskObject("on")
        try invocation.requireMatchingInputs(task: task, model: model, taskKey: "on")
        let family = try ShiftKinds.family(task: task, invocation: invocation)
        let points = try ShiftKinds.points(model: model, invocation: invocation)
        let samples = a.integer("samples") ?? 640, bootstrap = a.integer("bootstrap") ?? 1000
        let settings = EvaluationSettings(points: points, samples: samples, seed: UInt64(a.integer("seed") ?? 0),
                                          chunkSize: min(samples, 256), resamples: max(1, bootstrap))
        let network = model.model.model
        let predictor = EvaluationPredictor.model(named: model.name) { batch in try network.predict(batch) }

        let displayID = invocation.newDisplayID()
        let total = family.sizes.count
        invocation.sink.display(MIMEBundle(plainText: "shift \(model.name): 0/\(total) sizes"), displayID: displayID)
        var table: ResultTable
        do {
            table = try ShiftEvaluation.run(
                family: family, predictors: [predictor], settings: settings,
                progress: { done, total in invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "shift \(model.name): \(done)/\(total) sizes")) },
                isCancelled: { invocation.cancellation.isCancelled })
        } catch EvaluationError.cancelled {
            invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "shift \(model.name): interrupted"))
            throw CommandFailure.interrupted("shift of `\(model.name)` stopped before it finished; no result was kept")
        } catch {
            throw invocation.failure(error)
        }
        table.title = "\(model.name): squared error by \(family.kind.label) of \(task.task.definition)"
        if bootstrap == 0 {
            table.columns.removeAll { $0.name.hasSuffix(" lower") || $0.name.hasSuffix(" upper") }
        }
        table.notes["model"] = model.name
        table.notes["task"] = task.task.definition
        invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "shift \(model.name): \(samples) prompts of \(points) points at each of \(total) sizes"))
        let result = ResultObject(table: table)
        return ResultObject(table: table, figure: AnalysisFigures.errorBySize(result, kind: family.kind).svg())
    }
}
