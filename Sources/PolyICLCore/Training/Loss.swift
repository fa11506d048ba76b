/// A training objective on the model's predictions: returns the loss and writes
/// dLoss/dPrediction. Replaceable, so fine-tuning can bring its own (e.g. hinge-weighted).
public protocol Loss: Sendable {
    /// `predictions` and `targets` are [count, points]; `gradient` receives dLoss/dPrediction.
    func evaluate(
        predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>,
        count: Int, points: Int, gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float
}

/// Mean squared error over batch x points (Garg et al.'s and the paper's training loss).
public struct MeanSquaredError: Loss {
    public init() {}

    public func evaluate(
        predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>,
        count: Int, points: Int, gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        let n = count * points
        let scale = 2 / Float(n)
        var sum: Double = 0  // Double: 5,000+ terms
        for i in 0..<n {
            let difference = predictions[i] - targets[i]
            sum += Double(difference * difference)
            gradient[i] = scale * difference
        }
        return Float(sum / Double(n))
    }
}
