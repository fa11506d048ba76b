import PolyICLCore

/// `merge`: a plain model with a LoRA model's adapters folded into its weights.
enum MergeCommand {
    static let declaration = CommandDeclaration(
        name: "merge",
        summary: "A plain model whose weights are a LoRA model's base plus its adapters (W + scale·(B A)ᵀ).",
        help: "The LoRA model is not changed. A soft prompt cannot be merged into weights: save it with `save` instead.",
        examples: ["plain = merge ft"],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "A model made by `lora` (and trained).")],
        produces: .model,
        updatesEnvironment: { arguments, target, environment in
            guard let target, let name = arguments.objectName("model"), let configuration = environment.modelConfiguration(named: name) else { return }
            environment.setModelConfiguration(configuration, for: target)
        },
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (name, object) = try invocation.modelObject("model")
        guard let adapters = object.model.adapters, adapters.lora != nil else {
            throw CommandFailure("InvalidValue", "`\(name)` has no LoRA adapters to merge", hint: "make one with `ft = lora \(name)` and train it",
                                 at: invocation.arguments.range(of: "model"))
        }
        guard adapters.promptPairs == 0 else {
            throw CommandFailure("InvalidValue", "`\(name)` also has a soft prompt, which cannot be merged into weights",
                                 hint: "save the adapters with `save \(name) \"FILE.safetensors\"`", at: invocation.arguments.range(of: "model"))
        }
        let merged = try invocation.copy(of: object, parameters: object.model.mergedParameters())
        invocation.sink.stream(.stdout, "merged the LoRA of \(name) into a plain model (\(TextFormat.grouped(object.configuration.parameterCount)) parameters)\n")
        return merged
    }
}
