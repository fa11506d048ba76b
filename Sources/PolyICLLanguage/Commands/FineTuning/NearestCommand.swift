import PolyICLCore
import PolyICLRender

/// `nearest`: each soft prompt vector against its nearest hard prompt (after Bailey et al.).
enum NearestCommand {
    static let declaration = CommandDeclaration(
        name: "nearest",
        summary: "Each soft prompt vector's nearest hard prompt (its projection onto the image of read_in), with distances and norms.",
        help: """
        A hard prompt is what read_in makes of a real token: W z + b. For each learned vector v \
        the nearest one is found by least squares over z (x vectors use every input coordinate, \
        y vectors only the first). Columns: vector, is y, token z*, soft norm |v|, hard norm |h|, \
        distance |v - h|, angle between v and h (radians).
        """,
        examples: ["nh = nearest sp"],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "A model made by `softprompt` (and trained).")],
        produces: .result,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (name, object) = try invocation.modelObject("model")
        guard (object.model.adapters?.promptPairs ?? 0) > 0 else {
            throw CommandFailure("InvalidValue", "`\(name)` has no soft prompt", hint: "make one with `sp = softprompt \(name) pairs=50` and train it",
                                 at: invocation.arguments.range(of: "model"))
        }
        var table: ResultTable
        do { table = try SoftPromptAnalysis.nearestHardPrompts(model: object.model) } catch { throw invocation.failure(error) }
        table.title = "soft prompt of \(name): nearest hard prompts"
        let vectors = table[column: "vector"] ?? []
        let chart = Chart(title: table.title, xLabel: "soft prompt vector (even: x, odd: y)", yLabel: "length", lines: [
            LineSeries(name: "soft norm |v|", xs: vectors, ys: table[column: "soft norm"] ?? [], color: Color.cycle(0), marker: .circle, markerSize: 4),
            LineSeries(name: "hard norm |h|", xs: vectors, ys: table[column: "hard norm"] ?? [], color: Color.cycle(1), dash: .dashed, marker: .circle, markerSize: 4),
            LineSeries(name: "distance |v - h|", xs: vectors, ys: table[column: "distance"] ?? [], color: Color.cycle(2), marker: .circle, markerSize: 4),
        ])
        return ResultObject(table: table, figure: chart.svg(), shownColumns: table.columns.map(\.name))
    }
}
