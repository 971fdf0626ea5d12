// im2col / col2im. For a row (c, i, j) of `col`, the valid output rows [oh_lo, oh_hi) depend
// only on i and the valid output columns [lo, hi) only on j, so the loops carry no per-element
// bounds checks. Rows are short (often 4..56 floats), so copies use inline 4-float moves:
// memcpy/memset calls per row cost more than the data (no_builtin keeps the compiler from
// turning the loops back into such calls).
#include "gk_internal.h"

#if defined(__has_attribute)
#if __has_attribute(no_builtin)
#define GK_NO_MEM_BUILTINS __attribute__((no_builtin("memcpy", "memset")))
#endif
#endif
#ifndef GK_NO_MEM_BUILTINS
#define GK_NO_MEM_BUILTINS
#endif

// Outputs o with 0 <= o*stride + off < size, clamped to [0, n).
static void valid_range(long off, long stride, long size, long n, long *lo, long *hi) {
    long l = off >= 0 ? 0 : (-off + stride - 1) / stride;
    long h = size - 1 - off < 0 ? 0 : (size - 1 - off) / stride + 1;
    if (l > n) l = n;
    if (h > n) h = n;
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

typedef float f4u __attribute__((vector_size(16), aligned(4), may_alias));

GK_NO_MEM_BUILTINS static inline void zero(float *restrict d, long n) {
    long t = 0;
    for (; t + 4 <= n; t += 4) *(f4u *)(d + t) = (f4u){0, 0, 0, 0};
    for (; t < n; t++) d[t] = 0.0f;
}

GK_NO_MEM_BUILTINS static inline void copy(float *restrict d, const float *restrict s, long n) {
    long t = 0;
    for (; t + 4 <= n; t += 4) *(f4u *)(d + t) = *(const f4u *)(s + t);
    for (; t < n; t++) d[t] = s[t];
}

GK_NO_MEM_BUILTINS static inline void add(float *restrict d, const float *restrict s, long n) {
    long t = 0;
    for (; t + 4 <= n; t += 4) *(f4u *)(d + t) += *(const f4u *)(s + t);
    for (; t < n; t++) d[t] += s[t];
}

GK_NO_MEM_BUILTINS
void gk_im2col(const float *x, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *col) {
    const long L = OH * OW;
    for (long c = 0; c < C; c++) {
        const float *xc = x + c * H * W;
        for (long i = 0; i < KH; i++) {
            const long offH = i * dilH - padH;
            long oh_lo, oh_hi;
            valid_range(offH, strideH, H, OH, &oh_lo, &oh_hi);
            for (long j = 0; j < KW; j++) {
                float *restrict dst = col + ((c * KH + i) * KW + j) * L;
                const long offW = j * dilW - padW;
                long lo, hi;
                valid_range(offW, strideW, W, OW, &lo, &hi);
                const long h1 = lo < hi ? oh_hi : oh_lo;
                zero(dst, oh_lo * OW);
                for (long oh = oh_lo; oh < h1; oh++) {
                    float *restrict d = dst + oh * OW;
                    const float *restrict s = xc + (oh * strideH + offH) * W + lo * strideW + offW;
                    zero(d, lo);
                    if (strideW == 1)
                        copy(d + lo, s, hi - lo);
                    else
                        for (long t = 0; t < hi - lo; t++) d[lo + t] = s[t * strideW];
                    zero(d + hi, OW - hi);
                }
                zero(dst + h1 * OW, (OH - h1) * OW);
            }
        }
    }
}

GK_NO_MEM_BUILTINS
void gk_col2im(const float *col, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *x) {
    const long L = OH * OW;
    for (long c = 0; c < C; c++) {
        float *xc = x + c * H * W;
        for (long i = 0; i < KH; i++) {
            const long offH = i * dilH - padH;
            long oh_lo, oh_hi;
            valid_range(offH, strideH, H, OH, &oh_lo, &oh_hi);
            for (long j = 0; j < KW; j++) {
                const float *restrict src = col + ((c * KH + i) * KW + j) * L;
                const long offW = j * dilW - padW;
                long lo, hi;
                valid_range(offW, strideW, W, OW, &lo, &hi);
                if (lo == hi) continue;
                for (long oh = oh_lo; oh < oh_hi; oh++) {
                    float *restrict d = xc + (oh * strideH + offH) * W + lo * strideW + offW;
                    const float *restrict s = src + oh * OW + lo;
                    if (strideW == 1)
                        add(d, s, hi - lo);
                    else
                        for (long t = 0; t < hi - lo; t++) d[t * strideW] += s[t];
                }
            }
        }
    }
}
