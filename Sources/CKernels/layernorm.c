#include "ckernels.h"
#include "multiversion.h"
#include <math.h>

// LayerNorm rows k = 0 ..< count at row index first + k * stride (ln_f visits every other
// row). Two passes per row (mean, then centred variance) as the Swift version it replaces.
POLYICL_MULTIVERSION
void polyicl_layernorm_forward(float *out, float *mean, float *inverse_std, const float *in,
                               const float *gain, const float *bias, long first, long count,
                               long stride, long width, float epsilon) {
    for (long k = 0; k < count; k++) {
        long r = first + k * stride;
        const float *x = in + r * width;
        float *y = out + r * width;
        float acc[POLYICL_LANES] = {0};
        long i = 0;
        for (; i + POLYICL_LANES <= width; i += POLYICL_LANES)
            for (int l = 0; l < POLYICL_LANES; l++) acc[l] += x[i + l];
        float s = polyicl_lane_sum(acc);
        for (; i < width; i++) s += x[i];
        float m = s / (float)width;
        float vacc[POLYICL_LANES] = {0};
        i = 0;
        for (; i + POLYICL_LANES <= width; i += POLYICL_LANES)
            for (int l = 0; l < POLYICL_LANES; l++) { float d = x[i + l] - m; vacc[l] += d * d; }
        float v = polyicl_lane_sum(vacc);
        for (; i < width; i++) { float d = x[i] - m; v += d * d; }
        v /= (float)width;
        float rs = 1.0f / sqrtf(v + epsilon);
        for (i = 0; i < width; i++) y[i] = (x[i] - m) * rs * gain[i] + bias[i];
        mean[r] = m;
        inverse_std[r] = rs;
    }
}

// Backward over the same rows: dx += (g dy - mean(g dy) - xhat mean(g dy xhat)) / std;
// with gain_partial non-null also gain_partial += xhat dy and bias_partial += dy.
POLYICL_MULTIVERSION
void polyicl_layernorm_backward(float *dx, float *gain_partial, float *bias_partial,
                                const float *dy_all, const float *in, const float *gain,
                                const float *mean, const float *inverse_std, long first,
                                long count, long stride, long width) {
    for (long k = 0; k < count; k++) {
        long r = first + k * stride;
        const float *x = in + r * width, *dy = dy_all + r * width;
        float *d = dx + r * width;
        float m = mean[r], s = inverse_std[r];
        float a1[POLYICL_LANES] = {0}, a2[POLYICL_LANES] = {0};
        long i = 0;
        for (; i + POLYICL_LANES <= width; i += POLYICL_LANES) {
            for (int l = 0; l < POLYICL_LANES; l++) {
                float xhat = (x[i + l] - m) * s, dnorm = gain[i + l] * dy[i + l];
                a1[l] += dnorm;
                a2[l] += dnorm * xhat;
            }
        }
        float meanNorm = polyicl_lane_sum(a1), meanNormXhat = polyicl_lane_sum(a2);
        for (; i < width; i++) {
            float xhat = (x[i] - m) * s, dnorm = gain[i] * dy[i];
            meanNorm += dnorm;
            meanNormXhat += dnorm * xhat;
        }
        meanNorm /= (float)width;
        meanNormXhat /= (float)width;
        if (gain_partial) {
            for (i = 0; i < width; i++) {
                float xhat = (x[i] - m) * s;
                bias_partial[i] += dy[i];
                gain_partial[i] += xhat * dy[i];
            }
        }
        for (i = 0; i < width; i++) {
            float xhat = (x[i] - m) * s;
            d[i] += (gain[i] * dy[i] - meanNorm - xhat * meanNormXhat) * s;
        }
    }
}
