// Public unary maps: dispatch to the AVX-512 / AVX2 instantiations of vmath_impl.h, else the
// portable 4-lane one below (SSE2 / NEON).
#include "gk_internal.h"

#define VM_W 4
#define VM_ATTR
#define VM_LINKAGE static
#define VM_NAME(f) f##_generic
#include "vmath_impl.h"

#if GK_X86
#define VM_DISPATCH(f)                                                     \
    void gk_##f(const float *x, float *y, long n) {                        \
        switch (gk_isa()) {                                                \
        case GK_ISA_AVX512: gk_##f##_avx512(x, y, n); return;              \
        case GK_ISA_AVX2: gk_##f##_avx2(x, y, n); return;                  \
        default: f##_generic(x, y, n); return;                             \
        }                                                                  \
    }
#else
#define VM_DISPATCH(f) \
    void gk_##f(const float *x, float *y, long n) { f##_generic(x, y, n); }
#endif

VM_DISPATCH(exp)
VM_DISPATCH(log)
VM_DISPATCH(tanh)
VM_DISPATCH(sigmoid)
VM_DISPATCH(sqrt)
VM_DISPATCH(rsqrt)

#if GK_X86
#define VM_DISPATCH_ARGS(f, params, args)                                  \
    void gk_##f params {                                                   \
        switch (gk_isa()) {                                                \
        case GK_ISA_AVX512: gk_##f##_avx512 args; return;                  \
        case GK_ISA_AVX2: gk_##f##_avx2 args; return;                      \
        default: f##_generic args; return;                                 \
        }                                                                  \
    }
#else
#define VM_DISPATCH_ARGS(f, params, args) \
    void gk_##f params { f##_generic args; }
#endif

VM_DISPATCH_ARGS(binary, (int op, const float *a, long sa, const float *b, long sb, float *y, long n),
                 (op, a, sa, b, sb, y, n))
VM_DISPATCH_ARGS(leaky_relu, (const float *x, float *y, long n, float slope), (x, y, n, slope))
VM_DISPATCH_ARGS(relu, (const float *x, float *y, long n), (x, y, n))
VM_DISPATCH_ARGS(bias_relu, (const float *x, float *y, long n, float b), (x, y, n, b))
VM_DISPATCH_ARGS(positive_mask, (const float *x, float *y, long n, float below), (x, y, n, below))
VM_DISPATCH_ARGS(moments, (const float *x, long n, float m, float *sum, float *squares), (x, n, m, sum, squares))
VM_DISPATCH_ARGS(moments_grad, (const float *g, const float *x, long n, float m, float *sum, float *dot),
                 (g, x, n, m, sum, dot))
VM_DISPATCH_ARGS(normalize, (const float *x, float *y, long n, float m, float a, float b), (x, y, n, m, a, b))
VM_DISPATCH_ARGS(normalize_grad, (const float *g, const float *x, float *y, long n, float m, float a, float b, float c),
                 (g, x, y, n, m, a, b, c))
VM_DISPATCH_ARGS(adam,
                 (const float *p, const float *g, const float *m, const float *v, float *p_out, float *m_out,
                  float *v_out, long n, float c1, float b2, float c2, float root2, float eps, float step),
                 (p, g, m, v, p_out, m_out, v_out, n, c1, b2, c2, root2, eps, step))
VM_DISPATCH_ARGS(col_moments, (const float *x, long rows, long cols, long ld, const float *mean, double *acc),
                 (x, rows, cols, ld, mean, acc))
VM_DISPATCH_ARGS(col_moments_grad,
                 (const float *g, const float *x, long rows, long cols, long ld, const float *mean, double *sum,
                  double *dot),
                 (g, x, rows, cols, ld, mean, sum, dot))
VM_DISPATCH_ARGS(col_normalize,
                 (const float *x, float *y, long rows, long cols, long ld, const float *m, const float *a,
                  const float *b),
                 (x, y, rows, cols, ld, m, a, b))
VM_DISPATCH_ARGS(col_normalize_grad,
                 (const float *g, const float *x, float *y, long rows, long cols, long ld, const float *m,
                  const float *a, const float *b, const float *k),
                 (g, x, y, rows, cols, ld, m, a, b, k))
