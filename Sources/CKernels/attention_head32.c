#include "ckernels.h"
#include "gemm_kernel.h"
#include <stdint.h>
#include <string.h>

#if GEMM_HAVE_AVX512

// Attention for one (sequence, head) of head size 32 (every preset's), a sliver of 12 query
// rows at a time, as FlashAttention-2 does. Forward: the sliver's scores, softmax and P V
// in a small buffer in cache, its probability rows streamed out compactly for training.
// Backward: dP and dS of the sliver in a small buffer, dQ for its rows, and its
// contributions to dK and dV accumulated in buffers that stay in cache. Compared with
// whole-matrix products, nothing goes through a T x T square, no transposed sliver is
// packed (P^T and dS^T are read where they are), Q, K, V and dO are packed once for all the
// products, and the next (sequence, head)'s strided rows are fetched while this one computes.
enum { HEAD = 32 };

static inline long round_up(long x, long to) { return (x + to - 1) / to * to; }

long polyicl_attention_head32_scratch_count(long T) {
    long rows = round_up(T, GEMM_MR) + GEMM_MR, pitch = round_up(T, GEMM_NR) + GEMM_NR;
    return 5 * rows * HEAD + round_up(T, GEMM_NR) * HEAD + 2 * GEMM_MR * pitch + 16;
}

GEMM_TARGET
static void gather_rows32_avx512(float *restrict dest, const float *restrict src, long rows, long stride) {
    for (long r = 0; r < rows; r++) {
        _mm512_store_ps(dest + r * HEAD, _mm512_loadu_ps(src + r * stride));
        _mm512_store_ps(dest + r * HEAD + 16, _mm512_loadu_ps(src + r * stride + 16));
    }
}

GEMM_TARGET
static void scatter_rows32_avx512(float *restrict dest, long stride, const float *restrict src, long rows, float scale) {
    __m512 s = _mm512_set1_ps(scale);
    for (long r = 0; r < rows; r++) {
        _mm512_storeu_ps(dest + r * stride, _mm512_mul_ps(s, _mm512_load_ps(src + r * HEAD)));
        _mm512_storeu_ps(dest + r * stride + 16, _mm512_mul_ps(s, _mm512_load_ps(src + r * HEAD + 16)));
    }
}

// X^T for a product against it, in panels of 32 rows of X: panel[p][d][j] = X[32 p + j][d]
// (zero past `rows`), which is the micro-kernel's packed B layout.
GEMM_TARGET
static void transpose_panels32_avx512(float *restrict dest, const float *restrict x, long rows, long stride) {
    for (long p0 = 0; p0 < rows; p0 += GEMM_NR)
        for (long jb = 0; jb < GEMM_NR; jb += 16)
            for (long db = 0; db < HEAD; db += 16) {
                __m512 t[16];
                for (int r = 0; r < 16; r++)
                    t[r] = p0 + jb + r < rows ? _mm512_loadu_ps(x + (p0 + jb + r) * stride + db) : _mm512_setzero_ps();
                transpose16(t);
                for (int d = 0; d < 16; d++) _mm512_store_ps(dest + p0 * HEAD + (db + d) * GEMM_NR + jb, t[d]);
            }
}

GEMM_AVX2_TARGET
static void gather_rows32_avx2(float *restrict dest, const float *restrict src, long rows, long stride) {
    for (long r = 0; r < rows; r++)
        for (int q = 0; q < HEAD; q += 8) _mm256_store_ps(dest + r * HEAD + q, _mm256_loadu_ps(src + r * stride + q));
}

GEMM_AVX2_TARGET
static void scatter_rows32_avx2(float *restrict dest, long stride, const float *restrict src, long rows, float scale) {
    __m256 s = _mm256_set1_ps(scale);
    for (long r = 0; r < rows; r++)
        for (int q = 0; q < HEAD; q += 8)
            _mm256_storeu_ps(dest + r * stride + q, _mm256_mul_ps(s, _mm256_load_ps(src + r * HEAD + q)));
}

GEMM_AVX2_TARGET
static void transpose_panels32_avx2(float *restrict dest, const float *restrict x, long rows, long stride) {
    for (long p0 = 0; p0 < rows; p0 += GEMM_NR)
        for (long jb = 0; jb < GEMM_NR; jb += 8)
            for (long db = 0; db < HEAD; db += 8) {
                __m256 t[8];
                for (int r = 0; r < 8; r++)
                    t[r] = p0 + jb + r < rows ? _mm256_loadu_ps(x + (p0 + jb + r) * stride + db) : _mm256_setzero_ps();
                transpose8(t);
                for (int d = 0; d < 8; d++) _mm256_store_ps(dest + p0 * HEAD + (db + d) * GEMM_NR + jb, t[d]);
            }
}

static void gather_rows32(float *restrict dest, const float *restrict src, long rows, long stride) {
    if (gemm_uses_avx512()) gather_rows32_avx512(dest, src, rows, stride);
    else gather_rows32_avx2(dest, src, rows, stride);
}

static void scatter_rows32(float *restrict dest, long stride, const float *restrict src, long rows, float scale) {
    if (gemm_uses_avx512()) scatter_rows32_avx512(dest, stride, src, rows, scale);
    else scatter_rows32_avx2(dest, stride, src, rows, scale);
}

static void transpose_panels32(float *restrict dest, const float *restrict x, long rows, long stride) {
    if (gemm_uses_avx512()) transpose_panels32_avx512(dest, x, rows, stride);
    else transpose_panels32_avx2(dest, x, rows, stride);
}

// Rows [first, first + count) of the next item's Q, K, V, dO and of its gradient rows, toward
// L2: they are strided 128-byte pieces of long rows, which the hardware prefetchers miss, and
// fetched a few at a time (once per sliver) they arrive while this item computes.
static void prefetch_next(const polyicl_attention_next *next, long first, long count, long T) {
    if (!next) return;
    for (long r = first; r < first + count && r < T; r++) {
        const char *qkv = (const char *)(next->q + r * next->ld_qkv);
        for (int part = 0; part < 3; part++) {
            _mm_prefetch(qkv + part * next->width_bytes, _MM_HINT_T1);
            _mm_prefetch(qkv + part * next->width_bytes + 64, _MM_HINT_T1);
        }
        if (next->dq) {
            const char *g = (const char *)(next->dq + r * next->ld_gradient);
            for (int part = 0; part < 3; part++) {
                _mm_prefetch(g + part * next->width_bytes, _MM_HINT_T1);
                _mm_prefetch(g + part * next->width_bytes + 64, _MM_HINT_T1);
            }
        }
        if (next->dout) {
            const char *o = (const char *)(next->dout + r * next->ld_dout);
            _mm_prefetch(o, _MM_HINT_T1);
            _mm_prefetch(o + 64, _MM_HINT_T1);
        }
    }
}

int polyicl_attention_forward_head32(float *out, long ld_out, const float *q, const float *k, const float *v,
                                     long ld_qkv, float *probabilities, long T, float scale, float *scratch,
                                     const polyicl_attention_next *next) {
    long rows = round_up(T, GEMM_MR) + GEMM_MR, pitch = round_up(T, GEMM_NR) + GEMM_NR;
    float *base = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *Qp = base, *Vp = Qp + rows * HEAD, *Kt = Vp + rows * HEAD, *S = Kt + round_up(T, GEMM_NR) * HEAD;
    gather_rows32(Qp, q, T, ld_qkv);
    gather_rows32(Vp, v, T, ld_qkv);
    memset(Qp + T * HEAD, 0, sizeof(float) * (rows - T) * HEAD);
    memset(Vp + T * HEAD, 0, sizeof(float) * (rows - T) * HEAD);
    transpose_panels32(Kt, k, T, ld_qkv);
    for (long r0 = 0; r0 < T; r0 += GEMM_MR) {
        long R = T - r0 < GEMM_MR ? T - r0 : GEMM_MR, J = r0 + R;
        prefetch_next(next, r0, GEMM_MR, T);
        // S[R, J] = scale Q[R, 32] K^T[32, J], tile by tile; the softmax makes it P in place.
        for (long j0 = 0; j0 < J; j0 += GEMM_NR) {
            long cols = J - j0 < GEMM_NR ? J - j0 : GEMM_NR;
            polyicl_gemm_micro_kernel(HEAD, Qp + r0 * HEAD, HEAD, Kt + j0 * HEAD, S + j0, pitch, R, cols, scale,
                                      0.0f, NULL, NULL, 0);
        }
        polyicl_softmax_causal(S, R, J, pitch, r0);
        // out[R, 32] = P[R, J] V[J, 32].
        polyicl_gemm_micro_kernel(J, S, pitch, Vp, out + r0 * ld_out, ld_out, R, HEAD, 1.0f, 0.0f, NULL, NULL, 0);
        if (probabilities)
            polyicl_causal_rows_pack(probabilities + polyicl_causal_rows_count(r0), S, R, J, pitch, r0);
    }
    if (probabilities) polyicl_causal_rows_fence();
    return 0;
}

int polyicl_attention_backward_head32(float *dq, float *dk, float *dv, long ld_gradient, const float *q,
                                      const float *k, const float *v, long ld_qkv, const float *dout,
                                      long ld_dout, const float *probabilities, long T, float scale,
                                      float *scratch, const polyicl_attention_next *next) {
    long rows = round_up(T, GEMM_MR) + GEMM_MR, pitch = round_up(T, GEMM_NR) + GEMM_NR;
    float *base = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *Kp = base, *Qp = Kp + rows * HEAD, *dOp = Qp + rows * HEAD;
    float *dKacc = dOp + rows * HEAD, *dVacc = dKacc + rows * HEAD;
    float *Vt = dVacc + rows * HEAD, *P = Vt + round_up(T, GEMM_NR) * HEAD, *dS = P + GEMM_MR * pitch;
    gather_rows32(Kp, k, T, ld_qkv);
    gather_rows32(Qp, q, T, ld_qkv);
    gather_rows32(dOp, dout, T, ld_dout);
    memset(Kp + T * HEAD, 0, sizeof(float) * (rows - T) * HEAD);
    memset(Qp + T * HEAD, 0, sizeof(float) * (rows - T) * HEAD);
    memset(dOp + T * HEAD, 0, sizeof(float) * (rows - T) * HEAD);
    memset(dKacc, 0, sizeof(float) * 2 * rows * HEAD);
    transpose_panels32(Vt, v, T, ld_qkv);
    // Each sliver's rows store more than the last sliver's, so what unpacking leaves unwritten
    // in P stays zero from here (the causal zeros past each row's stored part).
    memset(P, 0, sizeof(float) * GEMM_MR * pitch);
    for (long r0 = 0; r0 < T; r0 += GEMM_MR) {
        long R = T - r0 < GEMM_MR ? T - r0 : GEMM_MR, J = r0 + R;
        prefetch_next(next, r0, GEMM_MR, T);
        polyicl_causal_rows_unpack(P, probabilities + polyicl_causal_rows_count(r0), R, J, pitch, r0);
        // dP[R, J] = dO[R, 32] V^T[32, J], tile by tile.
        for (long j0 = 0; j0 < J; j0 += GEMM_NR) {
            long cols = J - j0 < GEMM_NR ? J - j0 : GEMM_NR;
            polyicl_gemm_micro_kernel(HEAD, dOp + r0 * HEAD, HEAD, Vt + j0 * HEAD, dS + j0, pitch, R, cols, 1.0f,
                                      0.0f, NULL, NULL, 0);
        }
        polyicl_softmax_causal_backward(dS, P, R, J, pitch, r0);
        // dQ[R, 32] = scale dS[R, J] K[J, 32].
        polyicl_gemm_micro_kernel(J, dS, pitch, Kp, dq + r0 * ld_gradient, ld_gradient, R, HEAD, scale, 0.0f, NULL, NULL, 0);
        // dV[J, 32] += P^T[J, R] dO[R, 32] and dK[J, 32] += dS^T[J, R] Q[R, 32], 12 rows of J at
        // a time, reading P^T and dS^T where they are.
        for (long j0 = 0; j0 < J; j0 += GEMM_MR) {
            long m = J - j0 < GEMM_MR ? J - j0 : GEMM_MR;
            polyicl_gemm_micro_kernel(R, P + j0, -pitch, dOp + r0 * HEAD, dVacc + j0 * HEAD, HEAD, m, HEAD, 1.0f,
                                      1.0f, NULL, NULL, 0);
            polyicl_gemm_micro_kernel(R, dS + j0, -pitch, Qp + r0 * HEAD, dKacc + j0 * HEAD, HEAD, m, HEAD, 1.0f,
                                      1.0f, NULL, NULL, 0);
        }
    }
    scatter_rows32(dv, ld_gradient, dVacc, T, 1.0f);
    scatter_rows32(dk, ld_gradient, dKacc, T, scale);
    return 0;
}

#else

long polyicl_attention_head32_scratch_count(long T) {
    (void)T;
    return 0;
}

int polyicl_attention_forward_head32(float *out, long ld_out, const float *q, const float *k, const float *v,
                                     long ld_qkv, float *probabilities, long T, float scale, float *scratch,
                                     const polyicl_attention_next *next) {
    (void)out; (void)ld_out; (void)q; (void)k; (void)v; (void)ld_qkv; (void)probabilities; (void)T;
    (void)scale; (void)scratch; (void)next;
    return -4;
}

int polyicl_attention_backward_head32(float *dq, float *dk, float *dv, long ld_gradient, const float *q,
                                      const float *k, const float *v, long ld_qkv, const float *dout,
                                      long ld_dout, const float *probabilities, long T, float scale,
                                      float *scratch, const polyicl_attention_next *next) {
    (void)next;
    (void)dq; (void)dk; (void)dv; (void)ld_gradient; (void)q; (void)k; (void)v; (void)ld_qkv;
    (void)dout; (void)ld_dout; (void)probabilities; (void)T; (void)scale; (void)scratch;
    return -4;
}

#endif
