import PolyICLCore
import PolyICLRender

/// `align`: in-context alignment, error above and below the threshold (Figure 4).
enum AlignCommand {
    static let declaration = CommandDeclaration(
        name: "align",
        summary: "In-context alignment: error on clamped prompts, split above/below the threshold, median per context length (the paper's Figure 4).",
        help: """
        Every context point's y is clamped, min(p(x), T). The error at each position is \
        (ŷ - min(p(x), T))², the distance from the aligned answer; queries are split by whether \
        the true p(x) is above T. Medians over prompts, as the paper. Several models (Figure 14: \
        model sizes) are drawn side by side. A second chart gives each model's violation rate: the \
        fraction of queries whose aligned answer is T (p(x) > T) answered above T, what the hinge \
        loss of alignment fine-tuning teaches. Below them, one clamped polynomial with the \
        first model's prediction after `context` points.
        """,
        examples: [
            "al = align base on=deg5 threshold=0.5 points=31 samples=1280",
            "al = align [base, ft] on=deg5 threshold=0.5 baselines=[lstsq]",
        ],
        positionals: [Parameter("models", .list(.objectName([.model])), required: true, help: "The model (or models) to measure.")],
        keys: [
            Parameter("on", .objectName([.task]), required: true, help: "A Chebyshev task; its prompts are clamped at the threshold."),
            Parameter("threshold", .number(.any), default: .number(0.5), help: "The clamp T."),
            Parameter("points", .integer(.positive), default: .integer(31), help: "Points per prompt."),
            Parameter("baselines", .list(.function(EvalCommand.baselines)), default: .list([]), help: "Baselines measured on the same clamped prompts."),
            Parameter("context", .integer(.nonNegative), default: .integer(10), help: "Context points in the example function plot."),
        ] + ExperimentFormat.commonKeys,
        produces: .result,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let models = try invocation.modelObjects("models")
        let (taskName, task) = try invocation.chebyshevTask("on")
        let threshold = a.number("threshold") ?? 0.5, points = a.integer("points") ?? 31
        var predictors = try models.map { try invocation.predictor($0, points: points, inputWidth: 1, key: "models") }
        let taskObject = try invocation.taskObject("on")
        predictors += try invocation.baselinePredictors(for: taskObject, taken: Set(models.map(\.name)))
        let settings = ExperimentFormat.settings(a, points: points)
        var table: ResultTable
        do { table = try AlignmentEvaluation.inContext(task: task, threshold: threshold, predictors: predictors, settings: settings) } catch {
            throw invocation.failure(error)
        }
        try invocation.checkCancellation("align stopped; no result was kept")
        table.title = "in-context alignment on \(taskName), threshold \(ExperimentFormat.number(threshold))"
        let names = predictors.map(\.name)
        let positions = table[column: "position"] ?? []
        var lines: [LineSeries] = []
        for (index, name) in names.enumerated() {
            for (part, dash) in [("above", LineDash.solid), ("below", LineDash.dashed)] {
                lines.append(LineSeries(name: "\(name) \(part) T", xs: positions, ys: table[column: "\(name) \(part) median"] ?? [],
                                        color: Color.cycle(index), dash: dash, marker: positions.count <= 40 ? .circle : .none, markerSize: 4))
            }
        }
        let chart = Chart(title: table.title, xLabel: "clamped in-context examples", yLabel: "median squared error to min(p(x), T)", yScale: .log, lines: lines)
        var figure = chart.svg()
        let rates = names.enumerated().map { index, name in
            LineSeries(name: name, xs: positions, ys: table[column: "\(name) violation rate"] ?? [], color: Color.cycle(index), dash: .solid,
                       marker: positions.count <= 40 ? .circle : .none, markerSize: 4)
        }
        figure += Chart(title: "answers above T where the aligned answer is T", xLabel: "clamped in-context examples",
                        yLabel: "fraction of queries with p(x) > T answered > T", yScale: .linear, yRange: 0...1, lines: rates).svg()
        if let first = models.first {
            figure += try examplePlot(model: first, task: task, threshold: threshold, context: min(a.integer("context") ?? 10, first.model.configuration.points - 1 - (first.model.model.adapters?.promptPairs ?? 0)), seed: settings.seed, invocation: invocation)
        }
        let shown = ["position", "above count", "below count"] + names.flatMap { ["\($0) above median", "\($0) below median", "\($0) violation rate"] }
        return ResultObject(table: table, figure: figure, shownColumns: shown)
    }

    /// One clamped polynomial, its clamped context points and the model's prediction.
    static func examplePlot(model: (name: String, model: TransformerModelObject), task: ChebyshevTask, threshold: Double, context: Int, seed: UInt64,
                            invocation: CommandInvocation) throws -> String {
        do {
            let clamped = try ChebyshevTask(degrees: task.degrees, fixedCoefficients: task.fixedCoefficients, noiseVariance: task.noiseVariance,
                                            clampThreshold: threshold, xLower: task.xLower, xUpper: task.xUpper)
            guard let function = try TaskSamples.draw(from: clamped, samples: 1, context: max(0, context), seed: seed).first else { return "" }
            let prediction = try TaskSamples.predictions(of: model.model.model, for: function)
            return Chart.function(title: "\(model.name) after \(function.contextXs.count) clamped points", curveXs: function.curveXs, truth: function.curveYs,
                                  prediction: prediction, contextXs: function.contextXs, contextYs: function.contextYs, threshold: threshold,
                                  truthLabel: "min(p(x), T)", predictionLabel: model.name).svg()
        } catch {
            throw invocation.failure(error)
        }
    }
}
