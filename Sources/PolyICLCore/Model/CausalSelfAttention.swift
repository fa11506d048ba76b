import CKernels

/// GPT-2's causal multi-head self-attention core (between c_attn and c_proj): per sequence
/// and head, scores = Q K^T / sqrt(head_dim), causal softmax, output = P V.
///
/// The (sequence, head) pairs are spread over the workers. With our GEMM and head size 32
/// (every preset's), each goes through a C kernel that works a sliver of 12 query rows at a
/// time (Sources/CKernels/attention_head32.c); otherwise the products for one (sequence, head)
/// are small single-threaded GEMMs that skip the causal mask's zero triangle (with our own
/// GEMM; OpenBLAS computes it whole). Softmax and its backward are C kernels
/// (Sources/CKernels/softmax.c).
///
/// Each (sequence, head)'s scores and probabilities live in a per-worker square that stays
/// in cache. Training keeps the probabilities for the backward pass in a compact causal
/// layout (about half the square, streamed past the cache): writing every square whole to
/// memory and reading it back cost more than the products over it. The backward pass reads
/// them a sliver of query rows at a time (head size 32, our GEMM) or unpacks them into a
/// square again.
enum CausalSelfAttention {
    /// Floats of kept probabilities per (sequence, head) for T positions: row t of the causal
    /// block is kept as its first 16 * (t / 16 + 1) entries (Sources/CKernels/causal_rows.c),
    /// about half of T * T.
    static func probabilityCount(positions T: Int) -> Int { polyicl_causal_rows_count(T) }

    /// Scratch floats `forward` needs per worker for T positions.
    static func forwardScratchCount(positions T: Int) -> Int {
        max(T * T, polyicl_attention_head32_scratch_count(T))
    }

    /// qkv: [batch, T, 3C] (Q | K | V, heads side by side in each); output: [batch, T, C].
    /// Each (sequence, head) is computed in the worker's part of `scratch`
    /// (`forwardScratchCount(positions:)` floats per worker, which stays in cache); with
    /// `probabilities` (batch * heads * `probabilityCount(positions:)` floats) the
    /// probabilities are kept there for backward.
    ///
    /// With our GEMM and head size 32 (every preset's), each (sequence, head) goes through
    /// one C kernel that works a sliver of 12 query rows at a time
    /// (polyicl_attention_forward_head32); otherwise through whole-matrix products.
    static func forward(
        output: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>?,
        scratch: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batch: Int, positions T: Int, width C: Int, heads: Int, executor: ParallelExecutor
    ) {
        let hs = C / heads
        let scale = 1 / Float(hs).squareRoot()
        let own = executor.usesOwnGemm, kept = probabilityCount(positions: T)
        let perWorker = forwardScratchCount(positions: T)
        if own && hs == 32 {
            let layout = HeadLayout(heads: heads, positions: T, width: C)
            executor.forEachChunk(count: batch * heads) { range, worker in
                for item in range {
                    let here = layout.offsets(item), q = qkv + here.qkv
                    layout.withNext(after: item, in: range, qkv: qkv) { next in
                        // Nonzero only where the x86 kernels are not compiled in, which `own` rules out.
                        _ = polyicl_attention_forward_head32(
                            output + here.output, C, q, q + C, q + 2 * C, 3 * C,
                            probabilities.map { $0 + item * kept }, T, scale, scratch + worker * perWorker, next)
                    }
                }
            }
            return
        }
        executor.forEachChunk(count: batch * heads) { range, worker in
            let p = scratch + worker * perWorker
            for item in range {
                let b = item / heads, h = item % heads
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                // scores[T, T] = scale * Q[T, hs] K[T, hs]^T, on and below the diagonal (the
                // softmax reads only those and writes the zeros above).
                ParallelGemm.single(
                    own: own, transposeA: false, transposeB: true, m: T, n: T, k: hs,
                    alpha: scale, a: q, lda: 3 * C, b: k, ldb: 3 * C, beta: 0, c: p, ldc: T, triangle: .lowerOutput)
                polyicl_softmax_causal(p, T, T, T, 0)
                // output[T, hs] = P[T, T] V[T, hs]; row t of P is zero after column t.
                ParallelGemm.single(
                    own: own, transposeA: false, transposeB: false, m: T, n: hs, k: T,
                    alpha: 1, a: p, lda: T, b: v, ldb: 3 * C, beta: 0, c: output + b * T * C + h * hs, ldc: C,
                    triangle: .lowerA)
                if let probabilities { polyicl_causal_rows_pack(probabilities + item * kept, p, T, T, T, 0) }
            }
            if probabilities != nil { polyicl_causal_rows_fence() }
        }
    }

    /// Scratch floats `backward` needs per worker for T positions.
    static func backwardScratchCount(positions T: Int) -> Int {
        max(2 * T * T, polyicl_attention_head32_scratch_count(T))
    }

    /// qkvGradient [batch, T, 3C] is overwritten. `probabilities` are those `forward` kept;
    /// `scratch` holds executor.threads * `backwardScratchCount(positions:)` floats.
    ///
    /// With our GEMM and head size 32 (every preset's), each (sequence, head) goes through
    /// one C kernel that works a sliver of 12 query rows at a time
    /// (polyicl_attention_backward_head32); otherwise through whole-matrix products.
    static func backward(
        qkvGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, probabilities: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        batch: Int, positions T: Int, width C: Int, heads: Int, executor: ParallelExecutor
    ) {
        let hs = C / heads
        let scale = 1 / Float(hs).squareRoot()
        let own = executor.usesOwnGemm, kept = probabilityCount(positions: T)
        let perWorker = backwardScratchCount(positions: T)
        if own && hs == 32 {
            let layout = HeadLayout(heads: heads, positions: T, width: C)
            executor.forEachChunk(count: batch * heads) { range, worker in
                for item in range {
                    let here = layout.offsets(item), q = qkv + here.qkv, dq = qkvGradient + here.qkv
                    layout.withNext(after: item, in: range, qkv: qkv, outputGradient: outputGradient, qkvGradient: qkvGradient) { next in
                        // Nonzero only where the x86 kernels are not compiled in, which `own` rules out.
                        _ = polyicl_attention_backward_head32(
                            dq, dq + C, dq + 2 * C, 3 * C, q, q + C, q + 2 * C, 3 * C, outputGradient + here.output, C,
                            probabilities + item * kept, T, scale, scratch + worker * perWorker, next)
                    }
                }
            }
            return
        }
        executor.forEachChunk(count: batch * heads) { range, worker in
            let dScores = scratch + worker * perWorker, p = dScores + T * T
            // Zero above P's diagonal: the unpacking below writes the same entries for every
            // item and never these (the GEMMs read some of them, OpenBLAS all).
            p.update(repeating: 0, count: T * T)
            for item in range {
                let b = item / heads, h = item % heads
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let dq = qkvGradient + b * T * 3 * C + h * hs, dk = dq + C, dv = dq + 2 * C
                let dOut = outputGradient + b * T * C + h * hs
                polyicl_causal_rows_unpack(p, probabilities + item * kept, T, T, T, 0)
                // dP[T, T] = dOut[T, hs] V^T, on and below the diagonal (all the softmax
                // backward reads; it writes zeros above).
                ParallelGemm.single(
                    own: own, transposeA: false, transposeB: true, m: T, n: T, k: hs,
                    alpha: 1, a: dOut, lda: C, b: v, ldb: 3 * C, beta: 0, c: dScores, ldc: T, triangle: .lowerOutput)
                // dV[T, hs] = P^T dOut; row j of P^T is zero before column j.
                ParallelGemm.single(
                    own: own, transposeA: true, transposeB: false, m: T, n: hs, k: T,
                    alpha: 1, a: UnsafePointer(p), lda: T, b: dOut, ldb: C, beta: 0, c: dv, ldc: 3 * C, triangle: .upperA)
                // Softmax backward: dS = P * (dP - sum_j P dP), row by row over the visible part.
                polyicl_softmax_causal_backward(dScores, p, T, T, T, 0)
                // dQ = scale * dS K ; dK = scale * dS^T Q
                // (dS is lower triangular like P.)
                ParallelGemm.single(
                    own: own, transposeA: false, transposeB: false, m: T, n: hs, k: T,
                    alpha: scale, a: dScores, lda: T, b: k, ldb: 3 * C, beta: 0, c: dq, ldc: 3 * C, triangle: .lowerA)
                ParallelGemm.single(
                    own: own, transposeA: true, transposeB: false, m: T, n: hs, k: T,
                    alpha: scale, a: dScores, lda: T, b: q, ldb: 3 * C, beta: 0, c: dk, ldc: 3 * C, triangle: .upperA)
            }
        }
    }

    /// Where (sequence, head) `item` lives in the [batch, T, 3C] and [batch, T, C] buffers.
    private struct HeadLayout {
        let heads: Int, positions: Int, width: Int

        /// Of its Q rows in qkv (and in the qkv gradient), and of its slice of the output.
        func offsets(_ item: Int) -> (qkv: Int, output: Int) {
            let b = item / heads, h = item % heads, hs = width / heads
            return (b * positions * 3 * width + h * hs, b * positions * width + h * hs)
        }

        /// Calls `body` with the item a worker does after `item` (the C kernels fetch its rows
        /// meanwhile), or with nil when `item` is the last of the worker's `range`.
        func withNext(
            after item: Int, in range: Range<Int>, qkv: UnsafePointer<Float>,
            outputGradient: UnsafePointer<Float>? = nil, qkvGradient: UnsafeMutablePointer<Float>? = nil,
            _ body: (UnsafePointer<polyicl_attention_next>?) -> Void
        ) {
            guard item + 1 < range.upperBound else { return body(nil) }
            let there = offsets(item + 1)
            var next = polyicl_attention_next(
                q: qkv + there.qkv, dout: outputGradient.map { $0 + there.output },
                dq: qkvGradient.map { UnsafePointer($0 + there.qkv) },
                ld_qkv: 3 * width, ld_dout: width, ld_gradient: 3 * width, width_bytes: width * MemoryLayout<Float>.stride)
            withUnsafePointer(to: &next) { body($0) }
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
