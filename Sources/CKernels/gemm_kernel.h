#ifndef POLYICL_GEMM_KERNEL_H
#define POLYICL_GEMM_KERNEL_H
#include "ckernels.h"
// What the GEMM (gemm.c) shares with the other kernels built on its micro-kernel
// (attention_head32.c); not part of the module's interface.

// GEMM_HAVE_AVX512: the compiler builds both the AVX-512 and the AVX2 + FMA kernels, and
// polyicl_isa_level() picks one at run time (neither is usable at baseline).
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define GEMM_HAVE_AVX512 1
#define GEMM_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define GEMM_AVX2_TARGET __attribute__((target("avx2,fma")))
#else
#define GEMM_HAVE_AVX512 0
#define GEMM_TARGET
#define GEMM_AVX2_TARGET
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

// In-register transpose of 8 rows of 8 floats: t[i][j] becomes t[j][i].
GEMM_AVX2_TARGET
static inline void transpose8(__m256 t[8]) {
    __m256 a[8], b[8];
    for (int i = 0; i < 4; i++) {
        a[2 * i] = _mm256_unpacklo_ps(t[2 * i], t[2 * i + 1]);
        a[2 * i + 1] = _mm256_unpackhi_ps(t[2 * i], t[2 * i + 1]);
    }
    // b[4i + j], 128-bit lane L: element 4L + j of rows 4i..4i+3.
    for (int i = 0; i < 2; i++) {
        b[4 * i + 0] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0x44);
        b[4 * i + 1] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0xEE);
        b[4 * i + 2] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0x44);
        b[4 * i + 3] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        t[j] = _mm256_permute2f128_ps(b[j], b[4 + j], 0x20);
        t[4 + j] = _mm256_permute2f128_ps(b[j], b[4 + j], 0x31);
    }
}

// Lanes 0..n-1 of 8 set (n clamped to 0..8), as maskload/maskstore want them.
GEMM_AVX2_TARGET
static inline __m256i lanes_below(long n) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int count = n <= 0 ? 0 : n >= 8 ? 8 : (int)n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), iota);
}

// C[0..rows, 0..cols) = alpha * (op(A) x packed B panel over kc) + beta * C (see gemm.c):
// lda == 0, `a` is a packed sliver (MR floats per k); lda < 0, op(A)[r][k] = a[k * -lda + r];
// lda > 0, `a` is 12 rows of a row-major op(A). `b` holds NR floats per k. The AVX2 version
// computes every element with the same chain of FMAs in the same order, so both give the same bits.
__attribute__((visibility("hidden")))
void polyicl_gemm_micro_kernel_avx512(long kc, const float *restrict a, long lda, const float *restrict b,
                                      float *restrict c, long ldc, long rows, long cols, float alpha, float beta,
                                      const float *restrict bias, const float *restrict residual, long ldr);
__attribute__((visibility("hidden")))
void polyicl_gemm_micro_kernel_avx2(long kc, const float *restrict a, long lda, const float *restrict b,
                                    float *restrict c, long ldc, long rows, long cols, float alpha, float beta,
                                    const float *restrict bias, const float *restrict residual, long ldr);

static inline int gemm_uses_avx512(void) { return polyicl_isa_level() == POLYICL_ISA_AVX512; }

static inline void polyicl_gemm_micro_kernel(long kc, const float *restrict a, long lda, const float *restrict b,
                                             float *restrict c, long ldc, long rows, long cols, float alpha,
                                             float beta, const float *restrict bias, const float *restrict residual,
                                             long ldr) {
    if (gemm_uses_avx512())
        polyicl_gemm_micro_kernel_avx512(kc, a, lda, b, c, ldc, rows, cols, alpha, beta, bias, residual, ldr);
    else
        polyicl_gemm_micro_kernel_avx2(kc, a, lda, b, c, ldc, rows, cols, alpha, beta, bias, residual, ldr);
}
#endif

#endif
