/// `plot`, `table` and `show`: views of results, tasks and models (run bodies in ViewRun.swift).
enum PlotCommand {
    static let declaration = CommandDeclaration(
        name: "plot",
        summary: "Plot a result (error against context length), a task's samples or a model's training loss, as SVG.",
        help: "Results are drawn with one line per model and baseline and shaded bootstrap intervals.",
        examples: ["plot ev", "plot ev scale=linear intervals=false title=\"degree 5\"", "plot base"],
        positionals: [Parameter("object", .objectName([.result, .task, .model]), required: true, help: "What to plot.")],
        keys: [
            Parameter("scale", .word(["log", "linear"]), default: .word("log"), help: "The y axis."),
            Parameter("intervals", .boolean, default: .boolean(true), help: "Shade the bootstrap intervals."),
            Parameter("title", .string, help: "Title above the plot."),
        ],
        run: run)
}

enum TableCommand {
    static let declaration = CommandDeclaration(
        name: "table",
        summary: "Show a result as a table (HTML with plain text beside it).",
        help: "One row per context length, one column per model and baseline.",
        examples: ["table ev", "table ev digits=3"],
        positionals: [Parameter("result", .objectName([.result]), required: true, help: "The result to tabulate.")],
        keys: [Parameter("digits", .integer(IntegerBounds(minimum: 1, maximum: 17)), default: .integer(4), help: "Significant digits shown.")],
        run: run)
}

enum ShowCommand {
    static let declaration = CommandDeclaration(
        name: "show",
        summary: "Plot sampled functions of a task, with a model's predictions from a context.",
        help: "Each panel shows the true curve, the context points and, with `model=`, the model's prediction at every x.",
        examples: ["show poly samples=4", "show poly samples=4 model=base context=25"],
        positionals: [Parameter("task", .objectName([.task]), required: true, help: "The task to sample.")],
        keys: [
            Parameter("samples", .integer(IntegerBounds(minimum: 1, maximum: 64)), default: .integer(4), help: "Functions drawn."),
            Parameter("model", .objectName([.model]), help: "A model whose predictions are drawn."),
            Parameter("context", .integer(.nonNegative), default: .integer(10), help: "Context points given to the model."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the functions drawn."),
        ],
        // The model predicts the point after its context, so the context leaves one point free.
        checks: [ModelChecks.pointsWithinContext("context", model: "model", offset: 1)],
        run: run)
}
