#include "ckernels.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

// Buffers of several megabytes (activations, gradients) are placed on 2 MB boundaries and
// offered to the kernel as transparent huge pages: the training step streams through hundreds
// of megabytes, and with 4 KB pages each buffer costs a TLB miss every few rows.
enum { HUGE_PAGE = 2 << 20 };

float *polyicl_buffer_allocate(long count) {
    size_t bytes = (size_t)(count > 0 ? count : 1) * sizeof(float);
    void *pointer = NULL;
    if (bytes >= 2 * (size_t)HUGE_PAGE) {
        size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if (posix_memalign(&pointer, HUGE_PAGE, rounded) != 0) return NULL;
#ifdef MADV_HUGEPAGE
        madvise(pointer, rounded, MADV_HUGEPAGE);  // advice only: without it, ordinary pages
#endif
    } else if (posix_memalign(&pointer, 64, bytes) != 0) {
        return NULL;
    }
    memset(pointer, 0, bytes);
    return pointer;
}

void polyicl_buffer_free(float *buffer) { free(buffer); }
