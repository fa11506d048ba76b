#if canImport(Glibc)
import Glibc
#endif

/// LayerNorm over the last dimension (eps 1e-5, as GPT-2), llm.c style: the forward pass
/// keeps each row's mean and 1/std for the backward pass. `rowStride` > 1 normalises only
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
            for k in range {
                let r = k * rowStride
                let x = input + r * width, y = output + r * width
                let m = VectorMath.sum(x, width) / Float(width)
                var variance: Float = 0
                for i in 0..<width { let d = x[i] - m; variance += d * d }
                variance /= Float(width)
                let s = 1 / (variance + epsilon).squareRoot()
                for i in 0..<width { y[i] = (x[i] - m) * s * gain[i] + bias[i] }
                mean[r] = m
                inverseStd[r] = s
            }
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
            for k in range {
                let r = k * rowStride
                let x = input + r * width, dy = outputGradient + r * width, dx = inputGradient + r * width
                let m = mean[r], s = inverseStd[r]
                var meanNorm: Float = 0, meanNormXhat: Float = 0
                for i in 0..<width {
                    let xhat = (x[i] - m) * s
                    let dnorm = gain[i] * dy[i]
                    meanNorm += dnorm
                    meanNormXhat += dnorm * xhat
                    if wantParameters {
                        dBias[i] += dy[i]
                        dGain[i] += xhat * dy[i]
                    }
                }
                meanNorm /= Float(width)
                meanNormXhat /= Float(width)
                for i in 0..<width {
                    let xhat = (x[i] - m) * s
                    dx[i] += (gain[i] * dy[i] - meanNorm - xhat * meanNormXhat) * s
                }
            }
        }
        guard wantParameters else { return }
        for worker in 0..<executor.workerCount(for: visited, minimumPerWorker: 64) {
            let dGain = partials + worker * 2 * width, dBias = dGain + width
            if let gainGradient { for i in 0..<width { gainGradient[i] += dGain[i] } }
            if let biasGradient { for i in 0..<width { biasGradient[i] += dBias[i] } }
        }
    }
}
