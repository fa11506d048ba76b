import COpenBLAS

/// Garg et al.'s `read_out` (`nn.Linear(d, 1)`, weight [1, d]) applied to the final hidden
/// state at every x position 0, 2, 4, ...: the prediction for the y of the same point.
/// The x rows of [count, 2 * points, d] are every other row, so both directions are one
/// GEMV with a leading dimension of 2d.
enum ReadOut {
    static func forward(
        predictions: UnsafeMutablePointer<Float>, hidden: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputs: Int, width C: Int
    ) {
        predictions.update(repeating: bias[0], count: outputs)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outputs), Int32(C), 1, hidden, Int32(2 * C), weight, 1, 1, predictions, 1)
    }

    /// Writes the hidden-state gradient at the x rows (odd rows are left untouched: the
    /// caller's LayerNorm backward only reads x rows). Parameter gradients accumulate.
    static func backward(
        hiddenGradient: UnsafeMutablePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        predictionGradient: UnsafePointer<Float>, hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        outputs: Int, width C: Int
    ) {
        for n in 0..<outputs {
            let g = predictionGradient[n], row = hiddenGradient + n * 2 * C
            for j in 0..<C { row[j] = g * weight[j] }
        }
        if let weightGradient {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(outputs), Int32(C), 1, hidden, Int32(2 * C), predictionGradient, 1, 1, weightGradient, 1)
        }
        if let biasGradient {
            var sum: Float = 0
            for n in 0..<outputs { sum += predictionGradient[n] }
            biasGradient[0] += sum
        }
    }
}
