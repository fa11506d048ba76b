#ifndef POLYICL_MULTIVERSION_H
#define POLYICL_MULTIVERSION_H
#include <string.h>

// Each exported kernel is compiled for x86-64-v4 (AVX-512), v3 (AVX2) and baseline; the
// loader picks the widest the CPU has. Swift code itself is built for baseline x86-64.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define POLYICL_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define POLYICL_MULTIVERSION
#endif

// Reductions accumulate in 16 lanes (float acc[16], one zmm register in the AVX-512 clone)
// and then add the lanes in order: a fixed order, so results are the same on every run
// (a plain running sum would need -ffast-math to vectorise).
#define POLYICL_LANES 16

static inline float polyicl_lane_sum(const float *lanes) {
    float s = 0;
    for (int l = 0; l < POLYICL_LANES; l++) s += lanes[l];
    return s;
}
#endif
