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
        executor.forEachChunk(count: rows, minimumPerWorker: 256) { range, _ in
            forwardRows(
                range, output: output, input: input, weight: weight, bias: bias, residual: residual,
                geluOutput: geluOutput, keepingGELUSlope: keepingGELUSlope,
                inputWidth: inputWidth, outputWidth: outputWidth, own: executor.usesOwnGemm)
        }
    }

    /// `forward` on one worker's rows.
    static func forwardRows(
        _ range: Range<Int>, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        residual: UnsafePointer<Float>?, geluOutput: UnsafeMutablePointer<Float>?,
        keepingGELUSlope: Bool, inputWidth: Int, outputWidth: Int, own: Bool
    ) {
        let first = range.lowerBound, count = range.count
        // Nonzero only when the weight is too large for the packing buffer (or no memory).
        if own, polyicl_linear_forward(
            output + first * outputWidth, input + first * inputWidth, weight, bias,
            residual.map { $0 + first * outputWidth }, geluOutput.map { $0 + first * outputWidth },
            keepingGELUSlope ? 1 : 0, count, inputWidth, outputWidth) == 0 {
            return
        }
        let tile = tileRows(outputWidth: outputWidth)
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
                polyicl_gelu_forward_with_slope(geluOutput + start * outputWidth, out, out, count * outputWidth)
            } else if let geluOutput {
                polyicl_gelu_forward(geluOutput + start * outputWidth, out, count * outputWidth)
            }
            start += count
        }
    }

    /// Gradients of `forward`. `inputGradient` is overwritten (nil: not needed);
    /// `weightGradient`/`biasGradient` are accumulated (nil: the layer is frozen, no GEMM).
    /// `ones` holds at least `rows` ones (a bias gradient alone is a GEMV); `partials` holds
    /// `partialsCount(threads:inputWidth:outputWidth:)` floats of scratch.
    ///
    /// With `geluSlope` (the input was gelu(x), as c_proj's in the MLP, and `geluSlope` holds
    /// gelu'(x), kept by the forward), `inputGradient` is the gradient with respect to x
    /// instead: each block of rows goes through GELU's backward while still in cache, which
    /// saves writing the gradient at the GELU's output to memory and reading it back.
    ///
    /// The reduction over rows of the parameter gradients is split across workers: each reads
    /// only its share of both operands (splitting the output instead made every worker read
    /// all of one operand). Worker 0 accumulates into the gradients, the others into
    /// `partials`, which are then added in worker order: the same bits on every run with the
    /// same thread count. With our GEMM and both gradients wanted, each worker makes one pass
    /// over its rows for both (`polyicl_linear_backward`), reading `outputGradient` once.
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>?,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        geluSlope: UnsafePointer<Float>? = nil, ones: UnsafePointer<Float>, partials: UnsafeMutablePointer<Float>,
        rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) {
        guard rows > 0 else { return }
        let layout = RowSplit(rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, executor: executor)
        if let inputGradient, let weightGradient, executor.usesOwnGemm,
           polyicl_linear_backward_fits(inputWidth, outputWidth) != 0 {
            executor.forEachChunk(count: layout.tiles, minimumPerWorker: layout.minimumTilesPerWorker) { tiles, worker in
                let start = tiles.lowerBound * RowSplit.tile, end = min(rows, tiles.upperBound * RowSplit.tile)
                let share = layout.share(of: worker, weightGradient: weightGradient, biasGradient: biasGradient, partials: partials)
                let dInput = inputGradient + start * inputWidth, dOutput = outputGradient + start * outputWidth
                let x = input + start * inputWidth, slope = geluSlope.map { $0 + start * inputWidth }
                if polyicl_linear_backward(
                    dInput, share.weight, share.bias, dOutput, x, weight, slope, nil, end - start,
                    inputWidth, outputWidth, share.beta) != 0 {
                    inputGradientRows(dInput, outputGradient: dOutput, weight: weight, geluSlope: slope, rows: end - start,
                                      inputWidth: inputWidth, outputWidth: outputWidth, own: true)
                    parameterGradientRows(share, outputGradient: dOutput, input: x, ones: ones, rows: end - start,
                                          inputWidth: inputWidth, outputWidth: outputWidth, own: true)
                }
            }
        } else {
            if let inputGradient, geluSlope != nil || !executor.usesOwnGemm {
                // Whole 12-row tiles per worker: the split changes no value, as every row is computed alone.
                executor.forEachChunk(count: layout.tiles) { tiles, _ in
                    let start = tiles.lowerBound * RowSplit.tile, end = min(rows, tiles.upperBound * RowSplit.tile)
                    inputGradientRows(
                        inputGradient + start * inputWidth, outputGradient: outputGradient + start * outputWidth,
                        weight: weight, geluSlope: geluSlope.map { $0 + start * inputWidth }, rows: end - start,
                        inputWidth: inputWidth, outputWidth: outputWidth, own: executor.usesOwnGemm)
                }
            } else if let inputGradient {
                // dInput[rows, in] = dOutput[rows, out] * weight[in, out]^T
                ParallelGemm.multiply(
                    transposeA: false, transposeB: true, m: rows, n: inputWidth, k: outputWidth,
                    alpha: 1, a: outputGradient, lda: outputWidth, b: weight, ldb: outputWidth,
                    beta: 0, c: inputGradient, ldc: inputWidth, executor: executor)
            }
            guard weightGradient != nil || biasGradient != nil else { return }
            executor.forEachChunk(count: layout.tiles, minimumPerWorker: layout.minimumTilesPerWorker) { tiles, worker in
                let start = tiles.lowerBound * RowSplit.tile, end = min(rows, tiles.upperBound * RowSplit.tile)
                parameterGradientRows(
                    layout.share(of: worker, weightGradient: weightGradient, biasGradient: biasGradient, partials: partials),
                    outputGradient: outputGradient + start * outputWidth, input: input + start * inputWidth, ones: ones,
                    rows: end - start, inputWidth: inputWidth, outputWidth: outputWidth, own: executor.usesOwnGemm)
            }
        }
        layout.addPartials(partials, into: weightGradient, biasGradient: biasGradient, executor: executor)
    }

    /// `backward` taken on through the LayerNorm whose output was this Conv1D's input, in one pass
    /// per worker: each block of rows of the gradient at LayerNorm's output goes through
    /// LayerNorm's backward while in cache (`polyicl_linear_backward`), so it is never written
    /// to memory. Returns false, having done nothing, unless our GEMM runs it and the weight's
    /// gradient is wanted; the caller then runs `backward` and `LayerNorm.backward`.
    static func backwardThroughLayerNorm(
        _ layerNorm: LayerNorm.BackwardOperands,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        ones: UnsafePointer<Float>, partials: UnsafeMutablePointer<Float>,
        rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor
    ) -> Bool {
        guard rows > 0, let weightGradient, executor.usesOwnGemm,
              polyicl_linear_backward_fits(inputWidth, outputWidth) != 0 else { return false }
        let layout = RowSplit(rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, executor: executor)
        executor.forEachChunk(count: layout.tiles, minimumPerWorker: layout.minimumTilesPerWorker) { tiles, worker in
            let start = tiles.lowerBound * RowSplit.tile, end = min(rows, tiles.upperBound * RowSplit.tile)
            let share = layout.share(of: worker, weightGradient: weightGradient, biasGradient: biasGradient, partials: partials)
            let dOutput = outputGradient + start * outputWidth, x = input + start * inputWidth
            let (gainPartial, biasPartial) = layerNorm.zeroedPartials(of: worker, width: inputWidth)
            var rowsOperands = polyicl_layernorm_backward_rows(
                input_gradient: layerNorm.inputGradient + start * inputWidth,
                gain_partial: gainPartial, bias_partial: biasPartial,
                input: layerNorm.input + start * inputWidth, gain: layerNorm.gain,
                mean: layerNorm.mean + start, inverse_std: layerNorm.inverseStd + start)
            if polyicl_linear_backward(
                nil, share.weight, share.bias, dOutput, x, weight, nil, &rowsOperands, end - start,
                inputWidth, outputWidth, share.beta) != 0 {
                // Out of memory for the row buffers: the same work in separate passes over this share.
                let dNormalized = layerNorm.fallbackScratch + start * inputWidth
                inputGradientRows(dNormalized, outputGradient: dOutput, weight: weight, geluSlope: nil, rows: end - start,
                                  inputWidth: inputWidth, outputWidth: outputWidth, own: true)
                parameterGradientRows(share, outputGradient: dOutput, input: x, ones: ones, rows: end - start,
                                      inputWidth: inputWidth, outputWidth: outputWidth, own: true)
                polyicl_layernorm_backward(
                    rowsOperands.input_gradient, gainPartial, biasPartial, dNormalized, rowsOperands.input,
                    layerNorm.gain, rowsOperands.mean, rowsOperands.inverse_std, 0, end - start, 1, inputWidth)
            }
        }
        layout.addPartials(partials, into: weightGradient, biasGradient: biasGradient, executor: executor)
        layerNorm.addPartials(workers: layout.workers, width: inputWidth)
        return true
    }

    /// Scratch floats `backward` needs for `threads` workers.
    static func partialsCount(threads: Int, inputWidth: Int, outputWidth: Int) -> Int {
        max(0, threads - 1) * (inputWidth * outputWidth + outputWidth)
    }

    /// How `backward` splits rows between workers: whole 12-row tiles (our GEMM's micro-tile),
    /// and for the parameter gradients enough per worker that its partial sums are worth adding.
    private struct RowSplit {
        static let tile = 12
        let tiles, minimumTilesPerWorker, workers, weightCount, outputWidth: Int

        init(rows: Int, inputWidth: Int, outputWidth: Int, executor: ParallelExecutor) {
            weightCount = inputWidth * outputWidth
            self.outputWidth = outputWidth
            tiles = (rows + Self.tile - 1) / Self.tile
            let minimumRows = max(256, (1 << 20) / max(1, 2 * weightCount))
            minimumTilesPerWorker = (minimumRows + Self.tile - 1) / Self.tile
            workers = executor.workerCount(for: tiles, minimumPerWorker: minimumTilesPerWorker)
        }

        /// Where a worker puts its parameter gradients.
        struct Share {
            let weight, bias: UnsafeMutablePointer<Float>?
            /// 1 for worker 0, which accumulates into the gradients; 0 for the others' partials.
            let beta: Float
        }

        func share(
            of worker: Int, weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
            partials: UnsafeMutablePointer<Float>
        ) -> Share {
            guard worker > 0 else { return Share(weight: weightGradient, bias: biasGradient, beta: 1) }
            let slot = partials + (worker - 1) * (weightCount + outputWidth)
            return Share(weight: weightGradient.map { _ in slot }, bias: biasGradient.map { _ in slot + weightCount }, beta: 0)
        }

        /// Adds workers 1... partials to the gradients, in worker order.
        func addPartials(
            _ partials: UnsafeMutablePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>?,
            biasGradient: UnsafeMutablePointer<Float>?, executor: ParallelExecutor
        ) {
            guard workers > 1 else { return }
            func add(into target: UnsafeMutablePointer<Float>, offset: Int, count: Int) {
                executor.forEachChunk(count: count, minimumPerWorker: 4_096) { range, _ in
                    for worker in 1..<workers {
                        let source = partials + (worker - 1) * (weightCount + outputWidth) + offset
                        for element in range { target[element] += source[element] }
                    }
                }
            }
            if let weightGradient { add(into: weightGradient, offset: 0, count: weightCount) }
            if let biasGradient { add(into: biasGradient, offset: weightCount, count: outputWidth) }
        }
    }

    /// dInput = dOutput weight^T on one worker's rows, then times `geluSlope` when given.
    private static func inputGradientRows(
        _ dInput: UnsafeMutablePointer<Float>, outputGradient dOutput: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, geluSlope: UnsafePointer<Float>?, rows: Int,
        inputWidth: Int, outputWidth: Int, own: Bool
    ) {
        // Nonzero only when the weight is too large for the packing buffer (or no x86 kernels compiled in).
        if own, polyicl_linear_input_gradient(dInput, dOutput, weight, geluSlope, rows, inputWidth, outputWidth) == 0 {
            return
        }
        ParallelGemm.single(
            own: own, transposeA: false, transposeB: true, m: rows, n: inputWidth, k: outputWidth,
            alpha: 1, a: dOutput, lda: outputWidth, b: weight, ldb: outputWidth,
            beta: 0, c: dInput, ldc: inputWidth)
        if let geluSlope { polyicl_gelu_backward_in_place(dInput, geluSlope, rows * inputWidth) }
    }

    /// A worker's parameter gradients: weight = beta * weight + x^T dY, bias likewise with the
    /// column sums of dY.
    private static func parameterGradientRows(
        _ share: RowSplit.Share, outputGradient dY: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        ones: UnsafePointer<Float>, rows: Int, inputWidth: Int, outputWidth: Int, own: Bool
    ) {
        if let dWeight = share.weight {
            if own, polyicl_linear_parameter_gradients(
                dWeight, share.bias, x, dY, rows, inputWidth, outputWidth, share.beta) == 0 {
                return
            }
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(inputWidth), Int32(outputWidth), Int32(rows),
                1, x, Int32(inputWidth), dY, Int32(outputWidth), share.beta, dWeight, Int32(outputWidth))
        }
        if let dBias = share.bias {
            cblas_sgemv(
                CblasRowMajor, CblasTrans, Int32(rows), Int32(outputWidth),
                1, dY, Int32(outputWidth), ones, 1, share.beta, dBias, 1)
        }
    }
}
