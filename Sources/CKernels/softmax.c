#include "ckernels.h"
#include "multiversion.h"

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
void polyicl_softmax_causal(float *scores, long rows, long columns, long stride, long first_row) {
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
void polyicl_softmax_causal_backward(float *gradient, const float *probabilities, long rows,
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
