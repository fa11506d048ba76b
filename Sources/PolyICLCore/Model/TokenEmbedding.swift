import COpenBLAS

/// The input side of Garg et al.'s model: x and y interleaved into tokens (y zero-padded to
/// the width of x), one shared `read_in` (`nn.Linear`, weight [d, in]) and the learned
/// position embeddings `wpe` [positions, d] added on top.
enum TokenEmbedding {
    /// Writes tokens [count, 2 * points, inputDimension] for sequences
    /// `first ..< first + count` of `batch`: x_i at position 2i, (y_i, 0, ...) at 2i + 1.
    static func interleave(
        tokens: UnsafeMutablePointer<Float>, batch: PromptBatch, first: Int, count: Int
    ) {
        let points = batch.points, width = batch.inputDimension
        batch.xs.withUnsafeBufferPointer { xs in
            batch.ys.withUnsafeBufferPointer { ys in
                for s in 0..<count {
                    let sequence = first + s
                    for i in 0..<points {
                        let xToken = tokens + ((s * points + i) * 2) * width
                        let yToken = xToken + width
                        for k in 0..<width { xToken[k] = xs[(sequence * points + i) * width + k] }
                        yToken[0] = ys[sequence * points + i]
                        for k in 1..<max(1, width) { yToken[k] = 0 }
                    }
                }
            }
        }
    }

    /// output[b, t, :] = read_in(tokens[b, t, :]) + wpe[t, :] (wpe nil: no position embeddings).
    static func forward(
        output: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, positionEmbedding: UnsafePointer<Float>?,
        batch: Int, positions T: Int, width C: Int, inputWidth: Int, executor: ParallelExecutor
    ) {
        executor.forEachChunk(count: batch * T, minimumPerWorker: 256) { range, _ in
            for r in range {
                let out = output + r * C, token = tokens + r * inputWidth
                if let positionEmbedding {
                    let pe = positionEmbedding + (r % T) * C
                    for j in 0..<C { out[j] = bias[j] + pe[j] }
                } else {
                    out.update(from: bias, count: C)
                }
                for k in 0..<inputWidth {
                    let value = token[k]
                    for j in 0..<C { out[j] += weight[j * inputWidth + k] * value }
                }
            }
        }
    }

    /// Accumulates parameter gradients; nil pointers are frozen and skipped.
    static func backward(
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        positionEmbeddingGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, tokens: UnsafePointer<Float>, ones: UnsafePointer<Float>,
        batch: Int, positions T: Int, width C: Int, inputWidth: Int, executor: ParallelExecutor
    ) {
        let rows = batch * T
        if let weightGradient {
            // dW[C, in] += dOut[rows, C]^T tokens[rows, in]
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(C), Int32(inputWidth), Int32(rows),
                1, outputGradient, Int32(C), tokens, Int32(inputWidth), 1, weightGradient, Int32(inputWidth))
        }
        if let biasGradient {
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(C), 1, outputGradient, Int32(C), ones, 1, 1, biasGradient, 1)
        }
        if let positionEmbeddingGradient {
            // dWpe[t, :] += sum over sequences of dOut[b, t, :]; positions split across workers.
            executor.forEachChunk(count: T, minimumPerWorker: 8) { range, _ in
                for t in range {
                    let dpe = positionEmbeddingGradient + t * C
                    for b in 0..<batch {
                        let d = outputGradient + (b * T + t) * C
                        for j in 0..<C { dpe[j] += d[j] }
                    }
                }
            }
        }
    }
}
