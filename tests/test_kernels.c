// test_kernels.c - the optimised kernels against their plain or reference versions: the vectorised
// exponential, the batched softmax cross-entropy, the row and column argmax, the feature-major dense
// layer, the ReLU selects, the per-message encoder shortcut, the feature-major evaluation receiver and
// the thread invariance of the piecewise training loop.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ae.h"
#include "ae_err.h"
#include "blas.h"
#include "nn.h"
#include "train.h"
#include "txrx.h"

// A taus2 generator in the state gsl_rng_set(r, seed) gives, failing the test on allocation failure.
static gsl_rng *make_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    cr_assert(r);
    gsl_rng_set(r, seed);
    return r;
}

// a[i] ~ U(lo, hi) from r.
static void fill_uniform(float *a, size_t N, gsl_rng *r, double lo, double hi)
{
    for (size_t i = 0; i < N; i++)
        a[i] = (float)(lo + (hi - lo) * gsl_rng_uniform(r));
}

// malloc that fails the test instead of returning NULL (n = 0 allocates one byte).
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    cr_assert(p, "out of memory for %zu bytes", n);
    return p;
}

// The bits of a float (for bitwise comparisons that see the sign of zero and NaN payloads).
static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

// ---------------------------------------------------------------------------------------------
// nn_exp_nonpos

// The test arguments: a grid of EXP_GRID points from 0 down to -87 (steps of 4.35e-4), then -0,
// -1e-30, -86.99 and -1e-7. Returns the count (EXP_GRID + 4) and a malloc'd array in *x.
enum { EXP_GRID = 200001 };
static size_t exp_args(float **x)
{
    const float extra[4] = {-0.0f, -1e-30f, -86.99f, -1e-7f};
    const size_t N = EXP_GRID + 4;
    float *a = xmalloc(N * sizeof *a);
    for (size_t i = 0; i < EXP_GRID; i++)
        a[i] = (float)(-87.0 * (double)i / (double)(EXP_GRID - 1));
    memcpy(a + EXP_GRID, extra, sizeof extra);
    cr_assert(a[0] == 0.0f && a[EXP_GRID - 1] == -87.0f, "grid ends %g %g", a[0], a[EXP_GRID - 1]);
    *x = a;
    return N;
}

Test(kernels, exp_nonpos_matches_double_exp)
{
    // Tolerance 3e-7 relative (about 2.5 ulp of 2^-23) against exp in double. Budget: the degree-7
    // Taylor truncation, r^8 / 8! <= 5.2e-9 at |r| = ln2 / 2; the Horner chain and the product with 2^j,
    // under one ulp since the higher terms are scaled by powers of |r| < 0.35; the rounding of the result,
    // half an ulp. Measured 9.3e-8. (The degree-6 polynomial of commit dea9c8f, whose truncation
    // r^7 / 7! reaches 1.7e-7 relative at r = -ln2 / 2, measured 2.45e-7 and 3 ulp from expf.)
    float *x, *y, *ya;
    const size_t N = exp_args(&x);
    y = xmalloc(N * sizeof *y), ya = xmalloc(N * sizeof *ya);
    nn_exp_nonpos(y, x, N);
    double max_rel = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < N; i++) {
        const double ref = exp((double)x[i]);
        const double rel = fabs((double)y[i] - ref) / ref;
        cr_assert(isfinite(y[i]) && y[i] > 0.0f, "exp(%.9g) = %.9g", x[i], y[i]);
        cr_assert(rel <= 3e-7, "exp(%.9g) = %.9g, double exp %.17g: relative error %.3g > 3e-7", x[i], y[i],
                  ref, rel);
        if (rel > max_rel)
            max_rel = rel, at = i;
    }
    cr_log_info("exp_nonpos: max relative error %.3g at x = %.9g", max_rel, x[at]);
    // exp(0) = exp(-0) = 1 exactly: the softmax's largest term is exactly 1
    cr_assert(y[0] == 1.0f && y[EXP_GRID] == 1.0f, "exp(0) = %.9g, exp(-0) = %.9g", y[0], y[EXP_GRID]);
    cr_assert(y[EXP_GRID + 1] == 1.0f, "exp(-1e-30) = %.9g", y[EXP_GRID + 1]);
    // y may alias x: the same values in place
    memcpy(ya, x, N * sizeof *ya);
    nn_exp_nonpos(ya, ya, N);
    cr_assert(memcmp(ya, y, N * sizeof *y) == 0, "in-place exp differs from out-of-place");
    // arguments below -87 are clamped to exp(-87)
    const float low[4] = {-87.5f, -100.0f, -1e30f, -INFINITY};
    float ylow[4], y87;
    const float m87 = -87.0f;
    nn_exp_nonpos(ylow, low, 4);
    nn_exp_nonpos(&y87, &m87, 1);
    for (int i = 0; i < 4; i++)
        cr_assert(ylow[i] == y87, "exp(%g) = %.9g, expected exp(-87) = %.9g", low[i], ylow[i], y87);
    free(x), free(y), free(ya);
}

Test(kernels, exp_nonpos_within_2_ulp_of_expf)
{
    // nn.h's contract: within 2 ulp of expf on [-87, 0]. Distance in ulps = the difference of the bit
    // patterns (both results are positive normal floats). glibc's expf is correctly rounded in practice.
    float *x, *y;
    const size_t N = exp_args(&x);
    y = xmalloc(N * sizeof *y);
    nn_exp_nonpos(y, x, N);
    uint32_t max_ulp = 0;
    size_t at = 0, over = 0;
    for (size_t i = 0; i < N; i++) {
        const uint32_t a = bits(y[i]), b = bits(expf(x[i])), ulp = a > b ? a - b : b - a;
        over += ulp > 2;
        if (ulp > max_ulp)
            max_ulp = ulp, at = i;
    }
    cr_assert(max_ulp <= 2,
              "%zu of %zu arguments more than 2 ulp from expf; worst %u ulp: exp(%.9g) = %.9g, expf %.9g",
              over, N, max_ulp, x[at], y[at], expf(x[at]));
    free(x), free(y);
}

// ---------------------------------------------------------------------------------------------
// softmax cross-entropy

// Reference in double: returns sum_b (lse_b - z_c), lse_b = zmax + log sum_j exp(z_j - zmax), and
// g[b][j] = (exp(z_j - lse_b) - [j = c]) * scale.
static double xent_ref(double *g, const float *z, const uint32_t *labels, size_t B, size_t M, double scale)
{
    double L = 0.0;
    for (size_t r = 0; r < B; r++) {
        const float *zr = z + r * M;
        double zmax = zr[0], s = 0.0;
        for (size_t j = 1; j < M; j++)
            zmax = fmax(zmax, zr[j]);
        for (size_t j = 0; j < M; j++)
            s += exp((double)zr[j] - zmax);
        const double lse = zmax + log(s);
        L += lse - zr[labels[r]];
        for (size_t j = 0; j < M; j++)
            g[r * M + j] = (exp((double)zr[j] - lse) - (j == labels[r] ? 1.0 : 0.0)) * scale;
    }
    return L;
}

// Random logits U(-8, 8) and labels for a B x M batch from r.
static void random_batch(float *z, uint32_t *labels, size_t B, size_t M, gsl_rng *r)
{
    fill_uniform(z, B * M, r, -8.0, 8.0);
    for (size_t i = 0; i < B; i++)
        labels[i] = (uint32_t)gsl_rng_uniform_int(r, M);
}

// nn_softmax_xent_sum against the double reference for one shape, grad_scale = 1 (the tightest scale
// for an absolute gradient tolerance).
static void check_xent(size_t B, size_t M, gsl_rng *r)
{
    float *z = xmalloc(B * M * sizeof *z), *g = xmalloc(B * M * sizeof *g);
    uint32_t *lab = xmalloc(B * sizeof *lab);
    double *gref = xmalloc(B * M * sizeof *gref);
    random_batch(z, lab, B, M, r);
    for (size_t i = 0; i < B * M; i++)
        g[i] = NAN; // overwritten, not accumulated
    const double L = nn_softmax_xent_sum(g, z, lab, B, M, 1.0f);
    const double Lref = xent_ref(gref, z, lab, B, M, 1.0);
    // Loss: per row, z - zmax rounded to float (<= 2^-24 |z_c - zmax| <= 2^-24 loss_b), the exponentials
    // (~1e-7 relative) and the float row sum S (worst case M 2^-24 relative, which is 1.5e-5 for M = 256
    // but only for adversarial orders; a log turns it into that much absolute) against losses of about
    // 1 nat or more per row: 1e-5 relative. Measured: ~5e-9. M = 1: exactly 0 (one class, probability 1).
    if (M == 1)
        cr_assert(L == 0.0, "(B %zu, M 1) loss %.17g, expected exactly 0", B, L);
    else
        cr_assert(fabs(L - Lref) <= 1e-5 * fabs(Lref), "(B %zu, M %zu) loss %.12g, reference %.12g", B, M, L,
                  Lref);
    // Gradient: p_j = e_j / S in [0, 1], e_j within ~1e-7 relative and S within a few float roundings
    // of its partial sums, so the absolute error is a few 1e-7 at most: 1e-6 absolute (grad_scale = 1).
    // Measured: 1.4e-7 (M = 16), 3e-8 (M = 256). The one-hot subtraction adds one rounding.
    for (size_t i = 0; i < B * M; i++)
        cr_assert(fabs(g[i] - gref[i]) <= 1e-6, "(B %zu, M %zu) dlogits[%zu] = %.9g, reference %.9g", B, M, i,
                  g[i], gref[i]);
    free(z), free(g), free(lab), free(gref);
}

Test(kernels, softmax_xent_sum_matches_double_reference)
{
    gsl_rng *r = make_rng(12345);
    check_xent(37, 16, r);
    check_xent(5, 3, r);
    check_xent(5, 1, r);
    check_xent(1, 1, r);
    check_xent(64, 256, r);
    gsl_rng_free(r);
}

Test(kernels, softmax_xent_sum_splits_add_up)
{
    enum { B = 1000, M = 16, P = 4 };
    gsl_rng *r = make_rng(12345);
    float *z = xmalloc(B * M * sizeof *z), *gw = xmalloc(B * M * sizeof *gw),
          *gp = xmalloc(B * M * sizeof *gp);
    uint32_t lab[B];
    random_batch(z, lab, B, M, r);
    const float scale = 1.0f / (float)B;
    const double whole = nn_softmax_xent_sum(gw, z, lab, B, M, scale);
    // four pieces, each writing its own rows (as the training loop's pieces do)
    double sum = 0.0;
    for (size_t p = 0; p < P; p++) {
        const size_t f = p * (B / P);
        sum += nn_softmax_xent_sum(gp + f * M, z + f * M, lab + f, B / P, M, scale);
    }
    // the sums differ only in the double rounding of the products of row sums and in taking four logs
    // instead of one: ~1e-16 relative per operation, far below 1e-9
    cr_assert(fabs(sum - whole) <= 1e-9 * fabs(whole), "pieces %.17g, whole %.17g", sum, whole);
    // a row's gradient depends on that row alone, so it is bitwise the same however the batch is split
    for (size_t i = 0; i < B * M; i++)
        cr_assert(bits(gp[i]) == bits(gw[i]), "dlogits[%zu]: pieces %.9g, whole %.9g", i, gp[i], gw[i]);
    // uneven pieces [0,1), [1,999), [999,1000) too
    const size_t cut[4] = {0, 1, 999, 1000};
    sum = 0.0;
    for (size_t p = 0; p < 3; p++)
        sum +=
            nn_softmax_xent_sum(gp + cut[p] * M, z + cut[p] * M, lab + cut[p], cut[p + 1] - cut[p], M, scale);
    cr_assert(fabs(sum - whole) <= 1e-9 * fabs(whole), "uneven pieces %.17g, whole %.17g", sum, whole);
    for (size_t i = 0; i < B * M; i++)
        cr_assert(bits(gp[i]) == bits(gw[i]), "dlogits[%zu]: uneven pieces %.9g, whole %.9g", i, gp[i],
                  gw[i]);
    free(z), free(gw), free(gp);
    gsl_rng_free(r);
}

Test(kernels, softmax_xent_sum_huge_batch_renormalises)
{
    // all-zero logits: every row sum is exactly 256 = 2^8 and every row's loss log 256, so the product of
    // the row sums is 2^1600000, far beyond a double: only the frexp renormalisation keeps it finite. The
    // expected sum B log 256 is exact up to a few double roundings: 1e-9 relative.
    const size_t B = 200000, M = 256;
    float *z = calloc(B * M, sizeof *z), *g = xmalloc(B * M * sizeof *g);
    uint32_t *lab = xmalloc(B * sizeof *lab);
    cr_assert(z);
    for (size_t i = 0; i < B; i++)
        lab[i] = (uint32_t)(i % M);
    const double expect = (double)B * log(256.0);
    const double L = nn_softmax_xent_sum(g, z, lab, B, M, 1.0f / (float)B);
    cr_assert(fabs(L - expect) <= 1e-9 * expect, "loss %.17g, expected B log 256 = %.17g", L, expect);
    const double L0 = nn_softmax_xent_sum(NULL, z, lab, B, M, 1.0f / (float)B);
    cr_assert(fabs(L0 - expect) <= 1e-9 * expect, "loss (no gradient) %.17g, expected %.17g", L0, expect);
    // and the gradients: (1/256 - [j = c]) / B, exact in float (powers of two apart from the 255/256)
    const float off = (1.0f / 256.0f) / (float)B;
    for (size_t r = 0; r < B; r += 997)
        for (size_t j = 0; j < M; j++) {
            const float want = j == lab[r] ? off - 1.0f / (float)B : off;
            cr_assert(fabs(g[r * M + j] - want) <= 1e-6f * fabsf(want),
                      "dlogits[%zu][%zu] = %.9g, expected %.9g", r, j, g[r * M + j], want);
        }
    free(z), free(g), free(lab);
}

Test(kernels, softmax_xent_without_gradient_and_mean)
{
    gsl_rng *r = make_rng(12345);
    const size_t shapes[3][2] = {{37, 16}, {5, 3}, {300, 256}};
    for (int s = 0; s < 3; s++) {
        const size_t B = shapes[s][0], M = shapes[s][1];
        float *z = xmalloc(B * M * sizeof *z), *g = xmalloc(B * M * sizeof *g),
              *gm = xmalloc(B * M * sizeof *gm);
        uint32_t *lab = xmalloc(B * sizeof *lab);
        random_batch(z, lab, B, M, r);
        const double L = nn_softmax_xent_sum(g, z, lab, B, M, 0.5f);
        const double L0 = nn_softmax_xent_sum(NULL, z, lab, B, M, 0.5f);
        // The gradient path takes z_c - zmax from the float difference, the other in double: they differ by
        // <= 2^-24 |z_c - zmax| <= 2^-24 loss_b per row, so by <= 2^-24 = 6e-8 of the sum; the exponentials
        // and row sums are the same. 1e-7 relative.
        cr_assert(fabs(L - L0) <= 1e-7 * fabs(L), "(B %zu, M %zu) loss %.17g with gradient, %.17g without", B,
                  M, L, L0);
        // the mean is the sum over B, with the gradient scaled by 1/B
        const double Lm = nn_softmax_xent(gm, z, lab, B, M);
        const double Ls = nn_softmax_xent_sum(g, z, lab, B, M, 1.0f / (float)B);
        cr_assert(fabs(Lm - Ls / (double)B) <= 1e-12 * fabs(Lm), "(B %zu, M %zu) mean %.17g, sum / B %.17g",
                  B, M, Lm, Ls / (double)B);
        for (size_t i = 0; i < B * M; i++)
            cr_assert(fabs(gm[i] - g[i]) <= 1e-6 / (double)B,
                      "(B %zu, M %zu) mean dlogits[%zu] %.9g, sum %.9g", B, M, i, gm[i], g[i]);
        free(z), free(g), free(gm), free(lab);
    }
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------
// argmax

// The scalar reference: the first maximum of each row (strict >).
static void argmax_naive(uint32_t *out, const float *z, size_t B, size_t M)
{
    for (size_t r = 0; r < B; r++) {
        const float *zr = z + r * M;
        size_t best = 0;
        for (size_t j = 1; j < M; j++)
            if (zr[j] > zr[best])
                best = j;
        out[r] = (uint32_t)best;
    }
}

// zt[j][r] = z[r][j].
static void transpose(float *zt, const float *z, size_t B, size_t M)
{
    for (size_t r = 0; r < B; r++)
        for (size_t j = 0; j < M; j++)
            zt[j * B + r] = z[r * M + j];
}

// nn_argmax_rows and nn_argmax_cols (on the transpose) against the naive loop for z [B][M].
static void check_argmax(const float *z, size_t B, size_t M, const char *what)
{
    uint32_t *ref = xmalloc(B * sizeof *ref), *rows = xmalloc(B * sizeof *rows),
             *cols = xmalloc(B * sizeof *cols);
    float *zt = xmalloc(B * M * sizeof *zt), *best = xmalloc(B * sizeof *best);
    transpose(zt, z, B, M);
    argmax_naive(ref, z, B, M);
    nn_argmax_rows(rows, z, B, M);
    nn_argmax_cols(cols, best, zt, B, M);
    for (size_t r = 0; r < B; r++) {
        cr_assert_eq(rows[r], ref[r], "%s (B %zu, M %zu) row %zu: rows %u, reference %u", what, B, M, r,
                     rows[r], ref[r]);
        cr_assert_eq(cols[r], ref[r], "%s (B %zu, M %zu) row %zu: cols %u, reference %u", what, B, M, r,
                     cols[r], ref[r]);
        cr_assert(best[r] == z[r * M + ref[r]], "%s row %zu: best %.9g, maximum %.9g", what, r, best[r],
                  z[r * M + ref[r]]);
    }
    free(ref), free(rows), free(cols), free(zt), free(best);
}

Test(kernels, argmax_rows_and_cols_match_naive)
{
    gsl_rng *r = make_rng(12345);
    const size_t shapes[5][2] = {{1, 1}, {7, 2}, {1000, 16}, {333, 256}, {5, 3}};
    for (int s = 0; s < 5; s++) {
        const size_t B = shapes[s][0], M = shapes[s][1];
        float *z = xmalloc(B * M * sizeof *z);
        fill_uniform(z, B * M, r, -4.0, 4.0);
        check_argmax(z, B, M, "random");
        free(z);
    }
    gsl_rng_free(r);
}

Test(kernels, argmax_ties_take_the_first)
{
    enum { B = 40, M = 16 };
    gsl_rng *r = make_rng(12345);
    float z[B * M];
    fill_uniform(z, B * M, r, -4.0, 4.0);
    for (size_t b = 0; b < B; b++) {
        float *zr = z + b * M;
        switch (b % 4) {
        case 0: // all equal: index 0
            for (size_t j = 0; j < M; j++)
                zr[j] = 0.25f * (float)b - 3.0f;
            break;
        case 1: // two equal maxima at 3 and 9: index 3
            zr[3] = zr[9] = 5.0f;
            break;
        case 2: // +0 and -0 as the maxima (equal under ==): the first of them
            for (size_t j = 0; j < M; j++)
                zr[j] = -1.0f - (float)j;
            zr[5] = -0.0f;
            zr[11] = 0.0f;
            break;
        default: // the maximum held by the last three entries
            zr[13] = zr[14] = zr[15] = 4.5f;
            break;
        }
    }
    check_argmax(z, B, M, "ties");
    uint32_t out[B];
    nn_argmax_rows(out, z, B, M);
    for (size_t b = 0; b < B; b++) {
        const uint32_t want[4] = {0, 3, 5, 13};
        cr_assert_eq(out[b], want[b % 4], "tie row %zu: %u, expected %u", b, out[b], want[b % 4]);
    }
    // all-equal rows for other widths (vector tails)
    for (size_t m = 1; m <= 37; m += 6) {
        float zz[3 * 37];
        for (size_t i = 0; i < 3 * m; i++)
            zz[i] = 1.5f;
        check_argmax(zz, 3, m, "all equal");
    }
    gsl_rng_free(r);
}

Test(kernels, argmax_nan_stays_in_range)
{
    enum { B = 6, M = 16 };
    float z[B * M], zt[B * M], best[B];
    gsl_rng *r = make_rng(12345);
    fill_uniform(z, B * M, r, -4.0, 4.0);
    z[0 * M + 0] = NAN;  // first entry
    z[1 * M + 7] = NAN;  // middle
    z[2 * M + 15] = NAN; // last
    for (size_t j = 0; j < M; j++)
        z[3 * M + j] = NAN; // all
    z[4 * M + 2] = NAN, z[4 * M + 9] = NAN;
    z[5 * M + 0] = NAN, z[5 * M + 1] = INFINITY;
    transpose(zt, z, B, M);
    uint32_t rows[B], cols[B];
    nn_argmax_rows(rows, z, B, M);
    nn_argmax_cols(cols, best, zt, B, M);
    for (size_t b = 0; b < B; b++) {
        cr_assert(rows[b] < M, "NaN row %zu: rows gives %u, expected < %d", b, rows[b], M);
        cr_assert(cols[b] < M, "NaN row %zu: cols gives %u, expected < %d", b, cols[b], M);
    }
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------
// feature-major dense layer

// nn_dense_forward_fm (x batch-major and feature-major) against nn_dense_forward_act, transposed.
static void check_dense_fm(size_t B, size_t in, size_t out, gsl_rng *r)
{
    float *x = xmalloc(B * in * sizeof *x), *xt = xmalloc(B * in * sizeof *xt);
    float *W = xmalloc(out * in * sizeof *W), *b = xmalloc(out * sizeof *b);
    float *y = xmalloc(B * out * sizeof *y), *yt = xmalloc(B * out * sizeof *yt);
    fill_uniform(x, B * in, r, -1.0, 1.0);
    fill_uniform(W, out * in, r, -1.0, 1.0);
    fill_uniform(b, out, r, -0.5, 0.5);
    transpose(xt, x, B, in);
    for (int relu = 0; relu <= 1; relu++) {
        nn_dense_forward_act(y, x, W, b, B, in, out, relu);
        for (int x_fm = 0; x_fm <= 1; x_fm++) {
            for (size_t i = 0; i < B * out; i++)
                yt[i] = NAN; // overwritten
            nn_dense_forward_fm(yt, x_fm ? xt : x, x_fm, W, b, B, in, out, relu);
            // both are float sums of in products (sgemm in different blocking orders, then the bias):
            // <= in 2^-24 relative to sum |x W| <= in, i.e. ~1e-6 for in = 16; 1e-5 (1 + |ref|) as test_nn.c
            for (size_t rr = 0; rr < B; rr++)
                for (size_t o = 0; o < out; o++) {
                    const float got = yt[o * B + rr], ref = y[rr * out + o];
                    cr_assert(fabs(got - ref) <= 1e-5 * (1.0 + fabs(ref)),
                              "(%zu,%zu,%zu) relu %d x_fm %d: yt[%zu][%zu] = %.9g, act %.9g", B, in, out,
                              relu, x_fm, o, rr, got, ref);
                    if (relu)
                        cr_assert(got >= 0.0f, "relu output %.9g", got);
                }
        }
    }
    free(x), free(xt), free(W), free(b), free(y), free(yt);
}

Test(kernels, dense_forward_fm_matches_act)
{
    gsl_rng *r = make_rng(12345);
    check_dense_fm(1, 1, 1, r);
    check_dense_fm(5, 7, 3, r);
    check_dense_fm(1000, 7, 16, r);
    check_dense_fm(1000, 16, 16, r);
    check_dense_fm(33, 0, 4, r);
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------
// ReLU selects

Test(kernels, relu_mask_and_backward_match_definition)
{
    // [y > 0] as a select: g where y > 0, else +0 (a literal g * 0 would give -0 for negative g and NaN
    // for infinite g; the kernels select). Bitwise, so the sign of zero and NaN payloads count.
    enum { N = 1031 };
    gsl_rng *r = make_rng(12345);
    float g[N], y[N], dx[N], mask[N], back[N];
    fill_uniform(g, N, r, -2.0, 2.0);
    fill_uniform(y, N, r, -1.0, 1.0);
    fill_uniform(dx, N, r, -1.0, 1.0);
    const float special_y[] = {0.0f, -0.0f, NAN, -NAN, INFINITY, -INFINITY, 1e-45f, -1e-45f};
    for (size_t i = 0; i < N; i += 7)
        y[i] = special_y[(i / 7) % 8];
    g[5] = NAN, g[6] = -0.0f, g[100] = INFINITY, g[101] = -INFINITY;
    dx[10] = -0.0f, dx[11] = 0.0f;
    memcpy(mask, g, sizeof mask);
    nn_relu_mask(mask, y, N);
    memcpy(back, dx, sizeof back);
    nn_relu_backward(back, g, y, N);
    for (size_t i = 0; i < N; i++) {
        const float sel = y[i] > 0.0f ? g[i] : 0.0f;
        const float acc = dx[i] + sel;
        cr_assert(bits(mask[i]) == bits(sel), "mask[%zu] (g %.9g, y %.9g) = %.9g, expected %.9g", i, g[i],
                  y[i], mask[i], sel);
        cr_assert(bits(back[i]) == bits(acc),
                  "backward[%zu] (dx %.9g, dy %.9g, y %.9g) = %.9g, expected %.9g", i, dx[i], g[i], y[i],
                  back[i], acc);
        if (!(y[i] > 0.0f))
            cr_assert(mask[i] == 0.0f, "mask at y = %g gives %.9g", y[i], mask[i]);
    }
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------
// autoencoder: the per-message encoder shortcut

// A created model for cfg, initialised from a taus2 generator seeded with seed.
static ae_model *make_model(const ae_cfg *cfg, unsigned long seed)
{
    ae_model *ae = ae_create(cfg);
    cr_assert(ae, "ae_create: %s", ae_err_message());
    gsl_rng *r = make_rng(seed);
    ae_init(ae, r);
    gsl_rng_free(r);
    return ae;
}

// Encoder forward and backward of B random messages on a default workspace and a plain one; x within
// 1e-6 absolute and gradients within 1e-5 (1 + |g|), or bitwise equal if exact != 0.
static void check_shortcut(const ae_cfg *cfg, size_t B, int exact, const char *what)
{
    ae_model *ae = make_model(cfg, 12345);
    const size_t n = cfg->n, P = ae->n_params;
    ae_ws *fast = ae_ws_create(ae, 500), *plain = ae_ws_create(ae, 500);
    cr_assert(fast && plain);
    ae_ws_set_plain(plain, 1);
    gsl_rng *r = make_rng(12345);
    uint32_t *msg = xmalloc(B * sizeof *msg);
    float *xf = xmalloc(B * n * sizeof *xf), *xp = xmalloc(B * n * sizeof *xp),
          *dx = xmalloc(B * n * sizeof *dx);
    float *gf = calloc(P, sizeof *gf), *gp = calloc(P, sizeof *gp);
    cr_assert(gf && gp);
    for (size_t i = 0; i < B; i++)
        msg[i] = (uint32_t)gsl_rng_uniform_int(r, ae->M);
    for (size_t i = 0; i < B * n; i++)
        dx[i] = (float)gsl_ran_gaussian(r, 1.0);
    cr_assert_eq(ae_tx_forward(ae, fast, msg, xf, B), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ae_tx_forward(ae, plain, msg, xp, B), AE_OK, "%s", ae_err_message());
    // x: per-row float work in both, only the sgemm blocking of the hidden layers differs with the row
    // count; |x| <= sqrt(n) ~ 2.6, so a few roundings stay near 1e-6 at most
    for (size_t i = 0; i < B * n; i++) {
        if (exact)
            cr_assert(bits(xf[i]) == bits(xp[i]), "%s: x[%zu] = %.9g, plain %.9g", what, i, xf[i], xp[i]);
        else
            cr_assert(fabs(xf[i] - xp[i]) <= 1e-6, "%s: x[%zu] = %.9g, plain %.9g", what, i, xf[i], xp[i]);
    }
    cr_assert_eq(ae_tx_backward_into(ae, fast, gf, dx, B), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ae_tx_backward_into(ae, plain, gp, dx, B), AE_OK, "%s", ae_err_message());
    // gradients: sums of B float terms in different orders (per message first, or all rows through
    // the layers); the terms are O(1), so the rounding is ~sqrt(B) 2^-24 |term| ~ 1e-6: 1e-5 (1 + |g|)
    double max_diff = 0.0;
    int nonzero = 0;
    for (size_t i = 0; i < P; i++) {
        const double d = fabs(gf[i] - gp[i]);
        max_diff = fmax(max_diff, d);
        nonzero |= gp[i] != 0.0f;
        if (exact)
            cr_assert(bits(gf[i]) == bits(gp[i]), "%s: grad[%zu] = %.9g, plain %.9g", what, i, gf[i], gp[i]);
        else
            cr_assert(d <= 1e-5 * (1.0 + fabs(gp[i])), "%s: grad[%zu] = %.9g, plain %.9g", what, i, gf[i],
                      gp[i]);
    }
    cr_assert(nonzero, "%s: the gradient is all zero (a check that cannot fail)", what);
    cr_log_info("encoder shortcut %s: max gradient difference %.3g", what, max_diff);
    free(msg), free(xf), free(xp), free(dx), free(gf), free(gp);
    gsl_rng_free(r);
    ae_ws_destroy(fast);
    ae_ws_destroy(plain);
    ae_destroy(ae);
}

Test(kernels, encoder_shortcut_matches_plain)
{
    ae_cfg c;
    ae_cfg_default(&c, 4, 7);
    check_shortcut(&c, 500, 0, "(7,4)");
    // deeper encoder and decoder: hidden layers through sgemm on both paths
    ae_cfg_default(&c, 3, 5);
    c.n_tx_hidden = 2, c.tx_hidden[0] = 16, c.tx_hidden[1] = 8;
    c.n_rx_hidden = 2, c.rx_hidden[0] = 8, c.rx_hidden[1] = 16;
    check_shortcut(&c, 500, 0, "(5,3) deep");
    // B < M: the shortcut is not taken, so both workspaces run the same code
    ae_cfg_default(&c, 6, 7);
    check_shortcut(&c, 10, 1, "(7,6) B = 10 < M");
    // the power constraint couples the blocks of a batch: never the shortcut
    ae_cfg_default(&c, 4, 7);
    c.norm = AE_NORM_POWER;
    check_shortcut(&c, 500, 1, "(7,4) power");
}

// ---------------------------------------------------------------------------------------------
// autoencoder: the feature-major evaluation receiver

// Decisions of the txrx receiver (feature-major decoder, column argmax) against ae_rx_forward and
// nn_argmax_rows on B noisy codewords.
static void check_receive(const ae_cfg *cfg, const char *what)
{
    enum { B = 2000 };
    const double sigma = 0.5;
    ae_model *ae = make_model(cfg, 12345);
    const size_t n = cfg->n, M = ae->M;
    cr_assert_eq(ae_eval_prepare(ae), AE_OK);
    txrx *t = ae_txrx_create(ae);
    cr_assert(t, "%s", ae_err_message());
    void *tws = t->vt->ws_create(t->st, B);
    ae_ws *ws = ae_ws_create(ae, B);
    cr_assert(tws && ws);
    gsl_rng *r = make_rng(12345);
    uint32_t *msg = xmalloc(B * sizeof *msg), *hat = xmalloc(B * sizeof *hat),
             *ref = xmalloc(B * sizeof *ref);
    float *y = xmalloc(B * n * sizeof *y);
    for (size_t i = 0; i < B; i++) {
        msg[i] = (uint32_t)gsl_rng_uniform_int(r, M);
        for (size_t j = 0; j < n; j++)
            y[i * n + j] = ae->codebook[msg[i] * n + j] + (float)gsl_ran_gaussian(r, sigma);
    }
    const txrx_noise noise = {.sigma2 = sigma * sigma, .sigma2_sym = NULL};
    uint64_t *hat_bits = xmalloc(B * sizeof *hat_bits); // k <= 8: one word per block
    cr_assert_eq(t->vt->receive(t->st, tws, y, &noise, hat_bits, B), AE_OK, "%s", ae_err_message());
    for (size_t i = 0; i < B; i++) {
        cr_assert_not(txrx_tail_dirty(hat_bits + i, cfg->k), "%s: block %zu", what, i);
        hat[i] = txrx_index(hat_bits + i, cfg->k);
    }
    free(hat_bits);
    const float *logits = ae_rx_forward(ae, ws, y, B);
    cr_assert(logits, "%s", ae_err_message());
    nn_argmax_rows(ref, logits, B, M);
    // The two paths compute the same logits in different float orders (~1e-6 apart): a decision may
    // differ only where the top two logits are within that of each other. Count such near-ties (gap
    // <= 1e-4, a hundred times the rounding) and require every other decision to agree.
    size_t near = 0, differ = 0, correct = 0;
    for (size_t i = 0; i < B; i++) {
        const float *z = logits + i * M;
        float top = -INFINITY, second = -INFINITY;
        for (size_t j = 0; j < M; j++) {
            if (z[j] > top)
                second = top, top = z[j];
            else if (z[j] > second)
                second = z[j];
        }
        const int tie = M > 1 && top - second <= 1e-4f;
        near += tie;
        differ += hat[i] != ref[i];
        correct += ref[i] == msg[i];
        cr_assert(hat[i] < M, "%s: block %zu decided %u >= M", what, i, hat[i]);
        if (!tie)
            cr_assert_eq(hat[i], ref[i], "%s: block %zu: receive %u, rows %u (gap %.3g)", what, i, hat[i],
                         ref[i], top - second);
    }
    cr_log_info("%s receive: %zu near-ties, %zu differing decisions, %zu of %d correct", what, near, differ,
                correct, B);
    cr_assert(near < B / 100, "%s: %zu near-ties in %d blocks (expected < 1 %%)", what, near, B);
    free(msg), free(hat), free(ref), free(y);
    gsl_rng_free(r);
    ae_ws_destroy(ws);
    t->vt->ws_destroy(tws);
    txrx_destroy(t);
    ae_destroy(ae);
}

Test(kernels, eval_receive_matches_rows)
{
    ae_cfg c;
    ae_cfg_default(&c, 4, 7);
    check_receive(&c, "(7,4)");
    ae_cfg_default(&c, 3, 5);
    c.n_tx_hidden = 2, c.tx_hidden[0] = 16, c.tx_hidden[1] = 8;
    c.n_rx_hidden = 3, c.rx_hidden[0] = 8, c.rx_hidden[1] = 16, c.rx_hidden[2] = 12;
    check_receive(&c, "(5,3) deep");
    ae_cfg_default(&c, 8, 8);
    check_receive(&c, "(8,8)");
}

// ---------------------------------------------------------------------------------------------
// training: thread invariance

Test(kernels, train_pieces_table)
{
    const size_t batch[8] = {1, 255, 256, 511, 512, 1000, 4096, 1000000};
    const size_t want[8] = {1, 1, 2, 2, 4, 4, 16, 16};
    for (int i = 0; i < 8; i++)
        cr_assert_eq(sim_train_pieces(batch[i]), want[i], "sim_train_pieces(%zu) = %zu, expected %zu",
                     batch[i], sim_train_pieces(batch[i]), want[i]);
}

Test(kernels, training_same_for_1_and_2_threads, .timeout = 60)
{
    sim_blas_single_thread();
    ae_cfg c;
    ae_cfg_default(&c, 4, 7);
    sim_train_cfg tc;
    sim_train_cfg_default(&tc);
    tc.steps = 200;
    tc.batch = 1000; // 4 pieces
    tc.log_every = 100;
    tc.checkpoint_every = 0;
    tc.ebno_db = 7.0;
    cr_assert_eq(sim_train_pieces(tc.batch), 4);
    ae_model *a[2];
    for (int i = 0; i < 2; i++) {
        a[i] = ae_create(&c);
        cr_assert(a[i], "%s", ae_err_message());
        tc.threads = i + 1;
        cr_assert_eq(sim_train_ae(a[i], &tc, NULL, NULL, NULL, NULL), AE_OK, "%s", ae_err_message());
    }
    const size_t bytes = a[0]->n_params * sizeof(float);
    cr_assert_eq(a[0]->adam_step, 200);
    cr_assert_eq(a[1]->adam_step, 200);
    cr_assert(memcmp(a[0]->params, a[1]->params, bytes) == 0, "parameters differ between 1 and 2 threads");
    cr_assert(memcmp(a[0]->adam_m, a[1]->adam_m, bytes) == 0, "Adam m differs between 1 and 2 threads");
    cr_assert(memcmp(a[0]->adam_v, a[1]->adam_v, bytes) == 0, "Adam v differs between 1 and 2 threads");
    // and training moved the parameters (the comparison is of trained models)
    int moved = 0;
    for (size_t i = 0; i < a[0]->n_params; i++)
        moved += a[0]->adam_m[i] != 0.0f;
    cr_assert(moved > (int)(a[0]->n_params / 2), "only %d of %zu Adam moments nonzero", moved,
              a[0]->n_params);
    ae_destroy(a[0]);
    ae_destroy(a[1]);
}
