// im2col / col2im for one image. For a row (c, i, j) of `col`, the valid output rows
// [oh_lo, oh_hi) depend only on i and the valid output columns [lo, hi) only on j, so the
// loops carry no per-element bounds checks. Only taps inside the image are touched: the
// caller zeroes a column buffer once, since padding taps sit at the same places every time.
//
// Rows are short (7..64 floats in the DCGAN layers), so per-row call and loop overhead is
// what costs; stride-2 rows (every k4 s2 layer) take AVX-512 masked loads and permutes.
#include "gk_internal.h"

#include <string.h>

#if GK_X86
#include <immintrin.h>
#endif

// Outputs o with 0 <= o*stride + off < size, clamped to [0, n).
static inline void valid_range(long off, long stride, long size, long n, long *lo, long *hi) {
    long l = off >= 0 ? 0 : (-off + stride - 1) / stride;
    long h = size - 1 - off < 0 ? 0 : (size - 1 - off) / stride + 1;
    if (l > n) l = n;
    if (h > n) h = n;
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

// d[t] = s[t * stride] for t < n.
static inline void gather_row(float *d, const float *s, long n, long stride) {
    if (stride == 1)
        for (long t = 0; t < n; t++) d[t] = s[t];
    else
        for (long t = 0; t < n; t++) d[t] = s[t * stride];
}

// d[t * stride] += s[t] for t < n.
static inline void scatter_add_row(float *d, const float *s, long n, long stride) {
    if (stride == 1)
        for (long t = 0; t < n; t++) d[t] += s[t];
    else
        for (long t = 0; t < n; t++) d[t * stride] += s[t];
}

// The loop nest shared by both directions: PLANE(colAt, imgAt, n, rows) once per (c, i, j)
// for its valid block: `rows` output rows of `n` values, col rows OW apart, image rows
// strideH * W apart.
#define GK_IM2COL_LOOPS(PLANE)                                                                \
    for (long c = 0; c < C; c++) {                                                            \
        for (long i = 0; i < KH; i++) {                                                       \
            const long offH = i * dilH - padH;                                                \
            long oh_lo, oh_hi;                                                                \
            valid_range(offH, strideH, H, OH, &oh_lo, &oh_hi);                                \
            if (oh_lo == oh_hi) continue;                                                     \
            for (long j = 0; j < KW; j++) {                                                   \
                const long offW = j * dilW - padW;                                            \
                long lo, hi;                                                                  \
                valid_range(offW, strideW, W, OW, &lo, &hi);                                  \
                if (lo == hi) continue;                                                       \
                const long colAt = ((c * KH + i) * KW + j) * ld + oh_lo * OW + lo;            \
                const long imgAt = (c * H + oh_lo * strideH + offH) * W + lo * strideW + offW; \
                PLANE(colAt, imgAt, hi - lo, oh_hi - oh_lo);                                  \
            }                                                                                 \
        }                                                                                     \
    }

#define GK_GATHER_GENERIC(colAt, imgAt, n, rows)                                              \
    for (long r = 0; r < (rows); r++)                                                         \
        gather_row(col + (colAt) + r * OW, x + (imgAt) + r * strideH * W, n, strideW)
#define GK_SCATTER_GENERIC(colAt, imgAt, n, rows)                                             \
    for (long r = 0; r < (rows); r++)                                                         \
        scatter_add_row(x + (imgAt) + r * strideH * W, col + (colAt) + r * OW, n, strideW)

static void im2col_generic(const float *x, long C, long H, long W, long KH, long KW,
                           long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                           long OH, long OW, float *col, long ld) {
    GK_IM2COL_LOOPS(GK_GATHER_GENERIC)
}

static void col2im_generic(const float *col, long ld, long C, long H, long W, long KH, long KW,
                           long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                           long OH, long OW, float *x) {
    GK_IM2COL_LOOPS(GK_SCATTER_GENERIC)
}

#if GK_X86
// Lanes 0..15 of permutex2var(a, EVEN, b) are elements 0, 2, ..., 30 of a:b.
#define GK_EVEN_INDEX _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
// Lane 2t of permutexvar(HALF, v) is v[t] (t < 8); HALF_HIGH does the same for v[8 + t].
#define GK_HALF_INDEX _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7)
#define GK_HALF_HIGH_INDEX _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15)

static inline __mmask16 gk_mask(long n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

// A block of `rows` stride-2 rows: d[r*dr + t] = s[r*sr + 2t] for t < n. Masks are built
// once per block; with n <= dr <= 8 two rows share one permute.
GK_TARGET_AVX512 static inline void gather_even_avx512(float *d, long dr, const float *s, long sr,
                                                      long n, long rows) {
    if (n <= dr && dr <= 8) {
        const __mmask16 in = gk_mask(2 * n - 1), one = gk_mask(n), two = one | (__mmask16)(one << dr);
        // Lane t < n takes a[2t]; lane dr + t takes b[2t] (index 16 + 2t).
        const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i shifted = _mm512_sub_epi32(lane, _mm512_set1_epi32((int)dr));
        const __m512i idx = _mm512_mask_add_epi32(_mm512_add_epi32(lane, lane), (__mmask16)(0xffffu << dr),
                                                  _mm512_add_epi32(shifted, shifted), _mm512_set1_epi32(16));
        long r = 0;
        for (; r + 2 <= rows; r += 2, d += 2 * dr, s += 2 * sr) {
            __m512 a = _mm512_maskz_loadu_ps(in, s), b = _mm512_maskz_loadu_ps(in, s + sr);
            _mm512_mask_storeu_ps(d, two, _mm512_permutex2var_ps(a, idx, b));
        }
        if (r < rows) {
            __m512 a = _mm512_maskz_loadu_ps(in, s);
            _mm512_mask_storeu_ps(d, one, _mm512_permutexvar_ps(_mm512_add_epi32(lane, lane), a));
        }
        return;
    }
    const __m512i even = GK_EVEN_INDEX;
    for (long r = 0; r < rows; r++, d += dr, s += sr) {
        float *dd = d;
        const float *ss = s;
        for (long m = n; m > 0; m -= 16, dd += 16, ss += 32) {
            long k = m < 16 ? m : 16, span = 2 * k - 1;
            __m512 a = _mm512_maskz_loadu_ps(gk_mask(span), ss);
            __m512 b = _mm512_maskz_loadu_ps(gk_mask(span > 16 ? span - 16 : 0), ss + 16);
            _mm512_mask_storeu_ps(dd, gk_mask(k), _mm512_permutex2var_ps(a, even, b));
        }
    }
}

// The adjoint block: d[r*dr + 2t] += s[r*sr + t] for t < n (d the image, s the columns).
GK_TARGET_AVX512 static inline void scatter_add_even_avx512(float *d, long dr, const float *s, long sr,
                                                           long n, long rows) {
    const __m512i half = GK_HALF_INDEX, halfHigh = GK_HALF_HIGH_INDEX;
    if (n <= 8) {
        const __mmask16 in = gk_mask(n), out = gk_mask(2 * n - 1) & 0x5555;
        for (long r = 0; r < rows; r++, d += dr, s += sr) {
            __m512 v = _mm512_maskz_loadu_ps(in, s);
            __m512 x = _mm512_maskz_loadu_ps(out, d);
            _mm512_mask_storeu_ps(d, out, _mm512_add_ps(x, _mm512_permutexvar_ps(half, v)));
        }
        return;
    }
    for (long r = 0; r < rows; r++, d += dr, s += sr) {
        float *dd = d;
        const float *ss = s;
        for (long m = n; m > 0; m -= 16, dd += 32, ss += 16) {
            long k = m < 16 ? m : 16, span = 2 * k - 1;
            __m512 v = _mm512_maskz_loadu_ps(gk_mask(k), ss);
            __mmask16 k0 = gk_mask(span) & 0x5555, k1 = gk_mask(span > 16 ? span - 16 : 0) & 0x5555;
            __m512 d0 = _mm512_maskz_loadu_ps(k0, dd);
            _mm512_mask_storeu_ps(dd, k0, _mm512_add_ps(d0, _mm512_permutexvar_ps(half, v)));
            if (k1) {
                __m512 d1 = _mm512_maskz_loadu_ps(k1, dd + 16);
                _mm512_mask_storeu_ps(dd + 16, k1, _mm512_add_ps(d1, _mm512_permutexvar_ps(halfHigh, v)));
            }
        }
    }
}

// Blocks of stride-1 rows: copy / accumulate n floats per row, 16 lanes at a time.
GK_TARGET_AVX512 static inline void copy_avx512(float *d, long dr, const float *s, long sr, long n, long rows) {
    for (long r = 0; r < rows; r++, d += dr, s += sr)
        for (long m = n, t = 0; m > 0; m -= 16, t += 16)
            _mm512_mask_storeu_ps(d + t, gk_mask(m), _mm512_maskz_loadu_ps(gk_mask(m), s + t));
}

GK_TARGET_AVX512 static inline void add_avx512(float *d, long dr, const float *s, long sr, long n, long rows) {
    for (long r = 0; r < rows; r++, d += dr, s += sr)
        for (long m = n, t = 0; m > 0; m -= 16, t += 16) {
            __mmask16 k = gk_mask(m);
            _mm512_mask_storeu_ps(d + t, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, d + t),
                                                          _mm512_maskz_loadu_ps(k, s + t)));
        }
}

#define GK_GATHER_AVX512(colAt, imgAt, n, rows)                                               \
    do {                                                                                      \
        if (strideW == 2) gather_even_avx512(col + (colAt), OW, x + (imgAt), strideH * W, n, rows); \
        else if (strideW == 1) copy_avx512(col + (colAt), OW, x + (imgAt), strideH * W, n, rows);   \
        else GK_GATHER_GENERIC(colAt, imgAt, n, rows);                                        \
    } while (0)
#define GK_SCATTER_AVX512(colAt, imgAt, n, rows)                                              \
    do {                                                                                      \
        if (strideW == 2) scatter_add_even_avx512(x + (imgAt), strideH * W, col + (colAt), OW, n, rows); \
        else if (strideW == 1) add_avx512(x + (imgAt), strideH * W, col + (colAt), OW, n, rows);        \
        else GK_SCATTER_GENERIC(colAt, imgAt, n, rows);                                       \
    } while (0)

GK_TARGET_AVX512
static void im2col_avx512(const float *x, long C, long H, long W, long KH, long KW,
                          long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                          long OH, long OW, float *col, long ld) {
    GK_IM2COL_LOOPS(GK_GATHER_AVX512)
}

GK_TARGET_AVX512
static void col2im_avx512(const float *col, long ld, long C, long H, long W, long KH, long KW,
                          long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                          long OH, long OW, float *x) {
    GK_IM2COL_LOOPS(GK_SCATTER_AVX512)
}
#endif

void gk_im2col(const float *x, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *col, long ld) {
#if GK_X86
    if (gk_isa() == GK_ISA_AVX512) {
        im2col_avx512(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, col, ld);
        return;
    }
#endif
    im2col_generic(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, col, ld);
}

void gk_col2im(const float *col, long ld, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *x) {
#if GK_X86
    if (gk_isa() == GK_ISA_AVX512) {
        col2im_avx512(col, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, x);
        return;
    }
#endif
    col2im_generic(col, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, x);
}

// A band of output rows: every value is written, zeros at the padding taps, since the
// padding taps move from band to band (only the first and last bands have top/bottom ones).
void gk_im2col_rows(const float *x, long C, long H, long W, long KH, long KW,
                    long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                    long OH, long OW, long oh0, long oh1, float *col, long ld) {
    (void)OH;
    for (long c = 0; c < C; c++)
        for (long i = 0; i < KH; i++) {
            const long offH = i * dilH - padH;
            for (long j = 0; j < KW; j++) {
                const long offW = j * dilW - padW;
                long lo, hi;
                valid_range(offW, strideW, W, OW, &lo, &hi);
                float *d = col + ((c * KH + i) * KW + j) * ld;
                for (long r = oh0; r < oh1; r++, d += OW) {
                    const long ih = r * strideH + offH;
                    if (ih < 0 || ih >= H || lo == hi) {
                        memset(d, 0, (size_t)OW * sizeof(float));
                        continue;
                    }
                    for (long t = 0; t < lo; t++) d[t] = 0.0f;
                    const float *s = x + (c * H + ih) * W + lo * strideW + offW;
                    // Stride 1 is a plain copy: libc's vector memcpy, not the baseline-x86 loop.
                    if (strideW == 1) memcpy(d + lo, s, (size_t)(hi - lo) * sizeof(float));
                    else gather_row(d + lo, s, hi - lo, strideW);
                    for (long t = hi; t < OW; t++) d[t] = 0.0f;
                }
            }
        }
}
