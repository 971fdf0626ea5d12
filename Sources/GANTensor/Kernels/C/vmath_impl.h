// Body of the vectorised exp/log/tanh/sigmoid, arithmetic and rectifiers, written once with clang/GCC vector extensions
// and included by vmath.c (VM_W = 4), vmath_avx2.c (8) and vmath_avx512.c (16), each defining
// VM_W, VM_ATTR (target attribute), VM_LINKAGE (empty or static) and VM_NAME(f).
// Algorithms follow Cephes (expf, logf, tanhf): ~1-2 ulp. Tails go through a padded buffer so
// every element takes the same path.
#include <string.h>

typedef float vmf __attribute__((vector_size(VM_W * 4)));
typedef int vmi __attribute__((vector_size(VM_W * 4)));

#define VM_INLINE static inline __attribute__((always_inline)) VM_ATTR

VM_INLINE vmf vsel(vmi m, vmf a, vmf b) { return (vmf)(((vmi)a & m) | ((vmi)b & ~m)); }

VM_INLINE vmf vsplat(float s) { return (vmf){0} + s; }

VM_INLINE vmf vexp(vmf x) {
    // Clamp (NaN passes: comparisons are false). exp(89) overflows to +inf and exp(-104)
    // rounds to 0 through the scaling below, so no other special case is needed.
    x = vsel(x > 89.0f, vsplat(89.0f), x);
    x = vsel(x < -104.0f, vsplat(-104.0f), x);
    const float magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    vmf t = x * 1.44269504088896341f + magic;
    vmi n = (vmi)t - (vmi)vsplat(magic);
    vmf fn = t - magic;
    vmf r = x - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    vmf z = r * r;
    vmf p = vsplat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    // 2^n in two factors: n spans [-150, 128], beyond one float exponent; the first product
    // is exact, the second rounds once (also into subnormals).
    vmi n1 = n >> 1, n2 = n - n1;
    return p * (vmf)((n1 + 127) << 23) * (vmf)((n2 + 127) << 23);
}

VM_INLINE vmf vlog(vmf x) {
    // Subnormals: scale by 2^23 first so the exponent field is meaningful.
    vmi sub = x < 1.17549435e-38f;
    vmf xs = vsel(sub, x * 8388608.0f, x);
    vmi ix = (vmi)xs;
    vmi e = ((ix >> 23) & 0xff) - 126 - (sub & 23);
    vmf m = (vmf)((ix & 0x007fffff) | 0x3f000000);  // [0.5, 1)
    vmi small = m < 0.707106781186547524f;
    e = e + small;                   // small is -1 where true
    m = m + (vmf)(small & (vmi)m);   // m in [sqrt(1/2), sqrt(2))
    vmf f = m - 1.0f;
    vmf fe = __builtin_convertvector(e, vmf);
    vmf z = f * f;
    vmf y = vsplat(7.0376836292e-2f);
    y = y * f - 1.1514610310e-1f;
    y = y * f + 1.1676998740e-1f;
    y = y * f - 1.2420140846e-1f;
    y = y * f + 1.4249322787e-1f;
    y = y * f - 1.6668057665e-1f;
    y = y * f + 2.0000714765e-1f;
    y = y * f - 2.4999993993e-1f;
    y = y * f + 3.3333331174e-1f;
    y = y * f * z;
    y = y + fe * -2.12194440e-4f;
    y = y - z * 0.5f;
    vmf res = f + y;
    res = res + fe * 0.693359375f;
    const vmf inf = vsplat(__builtin_inff());
    res = vsel(x == inf, inf, res);
    res = vsel(x == 0.0f, -inf, res);
    res = vsel(x < 0.0f, vsplat(__builtin_nanf("")), res);
    return vsel(x != x, x, res);
}

VM_INLINE vmf vabs(vmf x) { return (vmf)((vmi)x & 0x7fffffff); }

VM_INLINE vmf vtanh(vmf x) {
    // Odd function: work on |x| and put the sign back (keeps tanh(-0) = -0).
    vmf ax = vabs(x);
    vmf z = x * x;
    vmf p = vsplat(-5.70498872745e-3f);
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    vmf small = p * z * ax + ax;
    // |x| >= 0.625: 1 - 2/(e^{2|x|} + 1), which saturates to 1 when the exp overflows.
    vmf big = 1.0f - 2.0f / (vexp(ax + ax) + 1.0f);
    vmf t = vsel(ax < 0.625f, small, big);
    return (vmf)((vmi)t | ((vmi)x & (int)0x80000000));
}

VM_INLINE vmf vsigmoid(vmf x) {
    // e = exp(-|x|) never overflows; x < 0 uses e/(1+e) so tiny results keep their precision.
    vmf e = vexp(-vabs(x));
    return vsel(x < 0.0f, e, vsplat(1.0f)) / (1.0f + e);
}

#define VM_MAP(name, fn)                                                   \
    VM_LINKAGE VM_ATTR void VM_NAME(name)(const float *x, float *y, long n) { \
        long i = 0;                                                        \
        for (; i + VM_W <= n; i += VM_W) {                                 \
            vmf v;                                                         \
            memcpy(&v, x + i, sizeof v);                                   \
            v = fn(v);                                                     \
            memcpy(y + i, &v, sizeof v);                                   \
        }                                                                  \
        if (i < n) {                                                       \
            vmf v = {0};                                                   \
            memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));            \
            v = fn(v);                                                     \
            memcpy(y + i, &v, (size_t)(n - i) * sizeof(float));            \
        }                                                                  \
    }

// Correctly rounded, like the scalar functions they replace.
VM_INLINE vmf vsqrt(vmf x) { return __builtin_elementwise_sqrt(x); }
VM_INLINE vmf vrsqrt(vmf x) { return 1.0f / __builtin_elementwise_sqrt(x); }

VM_MAP(exp, vexp)
VM_MAP(sqrt, vsqrt)
VM_MAP(rsqrt, vrsqrt)
VM_MAP(log, vlog)
VM_MAP(tanh, vtanh)
VM_MAP(sigmoid, vsigmoid)

// Arithmetic and rectifiers. Each lane rounds once, like the scalar operator, so every
// instruction set gives the same bits as the Swift loops they replace.
VM_INLINE vmf vload(const float *p) { vmf v; memcpy(&v, p, sizeof v); return v; }
VM_INLINE void vstore(float *p, vmf v) { memcpy(p, &v, sizeof v); }

// y[i] = a[i*sa] OP b[i*sb] for sa, sb in {0, 1}; y may be a or b.
#define VM_BINARY_CASE(OP)                                                       \
    if (sa && sb) {                                                              \
        for (; i + VM_W <= n; i += VM_W) vstore(y + i, vload(a + i) OP vload(b + i)); \
        for (; i < n; i++) y[i] = a[i] OP b[i];                                  \
    } else if (sa) {                                                             \
        const float s = b[0];                                                    \
        const vmf vs = vsplat(s);                                                \
        for (; i + VM_W <= n; i += VM_W) vstore(y + i, vload(a + i) OP vs);      \
        for (; i < n; i++) y[i] = a[i] OP s;                                     \
    } else if (sb) {                                                             \
        const float s = a[0];                                                    \
        const vmf vs = vsplat(s);                                                \
        for (; i + VM_W <= n; i += VM_W) vstore(y + i, vs OP vload(b + i));      \
        for (; i < n; i++) y[i] = s OP b[i];                                     \
    } else {                                                                     \
        const float s = a[0] OP b[0];                                            \
        for (; i < n; i++) y[i] = s;                                             \
    }

VM_LINKAGE VM_ATTR void VM_NAME(binary)(int op, const float *a, long sa, const float *b, long sb,
                                        float *y, long n) {
    long i = 0;
    switch (op) {
    case GK_ADD: VM_BINARY_CASE(+) break;
    case GK_SUB: VM_BINARY_CASE(-) break;
    case GK_MUL: VM_BINARY_CASE(*) break;
    case GK_DIV: VM_BINARY_CASE(/) break;
    case GK_FIRST:
        if (sa) {
            for (; i + VM_W <= n; i += VM_W) vstore(y + i, vload(a + i));
            for (; i < n; i++) y[i] = a[i];
        } else {
            for (; i < n; i++) y[i] = a[0];
        }
        break;
    default: break;
    }
}

// y = x > 0 ? x : x * slope.
VM_LINKAGE VM_ATTR void VM_NAME(leaky_relu)(const float *x, float *y, long n, float slope) {
    long i = 0;
    const vmf vs = vsplat(slope);
    for (; i + VM_W <= n; i += VM_W) {
        vmf v = vload(x + i);
        vstore(y + i, vsel(v > 0.0f, v, v * vs));
    }
    for (; i < n; i++) y[i] = x[i] > 0 ? x[i] : x[i] * slope;
}

// y = 0 >= x ? 0 : x: Swift.max(x, 0), NaN kept.
VM_LINKAGE VM_ATTR void VM_NAME(relu)(const float *x, float *y, long n) {
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) {
        vmf v = vload(x + i);
        vstore(y + i, vsel(0.0f >= v, vsplat(0.0f), v));
    }
    for (; i < n; i++) y[i] = 0 >= x[i] ? 0 : x[i];
}

// y = relu(x + b): one rounding for the add, then the rectifier as above.
VM_LINKAGE VM_ATTR void VM_NAME(bias_relu)(const float *x, float *y, long n, float b) {
    long i = 0;
    const vmf vb = vsplat(b);
    for (; i + VM_W <= n; i += VM_W) {
        vmf v = vload(x + i) + vb;
        vstore(y + i, vsel(0.0f >= v, vsplat(0.0f), v));
    }
    for (; i < n; i++) {
        float v = x[i] + b;
        y[i] = 0 >= v ? 0 : v;
    }
}

// y = x > 0 ? 1 : below: the slope of a (leaky) rectifier.
VM_LINKAGE VM_ATTR void VM_NAME(positive_mask)(const float *x, float *y, long n, float below) {
    long i = 0;
    const vmf vb = vsplat(below);
    for (; i + VM_W <= n; i += VM_W) vstore(y + i, vsel(vload(x + i) > 0.0f, vsplat(1.0f), vb));
    for (; i < n; i++) y[i] = x[i] > 0 ? 1 : below;
}

// Row kernels of batch normalisation: sums with VM_W partial sums, and the affine maps.
VM_INLINE float vhsum(vmf v) {
    float s = 0;
    for (int i = 0; i < VM_W; i++) s += v[i];
    return s;
}

// Σ x[i] and Σ (x[i] - m)^2.
VM_LINKAGE VM_ATTR void VM_NAME(moments)(const float *x, long n, float m, float *sum, float *squares) {
    vmf s = {0}, q = {0};
    const vmf vm = vsplat(m);
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) {
        vmf v = vload(x + i), d = v - vm;
        s += v;
        q += d * d;
    }
    float ss = vhsum(s), qq = vhsum(q);
    for (; i < n; i++) {
        float d = x[i] - m;
        ss += x[i];
        qq += d * d;
    }
    *sum = ss;
    *squares = qq;
}

// Σ g[i] and Σ g[i] * (x[i] - m).
VM_LINKAGE VM_ATTR void VM_NAME(moments_grad)(const float *g, const float *x, long n, float m, float *sum,
                                              float *dot) {
    vmf s = {0}, q = {0};
    const vmf vm = vsplat(m);
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) {
        vmf vg = vload(g + i);
        s += vg;
        q += vg * (vload(x + i) - vm);
    }
    float ss = vhsum(s), qq = vhsum(q);
    for (; i < n; i++) {
        ss += g[i];
        qq += g[i] * (x[i] - m);
    }
    *sum = ss;
    *dot = qq;
}

// y = (x - m) * a + b.
VM_LINKAGE VM_ATTR void VM_NAME(normalize)(const float *x, float *y, long n, float m, float a, float b) {
    const vmf vm = vsplat(m), va = vsplat(a), vb = vsplat(b);
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) vstore(y + i, (vload(x + i) - vm) * va + vb);
    for (; i < n; i++) y[i] = (x[i] - m) * a + b;
}

// y = g * a + (x - m) * b + c.
VM_LINKAGE VM_ATTR void VM_NAME(normalize_grad)(const float *g, const float *x, float *y, long n, float m,
                                                float a, float b, float c) {
    const vmf vm = vsplat(m), va = vsplat(a), vb = vsplat(b), vc = vsplat(c);
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) vstore(y + i, vload(g + i) * va + (vload(x + i) - vm) * vb + vc);
    for (; i < n; i++) y[i] = g[i] * a + (x[i] - m) * b + c;
}

// One Adam step (no weight decay, no AMSGrad); contraction off so each operator rounds on its
// own, as the unfused tensor operations do.
VM_LINKAGE VM_ATTR void VM_NAME(adam)(const float *p, const float *g, const float *m, const float *v,
                                      float *p_out, float *m_out, float *v_out, long n, float c1, float b2,
                                      float c2, float root2, float eps, float step) {
#pragma clang fp contract(off)
    const vmf vc1 = vsplat(c1), vb2 = vsplat(b2), vc2 = vsplat(c2), vroot2 = vsplat(root2);
    const vmf veps = vsplat(eps), vstep = vsplat(step);
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) {
        vmf gi = vload(g + i), mi = vload(m + i);
        vmf mn = mi + vc1 * (gi - mi);
        vmf vn = vb2 * vload(v + i) + (vc2 * gi) * gi;
        vmf d = vsqrt(vn) / vroot2 + veps;
        vstore(m_out + i, mn);
        vstore(v_out + i, vn);
        vstore(p_out + i, vload(p + i) - vstep * (mn / d));
    }
    for (; i < n; i++) {
        float mn = m[i] + c1 * (g[i] - m[i]);
        float vn = b2 * v[i] + (c2 * g[i]) * g[i];
        float d = __builtin_sqrtf(vn) / root2 + eps;
        m_out[i] = mn;
        v_out[i] = vn;
        p_out[i] = p[i] - step * (mn / d);
    }
}

// Column forms of the batch-normalisation kernels for [rows, cols] with one value per (row,
// channel) (BatchNorm1d): each channel is a column, rows ld apart, and the loops run along the
// row so they vectorise across channels. Per channel they give the row kernels' bits: a
// length-1 row's sum is x, its centred square d·d, its dot g·(x − m), each rounded to float
// before the double accumulation, in row order.
VM_LINKAGE VM_ATTR void VM_NAME(col_moments)(const float *x, long rows, long cols, long ld, const float *mean,
                                             double *acc) {
#pragma clang fp contract(off)
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        if (mean) {
            for (long c = 0; c < cols; c++) {
                float d = xr[c] - mean[c];
                float q = d * d;
                acc[c] += (double)q;
            }
        } else {
            for (long c = 0; c < cols; c++) acc[c] += (double)xr[c];
        }
    }
}

VM_LINKAGE VM_ATTR void VM_NAME(col_moments_grad)(const float *g, const float *x, long rows, long cols, long ld,
                                                  const float *mean, double *sum, double *dot) {
#pragma clang fp contract(off)
    for (long r = 0; r < rows; r++) {
        const float *gr = g + r * ld, *xr = x + r * ld;
        for (long c = 0; c < cols; c++) {
            float p = gr[c] * (xr[c] - mean[c]);
            sum[c] += (double)gr[c];
            dot[c] += (double)p;
        }
    }
}

// y = (x - m) * a + b and y = g * a + (x - m) * b + k per column, written as the row kernels
// are (so they contract, or not, as those do on the same instruction set).
VM_LINKAGE VM_ATTR void VM_NAME(col_normalize)(const float *x, float *y, long rows, long cols, long ld,
                                               const float *m, const float *a, const float *b) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        float *yr = y + r * ld;
        long c = 0;
        for (; c + VM_W <= cols; c += VM_W)
            vstore(yr + c, (vload(xr + c) - vload(m + c)) * vload(a + c) + vload(b + c));
        for (; c < cols; c++) yr[c] = (xr[c] - m[c]) * a[c] + b[c];
    }
}

VM_LINKAGE VM_ATTR void VM_NAME(col_normalize_grad)(const float *g, const float *x, float *y, long rows, long cols,
                                                    long ld, const float *m, const float *a, const float *b,
                                                    const float *k) {
    for (long r = 0; r < rows; r++) {
        const float *gr = g + r * ld, *xr = x + r * ld;
        float *yr = y + r * ld;
        long c = 0;
        for (; c + VM_W <= cols; c += VM_W)
            vstore(yr + c, vload(gr + c) * vload(a + c) + (vload(xr + c) - vload(m + c)) * vload(b + c) + vload(k + c));
        for (; c < cols; c++) yr[c] = gr[c] * a[c] + (xr[c] - m[c]) * b[c] + k[c];
    }
}
