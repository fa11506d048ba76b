import CKernels

/// Our own single-threaded SGEMM (Sources/CKernels/gemm.c, AVX-512 or AVX2 + FMA): row-major,
/// C = alpha op(A) op(B) + beta C with BLAS argument meanings. Callers split C across workers.
///
/// It replaces OpenBLAS wherever the kernel level is AVX2 or AVX-512 (`isAvailable`): on the
/// model's width-128 shapes OpenBLAS 0.3.21 spends a sixth of its time packing and its
/// small-matrix path cannot skip attention's masked triangle. At baseline the callers keep
/// calling OpenBLAS.
enum OwnGemm {
    /// Whether the calling thread's kernel level runs it (see `KernelLevel`).
    static var isAvailable: Bool { polyicl_gemm_supported() != 0 }

    /// What is known to be zero, so that part of the work is skipped (attention's triangles).
    enum Triangle {
        /// Everything is computed.
        case full
        /// Only C[i][j] with j <= i is wanted; 12x32 tiles wholly above the diagonal are not written.
        case lowerOutput
        /// op(A)[i][k] == 0 for k > i (causal probabilities): row i reduces over k <= i only.
        case lowerA
        /// op(A)[i][k] == 0 for k < i (their transpose): row i reduces over k >= i only.
        case upperA

        var code: Int32 {
            switch self {
            case .full: Int32(POLYICL_GEMM_FULL)
            case .lowerOutput: Int32(POLYICL_GEMM_C_LOWER)
            case .lowerA: Int32(POLYICL_GEMM_A_LOWER)
            case .upperA: Int32(POLYICL_GEMM_A_UPPER)
            }
        }
    }

    /// Returns false (C untouched) only if the packing buffers could not be allocated; the
    /// caller then uses OpenBLAS. Call only when `isAvailable`.
    @inline(__always)
    static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, triangle: Triangle = .full
    ) -> Bool {
        polyicl_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, triangle.code) == 0
    }
}
