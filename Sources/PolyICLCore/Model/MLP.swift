import CKernels

/// GPT-2's MLP after ln_2, with the block's skip connection: output = residual +
/// c_proj(gelu(c_fc(input))). With our GEMM each worker takes its rows a block at a time,
/// c_fc, GELU and c_proj in turn while the block's hidden activations are in cache
/// (`polyicl_mlp_forward`); the hidden activations are otherwise a pass through memory each
/// way. Without our GEMM, or for widths its buffers do not hold, the two Conv1Ds run in turn.
enum MLP {
    /// With `keepingActivations` (a pass that a backward follows), `activation` [rows, 4C]
    /// receives gelu(c_fc's output) and `preActivation` [rows, 4C] GELU's slope at c_fc's
    /// output, all GELU's backward needs; otherwise both are scratch, left unspecified.
    static func forward(
        output: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>,
        activation: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, residual: UnsafePointer<Float>,
        fcWeight: UnsafePointer<Float>, fcBias: UnsafePointer<Float>,
        projectionWeight: UnsafePointer<Float>, projectionBias: UnsafePointer<Float>,
        keepingActivations: Bool, rows: Int, width: Int, executor: ParallelExecutor
    ) {
        let hidden = 4 * width
        guard executor.usesOwnGemm, polyicl_mlp_forward_fits(width, hidden) != 0 else {
            Conv1D.forward(
                output: preActivation, input: input, weight: fcWeight, bias: fcBias,
                geluOutput: activation, keepingGELUSlope: keepingActivations,
                rows: rows, inputWidth: width, outputWidth: hidden, executor: executor)
            Conv1D.forward(
                output: output, input: activation, weight: projectionWeight, bias: projectionBias, residual: residual,
                rows: rows, inputWidth: hidden, outputWidth: width, executor: executor)
            return
        }
        executor.forEachChunk(count: rows, minimumPerWorker: 256) { range, _ in
            let first = range.lowerBound
            // Nonzero only if the block buffers could not be allocated.
            if polyicl_mlp_forward(
                output + first * width, keepingActivations ? preActivation + first * hidden : nil,
                keepingActivations ? activation + first * hidden : nil, input + first * width, residual + first * width,
                fcWeight, fcBias, projectionWeight, projectionBias, range.count, width, hidden) == 0 {
                return
            }
            Conv1D.forwardRows(
                range, output: preActivation, input: input, weight: fcWeight, bias: fcBias, residual: nil,
                geluOutput: activation, keepingGELUSlope: keepingActivations,
                inputWidth: width, outputWidth: hidden, own: true)
            Conv1D.forwardRows(
                range, output: output, input: activation, weight: projectionWeight, bias: projectionBias,
                residual: residual, geluOutput: nil, keepingGELUSlope: false,
                inputWidth: hidden, outputWidth: width, own: true)
        }
    }
}
