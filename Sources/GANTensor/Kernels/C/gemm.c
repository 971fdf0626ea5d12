// SGEMM driver (BLIS-style packing and cache blocking), the portable micro-kernel and the
// reference loop. ISA-specific micro-kernels and packers live in gemm_avx512.c / gemm_avx2.c.
#include "gk_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Portable packers and micro-kernel

void gk_pack_copy_generic(const float *src, long ld, long n, long kc, long P, long step,
                          float *dst) {
    const long nfull = n / P * P, rem = n - nfull, S = gk_round_up(rem, step);
    // Chunks of 16 steps: source rows are read front to back, panels written in runs.
    for (long k0 = 0; k0 < kc; k0 += 16) {
        const long k1 = k0 + 16 < kc ? k0 + 16 : kc;
        for (long j = 0; j < nfull; j += P)
            for (long k = k0; k < k1; k++) {
                const float *s = src + k * ld + j;
                float *d = dst + j * kc + k * P;
                for (long i = 0; i < P; i++) d[i] = s[i];
            }
        for (long k = k0; k < k1 && rem; k++) {
            const float *s = src + k * ld + nfull;
            float *d = dst + nfull * kc + k * S;
            for (long i = 0; i < rem; i++) d[i] = s[i];
            for (long i = rem; i < S; i++) d[i] = 0.0f;
        }
    }
}

static void transpose_panel(const float *src, long ld, long n, long kc, long S, float *dst) {
    // Row by row keeps the reads sequential; the strided writes stay inside one panel (L1).
    for (long i = 0; i < n; i++) {
        const float *s = src + i * ld;
        for (long k = 0; k < kc; k++) dst[k * S + i] = s[k];
    }
    for (long k = 0; k < kc; k++)
        for (long i = n; i < S; i++) dst[k * S + i] = 0.0f;
}

void gk_pack_transpose_generic(const float *src, long ld, long n, long kc, long P, long step,
                               float *dst) {
    long j = 0;
    for (; j + P <= n; j += P) transpose_panel(src + j * ld, ld, P, kc, P, dst + j * kc);
    if (j < n) transpose_panel(src + j * ld, ld, n - j, kc, gk_round_up(n - j, step), dst + j * kc);
}

typedef float gk_v4 __attribute__((vector_size(16)));

static inline gk_v4 load4(const float *p) {
    gk_v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

enum { G_MR = 6, G_NR = 8 };

static void ukr_generic(long kc, const float *a, const float *b, float *c, long ldc,
                        long mr, long nr, float alpha, float beta) {
    gk_v4 acc[G_MR][2];
    for (int r = 0; r < G_MR; r++) acc[r][0] = acc[r][1] = (gk_v4){0, 0, 0, 0};
    for (long p = 0; p < kc; p++) {
        gk_v4 b0 = load4(b), b1 = load4(b + 4);
        for (int r = 0; r < G_MR; r++) {
            acc[r][0] += a[r] * b0;
            acc[r][1] += a[r] * b1;
        }
        a += G_MR;
        b += G_NR;
    }
    float t[G_MR][G_NR];
    memcpy(t, acc, sizeof t);
    for (long r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        if (beta == 0.0f)
            for (long j = 0; j < nr; j++) cr[j] = alpha * t[r][j];
        else
            for (long j = 0; j < nr; j++) cr[j] = alpha * t[r][j] + beta * cr[j];
    }
}

static const gk_gemm_arch gk_gemm_generic = {
    .mr = G_MR, .nr = G_NR, .mr_step = G_MR, .nr_step = G_NR,
    .mc = 120, .kc = 256, .nc = 1024,
    .ukr = ukr_generic,
    .pack_copy = gk_pack_copy_generic,
    .pack_transpose = gk_pack_transpose_generic,
};

// MARK: - Driver

static const gk_gemm_arch *arch_for(int isa) {
#if GK_X86
    switch (isa) {
    case GK_ISA_AVX512: return &gk_gemm_avx512;
    case GK_ISA_AVX2: return &gk_gemm_avx2;
    default: break;
    }
#endif
    return &gk_gemm_generic;
}

static const gk_gemm_arch *select_arch(void) { return arch_for(gk_isa()); }

static void scale_c(long M, long N, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (beta == 0.0f)
            memset(c, 0, (size_t)N * sizeof(float));
        else if (beta != 1.0f)
            for (long j = 0; j < N; j++) c[j] *= beta;
    }
}

// Splits `total` into equal blocks of at most about `block`, rounded up to `mult`, so the
// last block is not a sliver.
static long balanced_block(long total, long block, long mult) {
    long nb = (total + block - 1) / block;
    return gk_round_up((total + nb - 1) / nb, mult);
}

static inline long min_l(long a, long b) { return a < b ? a : b; }

// Where block (ic, pc) of a pre-packed A starts: row blocks of `mcb` rows (a multiple of MR)
// one after another, each holding its K blocks of round_up(mc, MR) x kc floats.
static inline long packed_a_offset(const gk_gemm_arch *g, long ic, long mc, long pc, long K) {
    return ic * K + gk_round_up(mc, g->mr) * pc;
}

// Where block (pc, jc) of a pre-packed B starts: K blocks one after another, each holding the
// panels of all `ldpb` columns (round_up(N, NR)) for its kc steps; `jc` a multiple of NR.
static inline long packed_b_offset(long pc, long jc, long kc, long ldpb) { return pc * ldpb + jc * kc; }

// `packedA`: A already packed by gk_sgemm_pack_a for this arch (transA ignored), or NULL.
// `packedB`: B already packed by gk_sgemm_pack_b (transB ignored; `ldpb` its padded width, this
// product's columns starting at its column `col0`), or NULL.
static void gemm_blocked(const gk_gemm_arch *g, int transA, int transB, long M, long N, long K,
                         float alpha, const float *A, long lda, const float *packedA,
                         const float *B, long ldb, const float *packedB, long ldpb, long col0,
                         float beta, float *C, long ldc) {
    const long MR = g->mr, NR = g->nr;
    const long mcb = balanced_block(M, g->mc, MR);
    const long kcb = balanced_block(K, g->kc, 1);
    const long ncb = balanced_block(N, g->nc, NR);
    const long a_size = packedA ? 0 : gk_round_up(mcb * kcb, 16);  // keeps pb 64-byte aligned
    const long b_size = packedB ? 0 : ncb * kcb;
    float *pa = gk_alloc((size_t)(a_size + b_size) * sizeof(float));
    if (!pa) {  // out of memory: still give the right answer
        if (packedA || packedB) {  // no A or B to fall back on; a few hundred KiB could not be had
            fputs("gk_sgemm_packed_a/b: out of memory\n", stderr);
            abort();
        }
        gk_sgemm_reference(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    float *pb = pa + a_size;

    for (long ic = 0; ic < M; ic += mcb) {
        const long mc = min_l(mcb, M - ic);
        for (long pc = 0; pc < K; pc += kcb) {
            const long kc = min_l(kcb, K - pc);
            const float beta_k = pc == 0 ? beta : 1.0f;

            // A block [mc, kc] -> panels of MR rows (edge panel: rows rounded to mr_step).
            const float *a_block = pa;
            if (packedA)
                a_block = packedA + packed_a_offset(g, ic, mc, pc, K);
            else if (transA)
                g->pack_copy(A + pc * lda + ic, lda, mc, kc, MR, g->mr_step, pa);
            else
                g->pack_transpose(A + ic * lda + pc, lda, mc, kc, MR, g->mr_step, pa);

            for (long jc = 0; jc < N; jc += ncb) {
                const long nc = min_l(ncb, N - jc);
                const float *b_block = pb;
                if (packedB)
                    b_block = packedB + packed_b_offset(pc, col0 + jc, kc, ldpb);
                else if (transB)
                    g->pack_transpose(B + jc * ldb + pc, ldb, nc, kc, NR, g->nr_step, pb);
                else
                    g->pack_copy(B + pc * ldb + jc, ldb, nc, kc, NR, g->nr_step, pb);
                // The A micro-panel stays in L1 while B micro-panels stream from L2.
                for (long ir = 0; ir < mc; ir += MR) {
                    const long mr = min_l(MR, mc - ir);
                    float *c = C + (ic + ir) * ldc + jc;
                    for (long jr = 0; jr < nc; jr += NR)
                        g->ukr(kc, a_block + ir * kc, b_block + jr * kc, c + jr, ldc, mr,
                               min_l(NR, nc - jr), alpha, beta_k);
                }
            }
        }
    }
    gk_free(pa);
}

void gk_sgemm(int transA, int transB, long M, long N, long K, float alpha,
              const float *A, long lda, const float *B, long ldb,
              float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {  // like BLAS: A and B are not read
        scale_c(M, N, beta, C, ldc);
        return;
    }
    gemm_blocked(select_arch(), transA, transB, M, N, K, alpha, A, lda, NULL, B, ldb, NULL, 0, 0, beta, C, ldc);
}

// MARK: - Pre-packed A

long gk_sgemm_packed_a_count(long M, long K) {
    // Every arch's MR divides 12, so this bounds round_up(M, MR) * K.
    return M <= 0 || K <= 0 ? 1 : gk_round_up(M, 12) * K;
}

int gk_sgemm_pack_a(long M, long K, const float *A, long lda, float *packed) {
    const int isa = gk_isa();
    const gk_gemm_arch *g = arch_for(isa);
    if (M <= 0 || K <= 0) return isa;
    const long mcb = balanced_block(M, g->mc, g->mr), kcb = balanced_block(K, g->kc, 1);
    for (long ic = 0; ic < M; ic += mcb) {
        const long mc = min_l(mcb, M - ic);
        for (long pc = 0; pc < K; pc += kcb)
            g->pack_transpose(A + ic * lda + pc, lda, mc, min_l(kcb, K - pc), g->mr, g->mr_step,
                              packed + packed_a_offset(g, ic, mc, pc, K));
    }
    return isa;
}

void gk_sgemm_packed_a(int isa, long M, long N, long K, const float *packed, const float *B,
                       long ldb, float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    gemm_blocked(arch_for(isa), 0, 0, M, N, K, 1.0f, NULL, 0, packed, B, ldb, NULL, 0, 0, beta, C, ldc);
}

// MARK: - Pre-packed B

long gk_sgemm_packed_b_count(long N, long K) {
    // Every arch's NR divides 32, so this bounds round_up(N, NR) * K.
    return N <= 0 || K <= 0 ? 1 : gk_round_up(N, 32) * K;
}

int gk_sgemm_pack_b(int transB, long N, long K, const float *B, long ldb, float *packed) {
    const int isa = gk_isa();
    const gk_gemm_arch *g = arch_for(isa);
    if (N <= 0 || K <= 0) return isa;
    const long kcb = balanced_block(K, g->kc, 1), ldpb = gk_round_up(N, g->nr);
    for (long pc = 0; pc < K; pc += kcb) {
        const long kc = min_l(kcb, K - pc);
        float *dst = packed + packed_b_offset(pc, 0, kc, ldpb);
        if (transB)
            g->pack_transpose(B + pc, ldb, N, kc, g->nr, g->nr_step, dst);
        else
            g->pack_copy(B + pc * ldb, ldb, N, kc, g->nr, g->nr_step, dst);
    }
    return isa;
}

void gk_sgemm_packed_b(int isa, int transA, long M, long N, long K, const float *A, long lda,
                       const float *packed, long totalN, long col0, float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    const gk_gemm_arch *g = arch_for(isa);
    gemm_blocked(g, transA, 0, M, N, K, 1.0f, A, lda, NULL, NULL, 0, packed, gk_round_up(totalN, g->nr), col0,
                 beta, C, ldc);
}

void gk_gemm_pack(int transpose, const float *src, long ld, long n, long kc, long P, long step, float *dst) {
    const gk_gemm_arch *g = select_arch();
    (transpose ? g->pack_transpose : g->pack_copy)(src, ld, n, kc, P, step, dst);
}

// MARK: - Reference

void gk_sgemm_reference(int transA, int transB, long M, long N, long K, float alpha,
                        const float *A, long lda, const float *B, long ldb,
                        float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            double s = 0.0;
            for (long k = 0; k < K; k++) {
                float a = transA ? A[k * lda + i] : A[i * lda + k];
                float b = transB ? B[j * ldb + k] : B[k * ldb + j];
                s += (double)a * (double)b;
            }
            double v = (double)alpha * s;
            if (beta != 0.0f) v += (double)beta * (double)C[i * ldc + j];
            C[i * ldc + j] = (float)v;
        }
}
