/// `eval`: error per context length against baselines (run body in EvalRun.swift).
enum EvalCommand {
    static let baselines: [FunctionDeclaration] = [
        FunctionDeclaration("lstsq", help: "Least squares on Chebyshev features up to the task's degree (0 before any context point)."),
        FunctionDeclaration("ridge", parameters: [("λ", .number(.nonNegative))], help: "Ridge regression with penalty λ, as in ridge(0.2)."),
        FunctionDeclaration("zero", help: "Always predicts 0."),
    ]

    static let declaration = CommandDeclaration(
        name: "eval",
        summary: "Measure a model's squared error at each context length, beside baselines, with bootstrap intervals.",
        help: """
        Draws `samples` prompts of `points` points from the task; the error at position k is the \
        squared error of the prediction of y_k from the k-1 points before it, averaged over prompts, \
        with a 5-95% bootstrap interval.
        """,
        examples: [
            "ev = eval base on=deg5 points=31 samples=1280 baselines=[lstsq, ridge(0.2), zero]",
            "eval base on=poly",
            "ev = eval base on=poly samples=12800 paired=[ridge(0.2)]",
        ],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "The model to evaluate.")],
        keys: [
            Parameter("on", .objectName([.task]), required: true, help: "The task prompts are drawn from."),
            Parameter("points", .integer(.positive), default: .integer(31), help: "Points per prompt (at most the model's points)."),
            Parameter("samples", .integer(IntegerBounds(minimum: 1, maximum: 10_000_000)), default: .integer(1280), help: "Prompts drawn."),
            Parameter("baselines", .list(.function(baselines)), default: .list([.call(name: "lstsq", arguments: []), .call(name: "ridge", arguments: [.number(0.2)]), .call(name: "zero", arguments: [])]),
                      help: "Baselines evaluated on the same prompts."),
            Parameter("paired", .list(.function(baselines)), default: .list([]),
                      help: "Baselines to compare the model with prompt by prompt: adds `model − baseline` columns, the mean difference of squared errors with its bootstrap interval (below 0: the model is better), and a second panel to the plot."),
            Parameter("bootstrap", .integer(.nonNegative), default: .integer(1000), help: "Bootstrap resamples for the intervals (0: none)."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompts drawn."),
        ],
        checks: [ModelChecks.pointsWithinContext("points"), TaskChecks.inputWidthMatches(task: "on", model: "model")],
        produces: .result,
        run: run)
}
