// Private declarations shared by the kernel translation units.
#ifndef GK_INTERNAL_H
#define GK_INTERNAL_H

#include "GANKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define GK_X86 1
#else
#define GK_X86 0
#endif

#define GK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
#define GK_TARGET_AVX2 __attribute__((target("avx2,fma")))

enum { GK_ISA_GENERIC = 1, GK_ISA_AVX2 = 2, GK_ISA_AVX512 = 3 };

/// The ISA in effect (cached after the first call).
int gk_isa(void);

/// 64-byte aligned scratch memory (NULL on failure).
void *gk_alloc(size_t bytes);
void gk_free(void *p);

/// Micro-kernel: c[mr, nr] = alpha * a_panel @ b_panel + beta * c (beta == 0: c not read).
/// The A panel holds kc steps of gk_round_up(mr, mr_step) floats, the B panel kc steps of
/// gk_round_up(nr, nr_step) floats (64-byte aligned when nr_step is a multiple of 16).
typedef void (*gk_ukr_fn)(long kc, const float *a, const float *b, float *c, long ldc,
                          long mr, long nr, float alpha, float beta);

/// Block packers: element i (0 <= i < n) of step k (0 <= k < kc) is src[k*ld + i] (copy) or
/// src[i*ld + k] (transpose). They write n / P full panels of kc steps x P floats, then, if
/// n % P != 0, one panel of kc steps x gk_round_up(n % P, step) floats, zero-padded.
typedef void (*gk_pack_fn)(const float *src, long ld, long n, long kc, long P, long step,
                           float *dst);

typedef struct {
    long mr, nr;            // full micro-tile
    long mr_step, nr_step;  // granularity of edge tiles
    long mc, kc, nc;        // cache blocks
    gk_ukr_fn ukr;
    gk_pack_fn pack_copy, pack_transpose;
} gk_gemm_arch;

static inline long gk_round_up(long x, long m) { return (x + m - 1) / m * m; }

void gk_pack_copy_generic(const float *src, long ld, long n, long kc, long P, long step,
                          float *dst);
void gk_pack_transpose_generic(const float *src, long ld, long n, long kc, long P, long step,
                               float *dst);

#if GK_X86
extern const gk_gemm_arch gk_gemm_avx512;
extern const gk_gemm_arch gk_gemm_avx2;

void gk_exp_avx512(const float *x, float *y, long n);
void gk_log_avx512(const float *x, float *y, long n);
void gk_tanh_avx512(const float *x, float *y, long n);
void gk_sigmoid_avx512(const float *x, float *y, long n);
void gk_exp_avx2(const float *x, float *y, long n);
void gk_log_avx2(const float *x, float *y, long n);
void gk_tanh_avx2(const float *x, float *y, long n);
void gk_sigmoid_avx2(const float *x, float *y, long n);
void gk_sqrt_avx512(const float *x, float *y, long n);
void gk_rsqrt_avx512(const float *x, float *y, long n);
void gk_sqrt_avx2(const float *x, float *y, long n);
void gk_rsqrt_avx2(const float *x, float *y, long n);
#define GK_DECLARE_RECTIFIERS(isa)                                                              \
    void gk_binary_##isa(int op, const float *a, long sa, const float *b, long sb, float *y, long n); \
    void gk_leaky_relu_##isa(const float *x, float *y, long n, float slope);                    \
    void gk_relu_##isa(const float *x, float *y, long n);                                       \
    void gk_bias_relu_##isa(const float *x, float *y, long n, float b);                         \
    void gk_positive_mask_##isa(const float *x, float *y, long n, float below);                 \
    void gk_moments_##isa(const float *x, long n, float m, float *sum, float *squares);         \
    void gk_moments_grad_##isa(const float *g, const float *x, long n, float m, float *sum, float *dot); \
    void gk_normalize_##isa(const float *x, float *y, long n, float m, float a, float b);       \
    void gk_normalize_grad_##isa(const float *g, const float *x, float *y, long n, float m, float a, float b, float c); \
    void gk_adam_##isa(const float *p, const float *g, const float *m, const float *v, float *p_out, float *m_out, \
                       float *v_out, long n, float c1, float b2, float c2, float root2, float eps, float step); \
    void gk_col_moments_##isa(const float *x, long rows, long cols, long ld, const float *mean, double *acc); \
    void gk_col_moments_grad_##isa(const float *g, const float *x, long rows, long cols, long ld, const float *mean, \
                                   double *sum, double *dot);                                     \
    void gk_col_normalize_##isa(const float *x, float *y, long rows, long cols, long ld, const float *m, \
                                const float *a, const float *b);                                  \
    void gk_col_normalize_grad_##isa(const float *g, const float *x, float *y, long rows, long cols, long ld, \
                                     const float *m, const float *a, const float *b, const float *k);
GK_DECLARE_RECTIFIERS(avx512)
GK_DECLARE_RECTIFIERS(avx2)
#endif

#endif
