import CKernels
import COpenBLAS

/// GPT-2's causal multi-head self-attention core (between c_attn and c_proj): per sequence
/// and head, scores = Q K^T / sqrt(head_dim), causal softmax, output = P V.
///
/// The products for one (sequence, head) are small single-threaded GEMMs; the
/// (sequence, head) pairs are spread over the workers. Softmax and its backward are C
/// kernels (Sources/CKernels/softmax.c).
enum CausalSelfAttention {
    /// qkv: [batch, T, 3C] (Q | K | V, heads side by side in each); output: [batch, T, C];
    /// probabilities: [batch, heads, T, T] (zero above the diagonal), kept for backward.
    static func forward(
        output: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, batch: Int, positions T: Int, width C: Int, heads: Int,
        executor: ParallelExecutor
    ) {
        let hs = C / heads
        let scale = 1 / Float(hs).squareRoot()
        executor.forEachChunk(count: batch * heads) { range, _ in
            for item in range {
                let b = item / heads, h = item % heads
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let p = probabilities + item * T * T
                // scores[T, T] = scale * Q[T, hs] K[T, hs]^T
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                    scale, q, Int32(3 * C), k, Int32(3 * C), 0, p, Int32(T))
                polyicl_softmax_causal(p, T, T, T, 0)
                // output[T, hs] = P[T, T] V[T, hs]
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    1, p, Int32(T), v, Int32(3 * C), 0, output + b * T * C + h * hs, Int32(C))
            }
        }
    }

    /// qkvGradient [batch, T, 3C] is overwritten. `scratch` holds executor.threads * T * T floats.
    static func backward(
        qkvGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, probabilities: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        batch: Int, positions T: Int, width C: Int, heads: Int, executor: ParallelExecutor
    ) {
        let hs = C / heads
        let scale = 1 / Float(hs).squareRoot()
        executor.forEachChunk(count: batch * heads) { range, worker in
            let dScores = scratch + worker * T * T
            for item in range {
                let b = item / heads, h = item % heads
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let dq = qkvGradient + b * T * 3 * C + h * hs, dk = dq + C, dv = dq + 2 * C
                let dOut = outputGradient + b * T * C + h * hs
                let p = probabilities + item * T * T
                // dP[T, T] = dOut[T, hs] V^T
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                    1, dOut, Int32(C), v, Int32(3 * C), 0, dScores, Int32(T))
                // dV[T, hs] = P^T dOut
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    1, p, Int32(T), dOut, Int32(C), 0, dv, Int32(3 * C))
                // Softmax backward: dS = P * (dP - sum_j P dP), row by row over the visible part.
                polyicl_softmax_causal_backward(dScores, p, T, T, T, 0)
                // dQ = scale * dS K ; dK = scale * dS^T Q
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    scale, dScores, Int32(T), k, Int32(3 * C), 0, dq, Int32(3 * C))
                cblas_sgemm(
                    CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    scale, dScores, Int32(T), q, Int32(3 * C), 0, dk, Int32(3 * C))
            }
        }
    }

    /// In-place causal softmax of a [rows, columns] block with row pitch `stride`: row t keeps
    /// its first `firstRow + t + 1` entries, softmaxed, and is zero after them. The loop is C
    /// (Sources/CKernels/softmax.c, AVX-512/AVX2/baseline) with a polynomial exp.
    static func softmaxCausal(
        _ scores: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int, firstRow: Int = 0
    ) {
        polyicl_softmax_causal(scores, rows, columns, stride, firstRow)
    }
}
