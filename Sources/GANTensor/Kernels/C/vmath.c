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
