import CKernels
import COpenBLAS

/// Hugging Face GPT-2's `Conv1D`: output[r, o] = sum_i input[r, i] * weight[i, o] + bias[o],
/// with the weight stored [in, out]. One GEMM over all batch*positions rows.
enum Conv1D {
    /// Rows per fill-then-multiply tile: about 256 KB of output, so the GEMM finds the bias
    /// (+ residual) rows just written still in the core's L2 cache instead of memory.
    static func tileRows(outputWidth: Int) -> Int {
        max(64, (65_536 / max(1, outputWidth) + 15) / 16 * 16)
    }

    /// Writes `output` [rows, outputWidth]; with `residual` it writes residual + projection
    /// (the block's skip connection fused into the GEMM's beta = 1 accumulate); with
    /// `geluOutput` it also writes gelu(output) there (the MLP's activation, applied to each
    /// tile while it is still in cache), and with `keepingGELUSlope` then replaces `output` by
    /// GELU's slope at it, which is all GELU's backward needs (see `GELU`).
    ///
    /// Each worker takes a contiguous slice of rows. With our own GEMM (`OwnGemm`) one C call
    /// per slice packs the weight once and, per block of 120 rows, fills bias (+ residual),
    /// multiplies and applies GELU while the block is in cache. With OpenBLAS the slice is
    /// walked in tiles: fill a tile with bias (+ residual), then let single-threaded OpenBLAS
    /// accumulate the tile's product.
    static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        residual: UnsafePointer<Float>? = nil, geluOutput: UnsafeMutablePointer<Float>? = nil,
        keepingGELUSlope: Bool = false, rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) {
        let tile = tileRows(outputWidth: outputWidth)
        let own = executor.usesOwnGemm
        executor.forEachChunk(count: rows, minimumPerWorker: 256) { range, _ in
            let first = range.lowerBound, count = range.count
            // Nonzero only when the weight is too large for the packing buffer (or no memory).
            if own, polyicl_linear_forward(
                output + first * outputWidth, input + first * inputWidth, weight, bias,
                residual.map { $0 + first * outputWidth }, geluOutput.map { $0 + first * outputWidth },
                keepingGELUSlope ? 1 : 0, count, inputWidth, outputWidth) == 0 {
                return
            }
            var start = range.lowerBound
            while start < range.upperBound {
                let count = min(tile, range.upperBound - start)
                let out = output + start * outputWidth
                polyicl_fill_bias_rows(out, residual.map { $0 + start * outputWidth }, bias, count, outputWidth)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(outputWidth), Int32(inputWidth),
                    1, input + start * inputWidth, Int32(inputWidth), weight, Int32(outputWidth),
                    1, out, Int32(outputWidth))
                if let geluOutput, keepingGELUSlope {
                    polyicl_gelu_forward_keeping_slope(geluOutput + start * outputWidth, out, count * outputWidth)
                } else if let geluOutput {
                    polyicl_gelu_forward(geluOutput + start * outputWidth, out, count * outputWidth)
                }
                start += count
            }
        }
    }

    /// Gradients of `forward`. `inputGradient` is overwritten (nil: not needed);
    /// `weightGradient`/`biasGradient` are accumulated (nil: the layer is frozen, no GEMM).
    /// `ones` holds at least `rows` ones (a bias gradient alone is a GEMV); `partials` holds
    /// `partialsCount(threads:inputWidth:outputWidth:)` floats of scratch.
    ///
    /// With `geluSlope` (the input was gelu(x), as c_proj's in the MLP, and `geluSlope` holds
    /// gelu'(x), kept by the forward), `inputGradient` is the gradient with respect to x instead: each block of rows
    /// goes through GELU's backward while still in cache, which saves writing the gradient at
    /// the GELU's output to memory and reading it back.
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>?,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        geluSlope: UnsafePointer<Float>? = nil, ones: UnsafePointer<Float>, partials: UnsafeMutablePointer<Float>,
        rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) {
        if let inputGradient, let geluSlope {
            inputGradientThroughGELU(
                inputGradient, outputGradient: outputGradient, weight: weight, geluSlope: geluSlope,
                rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, executor: executor)
        } else if let inputGradient {
            // dInput[rows, in] = dOutput[rows, out] * weight[in, out]^T
            ParallelGemm.multiply(
                transposeA: false, transposeB: true, m: rows, n: inputWidth, k: outputWidth,
                alpha: 1, a: outputGradient, lda: outputWidth, b: weight, ldb: outputWidth,
                beta: 0, c: inputGradient, ldc: inputWidth, executor: executor)
        }
        if weightGradient != nil || biasGradient != nil {
            accumulateParameterGradients(
                weightGradient: weightGradient, biasGradient: biasGradient, outputGradient: outputGradient,
                input: input, ones: ones, partials: partials, rows: rows, inputWidth: inputWidth,
                outputWidth: outputWidth, executor: executor)
        }
    }

    /// dX = (dOutput weight^T) * geluSlope, over slices of whole 12-row tiles
    /// (the split does not change any value: every row is computed alone).
    private static func inputGradientThroughGELU(
        _ inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, geluSlope: UnsafePointer<Float>,
        rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) {
        let own = executor.usesOwnGemm, tile = 12
        executor.forEachChunk(count: (rows + tile - 1) / tile) { tiles, _ in
            let start = tiles.lowerBound * tile, end = min(rows, tiles.upperBound * tile)
            guard start < end else { return }
            let dInput = inputGradient + start * inputWidth, dOutput = outputGradient + start * outputWidth
            let slope = geluSlope + start * inputWidth
            // Nonzero only when the weight is too large for the packing buffer (or no AVX-512).
            if own, polyicl_linear_input_gradient(dInput, dOutput, weight, slope, end - start, inputWidth, outputWidth) == 0 {
                return
            }
            ParallelGemm.single(
                own: own, transposeA: false, transposeB: true, m: end - start, n: inputWidth, k: outputWidth,
                alpha: 1, a: dOutput, lda: outputWidth, b: weight, ldb: outputWidth,
                beta: 0, c: dInput, ldc: inputWidth)
            polyicl_gelu_backward_in_place(dInput, slope, (end - start) * inputWidth)
        }
    }

    /// Scratch floats `backward` needs for `threads` workers.
    static func partialsCount(threads: Int, inputWidth: Int, outputWidth: Int) -> Int {
        max(0, threads - 1) * (inputWidth * outputWidth + outputWidth)
    }

    /// dWeight[in, out] += input[rows, in]^T dOutput[rows, out] and dBias[out] += the column
    /// sums of dOutput, with the reduction over rows split across workers: each reads only
    /// its share of both operands (splitting the output instead made every worker read all
    /// of one operand). Worker 0 accumulates into the gradients, the others into `partials`,
    /// which are then added in worker order: the same bits on every run with the same
    /// thread count.
    private static func accumulateParameterGradients(
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, ones: UnsafePointer<Float>,
        partials: UnsafeMutablePointer<Float>, rows: Int, inputWidth: Int, outputWidth: Int,
        executor: ParallelExecutor
    ) {
        let weightCount = inputWidth * outputWidth, stride = weightCount + outputWidth
        let minimumRows = max(256, (1 << 20) / max(1, 2 * weightCount))
        let workers = executor.workerCount(for: rows, minimumPerWorker: minimumRows)
        let own = executor.usesOwnGemm
        executor.forEachChunk(count: rows, minimumPerWorker: minimumRows) { range, worker in
            let dWeight = weightGradient.map { worker == 0 ? $0 : partials + (worker - 1) * stride }
            let dBias = biasGradient.map { worker == 0 ? $0 : partials + (worker - 1) * stride + weightCount }
            let beta: Float = worker == 0 ? 1 : 0
            let x = input + range.lowerBound * inputWidth, dY = outputGradient + range.lowerBound * outputWidth
            if let dWeight {
                if own, polyicl_linear_parameter_gradients(
                    dWeight, dBias, x, dY, range.count, inputWidth, outputWidth, beta) == 0 {
                    return
                }
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(inputWidth), Int32(outputWidth), Int32(range.count),
                    1, x, Int32(inputWidth), dY, Int32(outputWidth), beta, dWeight, Int32(outputWidth))
            }
            if let dBias {
                cblas_sgemv(
                    CblasRowMajor, CblasTrans, Int32(range.count), Int32(outputWidth),
                    1, dY, Int32(outputWidth), ones, 1, beta, dBias, 1)
            }
        }
        guard workers > 1 else { return }
        func addPartials(into target: UnsafeMutablePointer<Float>, offset: Int, count: Int) {
            executor.forEachChunk(count: count, minimumPerWorker: 4_096) { range, _ in
                for worker in 1..<workers {
                    let source = partials + (worker - 1) * stride + offset
                    for element in range { target[element] += source[element] }
                }
            }
        }
        if let weightGradient { addPartials(into: weightGradient, offset: 0, count: weightCount) }
        if let biasGradient { addPartials(into: biasGradient, offset: weightCount, count: outputWidth) }
    }
}
