// Raw-memory kernels of GANTensor. Every function is single-threaded: the Swift side
// (Sources/GANTensor/Kernels/*.swift) splits work across threads and picks BLAS or these.
// All matrices are row-major float32. Dispatch to AVX-512 / AVX2+FMA / portable code happens
// once, at the first call, by CPUID.
#ifndef GAN_KERNELS_H
#define GAN_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Name of the instruction set the kernels dispatched to: "avx512", "avx2" or "generic".
/// The environment variable GAN_KERNELS_ISA=generic|avx2|avx512, read at the first call,
/// caps the choice (a level the CPU lacks falls back to the best one it has).
const char *gk_isa_name(void);

/// For tests: forces the dispatch to `name` ("generic", "avx2", "avx512"; capped by the CPU),
/// or with NULL/"" goes back to GAN_KERNELS_ISA + CPUID. Returns the name now in effect.
/// Calls already running keep the ISA they started with.
const char *gk_set_isa(const char *name);

/// C[M,N] = alpha * op(A) @ op(B) + beta * C, row-major, like cblas_sgemm(CblasRowMajor, ...).
/// op(A) is [M,K] (A stored [M,K] with lda >= K, or [K,M] with lda >= M when transA != 0).
/// op(B) is [K,N] (B stored [K,N] with ldb >= N, or [N,K] with ldb >= K when transB != 0).
/// beta == 0 means C is written without being read (NaNs in C do not propagate).
/// alpha == 0 or K == 0 only scales C (A and B are not read). No alignment is required.
/// Reentrant (packing buffers are allocated per call). To use several threads, call it on
/// disjoint row blocks of C (A, C offset by the block's first row), in multiples of 12 rows.
void gk_sgemm(int transA, int transB, long M, long N, long K, float alpha,
              const float *A, long lda, const float *B, long ldb,
              float beta, float *C, long ldc);

/// Floats a packed A [M, K] takes (gk_sgemm_pack_a), on every ISA.
long gk_sgemm_packed_a_count(long M, long K);

/// Packs A [M, K] (row-major, lda >= K) into `packed` (gk_sgemm_packed_a_count floats, 64-byte
/// aligned) as gk_sgemm packs it, for the ISA in effect, which it returns. A weight packed once
/// can then be multiplied by many B without packing it again.
int gk_sgemm_pack_a(long M, long K, const float *A, long lda, float *packed);

/// C[M,N] = A @ B + beta * C for an A packed by gk_sgemm_pack_a (`isa` is what it returned),
/// B [K,N] (ldb >= N). The same bits as gk_sgemm(0, 0, M, N, K, 1, A, lda, B, ldb, beta, C, ldc)
/// on that ISA. Reentrant; to use several threads, call it on disjoint column blocks of C.
void gk_sgemm_packed_a(int isa, long M, long N, long K, const float *packed, const float *B,
                       long ldb, float beta, float *C, long ldc);

/// Floats a packed B [K, N] takes (gk_sgemm_pack_b), on every ISA.
long gk_sgemm_packed_b_count(long N, long K);

/// Packs op(B) [K, N] (B stored [K, N], or [N, K] when transB) into `packed`
/// (gk_sgemm_packed_b_count floats, 64-byte aligned) as gk_sgemm packs it, for the ISA in
/// effect, which it returns: a Linear layer's weight packed once for many inference products.
int gk_sgemm_pack_b(int transB, long N, long K, const float *B, long ldb, float *packed);

/// C[M, N] = op(A) · (columns col0 ..< col0 + N of the packed op(B) [K, totalN]) + beta C, the
/// same bits as gk_sgemm on those columns. `col0` a multiple of 32. Reentrant; to use several
/// threads, call it on disjoint row blocks (multiples of 12 rows) or column blocks.
void gk_sgemm_packed_b(int isa, int transA, long M, long N, long K, const float *A, long lda,
                       const float *packed, long totalN, long col0, float beta, float *C, long ldc);

/// Winograd F(2x2, 3x3) weight transform: w[O][C][3][3] -> u[16][O][C], u[4i+j] = (G g G^T)[i][j]
/// with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
void gk_winograd_weights(const float *w, long O, long C, float *u);

/// Winograd F(2x2, 3x3) input transform of tile row `ty` (input rows 2ty - pad ... 2ty - pad + 3)
/// of one image x[C,H,W] with `pad` zeros on every side: tile tx (0 <= tx < TX) of channel c
/// goes to v[p * posStride + c * ldv + tx] for the 16 positions p of B^T d B. `scratch` holds
/// 8 * (TX + 1) floats.
void gk_winograd_input_row(const float *x, long C, long H, long W, long pad, long ty, long TX,
                           float *v, long ldv, long posStride, float *scratch);

/// Winograd F(2x2, 3x3) output transform of tile row `ty`: from the 16 products
/// m[p * posStride + o * ldm + tx], writes output rows 2ty and 2ty + 1 (when < OH) of
/// y[O][OH][OW] as A^T m A + bias[o], rectified when `relu`. `scratch` holds 4 * TX floats.
void gk_winograd_output_row(const float *m, long ldm, long posStride, long O, long OH, long OW,
                            long ty, long TX, const float *bias, int relu, float *y,
                            float *scratch);

/// Winograd F(4x4, 3x3): the weight and input transforms have the contracts above with 6x6
/// input tiles and 36 positions: u[36][O][C] = G g G^T (G 6x3, points 0, +-1, +-2); input tile
/// row `ty` reads input rows 4ty - pad ... 4ty - pad + 5, its scratch 24 * (TX + 1) floats.
void gk_winograd4_weights(const float *w, long O, long C, float *u);
void gk_winograd4_input_row(const float *x, long C, long H, long W, long pad, long ty, long TX,
                            float *v, long ldv, long posStride, float *scratch);

/// Winograd F(4x4, 3x3) output transform of `count` tiles at once, in place: from the 36 products
/// m[p * posStride + o * ldm + t], writes A^T m A + bias[o] (rectified when `relu`) to positions
/// 0-15 (output row k, column l of the tile at position 4k + l). `scratch` holds 24 * count floats.
void gk_winograd4_output(float *m, long ldm, long posStride, long O, long count, const float *bias, int relu,
                         float *scratch);

/// Copies tile row `ty`'s outputs (positions 0-15 of m after gk_winograd4_output, tile tx at
/// m[p * posStride + o * ldm + tx]) to output rows 4ty ... 4ty + 3 (when < OH) of y[O][OH][OW].
void gk_winograd4_output_row(const float *m, long ldm, long posStride, long O, long OH, long OW, long ty,
                             long TX, float *y);

/// Same contract as gk_sgemm but always the portable scalar loop (reference for tests).
void gk_sgemm_reference(int transA, int transB, long M, long N, long K, float alpha,
                        const float *A, long lda, const float *B, long ldb,
                        float beta, float *C, long ldc);

/// For tests: the block packer gk_sgemm uses on the path in effect. Element i (0 <= i < n) of
/// step k (0 <= k < kc) is src[i*ld + k] (transpose != 0) or src[k*ld + i]. It writes n / P
/// full panels of kc steps x P floats, then, if n % P != 0, one panel of kc steps x
/// round_up(n % P, step) floats, zero-padded; nothing else. P <= 32.
void gk_gemm_pack(int transpose, const float *src, long ld, long n, long kc, long P, long step, float *dst);

/// im2col for one image x[C,H,W] into col: row (c*KH + i)*KW + j holds OH*OW values, rows
/// ld floats apart (ld >= OH*OW, so several images' matrices can sit side by side). Only taps
/// inside the image are written: the padding taps of col must already be zero.
void gk_im2col(const float *x, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *col, long ld);

/// gk_im2col for output rows [oh0, oh1) only: row (c*KH + i)*KW + j holds (oh1 - oh0)*OW
/// values, rows ld floats apart. Every value is written, the padding taps as zeros.
void gk_im2col_rows(const float *x, long C, long H, long W, long KH, long KW,
                    long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                    long OH, long OW, long oh0, long oh1, float *col, long ld);

/// The adjoint of gk_im2col: x[C,H,W] += the taps of col (rows ld floats apart) inside it.
void gk_col2im(const float *col, long ld, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *x);

/// Max pooling of `planes` planes x[H,W] into y[OH,OW] (windows clipped to the image, each
/// holding at least one tap), NaN propagated, no indices. `rows` is scratch of H*OW floats.
void gk_max_pool(const float *x, long planes, long H, long W, long KH, long KW,
                 long strideH, long strideW, long padH, long padW, long OH, long OW,
                 float *rows, float *y);

/// What gk_avg_pool divides a window's sum by: its taps inside the image, the kernel area, or
/// `divisor`.
enum { GK_DIVIDE_TAPS = 0, GK_DIVIDE_AREA = 1, GK_DIVIDE_FIXED = 2 };

/// Average pooling of `planes` planes x[H,W] into y[OH,OW]: each window's taps inside the image
/// summed in raster order, then multiplied by 1 / (what `divide` names).
void gk_avg_pool(const float *x, long planes, long H, long W, long KH, long KW,
                 long strideH, long strideW, long padH, long padW, long OH, long OW,
                 int divide, float divisor, float *y);

/// Vectorised unary maps over n floats (y may equal x). Max error a few ulp vs libm.
void gk_exp(const float *x, float *y, long n);
void gk_log(const float *x, float *y, long n);
void gk_tanh(const float *x, float *y, long n);
void gk_sigmoid(const float *x, float *y, long n);
/// Correctly rounded sqrt(x) and 1 / sqrt(x) (the same bits on every path).
void gk_sqrt(const float *x, float *y, long n);
void gk_rsqrt(const float *x, float *y, long n);

/// Operators of gk_binary (GK_FIRST: y = a, b not read).
enum { GK_ADD = 0, GK_SUB = 1, GK_MUL = 2, GK_DIV = 3, GK_FIRST = 4 };

/// y[i] = a[i * sa] op b[i * sb] for i < n, with sa and sb 0 (a scalar) or 1; y may be a or b.
/// Bit-identical to the scalar operator on every instruction set.
void gk_binary(int op, const float *a, long sa, const float *b, long sb, float *y, long n);
/// y = x > 0 ? x : x * slope (y may be x).
void gk_leaky_relu(const float *x, float *y, long n, float slope);
/// y = max(x, 0) with NaN kept (y may be x).
void gk_relu(const float *x, float *y, long n);
/// y = max(x + b, 0) with NaN kept (y may be x): a bias and ReLU in one pass, the same bits
/// as gk_binary's add followed by gk_relu.
void gk_bias_relu(const float *x, float *y, long n, float b);
/// y = x > 0 ? 1 : below: the derivative of a (leaky) rectifier.
void gk_positive_mask(const float *x, float *y, long n, float below);

/// Row kernels of batch normalisation (n floats each):
/// *sum = Σ x, *squares = Σ (x - m)^2.
void gk_moments(const float *x, long n, float m, float *sum, float *squares);
/// *sum = Σ g, *dot = Σ g (x - m).
void gk_moments_grad(const float *g, const float *x, long n, float m, float *sum, float *dot);
/// y = (x - m) a + b.
void gk_normalize(const float *x, float *y, long n, float m, float a, float b);
/// y = g a + (x - m) b + c.
void gk_normalize_grad(const float *g, const float *x, float *y, long n, float m, float a, float b, float c);

/// Column forms of the four above for [rows, cols] with one value per row and channel
/// (rows ld apart), the same bits per channel: acc[c] += Σ x (mean NULL) or Σ (x - mean[c])²;
/// sum[c] += Σ g, dot[c] += Σ g (x - mean[c]); and the two affine maps.
void gk_col_moments(const float *x, long rows, long cols, long ld, const float *mean, double *acc);
void gk_col_moments_grad(const float *g, const float *x, long rows, long cols, long ld, const float *mean,
                         double *sum, double *dot);
void gk_col_normalize(const float *x, float *y, long rows, long cols, long ld, const float *m, const float *a,
                      const float *b);
void gk_col_normalize_grad(const float *g, const float *x, float *y, long rows, long cols, long ld, const float *m,
                           const float *a, const float *b, const float *k);

/// One Adam step without weight decay or AMSGrad (outputs may alias their inputs), the same
/// bits as the separate operations:
/// m' = m + c1 (g - m), v' = b2 v + (c2 g) g, p' = p - step (m' / (sqrt(v') / root2 + eps)).
void gk_adam(const float *p, const float *g, const float *m, const float *v, float *p_out, float *m_out,
             float *v_out, long n, float c1, float b2, float c2, float root2, float eps, float step);

/// Work for gk_parallel_run: runs chunk `chunk` of the job `ctx` describes.
typedef void (*gk_chunk_fn)(void *ctx, long chunk);

/// Runs fn(ctx, c) for every c in 0..<chunks on the calling thread and up to threads - 1
/// pooled workers (started at the first call, `threads` fixed then), returning when all are
/// done. A call from inside a chunk, or while another thread's call runs, runs its chunks
/// on the calling thread. Workers spin for 200 µs after a job, then sleep.
void gk_parallel_run(long threads, long chunks, gk_chunk_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
