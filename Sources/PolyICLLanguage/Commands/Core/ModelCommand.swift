import PolyICLCore

/// `model`: a new transformer (run body in ModelRun.swift).
enum ModelCommand {
    static let presetNames = ModelConfiguration.presets.map(\.name)

    static let declaration = CommandDeclaration(
        name: "model",
        summary: "Make a new transformer from a preset, with any size overridden.",
        help: """
        Presets: \(ModelConfiguration.presets.map { "\($0.name) (dim \($0.configuration.embedding), \($0.configuration.layers) layers, \($0.configuration.heads) heads, \($0.configuration.points) points)" }.joined(separator: ", ")).
        `standard` is the paper's model (1,211,009 parameters). Keys given beside a preset override it.
        """,
        examples: [
            "base = model preset=standard seed=1",
            "mini = model layers=2 heads=2 dim=32 points=41",
            "nopos = model preset=small positions=off",
        ],
        keys: [
            Parameter("preset", .word(presetNames), default: .word("standard"), help: "The architecture to start from."),
            Parameter("layers", .integer(IntegerBounds(minimum: 1, maximum: 64)), help: "Transformer blocks."),
            Parameter("heads", .integer(IntegerBounds(minimum: 1, maximum: 64)), help: "Attention heads per block; must divide dim."),
            Parameter("dim", .integer(IntegerBounds(minimum: 1, maximum: 4096)), help: "Width of the residual stream."),
            Parameter("points", .integer(IntegerBounds(minimum: 1, maximum: 4096)), help: "Largest number of (x, y) points in a prompt."),
            Parameter("inputs", .integer(IntegerBounds(minimum: 1, maximum: 1024)), default: .integer(1), help: "Width of x (1 for polynomials)."),
            Parameter("positions", .boolean, default: .boolean(true), help: "Learned position embeddings (off: none, paper A.7)."),
            Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the initial weights."),
        ],
        checks: [configurationIsValid],
        produces: .model,
        updatesEnvironment: ModelChecks.recordConfiguration,
        run: run)

    /// The configuration the arguments describe: the preset with the given keys over it.
    static func configuration(from arguments: Arguments) -> ModelConfiguration {
        var c = ModelConfiguration.preset(named: arguments.word("preset") ?? "standard")
            ?? ModelConfiguration(embedding: 128, layers: 6, heads: 4, points: 81)
        if let v = arguments.integer("layers") { c.layers = v }
        if let v = arguments.integer("heads") { c.heads = v }
        if let v = arguments.integer("dim") { c.embedding = v }
        if let v = arguments.integer("points") { c.points = v }
        if let v = arguments.integer("inputs") { c.inputDimension = v }
        if let v = arguments.boolean("positions") { c.positionalEmbeddings = v }
        return c
    }

    /// dim divisible by heads (and the core's other rules), pointing at the key at fault.
    static let configurationIsValid: CrossCheck = { arguments, _ in
        do {
            try configuration(from: arguments).validate()
            return []
        } catch let error as ModelConfigurationError {
            let key = error.field == "input dimension" ? "inputs" : error.field
            let shown = arguments.isGiven(key) ? arguments.range(of: key) : arguments.range(of: "heads")
            let preset = arguments.isGiven(key) ? "" : " (from preset \(arguments.word("preset") ?? "standard"))"
            return [Diagnostic(.invalidValue, "\(key)=\(error.value)\(preset) is not valid", at: shown, hint: "expected \(error.expected)")]
        } catch {
            return [Diagnostic(.invalidValue, "\(error)", at: arguments.commandRange)]
        }
    }
}
