// im2col / col2im for one image. For a row (c, i, j) of `col`, the valid output rows
// [oh_lo, oh_hi) depend only on i and the valid output columns [lo, hi) only on j, so the
// loops carry no per-element bounds checks. Only taps inside the image are touched: the
// caller zeroes a column buffer once, since padding taps sit at the same places every time.
//
// Rows are short (7..64 floats in the DCGAN layers), so per-row call and loop overhead is
// what costs; stride-2 rows (every k4 s2 layer) take AVX-512 masked loads and permutes, or on
// AVX2 two-vector shuffles with masked loads at the row's end. Every path only moves floats
// or adds one col value to one image value, in the loop nest's order: the same bits.
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
// strideH * W apart. The ranges depend on i or j alone: computed once, not per channel (their
// divisions took a sixth of a 7 x 7 stride-2 block's time on AVX2).
#define GK_IM2COL_LOOPS(PLANE)                                                                \
    long row_lo[KH], row_hi[KH], col_lo[KW], col_hi[KW];                                      \
    for (long i = 0; i < KH; i++) valid_range(i * dilH - padH, strideH, H, OH, &row_lo[i], &row_hi[i]); \
    for (long j = 0; j < KW; j++) valid_range(j * dilW - padW, strideW, W, OW, &col_lo[j], &col_hi[j]); \
    for (long c = 0; c < C; c++) {                                                            \
        for (long i = 0; i < KH; i++) {                                                       \
            const long offH = i * dilH - padH, oh_lo = row_lo[i], oh_hi = row_hi[i];          \
            if (oh_lo == oh_hi) continue;                                                     \
            for (long j = 0; j < KW; j++) {                                                   \
                const long offW = j * dilW - padW, lo = col_lo[j], hi = col_hi[j];            \
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

// One instruction set's im2col_ISA / col2im_ISA over its gather_even_, copy_,
// scatter_add_even_ and add_ blocks (stride 2 and 1; other strides take the portable rows).
#define GK_GATHER_ISA(isa, colAt, imgAt, n, rows)                                                  \
    do {                                                                                           \
        if (strideW == 2) gather_even_##isa(col + (colAt), OW, x + (imgAt), strideH * W, n, rows); \
        else if (strideW == 1) copy_##isa(col + (colAt), OW, x + (imgAt), strideH * W, n, rows);   \
        else GK_GATHER_GENERIC(colAt, imgAt, n, rows);                                             \
    } while (0)
#define GK_SCATTER_ISA(isa, colAt, imgAt, n, rows)                                                 \
    do {                                                                                           \
        if (strideW == 2) scatter_add_even_##isa(x + (imgAt), strideH * W, col + (colAt), OW, n, rows); \
        else if (strideW == 1) add_##isa(x + (imgAt), strideH * W, col + (colAt), OW, n, rows);        \
        else GK_SCATTER_GENERIC(colAt, imgAt, n, rows);                                            \
    } while (0)
#define GK_IM2COL_FUNCTIONS(isa, TARGET)                                                           \
    TARGET static void im2col_##isa(const float *x, long C, long H, long W, long KH, long KW,      \
                                    long strideH, long strideW, long padH, long padW, long dilH,   \
                                    long dilW, long OH, long OW, float *col, long ld) {            \
        GK_IM2COL_LOOPS(GK_GATHER_##isa)                                                           \
    }                                                                                              \
    TARGET static void col2im_##isa(const float *col, long ld, long C, long H, long W, long KH,    \
                                    long KW, long strideH, long strideW, long padH, long padW,     \
                                    long dilH, long dilW, long OH, long OW, float *x) {            \
        GK_IM2COL_LOOPS(GK_SCATTER_##isa)                                                          \
    }

#define GK_GATHER_avx512(colAt, imgAt, n, rows) GK_GATHER_ISA(avx512, colAt, imgAt, n, rows)
#define GK_SCATTER_avx512(colAt, imgAt, n, rows) GK_SCATTER_ISA(avx512, colAt, imgAt, n, rows)
GK_IM2COL_FUNCTIONS(avx512, GK_TARGET_AVX512)

// MARK: AVX2

// Lanes [0, n) of a masked load (none for n <= 0, all for n >= 8).
GK_TARGET_AVX2 static inline __m256i gk_lanes8(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Stores lanes [0, m) of v at d (0 <= m <= 8) in 4-, 2- and 1-float pieces: vmaskmovps stores
// are slow on AMD.
GK_TARGET_AVX2 static inline void store_head_avx2(float *d, __m256 v, long m) {
    if (m >= 8) {
        _mm256_storeu_ps(d, v);
        return;
    }
    __m128 x = _mm256_castps256_ps128(v);
    if (m & 4) {
        _mm_storeu_ps(d, x);
        x = _mm256_extractf128_ps(v, 1);
        d += 4;
    }
    if (m & 2) {
        _mm_storel_pi((__m64 *)d, x);
        x = _mm_movehl_ps(x, x);
        d += 2;
    }
    if (m & 1) _mm_store_ss(d, x);
}

// Elements 0, 2, ..., 14 of a:b.
GK_TARGET_AVX2 static inline __m256 even_avx2(__m256 a, __m256 b) {
    const __m256 e = _mm256_shuffle_ps(a, b, 0x88);  // a0 a2 b0 b2 | a4 a6 b4 b6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
}

// A block of `rows` stride-2 rows (n >= 1): d[r*dr + t] = s[r*sr + 2t] for t < n, 8 outputs
// from 16 inputs per step. The last 1..8 outputs read their 2m - 1 inputs with masked loads:
// the float after a row's last tap may lie past the image.
GK_TARGET_AVX2 static inline void gather_even_avx2(float *d, long dr, const float *s, long sr, long n,
                                                  long rows) {
    const long body = (n - 1) / 8 * 8, m = n - body;
    const __m256i m0 = gk_lanes8(2 * m - 1), m1 = gk_lanes8(2 * m - 9);
    for (long r = 0; r < rows; r++, d += dr, s += sr) {
        for (long t = 0; t < body; t += 8)
            _mm256_storeu_ps(d + t, even_avx2(_mm256_loadu_ps(s + 2 * t), _mm256_loadu_ps(s + 2 * t + 8)));
        const float *st = s + 2 * body;
        store_head_avx2(d + body, even_avx2(_mm256_maskload_ps(st, m0), _mm256_maskload_ps(st + 8, m1)), m);
    }
}

// The adjoint block: d[r*dr + 2t] += s[r*sr + t] for t < n (d the image, s the columns). Each
// step spreads 8 columns over the even lanes of 16 image floats; the odd lanes are stored back
// unchanged (the image is this call's alone), never added to (-0 + 0 would be +0).
GK_TARGET_AVX2 static inline void scatter_add_even_avx2(float *d, long dr, const float *s, long sr, long n,
                                                       long rows) {
    const __m256i low = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), high = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    const long body = (n - 1) / 8 * 8, m = n - body, span = 2 * m - 1;
    const __m256i mv = gk_lanes8(m), m0 = gk_lanes8(span), m1 = gk_lanes8(span - 8);
    for (long r = 0; r < rows; r++, d += dr, s += sr) {
        for (long t = 0; t < body; t += 8) {
            const __m256 v = _mm256_loadu_ps(s + t);
            float *dd = d + 2 * t;
            const __m256 x0 = _mm256_loadu_ps(dd), x1 = _mm256_loadu_ps(dd + 8);
            _mm256_storeu_ps(dd, _mm256_blend_ps(x0, _mm256_add_ps(x0, _mm256_permutevar8x32_ps(v, low)), 0x55));
            _mm256_storeu_ps(dd + 8, _mm256_blend_ps(x1, _mm256_add_ps(x1, _mm256_permutevar8x32_ps(v, high)), 0x55));
        }
        const __m256 v = _mm256_maskload_ps(s + body, mv);
        float *dd = d + 2 * body;
        const __m256 x0 = _mm256_maskload_ps(dd, m0), x1 = _mm256_maskload_ps(dd + 8, m1);
        store_head_avx2(dd, _mm256_blend_ps(x0, _mm256_add_ps(x0, _mm256_permutevar8x32_ps(v, low)), 0x55),
                        span < 8 ? span : 8);
        if (span > 8)
            store_head_avx2(dd + 8, _mm256_blend_ps(x1, _mm256_add_ps(x1, _mm256_permutevar8x32_ps(v, high)), 0x55),
                            span - 8);
    }
}

// Blocks of stride-1 rows. Copy: 8 floats at a time, the last 8 of a row overlapping the step
// before (rewriting the values it wrote); rows shorter than 8 take a masked load.
GK_TARGET_AVX2 static inline void copy_avx2(float *d, long dr, const float *s, long sr, long n, long rows) {
    const __m256i head = gk_lanes8(n);
    for (long r = 0; r < rows; r++, d += dr, s += sr) {
        if (n < 8) {
            store_head_avx2(d, _mm256_maskload_ps(s, head), n);
            continue;
        }
        for (long t = 0; t + 8 < n; t += 8) _mm256_storeu_ps(d + t, _mm256_loadu_ps(s + t));
        _mm256_storeu_ps(d + n - 8, _mm256_loadu_ps(s + n - 8));
    }
}

// Accumulate: 8 floats at a time, the last n % 8 through masked loads (no overlap: each value
// is added once).
GK_TARGET_AVX2 static inline void add_avx2(float *d, long dr, const float *s, long sr, long n, long rows) {
    const long body = n / 8 * 8, m = n - body;
    const __m256i tail = gk_lanes8(m);
    for (long r = 0; r < rows; r++, d += dr, s += sr) {
        for (long t = 0; t < body; t += 8)
            _mm256_storeu_ps(d + t, _mm256_add_ps(_mm256_loadu_ps(d + t), _mm256_loadu_ps(s + t)));
        if (m)
            store_head_avx2(d + body, _mm256_add_ps(_mm256_maskload_ps(d + body, tail),
                                                    _mm256_maskload_ps(s + body, tail)), m);
    }
}

#define GK_GATHER_avx2(colAt, imgAt, n, rows) GK_GATHER_ISA(avx2, colAt, imgAt, n, rows)
#define GK_SCATTER_avx2(colAt, imgAt, n, rows) GK_SCATTER_ISA(avx2, colAt, imgAt, n, rows)
GK_IM2COL_FUNCTIONS(avx2, GK_TARGET_AVX2)
#endif

void gk_im2col(const float *x, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *col, long ld) {
#if GK_X86
    switch (gk_isa()) {
    case GK_ISA_AVX512:
        im2col_avx512(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, col, ld);
        return;
    case GK_ISA_AVX2:
        im2col_avx2(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, col, ld);
        return;
    default: break;
    }
#endif
    im2col_generic(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, col, ld);
}

void gk_col2im(const float *col, long ld, long C, long H, long W, long KH, long KW,
               long strideH, long strideW, long padH, long padW, long dilH, long dilW,
               long OH, long OW, float *x) {
#if GK_X86
    switch (gk_isa()) {
    case GK_ISA_AVX512:
        col2im_avx512(col, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, x);
        return;
    case GK_ISA_AVX2:
        col2im_avx2(col, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, x);
        return;
    default: break;
    }
#endif
    col2im_generic(col, ld, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OH, OW, x);
}

// A band of output rows: every value is written, zeros at the padding taps, since the
// padding taps move from band to band (only the first and last bands have top/bottom ones).
// ROW(d, s, n) writes the n taps of one output row inside the image, ZERO(d, n) n zeros.
#define GK_IM2COL_ROWS_LOOPS(ROW, ZERO)                                                       \
    for (long c = 0; c < C; c++)                                                              \
        for (long i = 0; i < KH; i++) {                                                       \
            const long offH = i * dilH - padH;                                                \
            for (long j = 0; j < KW; j++) {                                                   \
                const long offW = j * dilW - padW;                                            \
                long lo, hi;                                                                  \
                valid_range(offW, strideW, W, OW, &lo, &hi);                                  \
                float *d = col + ((c * KH + i) * KW + j) * ld;                                \
                for (long r = oh0; r < oh1; r++, d += OW) {                                   \
                    const long ih = r * strideH + offH;                                       \
                    if (ih < 0 || ih >= H || lo == hi) {                                      \
                        memset(d, 0, (size_t)OW * sizeof(float));                             \
                        continue;                                                             \
                    }                                                                         \
                    ZERO(d, lo);                                                              \
                    ROW(d + lo, x + (c * H + ih) * W + lo * strideW + offW, hi - lo);         \
                    ZERO(d + hi, OW - hi);                                                    \
                }                                                                             \
            }                                                                                 \
        }

// Stride 1 is a plain copy: libc's vector memcpy, not the baseline-x86 loop.
#define GK_ROW_GENERIC(d, s, n)                                                               \
    do {                                                                                      \
        if (strideW == 1) memcpy(d, s, (size_t)(n) * sizeof(float));                          \
        else gather_row(d, s, n, strideW);                                                    \
    } while (0)

#define GK_ZERO_GENERIC(d, n)                                                                 \
    for (long t = 0; t < (n); t++) (d)[t] = 0.0f

static void im2col_rows_generic(const float *x, long C, long H, long W, long KH, long KW,
                                long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                                long OW, long oh0, long oh1, float *col, long ld) {
    GK_IM2COL_ROWS_LOOPS(GK_ROW_GENERIC, GK_ZERO_GENERIC)
}

#if GK_X86
// Stride-2 bands (Inception's 3x3 s2 layers) gather 8 outputs per step. Their padding taps are
// zeroed in vector stores: in a function built for AVX2 the compiler turns the zeroing loop
// into a call to memset, which costs more than the 1..3 floats it writes. Stride-1 bands stay
// with memcpy: an inline 8-float copy was as fast in isolation but 10-15% slower inside
// Inception's forward pass (rows of 17..147 floats).
#define GK_ROW_EVEN_AVX2(d, s, n) gather_even_avx2(d, 0, s, 0, n, 1)
#define GK_ZERO_AVX2(d, n)                                                                    \
    do {                                                                                      \
        if ((n) <= 8) store_head_avx2(d, _mm256_setzero_ps(), n);                             \
        else memset(d, 0, (size_t)(n) * sizeof(float));                                       \
    } while (0)

GK_TARGET_AVX2
static void im2col_rows_even_avx2(const float *x, long C, long H, long W, long KH, long KW,
                                  long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                                  long OW, long oh0, long oh1, float *col, long ld) {
    GK_IM2COL_ROWS_LOOPS(GK_ROW_EVEN_AVX2, GK_ZERO_AVX2)
}
#endif

void gk_im2col_rows(const float *x, long C, long H, long W, long KH, long KW,
                    long strideH, long strideW, long padH, long padW, long dilH, long dilW,
                    long OH, long OW, long oh0, long oh1, float *col, long ld) {
    (void)OH;
#if GK_X86
    if (strideW == 2 && gk_isa() >= GK_ISA_AVX2) {  // AVX-512 too: a band is filled row by row
        im2col_rows_even_avx2(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OW, oh0, oh1, col, ld);
        return;
    }
#endif
    im2col_rows_generic(x, C, H, W, KH, KW, strideH, strideW, padH, padW, dilH, dilW, OW, oh0, oh1, col, ld);
}
