/// `train`: trains a model in place (run body in TrainRun.swift).
enum TrainCommand {
    /// Parameter groups that can be frozen (blocks h.0 ... h.63; checked against the
    /// model's layer count when it is bound).
    static let groups = ["read_in", "wpe"] + (0..<64).map { "h.\($0)" } + ["ln_f", "read_out"]

    static let declaration = CommandDeclaration(
        name: "train",
        summary: "Train a model on a task, showing live progress; the model keeps its last completed step if interrupted.",
        help: """
        Each step draws a fresh batch of prompts from the task and takes one optimizer step on \
        the mean squared error. With `curriculum=a..b` the number of points starts at a and grows \
        by 2 every `every` steps up to b (Garg et al.). Interrupting keeps the weights of the last \
        completed step.
        """,
        examples: [
            "train base on=poly steps=20000 batch=64 lr=1e-4 curriculum=5..81 every=2000 seed=1",
            "train base on=deg5 steps=500 lr=5e-5 freeze=[read_in, wpe]",
            "train base on=poly steps=1000 optimizer=sgd lr=0.01 schedule=cosine warmup=100 clip=1",
            "aligned = task chebyshev degree=5 clamp=0.5\ntrain ft on=aligned steps=500 loss=hinge threshold=0.5 weight=100",
        ],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "The model to train (changed in place).")],
        keys: [
            Parameter("on", .objectName([.task]), required: true, help: "The task prompts are drawn from."),
            Parameter("steps", .integer(IntegerBounds(minimum: 1, maximum: 100_000_000)), default: .integer(1000), help: "Optimizer steps."),
            Parameter("batch", .integer(IntegerBounds(minimum: 1, maximum: 65_536)), default: .integer(64), help: "Prompts per step."),
            Parameter("lr", .number(.positive), help: "Learning rate; when absent 1e-4 for a plain model, 5e-5 for a LoRA model, 5e-2 for a soft prompt (the paper's)."),
            Parameter("optimizer", .word(["adam", "sgd"]), default: .word("adam"), help: "Adam (β 0.9, 0.999, ε 1e-8) or plain SGD."),
            Parameter("schedule", .word(["constant", "cosine", "linear"]), default: .word("constant"), help: "How the learning rate changes over the steps."),
            Parameter("warmup", .integer(.nonNegative), default: .integer(0), help: "Steps of linear warm-up from 0 to lr."),
            Parameter("clip", .number(.positive), help: "Clip the gradient's global norm to this (no clipping when absent)."),
            Parameter("curriculum", .integerRange(.positive), help: "Points per prompt growing from a to b (default: the model's points throughout)."),
            Parameter("every", .integer(.positive), default: .integer(2000), help: "Steps between curriculum increases of 2 points."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompts drawn."),
            Parameter("freeze", .list(.word(groups)), default: .list([]), help: "Parameter groups left unchanged."),
            Parameter("loss", .word(["mse", "hinge"]), default: .word("mse"),
                      help: "mse, or hinge for alignment: mean of (ŷ-y)² + weight·1[y ≥ T]·max(0, ŷ-T)² on a task with clamp=T."),
            Parameter("threshold", .number(.any), help: "T of the hinge loss (default: the task's clamp)."),
            Parameter("weight", .number(.nonNegative), default: .number(100), help: "Weight of the hinge penalty (the paper: 100)."),
        ],
        checks: [warmupWithinSteps, ModelChecks.curriculumWithinContext, ModelChecks.frozenGroupsExist, TaskChecks.inputWidthMatches(task: "on", model: "model")],
        run: run)

    static let warmupWithinSteps: CrossCheck = { arguments, _ in
        guard let warmup = arguments.integer("warmup"), let steps = arguments.integer("steps"), warmup > steps else { return [] }
        return [Diagnostic(.outOfRange, "warmup=\(warmup) is longer than the whole run (steps=\(steps))", at: arguments.range(of: "warmup"),
                           hint: "use warmup=\(steps / 10) or fewer steps of warm-up than steps=")]
    }
}
