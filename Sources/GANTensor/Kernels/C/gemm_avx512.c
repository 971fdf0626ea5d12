// AVX-512 SGEMM micro-kernels (12x32 tile: 24 zmm accumulators, A broadcast, two B vectors
// per step) and packers that transpose 16x16 blocks in registers.
#include "gk_internal.h"

#if GK_X86
#include <immintrin.h>

// Full-mask accesses use plain loads/stores: masked stores are slow on some CPUs (Zen 4).
static inline __attribute__((always_inline)) GK_TARGET_AVX512
__m512 load_m(__mmask16 m, const float *p) {
    return m == 0xFFFF ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}

static inline __attribute__((always_inline)) GK_TARGET_AVX512
void store_m(float *p, __mmask16 m, __m512 v) {
    if (m == 0xFFFF)
        _mm512_storeu_ps(p, v);
    else
        _mm512_mask_storeu_ps(p, m, v);
}

// One template, instantiated for R in {4, 8, 12} rows and NV in {1, 2} vectors of 16 columns:
// narrower edge tiles do proportionally less work. C edges use masked loads/stores.
static inline __attribute__((always_inline)) GK_TARGET_AVX512
void ukr_body(const int R, const int NV, long kc, const float *restrict a, const float *restrict b,
              float *restrict c, long ldc, long mr, long nr, float alpha, float beta) {
    __m512 acc0[12], acc1[12];
    _Pragma("unroll") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
    _Pragma("unroll") for (int r = 0; r < R; r++)
        if (r < mr) {
            _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + r * ldc + 16 * NV - 1), _MM_HINT_T0);
        }
    for (long p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_load_ps(b);
        const __m512 b1 = NV == 2 ? _mm512_load_ps(b + 16) : b0;
        _Pragma("unroll") for (int r = 0; r < R; r++) {
            const __m512 ar = _mm512_set1_ps(a[r]);
            acc0[r] = _mm512_fmadd_ps(ar, b0, acc0[r]);
            if (NV == 2) acc1[r] = _mm512_fmadd_ps(ar, b1, acc1[r]);
        }
        a += R;
        b += 16 * NV;
    }
    const __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
    const __mmask16 m1 = nr >= 32 ? 0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    _Pragma("unroll") for (int r = 0; r < R; r++) {
        if (r >= mr) break;
        float *cr = c + r * ldc;
        __m512 x0 = _mm512_mul_ps(acc0[r], va);
        if (beta != 0.0f) x0 = _mm512_fmadd_ps(vb, load_m(m0, cr), x0);
        store_m(cr, m0, x0);
        if (NV == 2) {
            __m512 x1 = _mm512_mul_ps(acc1[r], va);
            if (beta != 0.0f) x1 = _mm512_fmadd_ps(vb, load_m(m1, cr + 16), x1);
            store_m(cr + 16, m1, x1);
        }
    }
}

#define UKR(R, NV)                                                                          \
    static GK_TARGET_AVX512 void ukr_##R##x##NV(long kc, const float *a, const float *b,      \
                                                float *c, long ldc, long mr, long nr,         \
                                                float alpha, float beta) {                    \
        ukr_body(R, NV, kc, a, b, c, ldc, mr, nr, alpha, beta);                               \
    }
UKR(12, 2)
UKR(12, 1)
UKR(8, 2)
UKR(8, 1)
UKR(4, 2)
UKR(4, 1)

static void ukr_avx512(long kc, const float *a, const float *b, float *c, long ldc,
                       long mr, long nr, float alpha, float beta) {
    static const gk_ukr_fn table[3][2] = {
        {ukr_4x1, ukr_4x2}, {ukr_8x1, ukr_8x2}, {ukr_12x1, ukr_12x2}};
    table[(mr - 1) / 4][nr > 16](kc, a, b, c, ldc, mr, nr, alpha, beta);
}

static inline __mmask16 lanes(long n) {
    return n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

// P <= 32. Chunks of 16 steps: each source row is read front to back while every panel
// still receives runs of 16 consecutive steps.
static GK_TARGET_AVX512 void pack_copy_avx512(const float *src, long ld, long n, long kc, long P,
                                              long step, float *dst) {
    const long nfull = n / P * P, rem = n - nfull, S = gk_round_up(rem, step);
    const __mmask16 p0 = lanes(P), p1 = lanes(P - 16);
    const __mmask16 r0 = lanes(rem), r1 = lanes(rem - 16), s0 = lanes(S), s1 = lanes(S - 16);
    for (long k0 = 0; k0 < kc; k0 += 16) {
        const long k1 = k0 + 16 < kc ? k0 + 16 : kc;
        for (long j = 0; j < nfull; j += P)
            for (long k = k0; k < k1; k++) {
                const float *s = src + k * ld + j;
                float *d = dst + j * kc + k * P;
                store_m(d, p0, load_m(p0, s));
                if (p1) store_m(d + 16, p1, load_m(p1, s + 16));
            }
        if (rem)
            for (long k = k0; k < k1; k++) {
                const float *s = src + k * ld + nfull;
                float *d = dst + nfull * kc + k * S;
                store_m(d, s0, load_m(r0, s));
                if (s1) store_m(d + 16, s1, load_m(r1, s + 16));
            }
    }
}

// In-register transpose of 16 rows of 16 floats.
static inline __attribute__((always_inline)) GK_TARGET_AVX512 void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        u[4 * i + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // u[4i + j] holds, in 128-bit lane l, column 4l + j of rows 4i..4i+3.
    for (int j = 0; j < 4; j++) {
        __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88);
        __m512 v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        __m512 w0 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
        __m512 w1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
        r[j] = _mm512_shuffle_f32x4(v0, w0, 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
        r[4 + j] = _mm512_shuffle_f32x4(v1, w1, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
    }
}

// dst[k*S + i] = src[i*ld + k] for up to 16 rows i < n; lanes n..w-1 get zeros, w <= 16 lanes
// are written per step.
static inline __attribute__((always_inline)) GK_TARGET_AVX512
void transpose_strip(const float *src, long ld, long n, long kc, long S, long w, float *dst) {
    const __mmask16 wm = (__mmask16)((1u << w) - 1);
    __m512 r[16];
    for (long k0 = 0; k0 < kc; k0 += 16) {
        const long kn = kc - k0 < 16 ? kc - k0 : 16;
        const __mmask16 km = (__mmask16)((1u << kn) - 1);
        for (int i = 0; i < 16; i++)
            r[i] = i < n ? load_m(km, src + i * ld + k0) : _mm512_setzero_ps();
        transpose16(r);
        for (long k = 0; k < kn; k++) store_m(dst + (k0 + k) * S, wm, r[k]);
    }
}

// One panel of S <= 32 lanes from n source rows.
static GK_TARGET_AVX512 void transpose_panel(const float *src, long ld, long n, long kc, long S,
                                             float *dst) {
    transpose_strip(src, ld, n < 16 ? n : 16, kc, S, S < 16 ? S : 16, dst);
    if (S > 16) transpose_strip(src + 16 * ld, ld, n - 16, kc, S, S - 16, dst + 16);
}

static GK_TARGET_AVX512 void pack_transpose_avx512(const float *src, long ld, long n, long kc,
                                                   long P, long step, float *dst) {
    long j = 0;
    for (; j + P <= n; j += P) transpose_panel(src + j * ld, ld, P, kc, P, dst + j * kc);
    if (j < n) transpose_panel(src + j * ld, ld, n - j, kc, gk_round_up(n - j, step), dst + j * kc);
}

const gk_gemm_arch gk_gemm_avx512 = {
    .mr = 12, .nr = 32, .mr_step = 4, .nr_step = 16,
    .mc = 1200, .kc = 384, .nc = 512,
    .ukr = ukr_avx512,
    .pack_copy = pack_copy_avx512,
    .pack_transpose = pack_transpose_avx512,
};

#endif
