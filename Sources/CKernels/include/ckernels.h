#ifndef POLYICL_CKERNELS_H
#define POLYICL_CKERNELS_H
// Elementwise kernels compiled for several x86-64 levels at once (function multi-versioning):
// the loader picks the AVX-512 or AVX2 version on CPUs that have them and the baseline
// version elsewhere, so one binary is both portable and wide. Swift cannot do this itself.

// out[i] = gelu_new(in[i]) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
void polyicl_gelu_forward(float *out, const float *in, long count);
// The same out[i], and slope[i] = gelu_new'(in[i]) from the same tanh: training's forward, whose
// backward needs only the slope. slope may be in (the input is replaced by its slope); out
// must not overlap either.
void polyicl_gelu_forward_with_slope(float *out, float *slope, const float *in, long count);
// inputGradient[i] = outputGradient[i] * slope[i], the slope kept by the forward; buffers must
// not overlap.
void polyicl_gelu_backward(float *inputGradient, const float *outputGradient, const float *slope, long count);
// gradient[i] *= slope[i]: the same as polyicl_gelu_backward with the gradient in place.
void polyicl_gelu_backward_in_place(float *gradient, const float *slope, long count);

// Subnormal floats cost about 100 cycles per operation on x86, and a trained model's sharp
// attention and saturated units make many of them (training from a trained checkpoint ran 5x
// slower). Sets flush-to-zero and denormals-are-zero (FPCR.FZ on ARM) on the calling thread;
// cheap when already set. The worker pool's threads set it when they start.
void polyicl_flush_subnormals(void);
// Whether the calling thread flushes subnormals to zero (0 where the platform cannot).
int polyicl_flushes_subnormals(void);
// For a thread that is not the pool's (a caller's, Dispatch's): flushes subnormals until the
// matching end, which restores the mode begin returned, so the caller's own arithmetic after
// the work (formatting a subnormal double, say) is as it was.
unsigned long polyicl_subnormals_flush_begin(void);
void polyicl_subnormals_flush_end(unsigned long saved);

// A zeroed buffer of count floats (at least one), 64-byte aligned; from 4 MB on, mapped 2 MB
// aligned and advised to be backed by transparent huge pages. NULL if memory is exhausted.
float *polyicl_buffer_allocate(long count);
// Frees a buffer from polyicl_buffer_allocate(count), given the same count.
void polyicl_buffer_free(float *buffer, long count);

// LayerNorm of rows first + k * stride (k < count) of [*, width]; keeps mean and 1/std per row.
void polyicl_layernorm_forward(float *out, float *mean, float *inverse_std, const float *in,
                               const float *gain, const float *bias, long first, long count,
                               long stride, long width, float epsilon);
// Its backward on the same rows: dx accumulates; gain_partial/bias_partial (both null, or
// both non-null) accumulate the parameter gradients.
void polyicl_layernorm_backward(float *dx, float *gain_partial, float *bias_partial,
                                const float *dy, const float *in, const float *gain,
                                const float *mean, const float *inverse_std, long first,
                                long count, long stride, long width);

// Causal softmax in place on `rows` rows (row pitch `stride`): row t sees its first
// first_row + t + 1 entries (at most `columns`) and is zero after them up to `columns`.
void polyicl_softmax_causal(float *scores, long rows, long columns, long stride, long first_row);
// Softmax backward on the same rows: gradient = p * (gradient - <p, gradient>), zero after.
void polyicl_softmax_causal_backward(float *gradient, const float *probabilities, long rows,
                                     long columns, long stride, long first_row);

// A causal block's probabilities kept for the backward pass, compactly: row t is stored as
// its first 16 * (t / 16 + 1) entries (entries at or past `columns` stored as zeros), rows
// back to back. polyicl_causal_rows_count(rows) floats per block, and row t starts
// polyicl_causal_rows_count(t) floats in; with `dest` 64-byte aligned every stored row is
// too, and pack writes them past the cache. Pack and unpack move `rows` rows of a
// [rows, stride] block whose row i is the block's row first_row + i; `dest` (pack) or `src`
// (unpack) points at row first_row's place in the compact layout.
long polyicl_causal_rows_count(long rows);
void polyicl_causal_rows_pack(float *dest, const float *src, long rows, long columns, long stride, long first_row);
// Orders the stores of the packs before it ahead of later stores: call it after a worker's
// last pack, before the rows may be read by another thread.
void polyicl_causal_rows_fence(void);
// Unpack writes each row's stored entries below `columns` and nothing else; every block of
// the same shape writes the same places, so zeroing the block once before unpacking many
// keeps its upper triangle zero.
void polyicl_causal_rows_unpack(float *dest, const float *src, long rows, long columns, long stride, long first_row);

// out[r, :] = bias + residual[r, :] (residual null: bias alone) for `rows` rows of `width`.
void polyicl_fill_bias_rows(float *out, const float *residual, const float *bias, long rows, long width);
// Instruction-set levels the kernels dispatch to (isa.c). The process's level is the widest
// the CPU has, or POLYICL_ISA (avx512, avx2, baseline); a request the CPU cannot honour
// prints why to stderr and exits with status 1 on the first query.
enum {
    POLYICL_ISA_BASELINE = 0,  // OpenBLAS and portable C
    POLYICL_ISA_AVX2 = 1,      // AVX2 + FMA
    POLYICL_ISA_AVX512 = 2,    // AVX-512 F, DQ, VL
};
int polyicl_isa_supported(int level);
int polyicl_isa_best(void);
int polyicl_isa_process_level(void);
const char *polyicl_isa_name(int level);
// The level for the calling thread: the one pinned on it, else the process's.
int polyicl_isa_level(void);
// Pins `level` on the calling thread (negative: unpins) and returns the previous pin (-1:
// none). A level the CPU lacks is not pinned.
int polyicl_isa_pin(int level);

// Single-precision row-major GEMM with our own micro-kernels (gemm.c; AVX-512 or AVX2 + FMA,
// whichever polyicl_isa_level() gives). Call only when polyicl_gemm_supported() is nonzero;
// elsewhere use OpenBLAS. Single-threaded: callers split C across their workers. Packing
// buffers are per thread, allocated on first use and kept.
int polyicl_gemm_supported(void);

// What is known to be zero, so that part of the work can be skipped (attention's triangles).
enum {
    POLYICL_GEMM_FULL = 0,
    // Only C[i][j] with j <= i is wanted: tiles entirely above the diagonal are left untouched
    // (tiles crossing it are computed whole).
    POLYICL_GEMM_C_LOWER = 1,
    // op(A)[i][k] == 0 for k > i (a causal probability matrix): row i reduces over k <= i.
    POLYICL_GEMM_A_LOWER = 2,
    // op(A)[i][k] == 0 for k < i (the transpose of one): row i reduces over k >= i.
    POLYICL_GEMM_A_UPPER = 3,
};

// C[m, n] = alpha op(A)[m, k] op(B)[k, n] + beta C (beta == 0: C is not read), BLAS argument
// meanings, row-major. Returns 0, or negative if packing memory could not be allocated or
// AVX-512 is not compiled in.
int polyicl_sgemm(int transA, int transB, long m, long n, long k, float alpha, const float *A, long lda,
                  const float *B, long ldb, float beta, float *C, long ldc, int triangle);

// Conv1D forward on `rows` rows: out = bias (+ residual) + input[rows, in] weight[in, out],
// and gelu(out) into gelu_out when it is non-null, each row block finished while in cache;
// with keep_gelu_slope, out is then replaced by gelu'(out) (polyicl_gelu_forward_with_slope).
// Returns nonzero (nothing written) when the weight is too large for the packing buffer.
int polyicl_linear_forward(float *out, const float *input, const float *weight, const float *bias,
                           const float *residual, float *gelu_out, int keep_gelu_slope, long rows, long input_width,
                           long output_width);
// Conv1D's input gradient: input_gradient[rows, in] = output_gradient[rows, out] weight[in, out]^T,
// and when gelu_slope is non-null each row block is then multiplied by its rows of gelu_slope
// (kept by the forward) while in cache (the MLP's c_proj and GELU backward in one pass). Returns nonzero (nothing
// written) when the weight is too large for the packing buffer.
int polyicl_linear_input_gradient(float *input_gradient, const float *output_gradient, const float *weight,
                                  const float *gelu_slope, long rows, long input_width, long output_width);
// The MLP on `rows` rows (one worker's share), a block of rows at a time with the hidden
// activations in cache: out = residual (when non-null) + proj_bias + gelu(in fc_weight + fc_bias)
// proj_weight, fc_weight [width, hidden] and proj_weight [hidden, width] as Conv1D's. Kept for a
// backward when non-null (streamed to memory past the cache): fc_gelu[rows, hidden] the
// activations, fc_slope[rows, hidden] GELU's slope at c_fc's output. Returns nonzero (nothing
// written) when the widths do not fit (polyicl_mlp_forward_fits), memory could not be allocated
// or AVX-512 is not compiled in.
int polyicl_mlp_forward(float *out, float *fc_slope, float *fc_gelu, const float *in, const float *residual,
                        const float *fc_weight, const float *fc_bias, const float *proj_weight, const float *proj_bias,
                        long rows, long width, long hidden);
// Whether polyicl_mlp_forward's buffers hold these widths.
int polyicl_mlp_forward_fits(long width, long hidden);
// LayerNorm's backward (polyicl_layernorm_backward) for polyicl_linear_backward to take the
// input gradient on through, when the Conv1D's input was LayerNorm's output. All row
// pointers start at the same row as polyicl_linear_backward's.
typedef struct {
    float *input_gradient;               // += the gradient at LayerNorm's input
    float *gain_partial, *bias_partial;  // += the parameter gradients (both or neither)
    const float *input, *gain, *mean, *inverse_std;
} polyicl_layernorm_backward_rows;

// Conv1D's whole backward on `rows` rows (one worker's share), a block of rows at a time so
// that output_gradient is read from memory once for both products: input_gradient[rows, in] =
// output_gradient weight^T (then multiplied by gelu_slope's rows when it is non-null, as
// polyicl_linear_input_gradient), weight_gradient[in, out] = beta * it + input^T output_gradient,
// and bias_gradient (when non-null) = beta * it + the column sums of output_gradient. With
// `layernorm` the input gradient is not written but taken on through LayerNorm's backward,
// a block of rows at a time while in cache. Returns nonzero (nothing written) when the shapes do
// not fit the packing buffer (polyicl_linear_backward_fits), memory could not be allocated or
// AVX-512 is not compiled in.
int polyicl_linear_backward(float *input_gradient, float *weight_gradient, float *bias_gradient,
                            const float *output_gradient, const float *input, const float *weight,
                            const float *gelu_slope, const polyicl_layernorm_backward_rows *layernorm, long rows,
                            long input_width, long output_width, float beta);
// Whether polyicl_linear_backward's packing buffer holds these widths.
int polyicl_linear_backward_fits(long input_width, long output_width);
// Conv1D's parameter gradients over `rows` rows: weight_gradient[in, out] = beta * it +
// input[rows, in]^T output_gradient[rows, out], and (when non-null) bias_gradient[out] =
// beta * it + the column sums of output_gradient, summed while the GEMM packs them. Returns
// nonzero only if packing memory could not be allocated or AVX-512 is not compiled in.
int polyicl_linear_parameter_gradients(float *weight_gradient, float *bias_gradient, const float *input,
                                       const float *output_gradient, long rows, long input_width,
                                       long output_width, float beta);
// Attention for one (sequence, head) with head size 32 (every preset's), query slivers of 12
// rows at a time (attention_head32.c). Both take `scratch` of
// polyicl_attention_head32_scratch_count(T) floats and return nonzero (nothing written) when
// AVX-512 is not compiled in. Forward: out (rows ld_out apart) from q, k, v (rows ld_qkv
// apart), and with `probabilities` non-null the probabilities in the compact causal layout of
// polyicl_causal_rows_pack. Backward: dq, dk, dv (rows ld_gradient apart) are overwritten from
// q, k, v, dout (ld_dout) and those probabilities. `next` (or null) is the (sequence, head)
// the caller does next, fetched toward L2 meanwhile; its gradient and dout may be null.
long polyicl_attention_head32_scratch_count(long T);
typedef struct {
    const float *q, *dout, *dq;  // q: its Q rows (K and V follow width_bytes apart), as dq
    long ld_qkv, ld_dout, ld_gradient, width_bytes;
} polyicl_attention_next;
int polyicl_attention_forward_head32(float *out, long ld_out, const float *q, const float *k, const float *v,
                                     long ld_qkv, float *probabilities, long T, float scale, float *scratch,
                                     const polyicl_attention_next *next);
int polyicl_attention_backward_head32(float *dq, float *dk, float *dv, long ld_gradient, const float *q,
                                      const float *k, const float *v, long ld_qkv, const float *dout,
                                      long ld_dout, const float *probabilities, long T, float scale,
                                      float *scratch, const polyicl_attention_next *next);
// Runs task(context, i) for i in 0..<count, index 0 on the calling thread and the others on
// the process's worker pool (cores - 1 threads that spin briefly between jobs), and returns
// when all have finished. Returns -1 without running anything when the pool is in use by
// another caller or has fewer than count - 1 workers: the caller then runs the job otherwise.
typedef void (*polyicl_pool_task)(void *context, long index);
int polyicl_pool_run(long count, polyicl_pool_task task, void *context);
// The cores this process may use: POLYICL_THREADS if set, else its CPU affinity mask lowered
// to a cgroup v2 CPU quota; at least 1. The pool starts this many workers less one.
long polyicl_usable_cores(void);
// GFLOP/s of `iterations` rounds of 12 FMAs on registers only, on the calling thread: the
// core's arithmetic ceiling at polyicl_isa_level() (AVX-512 or AVX2 FMAs). -1 at baseline.
double polyicl_fma_peak_gflops(long iterations);

#endif
