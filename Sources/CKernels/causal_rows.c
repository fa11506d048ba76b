#include "ckernels.h"
#include <stdint.h>
#include <string.h>

// The attention probabilities the backward pass needs, kept compactly: row t of a causal
// [rows, columns] block is zero after column t, so only its first causal_row_length(t)
// entries are stored (a whole number of 16-float vectors, so every stored row starts on a
// cache line). That is about half of the square block. The forward pass computes each
// block in a scratch square that stays in cache and streams only these rows out: writing
// the square block whole sent twice the data to memory, through the cache.

static inline long causal_row_length(long t) { return (t + 16) / 16 * 16; }

long polyicl_causal_rows_count(long rows) {
    // Rows come in groups of 16 of equal length: group g holds 16 rows of 16 (g + 1) floats.
    long groups = rows / 16, rest = rows % 16;
    return 128 * groups * (groups + 1) + 16 * rest * (groups + 1);
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define CAUSAL_AVX512 1
#define AVX512_TARGET __attribute__((target("avx512f")))

#define AVX2_TARGET __attribute__((target("avx2")))

static inline __mmask16 lanes_before(long end, long j) {
    long n = end - j;
    return (__mmask16)(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1);
}

// Non-temporal stores: the rows are read again only in the backward pass, after the other
// layers' work has long evicted them, so they go to memory without first being read into
// the cache. polyicl_causal_rows_fence orders them, once after many packs (a fence per
// sliver stalled the forward pass).
AVX512_TARGET
static void pack_avx512(float *dest, const float *src, long rows, long columns, long stride, long first_row) {
    for (long i = 0; i < rows; i++) {
        const float *row = src + i * stride;
        long length = causal_row_length(first_row + i);
        for (long j = 0; j < length; j += 16)
            _mm512_stream_ps(dest + j, _mm512_maskz_loadu_ps(lanes_before(columns, j), row + j));
        dest += length;
    }
}

AVX512_TARGET
static void unpack_avx512(float *dest, const float *src, long rows, long columns, long stride, long first_row) {
    for (long i = 0; i < rows; i++) {
        float *row = dest + i * stride;
        long length = causal_row_length(first_row + i);
        for (long j = 0; j < length; j += 16)
            _mm512_mask_storeu_ps(row + j, lanes_before(columns, j), _mm512_load_ps(src + j));
        src += length;
    }
}

// The same on 8 lanes; the masked store only on a row's last, partial vector (it is slow on
// AMD cores).
AVX2_TARGET
static void pack_avx2(float *dest, const float *src, long rows, long columns, long stride, long first_row) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (long i = 0; i < rows; i++) {
        const float *row = src + i * stride;
        long length = causal_row_length(first_row + i);
        for (long j = 0; j < length; j += 8) {
            long n = columns - j;
            __m256 v = n >= 8 ? _mm256_loadu_ps(row + j)
                              : _mm256_maskload_ps(row + j, _mm256_cmpgt_epi32(_mm256_set1_epi32(n > 0 ? (int)n : 0), iota));
            _mm256_stream_ps(dest + j, v);
        }
        dest += length;
    }
}

AVX2_TARGET
static void unpack_avx2(float *dest, const float *src, long rows, long columns, long stride, long first_row) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (long i = 0; i < rows; i++) {
        float *row = dest + i * stride;
        long length = causal_row_length(first_row + i);
        for (long j = 0; j < length && j < columns; j += 8) {
            long n = columns - j;
            if (n >= 8) _mm256_storeu_ps(row + j, _mm256_load_ps(src + j));
            else _mm256_maskstore_ps(row + j, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), iota), _mm256_load_ps(src + j));
        }
        src += length;
    }
}
#else
#define CAUSAL_AVX512 0
#endif

void polyicl_causal_rows_pack(float *dest, const float *src, long rows, long columns, long stride, long first_row) {
#if CAUSAL_AVX512
    if (((uintptr_t)dest & 63) == 0) {
        int level = polyicl_isa_level();
        if (level == POLYICL_ISA_AVX512) {
            pack_avx512(dest, src, rows, columns, stride, first_row);
            return;
        }
        if (level == POLYICL_ISA_AVX2) {
            pack_avx2(dest, src, rows, columns, stride, first_row);
            return;
        }
    }
#endif
    for (long i = 0; i < rows; i++) {
        long length = causal_row_length(first_row + i), copied = length < columns ? length : columns;
        memcpy(dest, src + i * stride, (size_t)copied * sizeof(float));
        memset(dest + copied, 0, (size_t)(length - copied) * sizeof(float));
        dest += length;
    }
}

void polyicl_causal_rows_fence(void) {
#if CAUSAL_AVX512
    _mm_sfence();
#endif
}

void polyicl_causal_rows_unpack(float *dest, const float *src, long rows, long columns, long stride, long first_row) {
#if CAUSAL_AVX512
    if (((uintptr_t)src & 63) == 0) {
        int level = polyicl_isa_level();
        if (level == POLYICL_ISA_AVX512) {
            unpack_avx512(dest, src, rows, columns, stride, first_row);
            return;
        }
        if (level == POLYICL_ISA_AVX2) {
            unpack_avx2(dest, src, rows, columns, stride, first_row);
            return;
        }
    }
#endif
    for (long i = 0; i < rows; i++) {
        long length = causal_row_length(first_row + i), copied = length < columns ? length : columns;
        memcpy(dest + i * stride, src, (size_t)copied * sizeof(float));
        src += length;
    }
}
