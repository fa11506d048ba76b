import PolyICLCore
import PolyICLRender

extension PlotCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let name = a.objectName("object") ?? ""
        let object = try invocation.object(named: name)
        let title = a.string("title")
        let svg: String
        switch object {
        case let result as ResultObject where result.figure != nil:
            // Results of shift/spectra/signature are not by context position: their own figure.
            svg = result.figure ?? ""
        case let result as ResultObject:
            svg = ResultFigures.errorFigure(result, logScale: (a.word("scale") ?? "log") == "log", intervals: a.boolean("intervals") ?? true, title: title)
        case let task as TaskObject:
            let functions = try TaskSamples.draw(from: task.source, samples: 4, context: 10, seed: 0)
            svg = TaskFigures.samples(functions, title: title ?? task.definition, model: nil)
        case let model as TransformerModelObject:
            let losses = model.allLosses
            guard losses.count >= 2 else {
                throw CommandFailure("InvalidValue", "model `\(name)` has no training loss to plot yet", hint: "train it first: `train \(name) on=TASK`", at: a.range(of: "object"))
            }
            var chart = TrainingFigures.lossChart(losses, title: title ?? "Training loss of \(name)")
            if (a.word("scale") ?? "log") == "linear" { chart.yScale = .linear }
            svg = chart.svg()
        default:
            throw CommandFailure("WrongKind", "`\(name)` is not a result, task or model the plotting layer can draw", at: a.range(of: "object"))
        }
        invocation.show(MIMEBundle(plainText: "[plot of \(name)]", svg: svg))
        return nil
    }
}

extension TableCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (_, result) = try invocation.resultObject("result")
        let digits = invocation.arguments.integer("digits") ?? 4
        let table = result.meansOnly
        invocation.show(MIMEBundle(plainText: TableExport.plainText(table, significantDigits: digits),
                                   html: TableExport.html(table, significantDigits: digits)))
        return nil
    }
}

extension ShowCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let task = try invocation.taskObject("task")
        let samples = a.integer("samples") ?? 4, context = a.integer("context") ?? 10
        var model: (name: String, model: TransformerModelObject)?
        if a.objectName("model") != nil {
            let found = try invocation.modelObject("model")
            try invocation.requireMatchingInputs(task: task, model: found, taskKey: "task")
            guard context + 1 <= found.model.configuration.points else {
                throw CommandFailure("OutOfRange", "context=\(context) leaves no room for the query point in model `\(found.name)` (\(found.model.configuration.points) points)",
                                     hint: "use context=\(found.model.configuration.points - 1) or less", at: a.range(of: "context"))
            }
            model = found
        }
        let functions: [SampledFunction]
        do { functions = try TaskSamples.draw(from: task.task.source, samples: samples, context: context, seed: UInt64(a.integer("seed") ?? 0)) } catch {
            throw invocation.failure(error, key: "task")
        }
        var predictions: (name: String, predictions: [[Double]])?
        if let model {
            var all: [[Double]] = []
            for function in functions {
                try invocation.checkCancellation("show stopped while predicting")
                do { all.append(try TaskSamples.predictions(of: model.model.model, for: function)) } catch { throw invocation.failure(error) }
            }
            predictions = (model.name, all)
        }
        let title = task.task.definition + (model.map { ", \($0.name) from \(context) points" } ?? "")
        let svg = TaskFigures.samples(functions, title: title, model: predictions)
        invocation.show(MIMEBundle(plainText: "[\(functions.count) samples of \(task.name)\(model.map { " with \($0.name)'s predictions" } ?? "")]", svg: svg))
        return nil
    }
}

/// `density`: the paper's Figure 1, the joint density of (x, y) over a task's prompts.
enum DensityCommand {
    static let declaration = CommandDeclaration(
        name: "density",
        summary: "Draw the joint density of (x, y) over many prompts of a task, as a heatmap (the paper's Figure 1).",
        help: "Draws `prompts` prompts of `points` points, bins every (x, y) pair on a grid of `bins` x `bins` cells and shows the density (integrating to 1). y is shown over the central 98% of its values.",
        examples: ["density poly", "density deg5 prompts=2000 bins=50 title=\"degree 5, 3 fixed\""],
        positionals: [Parameter("task", .objectName([.task]), required: true, help: "The task to sample.")],
        keys: [
            Parameter("prompts", .integer(IntegerBounds(minimum: 1, maximum: 1_000_000)), default: .integer(5000), help: "Prompts drawn."),
            Parameter("points", .integer(IntegerBounds(minimum: 1, maximum: 1000)), default: .integer(50), help: "Points per prompt."),
            Parameter("bins", .integer(IntegerBounds(minimum: 2, maximum: 400)), default: .integer(60), help: "Cells along each axis."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompts drawn."),
            Parameter("title", .string, help: "Title above the plot."),
        ],
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let task = try invocation.taskObject("task")
        guard task.task.source.inputDimension == 1 else {
            throw CommandFailure("InvalidValue", "the density is drawn for scalar x; `\(task.name)` has x of width \(task.task.source.inputDimension)", at: a.range(of: "task"))
        }
        let prompts = a.integer("prompts") ?? 5000, points = a.integer("points") ?? 50
        try invocation.requireShape(of: task, count: min(prompts, 1000), points: points, key: "task")
        let histogram = try DensityFigure.histogram(source: task.task.source, prompts: prompts, points: points, bins: a.integer("bins") ?? 60,
                                                    seed: UInt64(a.integer("seed") ?? 0), isCancelled: { invocation.cancellation.isCancelled })
        let heatmap = Heatmap(title: a.string("title") ?? "Joint density of (x, y): \(task.task.definition)", xLabel: "x", yLabel: "y",
                              colorbarLabel: "density", values: histogram.values, xRange: histogram.xRange, yRange: histogram.yRange)
        invocation.show(MIMEBundle(plainText: "[density of \(task.name): \(prompts) prompts x \(points) points]", svg: heatmap.svg()))
        return nil
    }
}
