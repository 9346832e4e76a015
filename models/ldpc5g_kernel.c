// ldpc5g_kernel.c - the check-node update of the 5G NR LDPC decoder (ldpc5g_check_update, ldpc5g.h).
//
// Compiled apart, with -O3 -fno-math-errno -ffinite-math-only -fno-signed-zeros (Makefile): its inputs
// are finite by contract, and these let the float minima, maxima and selects below vectorise. The
// messages of Z_c checks of one base-graph row are the lanes of each loop.
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ldpc5g.h"

#define LANES_MAX 384u // lanes per block: the largest lifting size

// noinline: each pass keeps its restrict-qualified arrays apart, so that its loop vectorises. On x86-64
// each pass is also compiled for AVX2 and AVX-512 and chosen when the program loads (GCC's
// target_clones): the passes use no library call, no float-to-int conversion and no fused multiply-add
// (C11 mode contracts none), so every version gives the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define KERNEL_PASS __attribute__((noinline, target_clones("avx512f", "avx2", "default")))
#else
#define KERNEL_PASS __attribute__((noinline))
#endif

// ln(u) for u >= 1 (finite), written so that loops over it vectorise: u = 2^e m with m in
// [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^9/9) with s = (m - 1) / (m + 1),
// |s| <= 0.172 (truncation below s^11 / 11 < 4e-10 of the value); e ln 2 with ln 2 split in two parts
// (Cody & Waite) so that it adds no rounding beyond the float result's.
static inline float log_ge1(float u)
{
    uint32_t b;
    memcpy(&b, &u, sizeof b);
    int e = (int)(b >> 23) - 127;
    const uint32_t mb = (b & 0x007fffffu) | 0x3f800000u; // m in [1, 2)
    float m;
    memcpy(&m, &mb, sizeof m);
    const int big = m > 1.41421356f;
    m = big ? 0.5f * m : m;
    e = big ? e + 1 : e;
    const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    const float t =
        2.0f * s * (1.0f + s2 * (1.0f / 3.0f + s2 * (0.2f + s2 * (1.0f / 7.0f + s2 * (1.0f / 9.0f)))));
    const float fe = (float)e;
    return fe * 0.693145752f + (fe * 1.42860677e-6f + t);
}

// e^x - 1 for x in [0, 40] (finite, non-negative), written so that loops over it vectorise and give the
// same bits at any vector width: below 0.35 the Taylor series to x^8/8! (truncation < x^9/9! / x < 3e-9
// relative); above, e^x = 2^k e^r with k = round(x / ln 2), r = x - k ln 2 (ln 2 in two parts, Cody &
// Waite), |r| <= 0.35, e^r by its Taylor series to r^7/7! (< 2e-9 relative), then minus 1 (e^x >= 1.42:
// no cancellation beyond a factor 3.4).
static inline float expm1_nonneg(float x)
{
    const float small =
        x *
        (1.0f +
         x * (0.5f + x * (1.0f / 6.0f +
                          x * (1.0f / 24.0f +
                               x * (1.0f / 120.0f +
                                    x * (1.0f / 720.0f + x * (1.0f / 5040.0f + x * (1.0f / 40320.0f))))))));
    // k = round(x / ln 2) by the 1.5 * 2^23 shifter: the sum's low mantissa bits are k itself (no float to
    // int conversion, which a compiler may not execute on the lanes of the other branch)
    const float shifted = x * 1.44269504f + 12582912.0f;
    const float kf = shifted - 12582912.0f;
    uint32_t kb;
    memcpy(&kb, &shifted, sizeof kb);
    const float r = (x - kf * 0.693145752f) - kf * 1.42860677e-6f;
    const float er =
        1.0f +
        r * (1.0f + r * (0.5f + r * (1.0f / 6.0f +
                                     r * (1.0f / 24.0f + r * (1.0f / 120.0f +
                                                              r * (1.0f / 720.0f + r * (1.0f / 5040.0f)))))));
    const uint32_t sb = ((kb - 0x4b400000u) + 127u) << 23; // 2^k, k = 0..58
    float scale;
    memcpy(&scale, &sb, sizeof scale);
    const float large = er * scale - 1.0f;
    return x < 0.35f ? small : large;
}

// phi(x) = -ln tanh(x / 2) = ln((e^x + 1) / (e^x - 1)) (Ryan & Lin eq. 5.38) = ln(1 + q), x > 0, with
// q = 2 / (e^x - 1), computed with expm1_nonneg (accurate for small x) and, where q is small (x > 3.5), the
// series q - q^2/2 + q^3/3 - q^4/4 + q^5/5 (relative error below q^5/6 < 2e-7 for q < 2^-4), else ln(1 + q)
// (1 + q rounds by at most 2^-24, which is < 1e-6 of ln(1 + q) for q >= 2^-4): float accuracy at both
// ends. phi is its own inverse.
static inline float phi(float x)
{
    // beyond 40, phi(x) < 1e-17 is 0 against any other term of a check's sum (and e^x would leave the
    // range of expm1_nonneg's exponent)
    const float q = 2.0f / expm1_nonneg(x < 40.0f ? x : 40.0f);
    const float series = q * (1.0f - q * (0.5f - q * (1.0f / 3.0f - q * (0.25f - q * 0.2f))));
    const float full = log_ge1(1.0f + q);
    return q < 0.0625f ? series : full;
}

// The passes of the check update over one block of lanes, each a loop whose arrays are declared apart
// (restrict), so that it vectorises.

// Sum-product, first pass over edge e: o = phi(|x|) (|x| bounded to [xmin, clip]), acc += o, sign product.
KERNEL_PASS static void sp_in(const float *restrict x, float *restrict o, float *restrict acc,
                              float *restrict sgn, float xmin, float clip, size_t lanes)
{
    for (size_t z = 0; z < lanes; z++) {
        float a = fabsf(x[z]);
        a = a < xmin ? xmin : a;
        a = a > clip ? clip : a;
        const float p = phi(a);
        o[z] = p;
        acc[z] += p;
        const float sz = sgn[z];
        sgn[z] = x[z] < 0.0f ? -sz : sz;
    }
}

// Sum-product, second pass: o = sign * min(phi(max(acc - o, xmin)), clip).
KERNEL_PASS static void sp_out(const float *restrict x, float *restrict o, const float *restrict acc,
                               const float *restrict sgn, float xmin, float clip, size_t lanes)
{
    for (size_t z = 0; z < lanes; z++) {
        float r = acc[z] - o[z];
        r = r < xmin ? xmin : r;
        float m = phi(r);
        m = m > clip ? clip : m;
        const float sv = sgn[z] * m;
        o[z] = x[z] < 0.0f ? -sv : sv;
    }
}

// Min-sum, pass over edge e (as the float fe): (m1, m2) <- the two smallest of (m1, m2, |x|), that is
// m2 = min(m2, max(|x|, m1)) and m1 = min(|x|, m1); idx = e where |x| is the new smallest; sign product.
KERNEL_PASS static void ms_in(const float *restrict x, float *restrict m1, float *restrict m2,
                              float *restrict idx, float *restrict sgn, float fe, size_t lanes)
{
    for (size_t z = 0; z < lanes; z++) {
        const float a = fabsf(x[z]), lo = m1[z], i = idx[z], sz = sgn[z], b = m2[z];
        const float hi = a < lo ? lo : a;
        m2[z] = hi < b ? hi : b;
        m1[z] = a < lo ? a : lo;
        idx[z] = a < lo ? fe : i;
        sgn[z] = x[z] < 0.0f ? -sz : sz;
    }
}

// Min-sum, out: o = sign * (m2 where edge e holds the smallest, else m1).
KERNEL_PASS static void ms_out(const float *restrict x, float *restrict o, const float *restrict m1,
                               const float *restrict m2, const float *restrict idx, const float *restrict sgn,
                               float fe, size_t lanes)
{
    for (size_t z = 0; z < lanes; z++) {
        // every value loaded before the selects: a select between two loads would not vectorise
        const float a = m1[z], b = m2[z], s = sgn[z], i = idx[z], xz = x[z];
        const float v = s * (i == fe ? b : a), nv = -v;
        o[z] = xz < 0.0f ? nv : v;
    }
}

// A block of at most LANES_MAX lanes of ldpc5g_check_update.
static void check_block(const ldpc5g_dec_cfg *d, const float *const *in, float *const *out, unsigned deg,
                        size_t off, size_t lanes)
{
    const float clip = d->llr_clip;
    float m1[LANES_MAX], m2[LANES_MAX], sgn[LANES_MAX], idx[LANES_MAX];
    for (size_t z = 0; z < lanes; z++) {
        sgn[z] = 1.0f;
        idx[z] = 0.0f;
    }
    if (d->algorithm == LDPC5G_SUM_PRODUCT) {
        // |L| in [xmin, clip] with phi(xmin) = clip: phi maps the interval onto itself, so no message
        // is infinite and every outgoing magnitude is at most clip
        const float xmin = phi(clip);
        for (size_t z = 0; z < lanes; z++)
            m1[z] = 0.0f;
        for (unsigned e = 0; e < deg; e++)
            sp_in(in[e] + off, out[e] + off, m1, sgn, xmin, clip, lanes);
        for (unsigned e = 0; e < deg; e++)
            sp_out(in[e] + off, out[e] + off, m1, sgn, xmin, clip, lanes);
        return;
    }
    for (size_t z = 0; z < lanes; z++) {
        m1[z] = clip;
        m2[z] = clip;
    }
    for (unsigned e = 0; e < deg; e++)
        ms_in(in[e] + off, m1, m2, idx, sgn, (float)e, lanes);
    if (d->algorithm == LDPC5G_OFFSET_MIN_SUM) {
        const float beta = d->offset;
        for (size_t z = 0; z < lanes; z++) {
            m1[z] = m1[z] > beta ? m1[z] - beta : 0.0f;
            m2[z] = m2[z] > beta ? m2[z] - beta : 0.0f;
        }
    } else if (d->algorithm == LDPC5G_NORMALIZED_MIN_SUM) {
        for (size_t z = 0; z < lanes; z++) {
            m1[z] *= d->scale;
            m2[z] *= d->scale;
        }
    }
    for (unsigned e = 0; e < deg; e++)
        ms_out(in[e] + off, out[e] + off, m1, m2, idx, sgn, (float)e, lanes);
}

void ldpc5g_check_update(const ldpc5g_dec_cfg *d, const float *const *in, float *const *out, unsigned deg,
                         size_t lanes)
{
    for (size_t off = 0; off < lanes; off += LANES_MAX)
        check_block(d, in, out, deg, off, lanes - off < LANES_MAX ? lanes - off : LANES_MAX);
}
