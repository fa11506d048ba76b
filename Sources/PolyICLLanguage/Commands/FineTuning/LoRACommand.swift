import PolyICLCore

/// `lora`: a copy of a model with LoRA adapters attached (the base is not changed).
enum LoRACommand {
    static let targetNames = ["c_attn", "attn.c_attn", "attn.c_proj", "c_fc", "mlp.c_fc", "mlp.c_proj"]

    static let declaration = CommandDeclaration(
        name: "lora",
        summary: "A copy of a model with low-rank (LoRA) adapters on every block; train fine-tunes only the adapters.",
        help: """
        The paper's LoRA: on each block's chosen matrices W (Conv1D, [in, out]) the output gains \
        scale·(x Aᵀ) Bᵀ with A [r, in] (Kaiming-uniform), B [out, r] (zero), scale = alpha/r; the \
        base, read_in and read_out included, is frozen. The standard model at rank 4 on c_attn has \
        12,288 trainable parameters. `train` then uses lr=5e-5 unless lr= is given. The base model \
        is not changed. `merge` folds the adapters into a plain model; `save` writes them with peft's names.
        """,
        examples: [
            "ft = lora base rank=4 alpha=16 targets=[c_attn] seed=1",
            "ft2 = lora base rank=8 targets=[c_attn, mlp.c_fc]",
        ],
        positionals: [Parameter("base", .objectName([.model]), required: true, help: "The model to adapt (left unchanged).")],
        keys: [
            Parameter("rank", .integer(IntegerBounds(minimum: 1, maximum: 4096)), default: .integer(4), help: "Rank r of the adapters."),
            Parameter("alpha", .number(.positive), default: .number(16), help: "LoRA alpha; the update is scaled by alpha/rank."),
            Parameter("targets", .list(.word(targetNames)), default: .list([.word("c_attn")]), help: "Matrices of every block to adapt (peft's target_modules)."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the adapters' initial values."),
        ],
        checks: [rankFits],
        produces: .model,
        updatesEnvironment: FineTuningDefaults.recordBaseConfiguration,
        run: run)

    static let rankFits: CrossCheck = { arguments, environment in
        guard let base = arguments.objectName("base"), let configuration = environment.modelConfiguration(named: base),
              let rank = arguments.integer("rank"), rank > configuration.embedding else { return [] }
        return [Diagnostic(.outOfRange, "rank=\(rank) is more than model `\(base)`'s width (\(configuration.embedding))", at: arguments.range(of: "rank"),
                           hint: "use rank=\(min(4, configuration.embedding)) (low rank is the point of LoRA)")]
    }

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let (baseName, base) = try invocation.plainModel("base")
        let targets = Set((a.list("targets") ?? []).compactMap(\.wordValue).compactMap(LoRATarget.init(moduleName:)))
        let settings = LoRASettings(rank: a.integer("rank") ?? 4, alpha: Float(a.number("alpha") ?? 16), targets: targets.isEmpty ? [.attentionInput] : targets)
        let copy = try invocation.copy(of: base, parameters: base.model.parameterValues)
        var generator = RandomGenerator(seed: UInt64(a.integer("seed") ?? 0))
        do {
            let adapters = try ModelAdapters(model: copy.model, lora: settings, generator: &generator)
            try copy.model.attach(adapters)
            invocation.sink.stream(.stdout, "LoRA on \(baseName): rank \(settings.rank), alpha \(Value.number(Double(settings.alpha)).compactDescription), targets \(settings.orderedTargets.map(\.rawValue).joined(separator: ", ")): \(TextFormat.grouped(adapters.parameterCount)) trainable parameters (base frozen; train uses lr=5e-5 unless given)\n")
        } catch {
            throw invocation.failure(error, key: "rank")
        }
        return copy
    }
}
