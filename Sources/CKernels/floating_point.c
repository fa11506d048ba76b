#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
// MXCSR bit 15 (FTZ): subnormal results become zero; bit 6 (DAZ): subnormal inputs read as zero.
#define SUBNORMAL_BITS 0x8040u

void polyicl_flush_subnormals(void) {
    unsigned int mode = _mm_getcsr();
    if ((mode & SUBNORMAL_BITS) != SUBNORMAL_BITS) _mm_setcsr(mode | SUBNORMAL_BITS);
}

int polyicl_flushes_subnormals(void) {
    return (_mm_getcsr() & SUBNORMAL_BITS) == SUBNORMAL_BITS;
}

unsigned long polyicl_subnormals_flush_begin(void) {
    unsigned int mode = _mm_getcsr();
    if ((mode & SUBNORMAL_BITS) != SUBNORMAL_BITS) _mm_setcsr(mode | SUBNORMAL_BITS);
    return mode;
}

void polyicl_subnormals_flush_end(unsigned long saved) {
    if ((_mm_getcsr() & SUBNORMAL_BITS) != ((unsigned int)saved & SUBNORMAL_BITS)) {
        _mm_setcsr((_mm_getcsr() & ~SUBNORMAL_BITS) | ((unsigned int)saved & SUBNORMAL_BITS));
    }
}
#elif defined(__aarch64__)
// FPCR bit 24 (FZ) flushes subnormal inputs and results of single and double precision.
#define FLUSH_TO_ZERO_BIT (1ull << 24)

static unsigned long long read_fpcr(void) {
    unsigned long long value;
    __asm__ volatile("mrs %0, fpcr" : "=r"(value));
    return value;
}

void polyicl_flush_subnormals(void) {
    unsigned long long value = read_fpcr();
    if (!(value & FLUSH_TO_ZERO_BIT)) __asm__ volatile("msr fpcr, %0" : : "r"(value | FLUSH_TO_ZERO_BIT));
}

int polyicl_flushes_subnormals(void) { return (read_fpcr() & FLUSH_TO_ZERO_BIT) != 0; }

unsigned long polyicl_subnormals_flush_begin(void) {
    unsigned long long value = read_fpcr();
    if (!(value & FLUSH_TO_ZERO_BIT)) __asm__ volatile("msr fpcr, %0" : : "r"(value | FLUSH_TO_ZERO_BIT));
    return (unsigned long)value;
}

void polyicl_subnormals_flush_end(unsigned long saved) {
    unsigned long long value = read_fpcr();
    unsigned long long wanted = (value & ~FLUSH_TO_ZERO_BIT) | ((unsigned long long)saved & FLUSH_TO_ZERO_BIT);
    if (wanted != value) __asm__ volatile("msr fpcr, %0" : : "r"(wanted));
}
#else
void polyicl_flush_subnormals(void) {}
int polyicl_flushes_subnormals(void) { return 0; }
unsigned long polyicl_subnormals_flush_begin(void) { return 0; }
void polyicl_subnormals_flush_end(unsigned long saved) { (void)saved; }
#endif
