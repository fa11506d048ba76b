import COpenBLAS

/// Row-major single-precision GEMM, C = alpha op(A) op(B) + beta C, split across the
/// executor's workers, each running a single-threaded GEMM on its slice of C: our own
/// AVX-512 or AVX2 kernel (`OwnGemm`) when the executor uses it, OpenBLAS otherwise.
///
/// We keep OpenBLAS at one thread and do all the parallelism ourselves: OpenBLAS's own
/// worker threads spin (sched_yield) for a while after each GEMM and steal the cores from
/// the elementwise kernels that follow; measured, that cost a fifth of a training step.
/// The split depends only on the shape and the worker count, so results are reproducible.
enum ParallelGemm {
    static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, executor: ParallelExecutor
    ) {
        guard m > 0, n > 0 else { return }
        let own = executor.usesOwnGemm
        // Slices are whole tiles of the kernel that runs them: 12 rows or 32 columns for ours
        // (its micro-tile), 16 for OpenBLAS's AVX-512 kernels. Small products run whole.
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let tile = own ? (splitRows ? 12 : 32) : 16
        let tiles = (extent + tile - 1) / tile
        let workers = (2 * m * n * k < 1 << 20) ? 1 : min(executor.threads, tiles)
        if workers <= 1 {
            single(own: own, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        executor.forEachChunk(count: tiles, minimumPerWorker: 1) { tileRange, _ in
            let start = tileRange.lowerBound * tile, end = min(extent, tileRange.upperBound * tile)
            guard start < end else { return }
            if splitRows {
                // Rows start..<end of C come from rows of op(A).
                let aSlice = transposeA ? a + start : a + start * lda
                single(own: own, transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k,
                       alpha: alpha, a: aSlice, lda: lda, b: b, ldb: ldb, beta: beta, c: c + start * ldc, ldc: ldc)
            } else {
                // Columns start..<end of C come from columns of op(B).
                let bSlice = transposeB ? b + start * ldb : b + start
                single(own: own, transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k,
                       alpha: alpha, a: a, lda: lda, b: bSlice, ldb: ldb, beta: beta, c: c + start, ldc: ldc)
            }
        }
    }

    /// One single-threaded GEMM; ours falls back to OpenBLAS only if it could not allocate.
    @inline(__always)
    static func single(
        own: Bool, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, triangle: OwnGemm.Triangle = .full
    ) {
        if own, OwnGemm.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, triangle: triangle) {
            return
        }
        // OpenBLAS computes the triangles whole: a superset of what `triangle` asks for.
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
