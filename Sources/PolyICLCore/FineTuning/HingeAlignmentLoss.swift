/// The alignment fine-tuning loss: squared error to the clamped target plus a hinge penalty,
/// weighted w, on predictions above the threshold T where the target is clamped:
///
///     L = (1 / N) * sum_i [ (ŷ_i - y_i)^2 + w * c_i * max(0, ŷ_i - T)^2 ],
///     c_i = 1 if y_i >= T (the target was clamped), else 0;
///     dL/dŷ_i = (2 / N) * [ (ŷ_i - y_i) + w * c_i * max(0, ŷ_i - T) ],
///
/// over the N = count x points predictions, with targets y_i = min(p(x_i) [+ noise], T) as
/// ``ChebyshevTask`` with `clampThreshold: T` makes them.
///
/// Why c_i comes from the target and not from the clean values: the target is min(value, T),
/// so it equals T exactly where the clamp acted (value >= T), and is below T everywhere else.
/// With noise-free tasks that is exactly 1{p(x) >= T} (what ChebyshevTask's `cleanValues`
/// would give); with noise it is 1{p(x) + noise >= T}, the points whose target was actually
/// clamped. Reading it from the target keeps the loss a plain ``Loss`` (no side channel).
/// On a clamped point an over-shoot costs (1 + w) times as much as an under-shoot: the
/// asymmetric pressure the paper's hinge weight 100 puts on answers above the threshold.
public struct HingeAlignmentLoss: Loss {
    public var threshold: Float
    public var weight: Float

    /// The paper's settings: T = 0.5, w = 100.
    public init(threshold: Float = 0.5, weight: Float = 100) throws {
        guard threshold.isFinite else { throw FineTuningError("alignment threshold \(threshold) is not valid: expected a finite number") }
        guard weight.isFinite, weight >= 0 else { throw FineTuningError("hinge weight \(weight) is not valid: expected a finite number >= 0") }
        self.threshold = threshold
        self.weight = weight
    }

    public func evaluate(
        predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>,
        count: Int, points: Int, gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        let n = count * points
        let scale = 2 / Float(n)
        var sum: Double = 0
        for i in 0..<n {
            let difference = predictions[i] - targets[i]
            let excess = targets[i] >= threshold ? max(0, predictions[i] - threshold) : 0
            sum += Double(difference * difference) + Double(weight) * Double(excess * excess)
            gradient[i] = scale * (difference + weight * excess)
        }
        return Float(sum / Double(n))
    }
}
