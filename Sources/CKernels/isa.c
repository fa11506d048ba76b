#include "ckernels.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Which instruction-set level the GEMM, its fused passes, attention, the causal softmax and
// the probability rows dispatch to. One binary serves every x86-64 CPU; POLYICL_ISA lowers
// the level to compare paths on one machine, and tests pin a level per thread.

static const char *const level_names[] = {"baseline", "avx2", "avx512"};

const char *polyicl_isa_name(int level) {
    return level >= POLYICL_ISA_BASELINE && level <= POLYICL_ISA_AVX512 ? level_names[level] : "unknown";
}

int polyicl_isa_supported(int level) {
    if (level == POLYICL_ISA_BASELINE) return 1;
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (level == POLYICL_ISA_AVX2) return avx2;
    if (level == POLYICL_ISA_AVX512)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl");
#endif
    return 0;
}

int polyicl_isa_best(void) {
    for (int level = POLYICL_ISA_AVX512; level > POLYICL_ISA_BASELINE; level--)
        if (polyicl_isa_supported(level)) return level;
    return POLYICL_ISA_BASELINE;
}

static int process_level = POLYICL_ISA_BASELINE;
static pthread_once_t process_once = PTHREAD_ONCE_INIT;

// A request the CPU cannot honour ends the process: silently running another level would
// make every figure measured under it a lie.
static void choose_process_level(void) {
    const char *asked = getenv("POLYICL_ISA");
    if (!asked || !*asked) {
        process_level = polyicl_isa_best();
        return;
    }
    for (int level = POLYICL_ISA_BASELINE; level <= POLYICL_ISA_AVX512; level++) {
        if (strcmp(asked, level_names[level]) != 0) continue;
        if (!polyicl_isa_supported(level)) {
            fprintf(stderr, "polyicl: POLYICL_ISA=%s, but this CPU lacks %s (the widest level it has is %s)\n", asked,
                    level == POLYICL_ISA_AVX512 ? "AVX-512 (F, DQ, VL)" : "AVX2 with FMA",
                    level_names[polyicl_isa_best()]);
            exit(1);
        }
        process_level = level;
        return;
    }
    fprintf(stderr, "polyicl: POLYICL_ISA=%s is not a level; use avx512, avx2 or baseline\n", asked);
    exit(1);
}

int polyicl_isa_process_level(void) {
    pthread_once(&process_once, choose_process_level);
    return process_level;
}

// The level pinned on this thread plus one; 0: none, the process's level applies.
static _Thread_local int thread_level;

int polyicl_isa_level(void) {
    int pinned = thread_level;
    return pinned ? pinned - 1 : polyicl_isa_process_level();
}

int polyicl_isa_pin(int level) {
    int previous = thread_level - 1;
    if (level < 0) thread_level = 0;
    else if (polyicl_isa_supported(level)) thread_level = level + 1;
    return previous;
}
