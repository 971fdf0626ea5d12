// Max pooling without indices, for inference: no rule will scatter a gradient, so the
// window's maximum is all that is needed. Windows are separable: the maximum over each
// row's taps first, then over the rows, each pass a running maximum over whole rows that
// vectorises (AVX2: 8 outputs per step, stride-2 taps de-interleaved in registers).
#include "gk_internal.h"

#include <math.h>

#if GK_X86
#include <immintrin.h>
#endif

// The larger of a and b, a NaN in either kept (as PyTorch's max pooling propagates NaN);
// on a tie the earlier value a, so ±0 ties give the window's first in raster order. Starting
// from -inf is the same as starting from the first tap: max_nan(-inf, v) has v's bits.
static inline float max_nan(float a, float b) { return (b > a || b != b) ? b : a; }

// r[t] = max_nan(r[t], s[t * stride]) for t < n.
static void running_max_generic(float *r, const float *s, long n, long stride) {
    for (long t = 0; t < n; t++) r[t] = max_nan(r[t], s[t * stride]);
}

#if GK_X86
GK_TARGET_AVX2 static inline __m256 max_nan_avx2(__m256 a, __m256 b) {
    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(b, a, _CMP_GT_OQ), _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
    return _mm256_blendv_ps(a, b, take);
}

GK_TARGET_AVX2 static void running_max_avx2(float *r, const float *s, long n, long stride) {
    long t = 0;
    if (stride == 1) {
        for (; t + 8 <= n; t += 8)
            _mm256_storeu_ps(r + t, max_nan_avx2(_mm256_loadu_ps(r + t), _mm256_loadu_ps(s + t)));
    } else if (stride == 2) {
        // Reads s[2t .. 2t+15]; t + 8 < n keeps that inside the taps the row needs.
        for (; t + 8 < n; t += 8) {
            const __m256 lo = _mm256_loadu_ps(s + 2 * t), hi = _mm256_loadu_ps(s + 2 * t + 8);
            const __m256 even = _mm256_castpd_ps(_mm256_permute4x64_pd(
                _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
            _mm256_storeu_ps(r + t, max_nan_avx2(_mm256_loadu_ps(r + t), even));
        }
    }
    for (; t < n; t++) r[t] = max_nan(r[t], s[t * stride]);
}
#endif

void gk_max_pool(const float *x, long planes, long H, long W, long KH, long KW,
                 long strideH, long strideW, long padH, long padW, long OH, long OW,
                 float *rows, float *y) {
    void (*running_max)(float *, const float *, long, long) = running_max_generic;
#if GK_X86
    if (gk_isa() >= GK_ISA_AVX2) running_max = running_max_avx2;
#endif
    for (long p = 0; p < planes; p++) {
        const float *src = x + p * H * W;
        float *dst = y + p * OH * OW;
        // rows[h * OW + ow]: the maximum of input row h over output column ow's taps, tap by
        // tap in order (outputs whose tap j falls outside the row skip it).
        for (long h = 0; h < H; h++) {
            float *r = rows + h * OW;
            for (long ow = 0; ow < OW; ow++) r[ow] = -INFINITY;
            for (long j = 0; j < KW; j++) {
                const long off = j - padW;
                long lo = off >= 0 ? 0 : (-off + strideW - 1) / strideW;
                long hi = W - 1 - off < 0 ? 0 : (W - 1 - off) / strideW + 1;
                if (hi > OW) hi = OW;
                if (lo < hi) running_max(r + lo, src + h * W + lo * strideW + off, hi - lo, strideW);
            }
        }
        for (long oh = 0; oh < OH; oh++) {
            long h0 = oh * strideH - padH, h1 = h0 + KH;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            float *d = dst + oh * OW;
            for (long ow = 0; ow < OW; ow++) d[ow] = -INFINITY;
            for (long h = h0; h < h1; h++) running_max(d, rows + h * OW, OW, 1);
        }
    }
}

// Average pooling, taps in the same order as the window-at-a-time loop (each output starts
// from 0 and adds its taps inside the image in raster order, then is scaled), so the bits are
// the same; looping over taps outside and output columns inside lets the adds vectorise.
void gk_avg_pool(const float *x, long planes, long H, long W, long KH, long KW,
                 long strideH, long strideW, long padH, long padW, long OH, long OW,
                 int divide, float divisor, float *y) {
    for (long p = 0; p < planes; p++) {
        const float *src = x + p * H * W;
        float *dst = y + p * OH * OW;
        for (long oh = 0; oh < OH; oh++) {
            long h0 = oh * strideH - padH, h1 = h0 + KH;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            float *d = dst + oh * OW;
            for (long ow = 0; ow < OW; ow++) d[ow] = 0.0f;
            for (long h = h0; h < h1; h++)
                for (long j = 0; j < KW; j++) {
                    // Outputs ow whose tap j lies inside the row: 0 <= ow*strideW + j - padW < W.
                    const long off = j - padW;
                    long lo = off >= 0 ? 0 : (-off + strideW - 1) / strideW;
                    long hi = W - 1 - off < 0 ? 0 : (W - 1 - off) / strideW + 1;
                    if (hi > OW) hi = OW;
                    const float *s = src + h * W + off;
                    if (strideW == 1)
                        for (long ow = lo; ow < hi; ow++) d[ow] += s[ow];
                    else
                        for (long ow = lo; ow < hi; ow++) d[ow] += s[ow * strideW];
                }
            for (long ow = 0; ow < OW; ow++) {
                long w0 = ow * strideW - padW, w1 = w0 + KW;
                if (w0 < 0) w0 = 0;
                if (w1 > W) w1 = W;
                const float scale = divide == GK_DIVIDE_FIXED ? 1.0f / divisor
                                  : divide == GK_DIVIDE_AREA ? 1.0f / (float)(KH * KW)
                                  : 1.0f / (float)((h1 - h0) * (w1 - w0));
                d[ow] *= scale;
            }
        }
    }
}
