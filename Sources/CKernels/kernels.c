#include "ckernels.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define POLYICL_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define POLYICL_MULTIVERSION
#endif

// tanh as the rational minimax approximation Eigen uses (about 1 ulp in float after
// clamping to +-7.9988, where tanh is 1 to float precision).
static inline float rational_tanh(float input) {
    const float limit = 7.99881172180175781f;
    float x = input > limit ? limit : (input < -limit ? -limit : input);
    float x2 = x * x;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * x;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    // Below 4e-4, tanh(x) = x to float precision and the quotient loses accuracy.
    return x2 < 1.6e-7f ? input : p / q;
}

static const float K = 0.7978845608028654f;  // sqrt(2 / pi)
static const float C = 0.044715f;

// One tanh serves gelu_new and its slope: training's forward keeps the slope for the
// backward, which then multiplies instead of evaluating tanh a second time.
static inline float gelu_tanh(float x) { return rational_tanh(K * x * (1.0f + C * x * x)); }

static inline float gelu_value(float x, float t) { return 0.5f * x * (1.0f + t); }

static inline float gelu_slope(float x, float t) {
    float slope = 0.5f * x * (1.0f - t * t) * K * (1.0f + 3.0f * C * x * x);
    return 0.5f * (1.0f + t) + slope;
}

POLYICL_MULTIVERSION
void polyicl_gelu_forward(float *restrict out, const float *restrict in, long count) {
    for (long i = 0; i < count; i++) {
        float x = in[i];
        out[i] = gelu_value(x, gelu_tanh(x));
    }
}

// `slope` may be `in` (each element is read before it is written): training's forward then
// keeps the slope in place of c_fc's output.
POLYICL_MULTIVERSION
void polyicl_gelu_forward_with_slope(float *restrict out, float *slope, const float *in, long count) {
    for (long i = 0; i < count; i++) {
        float x = in[i], t = gelu_tanh(x);
        out[i] = gelu_value(x, t);
        slope[i] = gelu_slope(x, t);
    }
}

POLYICL_MULTIVERSION
void polyicl_gelu_backward(float *restrict inputGradient, const float *restrict outputGradient,
                           const float *restrict slope, long count) {
    for (long i = 0; i < count; i++) inputGradient[i] = outputGradient[i] * slope[i];
}

POLYICL_MULTIVERSION
void polyicl_gelu_backward_in_place(float *restrict gradient, const float *restrict slope, long count) {
    for (long i = 0; i < count; i++) gradient[i] *= slope[i];
}
