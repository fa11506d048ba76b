#include "ckernels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

// Buffers of several megabytes (activations, gradients) are mapped straight from the kernel
// (already zero) on 2 MB boundaries and offered as transparent huge pages: the training step
// streams through hundreds of megabytes, and with 4 KB pages each buffer costs a TLB miss
// every few rows (measured: 1.7% of a step).
enum { HUGE_PAGE = 2 << 20 };

static size_t buffer_bytes(long count) { return (size_t)(count > 0 ? count : 1) * sizeof(float); }

static int is_mapped(size_t bytes) { return bytes >= 2 * (size_t)HUGE_PAGE; }

static size_t mapped_bytes(size_t bytes) { return (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE; }

float *polyicl_buffer_allocate(long count) {
    size_t bytes = buffer_bytes(count);
    if (!is_mapped(bytes)) {
        void *pointer = NULL;
        if (posix_memalign(&pointer, 64, bytes) != 0) return NULL;
        memset(pointer, 0, bytes);
        return pointer;
    }
    // Map a huge page more than needed, then return the parts before and after the aligned span.
    size_t length = mapped_bytes(bytes);
    char *mapped = mmap(NULL, length + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return NULL;
    char *aligned = (char *)(((uintptr_t)mapped + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (aligned > mapped) munmap(mapped, (size_t)(aligned - mapped));
    size_t tail = (size_t)(mapped + length + HUGE_PAGE - (aligned + length));
    if (tail > 0) munmap(aligned + length, tail);
#ifdef MADV_HUGEPAGE
    madvise(aligned, length, MADV_HUGEPAGE);  // advice only: refused, the pages are ordinary ones
#endif
    return (float *)aligned;
}

void polyicl_buffer_free(float *buffer, long count) {
    size_t bytes = buffer_bytes(count);
    if (is_mapped(bytes)) munmap(buffer, mapped_bytes(bytes));
    else free(buffer);
}
