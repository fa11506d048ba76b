/// The architecture of an in-context regressor: a GPT-2 backbone between a shared
/// `read_in` and a scalar `read_out` (Garg et al.'s `TransformerModel`).
public struct ModelConfiguration: Sendable, Hashable, Codable {
    /// Width of the residual stream (`n_embd`).
    public var embedding: Int
    /// Number of transformer blocks (`n_layer`).
    public var layers: Int
    /// Attention heads per block (`n_head`); must divide `embedding`.
    public var heads: Int
    /// Largest number of (x, y) points in a prompt; the model has `2 * points` positions.
    public var points: Int
    /// Width of x; y is zero-padded to this width before `read_in`.
    public var inputDimension: Int
    /// Learned absolute position embeddings (`wpe`); off removes the tensor (paper A.7).
    public var positionalEmbeddings: Bool

    public init(
        embedding: Int, layers: Int, heads: Int, points: Int,
        inputDimension: Int = 1, positionalEmbeddings: Bool = true
    ) {
        self.embedding = embedding
        self.layers = layers
        self.heads = heads
        self.points = points
        self.inputDimension = inputDimension
        self.positionalEmbeddings = positionalEmbeddings
    }

    /// Number of token positions (`n_positions` in Garg's code is `points`; GPT-2 sees twice that).
    public var positions: Int { 2 * points }
    public var headDimension: Int { embedding / heads }
    public var hiddenWidth: Int { 4 * embedding }

    /// Named architectures. `standard` is the paper's model (1,211,009 parameters).
    public static let presets: [(name: String, configuration: ModelConfiguration)] = [
        ("tiny", ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 16)),
        ("small", ModelConfiguration(embedding: 64, layers: 2, heads: 2, points: 81)),
        ("medium", ModelConfiguration(embedding: 128, layers: 4, heads: 4, points: 81)),
        ("standard", ModelConfiguration(embedding: 128, layers: 6, heads: 4, points: 81)),
        ("large", ModelConfiguration(embedding: 256, layers: 8, heads: 8, points: 81)),
        ("garg", ModelConfiguration(embedding: 256, layers: 12, heads: 8, points: 101)),
    ]

    public static func preset(named name: String) -> ModelConfiguration? {
        presets.first { $0.name == name }?.configuration
    }

    /// Throws a ``ModelConfigurationError`` naming the first field that is out of range.
    public func validate() throws {
        func require(_ ok: Bool, _ field: String, _ value: Int, _ expected: String) throws {
            if !ok { throw ModelConfigurationError(field: field, value: value, expected: expected) }
        }
        try require(embedding > 0, "dim", embedding, "a positive width")
        try require(layers > 0, "layers", layers, "at least 1 layer")
        try require(heads > 0, "heads", heads, "at least 1 head")
        try require(
            embedding % heads == 0, "heads", heads,
            "a divisor of dim=\(embedding) (for example \(Self.divisors(of: embedding).suffix(4).map(String.init).joined(separator: ", ")))")
        try require(points > 0, "points", points, "at least 1 point")
        try require(inputDimension > 0, "input dimension", inputDimension, "at least 1")
    }

    private static func divisors(of n: Int) -> [Int] { (1...max(1, n)).filter { n % $0 == 0 && $0 <= 64 } }

    /// Every parameter tensor with its PyTorch state-dict name and layout, in the order
    /// they sit in the model's flat parameter buffer.
    public var parameterLayout: [ParameterSpec] {
        var specs: [ParameterSpec] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], _ group: String, _ kind: ParameterSpec.Kind, fanIn: Int = 0) {
            let spec = ParameterSpec(name: name, shape: shape, offset: offset, group: group, kind: kind, fanIn: fanIn)
            specs.append(spec)
            offset += spec.count
        }
        let d = embedding
        add("_read_in.weight", [d, inputDimension], "read_in", .linearWeight, fanIn: inputDimension)
        add("_read_in.bias", [d], "read_in", .linearBias, fanIn: inputDimension)
        if positionalEmbeddings { add("_backbone.wpe.weight", [positions, d], "wpe", .positionEmbedding) }
        for i in 0..<layers {
            let h = "_backbone.h.\(i)."
            let g = "h.\(i)"
            add(h + "ln_1.weight", [d], g, .layerNormGain)
            add(h + "ln_1.bias", [d], g, .bias)
            add(h + "attn.c_attn.weight", [d, 3 * d], g, .conv1DWeight)
            add(h + "attn.c_attn.bias", [3 * d], g, .bias)
            add(h + "attn.c_proj.weight", [d, d], g, .residualProjectionWeight)
            add(h + "attn.c_proj.bias", [d], g, .bias)
            add(h + "ln_2.weight", [d], g, .layerNormGain)
            add(h + "ln_2.bias", [d], g, .bias)
            add(h + "mlp.c_fc.weight", [d, 4 * d], g, .conv1DWeight)
            add(h + "mlp.c_fc.bias", [4 * d], g, .bias)
            add(h + "mlp.c_proj.weight", [4 * d, d], g, .residualProjectionWeight)
            add(h + "mlp.c_proj.bias", [d], g, .bias)
        }
        add("_backbone.ln_f.weight", [d], "ln_f", .layerNormGain)
        add("_backbone.ln_f.bias", [d], "ln_f", .bias)
        add("_read_out.weight", [1, d], "read_out", .linearWeight, fanIn: d)
        add("_read_out.bias", [1], "read_out", .linearBias, fanIn: d)
        return specs
    }

    public var parameterCount: Int { parameterLayout.reduce(0) { $0 + $1.count } }

    /// Parameter groups that can be frozen, in model order.
    public var parameterGroups: [String] {
        var seen: [String] = []
        for spec in parameterLayout where seen.last != spec.group { seen.append(spec.group) }
        return seen
    }
}

/// One parameter tensor of the model: PyTorch name, shape (row-major, PyTorch layout:
/// Conv1D weights are [in, out], `nn.Linear` weights [out, in]) and place in the flat buffer.
public struct ParameterSpec: Sendable, Hashable, Codable {
    /// How the tensor is initialised and what it is. The backbone gets GPT-2's
    /// initialisation; `read_in` and `read_out` are plain `nn.Linear` layers outside the
    /// backbone, which Garg et al.'s code leaves at PyTorch's defaults.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// U(-1/sqrt(fanIn), 1/sqrt(fanIn)), stored [out, in] (`nn.Linear` default).
        case linearWeight
        /// U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (`nn.Linear` default).
        case linearBias
        /// N(0, 0.02), stored [in, out] (Hugging Face `Conv1D`).
        case conv1DWeight
        /// N(0, 0.02 / sqrt(2 * layers)), stored [in, out]: attn.c_proj and mlp.c_proj.
        case residualProjectionWeight
        /// N(0, 0.02).
        case positionEmbedding
        /// 1.
        case layerNormGain
        /// 0.
        case bias
    }

    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var group: String
    public var kind: Kind
    /// Inputs of the `nn.Linear` layer this tensor belongs to (0 for other kinds).
    public var fanIn: Int = 0
    public var count: Int { shape.reduce(1, *) }
}

/// A configuration that cannot be built, with the field, the value and what would be right.
public struct ModelConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var value: Int
    public var expected: String
    public var description: String { "\(field)=\(value) is not valid: expected \(expected)" }
}
