import COpenBLAS

/// Row-major single-precision GEMM, C = alpha op(A) op(B) + beta C, split across the
/// executor's workers, each calling single-threaded OpenBLAS on its slice of C.
///
/// We keep OpenBLAS at one thread and do all the parallelism ourselves: OpenBLAS's own
/// worker threads spin (sched_yield) for a while after each GEMM and steal the cores from
/// the elementwise kernels that follow; measured, that cost a fifth of a training step.
enum ParallelGemm {
    static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, executor: ParallelExecutor
    ) {
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        // Slices are multiples of 16 rows/columns (the AVX-512 kernels' tile); small products run whole.
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let tiles = (extent + 15) / 16
        let workers = (2 * m * n * k < 1 << 20) ? 1 : min(executor.threads, tiles)
        if workers <= 1 {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        executor.forEachChunk(count: tiles, minimumPerWorker: 1) { tileRange, _ in
            let start = tileRange.lowerBound * 16, end = min(extent, tileRange.upperBound * 16)
            guard start < end else { return }
            if splitRows {
                // Rows start..<end of C come from rows of op(A).
                let aSlice = transposeA ? a + start : a + start * lda
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(end - start), Int32(n), Int32(k), alpha,
                            aSlice, Int32(lda), b, Int32(ldb), beta, c + start * ldc, Int32(ldc))
            } else {
                // Columns start..<end of C come from columns of op(B).
                let bSlice = transposeB ? b + start * ldb : b + start
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(end - start), Int32(k), alpha,
                            a, Int32(lda), bSlice, Int32(ldb), beta, c + start, Int32(ldc))
            }
        }
    }
}
