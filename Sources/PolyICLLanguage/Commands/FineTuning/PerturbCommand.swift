import PolyICLCore
import PolyICLRender

/// `perturb`: error as the soft prompt is scaled or turned toward its hard prompts (Figure 12).
enum PerturbCommand {
    static let declaration = CommandDeclaration(
        name: "perturb",
        summary: "Error with the soft prompt scaled, and turned toward (+) / away from (-) its nearest hard prompts (the paper's Figure 12).",
        help: """
        scale= multiplies every soft vector by each factor; angles= turns each vector in the \
        plane of itself and its nearest hard prompt by each angle in radians, keeping its length. \
        Each is a list ([0.5, 1, 1.2]) or a range (0.5..1.2) spread over values= evenly spaced values, ends included. Without either, \
        both, over the paper's ranges: scale 0.5..1.2, angles -0.8..0.8. Every value sees the same \
        prompts; the soft prompt is restored afterwards. Error: squared error averaged over the \
        prompt's positions, mean over prompts with a bootstrap interval.
        """,
        examples: [
            "pt = perturb sp on=deg5 scale=0.5..1.2 values=8 angles=-0.8..0.8",
            "pt = perturb sp on=deg5 scale=[0.5, 1, 1.2] points=20 samples=640",
        ],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "A model made by `softprompt` (and trained).")],
        keys: [
            Parameter("on", .objectName([.task]), required: true, help: "The task the error is measured on."),
            Parameter("scale", .oneOf([.numberRange(.positive), .list(.number(.positive))]), help: "Factors (list, or a range spread over values= values)."),
            Parameter("angles", .oneOf([.numberRange(.any), .list(.number(.any))]), help: "Angles in radians (list, or a range spread over values= values)."),
            Parameter("values", .integer(IntegerBounds(minimum: 2, maximum: 1000)), default: .integer(8), help: "How many evenly spaced values a range (scale= or angles=) is spread over, both ends included."),
            Parameter("points", .integer(.positive), default: .integer(31), help: "Points per prompt (at most the model's points minus its pairs)."),
        ] + ExperimentFormat.commonKeys,
        produces: .result,
        run: run)

    static func values(_ a: Arguments, _ key: String, default fallback: (Double, Double)) -> [Double]? {
        let count = a.integer("values") ?? 8
        func spread(_ lower: Double, _ upper: Double) -> [Double] { (0..<count).map { lower + (upper - lower) * Double($0) / Double(count - 1) } }
        switch a[key] {
        case .numberRange(let lower, let upper)?: return spread(lower, upper)
        case .list(let items)?: return items.compactMap(\.numberValue)
        case let single? where single.numberValue != nil: return [single.numberValue ?? 0]
        default: return a.isGiven("scale") || a.isGiven("angles") ? nil : spread(fallback.0, fallback.1)
        }
    }

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let model = try invocation.modelObject("model")
        guard (model.model.model.adapters?.promptPairs ?? 0) > 0 else {
            throw CommandFailure("InvalidValue", "`\(model.name)` has no soft prompt to perturb", hint: "make one with `sp = softprompt \(model.name) pairs=50` and train it",
                                 at: a.range(of: "model"))
        }
        let task = try invocation.taskObject("on")
        let points = a.integer("points") ?? 31
        _ = try invocation.predictor(model, points: points, inputWidth: task.task.source.inputDimension, key: "on")
        try invocation.requireShape(of: task, count: a.integer("samples") ?? 1280, points: points, key: "on")
        let settings = ExperimentFormat.settings(a, points: points)
        var curves: [(String, SoftPromptAnalysis.Perturbation)] = []
        if let scales = values(a, "scale", default: (0.5, 1.2)) { curves.append(("scale", .scale(scales))) }
        if let angles = values(a, "angles", default: (-0.8, 0.8)) { curves.append(("angle", .rotation(angles))) }
        var tables: [ResultTable] = []
        for (_, perturbation) in curves {
            try invocation.checkCancellation("perturb stopped; no result was kept")
            do { tables.append(try SoftPromptAnalysis.perturbationCurve(model: model.model.model, task: task.task.source, perturbation: perturbation, settings: settings)) } catch {
                throw invocation.failure(error)
            }
        }
        let charts = zip(curves, tables).map { curve, table -> FigurePanel in
            let xs = table[column: curve.0] ?? []
            let unperturbed = curve.0 == "scale" ? 1.0 : 0.0
            return .chart(Chart(title: curve.0 == "scale" ? "soft prompt scaled" : "soft prompt turned toward its hard prompts",
                                xLabel: curve.0 == "scale" ? "scale factor" : "angle (radians, + toward)", yLabel: "mean squared error", yScale: .log,
                                lines: [LineSeries(name: model.name, xs: xs, ys: table[column: "mean"] ?? [], color: Color.cycle(0), marker: .circle, markerSize: 4,
                                                   band: IntervalBand(lower: table[column: "lower"] ?? [], upper: table[column: "upper"] ?? []))],
                                referenceLines: [ReferenceLine(.vertical(x: unperturbed), label: "learned prompt")]))
        }
        let title = "soft prompt perturbation of \(model.name) on \(task.name)"
        let grid = FigureGrid(title: title, panels: charts, columns: 2, panelWidth: 460)
        // One table: a `perturbation` column (0 scale, 1 angle), the value, and the statistics.
        var kinds: [Double] = [], values: [Double] = []
        var stats: [String: [Double]] = [:]
        for (index, table) in tables.enumerated() {
            let xs = table[column: curves[index].0] ?? []
            kinds += xs.map { _ in curves[index].0 == "scale" ? 0 : 1 }
            values += xs
            for column in ["mean", "median", "lower", "upper"] { stats[column, default: []] += table[column: column] ?? [] }
        }
        let combined = ResultTable(title: title, columns: [.init(name: "is angle", values: kinds), .init(name: "value", values: values)]
            + ["mean", "median", "lower", "upper"].map { .init(name: $0, values: stats[$0] ?? []) },
            notes: (tables.first?.notes ?? [:]).merging(["is angle": "0: scale factor, 1: angle in radians toward (+) / away from (-) the nearest hard prompts"]) { $1 })
        return ResultObject(table: combined, figure: grid.svg(), shownColumns: ["is angle", "value", "mean", "median"])
    }
}
