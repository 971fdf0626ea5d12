// AVX2+FMA SGEMM micro-kernels: 6x16 tile (12 ymm accumulators), edge tiles of 2/4 rows and
// 8 columns, and packers for the full 6-row A and 16-column B panels (partial panels use the
// portable packers). Packing only moves floats: the same bits as the portable packers.
#include "gk_internal.h"

#if GK_X86
#include <immintrin.h>

static inline __attribute__((always_inline)) GK_TARGET_AVX2
void ukr_body(const int R, const int NV, long kc, const float *restrict a, const float *restrict b,
              float *restrict c, long ldc, long mr, long nr, float alpha, float beta) {
    __m256 acc0[6], acc1[6];
    _Pragma("unroll") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_load_ps(b);
        const __m256 b1 = NV == 2 ? _mm256_load_ps(b + 8) : b0;
        _Pragma("unroll") for (int r = 0; r < R; r++) {
            const __m256 ar = _mm256_broadcast_ss(a + r);
            acc0[r] = _mm256_fmadd_ps(ar, b0, acc0[r]);
            if (NV == 2) acc1[r] = _mm256_fmadd_ps(ar, b1, acc1[r]);
        }
        a += R;
        b += 8 * NV;
    }
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr), iota);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr - 8), iota);
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    _Pragma("unroll") for (int r = 0; r < R; r++) {
        if (r >= mr) break;
        float *cr = c + r * ldc;
        __m256 x0 = _mm256_mul_ps(acc0[r], va);
        if (nr >= 8) {  // full vectors: plain accesses (vmaskmov stores are slow on AMD)
            if (beta != 0.0f) x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), x0);
            _mm256_storeu_ps(cr, x0);
        } else {
            if (beta != 0.0f) x0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(cr, m0), x0);
            _mm256_maskstore_ps(cr, m0, x0);
        }
        if (NV == 2) {
            __m256 x1 = _mm256_mul_ps(acc1[r], va);
            if (nr >= 16) {
                if (beta != 0.0f) x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), x1);
                _mm256_storeu_ps(cr + 8, x1);
            } else {
                if (beta != 0.0f) x1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(cr + 8, m1), x1);
                _mm256_maskstore_ps(cr + 8, m1, x1);
            }
        }
    }
}

#define UKR(R, NV)                                                                          \
    static GK_TARGET_AVX2 void ukr_##R##x##NV(long kc, const float *a, const float *b,        \
                                              float *c, long ldc, long mr, long nr,           \
                                              float alpha, float beta) {                      \
        ukr_body(R, NV, kc, a, b, c, ldc, mr, nr, alpha, beta);                               \
    }
UKR(6, 2)
UKR(6, 1)
UKR(4, 2)
UKR(4, 1)
UKR(2, 2)
UKR(2, 1)

static void ukr_avx2(long kc, const float *a, const float *b, float *c, long ldc,
                     long mr, long nr, float alpha, float beta) {
    static const gk_ukr_fn table[3][2] = {
        {ukr_2x1, ukr_2x2}, {ukr_4x1, ukr_4x2}, {ukr_6x1, ukr_6x2}};
    table[(mr - 1) / 2][nr > 8](kc, a, b, c, ldc, mr, nr, alpha, beta);
}

// Full A panels of 6 columns (A stored [K, M]: the input gradient's Wᵀ), in chunks of 16 steps
// like the portable packer. One 8-float move per step, whose last two floats are the next
// step's first two, written after it; a panel's last step, and every step of a panel whose
// 8-float load would leave the n columns, moves 4 + 2 floats.
static GK_TARGET_AVX2 void copy_panels6(const float *src, long ld, long n, long kc, float *dst) {
    const long nfull = n / 6 * 6;
    for (long k0 = 0; k0 < kc; k0 += 16) {
        const long k1 = k0 + 16 < kc ? k0 + 16 : kc;
        for (long j = 0; j < nfull; j += 6) {
            const long wide = j + 8 <= n ? (k1 < kc ? k1 : kc - 1) : k0;
            const float *s = src + k0 * ld + j;
            float *d = dst + j * kc + k0 * 6;
            long k = k0;
            for (; k < wide; k++, s += ld, d += 6) _mm256_storeu_ps(d, _mm256_loadu_ps(s));
            for (; k < k1; k++, s += ld, d += 6) {
                _mm_storeu_ps(d, _mm_loadu_ps(s));
                _mm_storel_pi((__m64 *)(d + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(s + 4)));
            }
        }
    }
}

// B panels of 16 columns (every full panel of this kernel): two 8-float moves per step, where
// the portable packer, built for baseline x86-64, copies 4 floats at a time (6% of Inception's
// instructions); A panels of 6 as above. The partial last panel goes through the portable packer.
static GK_TARGET_AVX2 void pack_copy_avx2(const float *src, long ld, long n, long kc, long P, long step,
                                          float *dst) {
    if (P == 6) {
        copy_panels6(src, ld, n, kc, dst);
        const long nfull = n / 6 * 6;
        if (nfull < n) gk_pack_copy_generic(src + nfull, ld, n - nfull, kc, P, step, dst + nfull * kc);
        return;
    }
    if (P != 16) {
        gk_pack_copy_generic(src, ld, n, kc, P, step, dst);
        return;
    }
    const long nfull = n / 16 * 16;
    for (long j = 0; j < nfull; j += 16) {
        const float *s = src + j;
        float *d = dst + j * kc;
        for (long k = 0; k < kc; k++, s += ld, d += 16) {
            _mm256_storeu_ps(d, _mm256_loadu_ps(s));
            _mm256_storeu_ps(d + 8, _mm256_loadu_ps(s + 8));
        }
    }
    if (nfull < n) gk_pack_copy_generic(src + nfull, ld, n - nfull, kc, P, step, dst + nfull * kc);
}

// dst[k*16 + i] = src[i*ld + k] for a full panel of 16 rows (B stored [N, K]: every Linear
// layer's weight), in 8×8 blocks transposed in registers; the portable packer moves one float
// at a time with strided stores, about a quarter of an MLP's forward. Partial panels and the
// last kc % 8 steps go through the portable packer's loop.
static inline GK_TARGET_AVX2 void transpose8x8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// dst[k*6 + i] = src[i*ld + k] for a full A panel of 6 rows (A stored [M, K]: every
// convolution's and Linear layer's weight, 5.8% of Inception's time in the portable packer):
// 6 rows and 2 zero rows transposed, one step per register. Each step's 8-float store ends in
// the next step's first two floats, which that step's store rewrites; the 8th step of a block
// stores 4 + 2 floats, so nothing is written past the 48-float block.
static GK_TARGET_AVX2 void transpose_panel6(const float *src, long ld, long kc, float *dst) {
    const long k8 = kc / 8 * 8;
    for (long k = 0; k < k8; k += 8) {
        __m256 r[8];
        for (int i = 0; i < 6; i++) r[i] = _mm256_loadu_ps(src + i * ld + k);
        r[6] = r[7] = _mm256_setzero_ps();
        transpose8x8(r);
        float *d = dst + k * 6;
        for (int t = 0; t < 7; t++) _mm256_storeu_ps(d + 6 * t, r[t]);
        _mm_storeu_ps(d + 42, _mm256_castps256_ps128(r[7]));
        _mm_storel_pi((__m64 *)(d + 46), _mm256_extractf128_ps(r[7], 1));
    }
    for (long i = 0; i < 6; i++)
        for (long k = k8; k < kc; k++) dst[k * 6 + i] = src[i * ld + k];
}

static GK_TARGET_AVX2 void pack_transpose_avx2(const float *src, long ld, long n, long kc, long P, long step,
                                               float *dst) {
    if (P == 6) {
        long j = 0;
        for (; j + 6 <= n; j += 6) transpose_panel6(src + j * ld, ld, kc, dst + j * kc);
        if (j < n) gk_pack_transpose_generic(src + j * ld, ld, n - j, kc, P, step, dst + j * kc);
        return;
    }
    if (P != 16) {
        gk_pack_transpose_generic(src, ld, n, kc, P, step, dst);
        return;
    }
    const long nfull = n / 16 * 16, k8 = kc / 8 * 8;
    for (long j = 0; j < nfull; j += 16) {
        float *d = dst + j * kc;
        for (long half = 0; half < 16; half += 8) {
            const float *s = src + (j + half) * ld;
            for (long k = 0; k < k8; k += 8) {
                __m256 r[8];
                for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(s + i * ld + k);
                transpose8x8(r);
                for (int t = 0; t < 8; t++) _mm256_storeu_ps(d + (k + t) * 16 + half, r[t]);
            }
            for (long i = 0; i < 8; i++)
                for (long k = k8; k < kc; k++) d[k * 16 + half + i] = s[i * ld + k];
        }
    }
    if (nfull < n) gk_pack_transpose_generic(src + nfull * ld, ld, n - nfull, kc, P, step, dst + nfull * kc);
}

// Blocks for 32 KB L1d / 256 KB+ L2: the 6 x 256 A panel stays in L1, the 256 x 192 B block
// in L2.
const gk_gemm_arch gk_gemm_avx2 = {
    .mr = 6, .nr = 16, .mr_step = 2, .nr_step = 8,
    .mc = 1200, .kc = 256, .nc = 192,
    .ukr = ukr_avx2,
    .pack_copy = pack_copy_avx2,
    .pack_transpose = pack_transpose_avx2,
};

#endif
