#ifndef POLYICL_CKERNELS_H
#define POLYICL_CKERNELS_H
// Elementwise kernels compiled for several x86-64 levels at once (function multi-versioning):
// the loader picks the AVX-512 or AVX2 version on CPUs that have them and the baseline
// version elsewhere, so one binary is both portable and wide. Swift cannot do this itself.

// out[i] = gelu_new(in[i]) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
void polyicl_gelu_forward(float *out, const float *in, long count);
// inputGradient[i] = outputGradient[i] * gelu_new'(in[i]); buffers must not overlap.
void polyicl_gelu_backward(float *inputGradient, const float *outputGradient, const float *in, long count);
#endif
