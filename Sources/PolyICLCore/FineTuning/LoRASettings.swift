/// A weight matrix of every transformer block that a LoRA adapter can be put on, named as
/// the Hugging Face GPT-2 module it belongs to (peft's `target_modules` names).
public enum LoRATarget: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The fused Q, K, V projection, Conv1D [d, 3d]: the paper's only target.
    case attentionInput = "attn.c_attn"
    /// The attention output projection, Conv1D [d, d].
    case attentionOutput = "attn.c_proj"
    /// The MLP's first layer, Conv1D [d, 4d].
    case mlpInput = "mlp.c_fc"
    /// The MLP's second layer, Conv1D [4d, d].
    case mlpOutput = "mlp.c_proj"

    /// Block order: adapters are laid out and exported in this order within a block.
    var order: Int {
        switch self {
        case .attentionInput: 0
        case .attentionOutput: 1
        case .mlpInput: 2
        case .mlpOutput: 3
        }
    }

    public static func < (lhs: LoRATarget, rhs: LoRATarget) -> Bool { lhs.order < rhs.order }

    /// (in, out) of the matrix for a model `width` wide.
    func shape(width d: Int) -> (input: Int, output: Int) {
        switch self {
        case .attentionInput: (d, 3 * d)
        case .attentionOutput: (d, d)
        case .mlpInput: (d, 4 * d)
        case .mlpOutput: (4 * d, d)
        }
    }

    /// Accepts the module name ("attn.c_attn", also "c_attn") as a user would type it.
    public init?(moduleName: String) {
        if let exact = LoRATarget(rawValue: moduleName) { self = exact; return }
        switch moduleName {
        case "c_attn": self = .attentionInput
        case "c_fc": self = .mlpInput
        default: return nil
        }
    }
}

/// LoRA as the paper (and peft's `LoraConfig`) sets it up: rank r, alpha, scale alpha / r,
/// no dropout, on the `targets` matrices of every block.
public struct LoRASettings: Sendable, Hashable, Codable {
    public var rank: Int
    public var alpha: Float
    public var targets: Set<LoRATarget>

    /// The paper's defaults: rank 4, alpha 16 (scale 4), on attn.c_attn only.
    public init(rank: Int = 4, alpha: Float = 16, targets: Set<LoRATarget> = [.attentionInput]) {
        self.rank = rank
        self.alpha = alpha
        self.targets = targets
    }

    /// alpha / r, the factor on B A (peft's `scaling`).
    public var scale: Float { alpha / Float(rank) }

    /// Targets in block order.
    public var orderedTargets: [LoRATarget] { targets.sorted() }

    /// Throws a ``FineTuningError`` naming the first setting out of range for a model `width` wide.
    public func validate(width: Int) throws {
        guard rank >= 1, rank <= width else {
            throw FineTuningError("LoRA rank \(rank) is not valid: expected 1 to the model's width \(width)")
        }
        guard alpha.isFinite, alpha > 0 else {
            throw FineTuningError("LoRA alpha \(alpha) is not valid: expected a positive number (the scale is alpha / rank)")
        }
        guard !targets.isEmpty else {
            throw FineTuningError("LoRA has no target matrices: expected one or more of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

/// A fine-tuning request that cannot be carried out, saying what is wrong and what would be right.
public struct FineTuningError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
