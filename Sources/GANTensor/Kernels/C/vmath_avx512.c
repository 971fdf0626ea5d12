// AVX-512 instantiation of vmath_impl.h.
#include "gk_internal.h"

#if GK_X86
#define VM_W 16
#define VM_ATTR GK_TARGET_AVX512
#define VM_LINKAGE
#define VM_NAME(f) gk_##f##_avx512
#include "vmath_impl.h"
#endif
