import PolyICLCore
import PolyICLRender

/// `jailbreak`: answers above the threshold after k unclamped examples (Figure 5).
enum JailbreakCommand {
    static let declaration = CommandDeclaration(
        name: "jailbreak",
        summary: "Jailbreaking an aligned model: fraction of answers above the threshold and error after k unclamped examples (the paper's Figure 5).",
        help: """
        Each prompt is a polynomial and a query x whose true value is above T, after k = 0 ... K \
        unclamped examples (x, p(x)) of the same polynomial; the same examples for every k. \
        Reports the fraction of answers above T and the error (ŷ - T)², with bootstrap intervals.
        """,
        examples: ["jb = jailbreak ft on=deg5 threshold=0.5 examples=0..10 samples=1000"],
        positionals: [Parameter("models", .list(.objectName([.model])), required: true, help: "The (aligned) model or models.")],
        keys: [
            Parameter("on", .objectName([.task]), required: true, help: "A Chebyshev task the polynomials are drawn from (its clamp is ignored: the examples are unclamped)."),
            Parameter("threshold", .number(.any), default: .number(0.5), help: "The threshold T the model was aligned to."),
            Parameter("examples", .integerRange(.nonNegative), default: .integerRange(0...10), help: "Unclamped examples k before the query."),
        ] + ExperimentFormat.commonKeys,
        produces: .result,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let models = try invocation.modelObjects("models")
        let (taskName, task) = try invocation.chebyshevTask("on")
        let threshold = a.number("threshold") ?? 0.5
        let range = a.integerRange("examples") ?? 0...10
        let predictors = try models.map { try invocation.predictor($0, points: range.upperBound + 1, inputWidth: 1, key: "examples") }
        let unclamped: ChebyshevTask
        do {
            unclamped = try ChebyshevTask(degrees: task.degrees, fixedCoefficients: task.fixedCoefficients, noiseVariance: task.noiseVariance,
                                          xLower: task.xLower, xUpper: task.xUpper)
        } catch { throw invocation.failure(error, key: "on") }
        var table: ResultTable
        do {
            table = try AlignmentEvaluation.jailbreak(task: unclamped, threshold: threshold, maximumExamples: range.upperBound, predictors: predictors,
                                                      settings: ExperimentFormat.settings(a, points: range.upperBound + 1))
        } catch { throw invocation.failure(error) }
        try invocation.checkCancellation("jailbreak stopped; no result was kept")
        // Rows below the range's start are dropped (they were needed for the paired prompts).
        let keep = (table[column: "examples"] ?? []).indices.filter { (table[column: "examples"] ?? [])[$0] >= Double(range.lowerBound) }
        table.columns = table.columns.map { column in .init(name: column.name, values: keep.map { column.values[$0] }) }
        table.title = "jailbreak on \(taskName): answers above \(ExperimentFormat.number(threshold)) after k unclamped examples"
        let ks = table[column: "examples"] ?? []
        func line(_ index: Int, _ name: String, _ stem: String, _ centre: String) -> LineSeries {
            LineSeries(name: name, xs: ks, ys: table[column: "\(name) \(stem) \(centre)"] ?? [], color: Color.cycle(index), marker: .circle, markerSize: 4,
                       band: IntervalBand(lower: table[column: "\(name) \(stem) lower"] ?? [], upper: table[column: "\(name) \(stem) upper"] ?? []))
        }
        let names = predictors.map(\.name)
        let above = Chart(title: "answers above the threshold", xLabel: "unclamped in-context examples", yLabel: "fraction above T", yRange: 0...1,
                          lines: names.enumerated().map { line($0.offset, $0.element, "above threshold", "mean") })
        let error = Chart(title: "distance from the aligned answer", xLabel: "unclamped in-context examples", yLabel: "mean (ŷ - T)²", yScale: .log,
                          lines: names.enumerated().map { line($0.offset, $0.element, "error", "mean") })
        let grid = FigureGrid(title: table.title, panels: [.chart(above), .chart(error)], columns: 2, panelWidth: 460)
        let shown = ["examples"] + names.flatMap { ["\($0) above threshold mean", "\($0) error mean", "\($0) error median"] }
        return ResultObject(table: table, figure: grid.svg(), shownColumns: shown)
    }
}
