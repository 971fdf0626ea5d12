// Run-time ISA selection: CPUID (via __builtin_cpu_supports) capped by GAN_KERNELS_ISA.
#include "gk_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <malloc.h>
#endif

static int best_supported(void) {
#if GK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("fma"))
        return GK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return GK_ISA_AVX2;
#endif
    return GK_ISA_GENERIC;
}

static int parse_isa(const char *name) {
    if (!name) return 0;
    if (!strcmp(name, "generic")) return GK_ISA_GENERIC;
    if (!strcmp(name, "avx2")) return GK_ISA_AVX2;
    if (!strcmp(name, "avx512")) return GK_ISA_AVX512;
    return 0;
}

static int resolve(int wanted) {
    int best = best_supported();
    return (wanted && wanted < best) ? wanted : best;
}

// 0 = not resolved yet. Concurrent first calls store the same value.
static _Atomic int cached_isa;

int gk_isa(void) {
    int isa = atomic_load_explicit(&cached_isa, memory_order_relaxed);
    if (isa) return isa;
    isa = resolve(parse_isa(getenv("GAN_KERNELS_ISA")));
    atomic_store_explicit(&cached_isa, isa, memory_order_relaxed);
    return isa;
}

static const char *isa_name(int isa) {
    return isa == GK_ISA_AVX512 ? "avx512" : isa == GK_ISA_AVX2 ? "avx2" : "generic";
}

const char *gk_isa_name(void) { return isa_name(gk_isa()); }

const char *gk_set_isa(const char *name) {
    int isa = (name && *name) ? resolve(parse_isa(name))
                              : resolve(parse_isa(getenv("GAN_KERNELS_ISA")));
    atomic_store_explicit(&cached_isa, isa, memory_order_relaxed);
    return isa_name(isa);
}

void *gk_alloc(size_t bytes) {
    bytes = (bytes + 63) / 64 * 64;  // aligned_alloc wants a multiple of the alignment
    if (bytes == 0) bytes = 64;
#ifdef _WIN32
    return _aligned_malloc(bytes, 64);
#else
    return aligned_alloc(64, bytes);
#endif
}

void gk_free(void *p) {
#ifdef _WIN32
    _aligned_free(p);
#else
    free(p);
#endif
}
