#include "ckernels.h"
#include "multiversion.h"

// out[r, :] = bias (+ residual[r, :]) for `rows` rows of `width`: the starting value a
// Conv1D GEMM accumulates onto (beta = 1), with the skip connection folded in.
POLYICL_MULTIVERSION
void polyicl_fill_bias_rows(float *out, const float *residual, const float *bias, long rows, long width) {
    for (long r = 0; r < rows; r++) {
        float *o = out + r * width;
        if (residual) {
            const float *res = residual + r * width;
            for (long i = 0; i < width; i++) o[i] = res[i] + bias[i];
        } else {
            for (long i = 0; i < width; i++) o[i] = bias[i];
        }
    }
}
