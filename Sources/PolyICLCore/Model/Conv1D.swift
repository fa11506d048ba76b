import CKernels
import COpenBLAS

/// Hugging Face GPT-2's `Conv1D`: output[r, o] = sum_i input[r, i] * weight[i, o] + bias[o],
/// with the weight stored [in, out]. One GEMM over all batch*positions rows.
enum Conv1D {
    /// Writes `output` [rows, outputWidth]; with `residual` it writes residual + projection
    /// (the block's skip connection fused into the GEMM's beta = 1 accumulate).
    static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        residual: UnsafePointer<Float>? = nil,
        rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) {
        // Fill the output with bias (+ residual) so the GEMM can accumulate onto it.
        executor.forEachChunk(count: rows, minimumPerWorker: 256) { range, _ in
            polyicl_fill_bias_rows(
                output + range.lowerBound * outputWidth, residual.map { $0 + range.lowerBound * outputWidth },
                bias, range.count, outputWidth)
        }
        ParallelGemm.multiply(
            transposeA: false, transposeB: false, m: rows, n: outputWidth, k: inputWidth,
            alpha: 1, a: input, lda: inputWidth, b: weight, ldb: outputWidth,
            beta: 1, c: output, ldc: outputWidth, executor: executor)
    }

    /// Gradients of `forward`. `inputGradient` is overwritten (nil: not needed);
    /// `weightGradient`/`biasGradient` are accumulated (nil: the layer is frozen, no GEMM).
    /// `ones` holds at least `rows` ones (bias gradient as a GEMV).
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>?,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        ones: UnsafePointer<Float>,
        rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) {
        if let inputGradient {
            // dInput[rows, in] = dOutput[rows, out] * weight[in, out]^T
            ParallelGemm.multiply(
                transposeA: false, transposeB: true, m: rows, n: inputWidth, k: outputWidth,
                alpha: 1, a: outputGradient, lda: outputWidth, b: weight, ldb: outputWidth,
                beta: 0, c: inputGradient, ldc: inputWidth, executor: executor)
        }
        if let weightGradient {
            // dWeight[in, out] += input[rows, in]^T * dOutput[rows, out]
            ParallelGemm.multiply(
                transposeA: true, transposeB: false, m: inputWidth, n: outputWidth, k: rows,
                alpha: 1, a: input, lda: inputWidth, b: outputGradient, ldb: outputWidth,
                beta: 1, c: weightGradient, ldc: outputWidth, executor: executor)
        }
        if let biasGradient {
            // dBias[out] += sum over rows of dOutput: dOutput^T * ones
            cblas_sgemv(
                CblasRowMajor, CblasTrans, Int32(rows), Int32(outputWidth),
                1, outputGradient, Int32(outputWidth), ones, 1, 1, biasGradient, 1)
        }
    }
}
