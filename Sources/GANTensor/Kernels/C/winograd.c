// Winograd F(2x2, 3x3) transforms for stride-1 3x3 convolutions in inference (Lavin & Gray
// 2015): each 2x2 output tile is A^T [(G g G^T) .* (B^T d B)] A over the tile's 4x4 input d,
// so the 16 element-wise products, summed over channels, are 16 GEMMs [O, C] x [C, tiles]
// with 2.25x fewer multiply-adds than im2col's. Rows are de-interleaved into even and odd
// columns first so that every loop over tiles runs on contiguous floats and vectorises.
#include "gk_internal.h"

#include <string.h>

static inline long min_l(long a, long b) { return a < b ? a : b; }
static inline long max_l(long a, long b) { return a > b ? a : b; }

// gk_<name>: `body` compiled for AVX2 (run where the CPU has it) and portably. PARAMS and ARGS
// are the parenthesised parameter and argument lists.
#if GK_X86
#define GK_WINOGRAD_ENTRY(name, body, PARAMS, ARGS)                    \
    static void name##_generic PARAMS { body ARGS; }                   \
    GK_TARGET_AVX2 static void name##_avx2 PARAMS { body ARGS; }       \
    void gk_##name PARAMS {                                            \
        if (gk_isa() >= GK_ISA_AVX2) name##_avx2 ARGS;                 \
        else name##_generic ARGS;                                      \
    }
#else
#define GK_WINOGRAD_ENTRY(name, body, PARAMS, ARGS) \
    void gk_##name PARAMS { body ARGS; }
#endif

void gk_winograd_weights(const float *w, long O, long C, float *u) {
    const long pos = O * C;
    for (long o = 0; o < O; o++)
        for (long c = 0; c < C; c++) {
            const float *g = w + (o * C + c) * 9;
            float t[4][3];  // G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
            for (long j = 0; j < 3; j++) {
                const float a = g[j], b = g[3 + j], d = g[6 + j];
                t[0][j] = a;
                t[1][j] = 0.5f * (a + b + d);
                t[2][j] = 0.5f * (a - b + d);
                t[3][j] = d;
            }
            for (long i = 0; i < 4; i++) {
                const float a = t[i][0], b = t[i][1], d = t[i][2];
                float *dst = u + (i * 4) * pos + o * C + c;
                dst[0] = a;
                dst[pos] = 0.5f * (a + b + d);
                dst[2 * pos] = 0.5f * (a - b + d);
                dst[3 * pos] = d;
            }
        }
}

// One tile row's input transform (see gk_winograd_input_row); `scratch` holds 8 * (TX + 1).
static inline __attribute__((always_inline)) void input_row_body(
    const float *x, long C, long H, long W, long pad, long ty, long TX, float *v, long ldv,
    long posStride, float *scratch) {
    const long K = TX + 1, r0 = 2 * ty - pad;
    float *E[4], *Od[4];
    for (long i = 0; i < 4; i++) {
        E[i] = scratch + 2 * i * K;
        Od[i] = E[i] + K;
    }
    for (long c = 0; c < C; c++) {
        const float *plane = x + c * H * W;
        // Rows r0..r0+3 split into even and odd columns (column 2k - pad and 2k + 1 - pad),
        // zero outside the image; then B^T along the rows.
        for (long i = 0; i < 4; i++) {
            const long r = r0 + i;
            if (r < 0 || r >= H) {
                memset(E[i], 0, (size_t)(2 * K) * sizeof(float));
                continue;
            }
            const float *row = plane + r * W;
            // Columns k_lo <= k < k_hi have both taps inside the row: a plain de-interleave.
            const long k_lo = min_l(K, (pad + 1) / 2), k_hi = max_l(k_lo, min_l(K, (W - 1 + pad) / 2));
            for (long k = 0; k < k_lo; k++) {
                const long a = 2 * k - pad, b = a + 1;
                E[i][k] = a >= 0 && a < W ? row[a] : 0.0f;
                Od[i][k] = b >= 0 && b < W ? row[b] : 0.0f;
            }
            const float *src = row + 2 * k_lo - pad;
            float *e = E[i], *od = Od[i];
            for (long k = k_lo; k < k_hi; k++) {
                e[k] = src[2 * (k - k_lo)];
                od[k] = src[2 * (k - k_lo) + 1];
            }
            for (long k = k_hi; k < K; k++) {
                const long a = 2 * k - pad, b = a + 1;
                E[i][k] = a >= 0 && a < W ? row[a] : 0.0f;
                Od[i][k] = b >= 0 && b < W ? row[b] : 0.0f;
            }
        }
        for (long k = 0; k < 2 * K; k++) {
            const float d0 = E[0][k], d1 = E[1][k], d2 = E[2][k], d3 = E[3][k];
            E[0][k] = d0 - d2;
            E[1][k] = d1 + d2;
            E[2][k] = d2 - d1;
            E[3][k] = d1 - d3;
        }
        // B^T along the columns of each tile: columns e0 = E[tx], e1 = O[tx], e2 = E[tx+1],
        // e3 = O[tx+1].
        for (long i = 0; i < 4; i++) {
            const float *e = E[i], *od = Od[i];
            float *p0 = v + (4 * i) * posStride + c * ldv, *p1 = p0 + posStride, *p2 = p1 + posStride,
                  *p3 = p2 + posStride;
            for (long t = 0; t < TX; t++) {
                const float e0 = e[t], e1 = od[t], e2 = e[t + 1], e3 = od[t + 1];
                p0[t] = e0 - e2;
                p1[t] = e1 + e2;
                p2[t] = e2 - e1;
                p3[t] = e1 - e3;
            }
        }
    }
}

// One tile row's output transform, bias and ReLU (see gk_winograd_output_row); `scratch`
// holds 4 * TX.
static inline __attribute__((always_inline)) void output_row_body(
    const float *m, long ldm, long posStride, long O, long OH, long OW, long ty, long TX,
    const float *bias, int relu, float *y, float *scratch) {
    float *y00 = scratch, *y01 = scratch + TX, *y10 = scratch + 2 * TX, *y11 = scratch + 3 * TX;
    const long plane = OH * OW, oh = 2 * ty;
    for (long o = 0; o < O; o++) {
        const float *q = m + o * ldm;
        const float b = bias[o];
        for (long t = 0; t < TX; t++) {
            float s[2][4];
            for (long j = 0; j < 4; j++) {
                const float a0 = q[j * posStride + t], a1 = q[(4 + j) * posStride + t],
                            a2 = q[(8 + j) * posStride + t], a3 = q[(12 + j) * posStride + t];
                s[0][j] = a0 + a1 + a2;
                s[1][j] = a1 - a2 - a3;
            }
            float r00 = s[0][0] + s[0][1] + s[0][2] + b, r01 = s[0][1] - s[0][2] - s[0][3] + b;
            float r10 = s[1][0] + s[1][1] + s[1][2] + b, r11 = s[1][1] - s[1][2] - s[1][3] + b;
            if (relu) {
                r00 = r00 > 0.0f ? r00 : 0.0f;
                r01 = r01 > 0.0f ? r01 : 0.0f;
                r10 = r10 > 0.0f ? r10 : 0.0f;
                r11 = r11 > 0.0f ? r11 : 0.0f;
            }
            y00[t] = r00;
            y01[t] = r01;
            y10[t] = r10;
            y11[t] = r11;
        }
        float *row = y + o * plane + oh * OW;
        for (long t = 0; t < OW / 2; t++) {
            row[2 * t] = y00[t];
            row[2 * t + 1] = y01[t];
        }
        if (OW & 1) row[OW - 1] = y00[TX - 1];
        if (oh + 1 < OH) {
            row += OW;
            for (long t = 0; t < OW / 2; t++) {
                row[2 * t] = y10[t];
                row[2 * t + 1] = y11[t];
            }
            if (OW & 1) row[OW - 1] = y10[TX - 1];
        }
    }
}

GK_WINOGRAD_ENTRY(winograd_input_row, input_row_body,
                  (const float *x, long C, long H, long W, long pad, long ty, long TX, float *v, long ldv,
                   long posStride, float *scratch),
                  (x, C, H, W, pad, ty, TX, v, ldv, posStride, scratch))
GK_WINOGRAD_ENTRY(winograd_output_row, output_row_body,
                  (const float *m, long ldm, long posStride, long O, long OH, long OW, long ty, long TX,
                   const float *bias, int relu, float *y, float *scratch),
                  (m, ldm, posStride, O, OH, OW, ty, TX, bias, relu, y, scratch))

// ---- F(4x4, 3x3): 4x4 output tiles from 6x6 inputs, 36 products, 4x fewer multiply-adds
// than im2col's (Lavin & Gray 2015, interpolation points 0, +-1, +-2, infinity).

void gk_winograd4_weights(const float *w, long O, long C, float *u) {
    const long pos = O * C;
    for (long o = 0; o < O; o++)
        for (long c = 0; c < C; c++) {
            const float *g = w + (o * C + c) * 9;
            float t[6][3];  // G g, G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
                            //           1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
            for (long j = 0; j < 3; j++) {
                const float a = g[j], b = g[3 + j], d = g[6 + j];
                t[0][j] = a / 4.0f;
                t[1][j] = -(a + b + d) / 6.0f;
                t[2][j] = -(a - b + d) / 6.0f;
                t[3][j] = a / 24.0f + b / 12.0f + d / 6.0f;
                t[4][j] = a / 24.0f - b / 12.0f + d / 6.0f;
                t[5][j] = d;
            }
            for (long i = 0; i < 6; i++) {
                const float a = t[i][0], b = t[i][1], d = t[i][2];
                float *dst = u + (i * 6) * pos + o * C + c;
                dst[0] = a / 4.0f;
                dst[pos] = -(a + b + d) / 6.0f;
                dst[2 * pos] = -(a - b + d) / 6.0f;
                dst[3 * pos] = a / 24.0f + b / 12.0f + d / 6.0f;
                dst[4 * pos] = a / 24.0f - b / 12.0f + d / 6.0f;
                dst[5 * pos] = d;
            }
        }
}

// B^T d for one column of six: the rows of B^T are
// [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0], [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1].
#define GK_WINOGRAD4_BT(d0, d1, d2, d3, d4, d5, v0, v1, v2, v3, v4, v5) \
    do {                                                              \
        const float s12 = d4 - 4.0f * d2, s34 = d3 - 4.0f * d1;       \
        const float s56 = d4 - d2, s78 = 2.0f * (d3 - d1);            \
        v0 = 4.0f * d0 - 5.0f * d2 + d4;                              \
        v1 = s12 + s34;                                               \
        v2 = s12 - s34;                                               \
        v3 = s56 + s78;                                               \
        v4 = s56 - s78;                                               \
        v5 = 4.0f * d1 - 5.0f * d3 + d5;                              \
    } while (0)

// One tile row's input transform (see gk_winograd4_input_row); `scratch` holds 24 * (TX + 1).
// Each input row is split into its four column phases (column 4k + j - pad in phase j, slot k),
// so that tile t reads slots t and t + 1 and every loop over tiles runs on contiguous floats.
static inline __attribute__((always_inline)) void input4_row_body(
    const float *x, long C, long H, long W, long pad, long ty, long TX, float *v, long ldv,
    long posStride, float *scratch) {
    const long K = TX + 1, r0 = 4 * ty - pad;
    // Slots k_lo <= k < k_hi have all four phases inside the row: a plain de-interleave.
    const long k_lo = min_l(K, (pad + 3) / 4),
               k_hi = W - 4 + pad < 0 ? k_lo : max_l(k_lo, min_l(K, (W - 4 + pad) / 4 + 1));
    for (long c = 0; c < C; c++) {
        const float *plane = x + c * H * W;
        for (long i = 0; i < 6; i++) {
            float *R = scratch + i * 4 * K;  // phase j at R + j * K
            const long r = r0 + i;
            if (r < 0 || r >= H) {
                memset(R, 0, (size_t)(4 * K) * sizeof(float));
                continue;
            }
            const float *row = plane + r * W;
            for (long k = 0; k < k_lo; k++)
                for (long j = 0; j < 4; j++) {
                    const long col = 4 * k + j - pad;
                    R[j * K + k] = col >= 0 && col < W ? row[col] : 0.0f;
                }
            const float *src = row + 4 * k_lo - pad;
            for (long k = k_lo; k < k_hi; k++) {
                R[k] = src[4 * (k - k_lo)];
                R[K + k] = src[4 * (k - k_lo) + 1];
                R[2 * K + k] = src[4 * (k - k_lo) + 2];
                R[3 * K + k] = src[4 * (k - k_lo) + 3];
            }
            for (long k = k_hi; k < K; k++)
                for (long j = 0; j < 4; j++) {
                    const long col = 4 * k + j - pad;
                    R[j * K + k] = col >= 0 && col < W ? row[col] : 0.0f;
                }
        }
        // B^T down the six rows, for every column.
        float *R0 = scratch, *R1 = R0 + 4 * K, *R2 = R1 + 4 * K, *R3 = R2 + 4 * K, *R4 = R3 + 4 * K,
              *R5 = R4 + 4 * K;
        for (long k = 0; k < 4 * K; k++) {
            const float d0 = R0[k], d1 = R1[k], d2 = R2[k], d3 = R3[k], d4 = R4[k], d5 = R5[k];
            GK_WINOGRAD4_BT(d0, d1, d2, d3, d4, d5, R0[k], R1[k], R2[k], R3[k], R4[k], R5[k]);
        }
        // B^T along each tile's six columns: phases 0-3 of slot t, then phases 0-1 of slot t + 1.
        for (long i = 0; i < 6; i++) {
            const float *P0 = scratch + i * 4 * K, *P1 = P0 + K, *P2 = P1 + K, *P3 = P2 + K;
            float *p0 = v + (6 * i) * posStride + c * ldv, *p1 = p0 + posStride, *p2 = p1 + posStride,
                  *p3 = p2 + posStride, *p4 = p3 + posStride, *p5 = p4 + posStride;
            for (long t = 0; t < TX; t++) {
                const float d0 = P0[t], d1 = P1[t], d2 = P2[t], d3 = P3[t], d4 = P0[t + 1], d5 = P1[t + 1];
                GK_WINOGRAD4_BT(d0, d1, d2, d3, d4, d5, p0[t], p1[t], p2[t], p3[t], p4[t], p5[t]);
            }
        }
    }
}

// A^T m for one column of six: rows [1 1 1 1 1 0], [0 1 -1 2 -2 0], [0 1 1 4 4 0], [0 1 -1 8 -8 1].
#define GK_WINOGRAD4_AT(m0, m1, m2, m3, m4, m5, r0, r1, r2, r3) \
    do {                                                      \
        const float a = m1 + m2, b = m1 - m2;                 \
        const float c = m3 + m4, d = m3 - m4;                 \
        r0 = m0 + a + c;                                      \
        r1 = b + 2.0f * d;                                    \
        r2 = a + 4.0f * c;                                    \
        r3 = b + 8.0f * d + m5;                               \
    } while (0)

// The output transform of a batch of tiles, in place (see gk_winograd4_output): A^T down the six
// rows into `scratch` (row k, column j at S[(6k + j) * count + t]), then along the columns back
// into positions 0-15 of m (output row k, column l at position 4k + l). Every loop runs over the
// batch's tiles on contiguous floats, however few tiles a row has.
static inline __attribute__((always_inline)) void output4_body(
    float *m, long ldm, long posStride, long O, long count, const float *bias, int relu, float *scratch) {
    float *restrict S = scratch;
    for (long o = 0; o < O; o++) {
        const float b = bias[o];
        for (long j = 0; j < 6; j++) {
            const float *restrict q0 = m + o * ldm + j * posStride, *restrict q1 = q0 + 6 * posStride,
                                  *restrict q2 = q1 + 6 * posStride, *restrict q3 = q2 + 6 * posStride,
                                  *restrict q4 = q3 + 6 * posStride, *restrict q5 = q4 + 6 * posStride;
            float *restrict s0 = S + j * count, *restrict s1 = s0 + 6 * count, *restrict s2 = s1 + 6 * count,
                            *restrict s3 = s2 + 6 * count;
            for (long t = 0; t < count; t++) {
                GK_WINOGRAD4_AT(q0[t], q1[t], q2[t], q3[t], q4[t], q5[t], s0[t], s1[t], s2[t], s3[t]);
            }
        }
        for (long k = 0; k < 4; k++) {
            const float *restrict m0 = S + 6 * k * count, *restrict m1 = m0 + count, *restrict m2 = m1 + count,
                                  *restrict m3 = m2 + count, *restrict m4 = m3 + count, *restrict m5 = m4 + count;
            float *restrict y0 = m + o * ldm + (4 * k) * posStride, *restrict y1 = y0 + posStride,
                            *restrict y2 = y1 + posStride, *restrict y3 = y2 + posStride;
            for (long t = 0; t < count; t++) {
                float r0, r1, r2, r3;
                GK_WINOGRAD4_AT(m0[t], m1[t], m2[t], m3[t], m4[t], m5[t], r0, r1, r2, r3);
                r0 += b, r1 += b, r2 += b, r3 += b;
                if (relu) {
                    r0 = r0 > 0.0f ? r0 : 0.0f;
                    r1 = r1 > 0.0f ? r1 : 0.0f;
                    r2 = r2 > 0.0f ? r2 : 0.0f;
                    r3 = r3 > 0.0f ? r3 : 0.0f;
                }
                y0[t] = r0, y1[t] = r1, y2[t] = r2, y3[t] = r3;
            }
        }
    }
}

GK_WINOGRAD_ENTRY(winograd4_input_row, input4_row_body,
                  (const float *x, long C, long H, long W, long pad, long ty, long TX, float *v, long ldv,
                   long posStride, float *scratch),
                  (x, C, H, W, pad, ty, TX, v, ldv, posStride, scratch))
GK_WINOGRAD_ENTRY(winograd4_output, output4_body,
                  (float *m, long ldm, long posStride, long O, long count, const float *bias, int relu,
                   float *scratch),
                  (m, ldm, posStride, O, count, bias, relu, scratch))

void gk_winograd4_output_row(const float *m, long ldm, long posStride, long O, long OH, long OW, long ty,
                             long TX, float *y) {
    const long plane = OH * OW, oh = 4 * ty, full = OW / 4;
    for (long o = 0; o < O; o++)
        for (long k = 0; k < 4 && oh + k < OH; k++) {
            float *row = y + o * plane + (oh + k) * OW;
            const float *Y0 = m + o * ldm + (4 * k) * posStride, *Y1 = Y0 + posStride, *Y2 = Y1 + posStride,
                        *Y3 = Y2 + posStride;
            for (long t = 0; t < full; t++) {
                row[4 * t] = Y0[t];
                row[4 * t + 1] = Y1[t];
                row[4 * t + 2] = Y2[t];
                row[4 * t + 3] = Y3[t];
            }
            for (long col = 4 * full; col < OW; col++) row[col] = Y0[(col & 3) * posStride + full];
        }
}
