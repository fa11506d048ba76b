#include "ckernels.h"
#include "multiversion.h"
#include <math.h>

// exp(x) for x <= 0 (after subtracting the row maximum): Cephes' expf polynomial in
// branch-free scalar form so the loop over a row vectorises; relative error about 1e-7.
static inline float exp_nonpositive(float input) {
    float x = input < -87.3f ? -87.3f : input;
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    float shifted = x * 1.44269504f + shifter;
    float n = shifted - shifter;
    float r = x - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float mantissa = p * r * r + r + 1.0f;
    int si, sh;
    memcpy(&si, &shifted, sizeof si);
    float shifterValue = shifter;
    memcpy(&sh, &shifterValue, sizeof sh);
    int bits = (int)((unsigned)(si - sh + 127) << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return mantissa * scale;
}

static inline float row_maximum(const float *x, long n) {
    float m[POLYICL_LANES];
    for (int l = 0; l < POLYICL_LANES; l++) m[l] = x[0];
    long i = 0;
    for (; i + POLYICL_LANES <= n; i += POLYICL_LANES)
        for (int l = 0; l < POLYICL_LANES; l++) m[l] = x[i + l] > m[l] ? x[i + l] : m[l];
    float result = m[0];
    for (int l = 1; l < POLYICL_LANES; l++) result = m[l] > result ? m[l] : result;
    for (; i < n; i++) result = x[i] > result ? x[i] : result;
    return result;
}

// Row t of the [rows, stride] block keeps its first t + 1 entries (the visible positions),
// softmaxed, and zeros up to column `columns`.
POLYICL_MULTIVERSION
static void softmax_causal_portable(float *scores, long rows, long columns, long stride, long first_row) {
    for (long t = 0; t < rows; t++) {
        float *row = scores + t * stride;
        long visible = first_row + t + 1;
        if (visible > columns) visible = columns;
        float maximum = row_maximum(row, visible);
        for (long j = 0; j < visible; j++) row[j] = exp_nonpositive(row[j] - maximum);
        float acc[POLYICL_LANES] = {0};
        long j = 0;
        for (; j + POLYICL_LANES <= visible; j += POLYICL_LANES)
            for (int l = 0; l < POLYICL_LANES; l++) acc[l] += row[j + l];
        float sum = polyicl_lane_sum(acc);
        for (; j < visible; j++) sum += row[j];
        float inverse = 1.0f / sum;
        for (j = 0; j < visible; j++) row[j] *= inverse;
        for (j = visible; j < columns; j++) row[j] = 0;
    }
}

// Softmax backward on the same rows: d = p * (d - sum_j p d) over the visible entries,
// zeros after them up to `columns`.
POLYICL_MULTIVERSION
static void softmax_causal_backward_portable(float *gradient, const float *probabilities, long rows,
                                             long columns, long stride, long first_row) {
    for (long t = 0; t < rows; t++) {
        float *d = gradient + t * stride;
        const float *p = probabilities + t * stride;
        long visible = first_row + t + 1;
        if (visible > columns) visible = columns;
        float acc[POLYICL_LANES] = {0};
        long j = 0;
        for (; j + POLYICL_LANES <= visible; j += POLYICL_LANES)
            for (int l = 0; l < POLYICL_LANES; l++) acc[l] += p[j + l] * d[j + l];
        float inner = polyicl_lane_sum(acc);
        for (; j < visible; j++) inner += p[j] * d[j];
        for (j = 0; j < visible; j++) d[j] = p[j] * (d[j] - inner);
        for (j = visible; j < columns; j++) d[j] = 0;
    }
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define SOFTMAX_AVX512 1
#define AVX512_TARGET __attribute__((target("avx512f,avx512dq,fma")))

// exp_nonpositive on 16 lanes, operation for operation.
AVX512_TARGET
static inline __m512 exp_nonpositive16(__m512 input) {
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    __m512 x = _mm512_max_ps(input, _mm512_set1_ps(-87.3f));
    __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), shifter);
    __m512 n = _mm512_sub_ps(shifted, shifter);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 mantissa = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    __m512i exponent = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(shifter));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(exponent, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(mantissa, _mm512_castsi512_ps(bits));
}

// The lanes of a 16-float vector starting at column j that lie before column `end`.
static inline __mmask16 lanes_before(long end, long j) {
    long n = end - j;
    return (__mmask16)(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1);
}

enum { ROWS_AT_ONCE = 4 };

// Rows go four at a time. Each row is a chain of dependent steps (maximum, its reduction, the
// exponentials, their sum and its reduction, the reciprocal, the scaling), and with one row
// at a time the core mostly waited on that chain: rows are only 1 to 162 entries long. Four
// independent rows in lockstep overlap the waits. Lanes past a row's visible part are
// masked, so there are no scalar tails.
AVX512_TARGET
static void softmax_causal_avx512(float *scores, long rows, long columns, long stride, long first_row) {
    const __m512 zero = _mm512_setzero_ps();
    for (long t = 0; t < rows; t += ROWS_AT_ONCE) {
        long count = rows - t < ROWS_AT_ONCE ? rows - t : ROWS_AT_ONCE;
        float *row[ROWS_AT_ONCE];
        long visible[ROWS_AT_ONCE];
        __m512 maximum[ROWS_AT_ONCE], sum[ROWS_AT_ONCE];
        for (int i = 0; i < ROWS_AT_ONCE; i++) {
            long v = first_row + t + i + 1;
            row[i] = scores + (t + (i < count ? i : 0)) * stride;
            visible[i] = i < count ? (v < columns ? v : columns) : 0;  // absent rows: all lanes masked
            maximum[i] = _mm512_set1_ps(-INFINITY);
            sum[i] = zero;
        }
        long longest = visible[count - 1];
        for (long j = 0; j < longest; j += 16)
            for (int i = 0; i < ROWS_AT_ONCE; i++) {
                __mmask16 m = lanes_before(visible[i], j);
                maximum[i] = _mm512_mask_max_ps(maximum[i], m, maximum[i], _mm512_maskz_loadu_ps(m, row[i] + j));
            }
        for (int i = 0; i < ROWS_AT_ONCE; i++) maximum[i] = _mm512_set1_ps(_mm512_reduce_max_ps(maximum[i]));
        for (long j = 0; j < longest; j += 16)
            for (int i = 0; i < ROWS_AT_ONCE; i++) {
                __mmask16 m = lanes_before(visible[i], j);
                __m512 e = exp_nonpositive16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row[i] + j), maximum[i]));
                _mm512_mask_storeu_ps(row[i] + j, m, e);
                sum[i] = _mm512_mask_add_ps(sum[i], m, sum[i], e);
            }
        for (int i = 0; i < ROWS_AT_ONCE; i++) sum[i] = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum[i]));
        for (long j = 0; j < longest; j += 16)
            for (int i = 0; i < ROWS_AT_ONCE; i++) {
                __mmask16 m = lanes_before(visible[i], j);
                _mm512_mask_storeu_ps(row[i] + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row[i] + j), sum[i]));
            }
        for (int i = 0; i < count; i++)
            for (long j = visible[i]; j < columns; j += 16) _mm512_mask_storeu_ps(row[i] + j, lanes_before(columns, j), zero);
    }
}

// The backward rows four at a time, for the same reason.
AVX512_TARGET
static void softmax_causal_backward_avx512(float *gradient, const float *probabilities, long rows,
                                           long columns, long stride, long first_row) {
    const __m512 zero = _mm512_setzero_ps();
    for (long t = 0; t < rows; t += ROWS_AT_ONCE) {
        long count = rows - t < ROWS_AT_ONCE ? rows - t : ROWS_AT_ONCE;
        float *d[ROWS_AT_ONCE];
        const float *p[ROWS_AT_ONCE];
        long visible[ROWS_AT_ONCE];
        __m512 inner[ROWS_AT_ONCE];
        for (int i = 0; i < ROWS_AT_ONCE; i++) {
            long v = first_row + t + i + 1, r = t + (i < count ? i : 0);
            d[i] = gradient + r * stride;
            p[i] = probabilities + r * stride;
            visible[i] = i < count ? (v < columns ? v : columns) : 0;
            inner[i] = zero;
        }
        long longest = visible[count - 1];
        for (long j = 0; j < longest; j += 16)
            for (int i = 0; i < ROWS_AT_ONCE; i++) {
                __mmask16 m = lanes_before(visible[i], j);
                inner[i] = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(m, p[i] + j), _mm512_maskz_loadu_ps(m, d[i] + j),
                                                 inner[i], m);
            }
        for (int i = 0; i < ROWS_AT_ONCE; i++) inner[i] = _mm512_set1_ps(_mm512_reduce_add_ps(inner[i]));
        for (long j = 0; j < longest; j += 16)
            for (int i = 0; i < ROWS_AT_ONCE; i++) {
                __mmask16 m = lanes_before(visible[i], j);
                __m512 g = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, d[i] + j), inner[i]);
                _mm512_mask_storeu_ps(d[i] + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p[i] + j), g));
            }
        for (int i = 0; i < count; i++)
            for (long j = visible[i]; j < columns; j += 16) _mm512_mask_storeu_ps(d[i] + j, lanes_before(columns, j), zero);
    }
}

static int has_avx512(void) { return polyicl_isa_level() == POLYICL_ISA_AVX512; }
#else
#define SOFTMAX_AVX512 0
#endif

void polyicl_softmax_causal(float *scores, long rows, long columns, long stride, long first_row) {
#if SOFTMAX_AVX512
    if (has_avx512()) {
        softmax_causal_avx512(scores, rows, columns, stride, first_row);
        return;
    }
#endif
    softmax_causal_portable(scores, rows, columns, stride, first_row);
}

void polyicl_softmax_causal_backward(float *gradient, const float *probabilities, long rows,
                                     long columns, long stride, long first_row) {
#if SOFTMAX_AVX512
    if (has_avx512()) {
        softmax_causal_backward_avx512(gradient, probabilities, rows, columns, stride, first_row);
        return;
    }
#endif
    softmax_causal_backward_portable(gradient, probabilities, rows, columns, stride, first_row);
}
