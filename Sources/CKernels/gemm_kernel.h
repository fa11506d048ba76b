#ifndef POLYICL_GEMM_KERNEL_H
#define POLYICL_GEMM_KERNEL_H
// What the GEMM (gemm.c) shares with the other kernels built on its micro-kernel
// (attention_head32.c); not part of the module's interface.

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define GEMM_HAVE_AVX512 1
#define GEMM_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#else
#define GEMM_HAVE_AVX512 0
#define GEMM_TARGET
#endif

enum {
    GEMM_MR = 12,
    GEMM_NR = 32,
};

#if GEMM_HAVE_AVX512
// In-register transpose of 16 rows of 16 floats: t[i][j] becomes t[j][i].
GEMM_TARGET
static inline void transpose16(__m512 t[16]) {
    __m512 a[16], b[16];
    for (int i = 0; i < 8; i++) {
        a[2 * i] = _mm512_unpacklo_ps(t[2 * i], t[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(t[2 * i], t[2 * i + 1]);
    }
    // b[4i + j], 128-bit lane L: element 4L + j of rows 4i..4i+3.
    for (int i = 0; i < 4; i++) {
        b[4 * i + 0] = _mm512_shuffle_ps(a[4 * i], a[4 * i + 2], 0x44);
        b[4 * i + 1] = _mm512_shuffle_ps(a[4 * i], a[4 * i + 2], 0xEE);
        b[4 * i + 2] = _mm512_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0x44);
        b[4 * i + 3] = _mm512_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        __m512 c0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x88), c1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xDD);
        __m512 c2 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x88), c3 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xDD);
        t[j] = _mm512_shuffle_f32x4(c0, c2, 0x88);
        t[8 + j] = _mm512_shuffle_f32x4(c0, c2, 0xDD);
        t[4 + j] = _mm512_shuffle_f32x4(c1, c3, 0x88);
        t[12 + j] = _mm512_shuffle_f32x4(c1, c3, 0xDD);
    }
}

// C[0..rows, 0..cols) = alpha * (op(A) x packed B panel over kc) + beta * C (see gemm.c):
// lda == 0, `a` is a packed sliver (MR floats per k); lda < 0, op(A)[r][k] = a[k * -lda + r];
// lda > 0, `a` is 12 rows of a row-major op(A). `b` holds NR floats per k.
__attribute__((visibility("hidden")))
void polyicl_gemm_micro_kernel(long kc, const float *restrict a, long lda, const float *restrict b,
                               float *restrict c, long ldc, long rows, long cols, float alpha, float beta,
                               const float *restrict bias, const float *restrict residual, long ldr);
#endif

#endif
