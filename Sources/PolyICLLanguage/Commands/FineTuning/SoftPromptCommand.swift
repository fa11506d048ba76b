import PolyICLCore

/// `softprompt`: a copy of a model with a learned soft prompt (the base is not changed).
enum SoftPromptCommand {
    static let declaration = CommandDeclaration(
        name: "softprompt",
        summary: "A copy of a model with P learned (x, y) embedding pairs before every prompt; train fine-tunes only them.",
        help: """
        The paper's prompt tuning: 2P vectors (x then y of each pair) written into the residual \
        stream at positions 0..2P-1, initialised as read_in of N(0,1) values; the real prompt \
        follows, so a prompt of n points needs P + n ≤ the model's points. 50 pairs on the \
        standard model are 12,800 parameters. `train` then uses lr=5e-2 unless lr= is given.
        """,
        examples: ["sp = softprompt base pairs=50 seed=1", "sp2 = softprompt base pairs=2"],
        positionals: [Parameter("base", .objectName([.model]), required: true, help: "The model to prompt (left unchanged).")],
        keys: [
            Parameter("pairs", .integer(IntegerBounds(minimum: 1, maximum: 4095)), default: .integer(50), help: "Soft prompt pairs P."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompt's initial values."),
        ],
        checks: [FineTuningDefaults.pairsFit("pairs")],
        produces: .model,
        updatesEnvironment: FineTuningDefaults.recordBaseConfiguration,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let (baseName, base) = try invocation.plainModel("base")
        let pairs = a.integer("pairs") ?? 50
        let points = base.configuration.points
        guard pairs < points else {
            throw CommandFailure("OutOfRange", "pairs=\(pairs) leaves no room for the prompt: model `\(baseName)` takes \(points) points (\(base.configuration.positions) positions)",
                                 hint: "use pairs=\(max(1, points / 2)) or fewer, so that pairs + points ≤ \(points)", at: a.range(of: "pairs"))
        }
        let copy = try invocation.copy(of: base, parameters: base.model.parameterValues)
        var generator = RandomGenerator(seed: UInt64(a.integer("seed") ?? 0))
        do {
            let adapters = try ModelAdapters(model: copy.model, lora: nil, softPromptPairs: pairs, generator: &generator)
            try copy.model.attach(adapters)
            invocation.sink.stream(.stdout, "soft prompt on \(baseName): \(pairs) pairs, \(TextFormat.grouped(adapters.parameterCount)) trainable parameters (base frozen; prompts of up to \(points - pairs) points; train uses lr=5e-2 unless given)\n")
        } catch {
            throw invocation.failure(error, key: "pairs")
        }
        return copy
    }
}
