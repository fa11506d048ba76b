/// `shift`: error against the size of a distribution shift, next to least squares (run
/// body in ShiftRun.swift).
enum ShiftCommand {
    static let declaration = CommandDeclaration(
        name: "shift",
        summary: "Measure a model's error as the prompt distribution moves away from its task, beside least squares.",
        help: """
        For each size, prompts are drawn from the task moved by that size (size 0, or factor 1, \
        is the task itself) and the squared error of the prediction of the last point, from the \
        points before it, is averaged over prompts with a 5-95% bootstrap interval. Every size \
        uses the same random draws, moved or stretched, so the curves compare like with like. \
        Least squares (and zero) run on the same prompts: on noise-free linear regression with \
        more points than dimensions least squares is exact whatever the shift.
        """,
        examples: [
            "sx = shift lin5 on=lin kind=xshift sizes=[0, 0.5, 1, 2] points=21 samples=640",
            "shift lin5 on=lin kind=wscale sizes=[1, 2, 4]",
            "shift base on=poly kind=degree sizes=[0, 1, 2]",
        ],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "The model to evaluate.")],
        keys: [
            Parameter("on", .objectName([.task]), required: true, help: "The training task the shifts start from."),
            Parameter("kind", .word(ShiftKinds.words), default: .word("xshift"), help: ShiftKinds.kindHelp),
            Parameter("sizes", .list(.number(.any)), help: ShiftKinds.sizesHelp),
            Parameter("points", .integer(.positive), help: "Points per prompt; the error is that of the last (default: the model's points)."),
            Parameter("samples", .integer(IntegerBounds(minimum: 1, maximum: 10_000_000)), default: .integer(640), help: "Prompts per size."),
            Parameter("bootstrap", .integer(.nonNegative), default: .integer(1000), help: "Bootstrap resamples for the intervals (0: none)."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompts drawn (the same at every size)."),
        ],
        checks: [ModelChecks.pointsWithinContext("points"), TaskChecks.inputWidthMatches(task: "on", model: "model"), ShiftKinds.kindFitsTask],
        produces: .result,
        run: run)
}
