import CKernels

/// LayerNorm over the last dimension (eps 1e-5, as GPT-2), llm.c style: the forward pass
/// keeps each row's mean and 1/std for the backward pass. The row loops are C
/// (Sources/CKernels/layernorm.c), built for AVX-512/AVX2/baseline. `rowStride` > 1 normalises only
/// every n-th row (ln_f is only read at the x positions).
enum LayerNorm {
    static let epsilon: Float = 1e-5

    static func forward(
        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, gain: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, width: Int, rowStride: Int = 1, executor: ParallelExecutor
    ) {
        let visited = (rows + rowStride - 1) / rowStride
        executor.forEachChunk(count: visited, minimumPerWorker: 64) { range, _ in
            polyicl_layernorm_forward(
                output, mean, inverseStd, input, gain, bias,
                range.lowerBound * rowStride, range.count, rowStride, width, epsilon)
        }
    }

    /// Accumulates into `inputGradient` (the residual stream's gradient: LayerNorm is a branch
    /// off it). `gainGradient`/`biasGradient` nil when frozen. `partials` holds
    /// `executor.threads * 2 * width` floats for per-worker sums, combined in worker order.
    /// `rowStride` > 1 visits only every n-th row (ln_f is read at the x positions only).
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>,
        gainGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, gain: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
        partials: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, rowStride: Int = 1, executor: ParallelExecutor
    ) {
        let visited = (rows + rowStride - 1) / rowStride
        let wantParameters = gainGradient != nil || biasGradient != nil
        executor.forEachChunk(count: visited, minimumPerWorker: 64) { range, worker in
            let dGain = partials + worker * 2 * width, dBias = dGain + width
            if wantParameters { dGain.update(repeating: 0, count: 2 * width) }
            polyicl_layernorm_backward(
                inputGradient, wantParameters ? dGain : nil, wantParameters ? dBias : nil,
                outputGradient, input, gain, mean, inverseStd,
                range.lowerBound * rowStride, range.count, rowStride, width)
        }
        guard wantParameters else { return }
        addPartials(partials, workers: executor.workerCount(for: visited, minimumPerWorker: 64),
                    gainGradient: gainGradient, biasGradient: biasGradient, width: width)
    }

    /// `backward` with its operands gathered (`BackwardOperands`).
    static func backward(
        _ operands: BackwardOperands, outputGradient: UnsafePointer<Float>, rows: Int, width: Int, executor: ParallelExecutor
    ) {
        backward(
            inputGradient: operands.inputGradient, gainGradient: operands.gainGradient, biasGradient: operands.biasGradient,
            outputGradient: outputGradient, input: operands.input, gain: operands.gain, mean: operands.mean,
            inverseStd: operands.inverseStd, partials: operands.partials, rows: rows, width: width, executor: executor)
    }

    /// Adds the workers' gain and bias partial sums (2 * width floats each) in worker order.
    static func addPartials(
        _ partials: UnsafePointer<Float>, workers: Int,
        gainGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?, width: Int
    ) {
        for worker in 0..<workers {
            let dGain = partials + worker * 2 * width, dBias = dGain + width
            if let gainGradient { for i in 0..<width { gainGradient[i] += dGain[i] } }
            if let biasGradient { for i in 0..<width { biasGradient[i] += dBias[i] } }
        }
    }

    /// What `backward` reads and accumulates into, for a pass that takes a gradient on through
    /// LayerNorm's backward itself (`Conv1D.backwardThroughLayerNorm`).
    struct BackwardOperands {
        /// += the gradient at LayerNorm's input (the residual stream's gradient).
        let inputGradient: UnsafeMutablePointer<Float>
        /// nil when frozen.
        let gainGradient, biasGradient: UnsafeMutablePointer<Float>?
        let input, gain, mean, inverseStd: UnsafePointer<Float>
        /// `threads * 2 * width` floats for the workers' partial sums, as `backward`'s.
        let partials: UnsafeMutablePointer<Float>
        /// [rows, width] floats, used only if a worker cannot take its share in one pass.
        let fallbackScratch: UnsafeMutablePointer<Float>

        /// The worker's gain and bias partials, zeroed (nil when the parameters are frozen).
        func zeroedPartials(of worker: Int, width: Int) -> (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) {
            guard gainGradient != nil || biasGradient != nil else { return (nil, nil) }
            let dGain = partials + worker * 2 * width
            dGain.update(repeating: 0, count: 2 * width)
            return (dGain, dGain + width)
        }

        func addPartials(workers: Int, width: Int) {
            guard gainGradient != nil || biasGradient != nil else { return }
            LayerNorm.addPartials(partials, workers: workers, gainGradient: gainGradient, biasGradient: biasGradient, width: width)
        }
    }
}
