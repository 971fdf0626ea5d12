// Max pooling without indices, for inference: no rule will scatter a gradient, so the
// window's maximum is all that is needed. Windows are separable: the maximum over each
// row's taps first, then over the rows, about 6 comparisons per output instead of an
// argmax's 9 taps × (compare, two selects, NaN check).
#include "gk_internal.h"

// The larger of a and b, a NaN in either kept (as PyTorch's max pooling propagates NaN);
// on a tie the earlier value a, so ±0 ties give the window's first in raster order.
static inline float max_nan(float a, float b) { return (b > a || b != b) ? b : a; }

void gk_max_pool(const float *x, long planes, long H, long W, long KH, long KW,
                 long strideH, long strideW, long padH, long padW, long OH, long OW,
                 float *rows, float *y) {
    for (long p = 0; p < planes; p++) {
        const float *src = x + p * H * W;
        float *dst = y + p * OH * OW;
        // rows[h * OW + ow]: the maximum of input row h over output column ow's taps.
        for (long h = 0; h < H; h++) {
            const float *s = src + h * W;
            float *r = rows + h * OW;
            for (long ow = 0; ow < OW; ow++) {
                long w0 = ow * strideW - padW, w1 = w0 + KW;
                if (w0 < 0) w0 = 0;
                if (w1 > W) w1 = W;
                float m = s[w0];
                for (long w = w0 + 1; w < w1; w++) m = max_nan(m, s[w]);
                r[ow] = m;
            }
        }
        for (long oh = 0; oh < OH; oh++) {
            long h0 = oh * strideH - padH, h1 = h0 + KH;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            float *d = dst + oh * OW;
            const float *r = rows + h0 * OW;
            for (long ow = 0; ow < OW; ow++) d[ow] = r[ow];
            for (long h = h0 + 1; h < h1; h++) {
                r = rows + h * OW;
                for (long ow = 0; ow < OW; ow++) d[ow] = max_nan(d[ow], r[ow]);
            }
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
