// AVX2+FMA instantiation of vmath_impl.h.
#include "gk_internal.h"

#if GK_X86
#define VM_W 8
#define VM_ATTR GK_TARGET_AVX2
#define VM_LINKAGE
#define VM_NAME(f) gk_##f##_avx2
#include "vmath_impl.h"
#endif
