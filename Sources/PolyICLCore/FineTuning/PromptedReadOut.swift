/// `ReadOut` over sequences that start with a soft prompt: each sequence has `prefix` prompt
/// rows and then 2 * points token rows; predictions come from the token x rows only.
extension ReadOut {
    static func forward(
        predictions: UnsafeMutablePointer<Float>, hidden: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        sequences: Int, points: Int, prefix: Int, width C: Int
    ) {
        guard prefix > 0 else {
            forward(predictions: predictions, hidden: hidden, weight: weight, bias: bias, outputs: sequences * points, width: C)
            return
        }
        let T = prefix + 2 * points
        for s in 0..<sequences {
            forward(predictions: predictions + s * points, hidden: hidden + (s * T + prefix) * C,
                    weight: weight, bias: bias, outputs: points, width: C)
        }
    }

    /// As the plain backward; the prompt rows' hidden gradient is set to zero, because
    /// ln_f's backward (every other row from row 0) visits the prompt's even rows too.
    static func backward(
        hiddenGradient: UnsafeMutablePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        predictionGradient: UnsafePointer<Float>, hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        sequences: Int, points: Int, prefix: Int, width C: Int
    ) {
        guard prefix > 0 else {
            backward(hiddenGradient: hiddenGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                     predictionGradient: predictionGradient, hidden: hidden, weight: weight, outputs: sequences * points, width: C)
            return
        }
        let T = prefix + 2 * points
        for s in 0..<sequences {
            (hiddenGradient + s * T * C).update(repeating: 0, count: prefix * C)
            backward(hiddenGradient: hiddenGradient + (s * T + prefix) * C,
                     weightGradient: weightGradient, biasGradient: biasGradient,
                     predictionGradient: predictionGradient + s * points, hidden: hidden + (s * T + prefix) * C,
                     weight: weight, outputs: points, width: C)
        }
    }
}
