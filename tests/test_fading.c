// test_fading.c - fading channels: statistics of the gains, the forward model, gradients, equalisation.
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "ae_err.h"
#include "fading.h"
#include "rng.h"

// L = sum(dout . f(x)) with dout = sin(1.7 i + 0.3): central differences of L against the analytic
// gradient of one of the two linear maps below (exact in float up to rounding, so tight tolerances).
enum { FB = 3, FS = 4, FN = FB * FS * 2 };

static double loss_apply(const float *x, const float *h, const float *dout)
{
    float y[FN];
    ch_fading_apply(y, x, h, FB, FS);
    double L = 0;
    for (int i = 0; i < FN; i++)
        L += (double)dout[i] * y[i];
    return L;
}

static double loss_equalize(const float *y, const float *h, const float *dout)
{
    float q[FN];
    ch_fading_equalize(q, NULL, y, h, 1.0, FB, FS);
    double L = 0;
    for (int i = 0; i < FN; i++)
        L += (double)dout[i] * q[i];
    return L;
}

static void fill(float *a, int n, double scale, double phase)
{
    for (int i = 0; i < n; i++)
        a[i] = (float)(scale * sin(1.7 * i + phase));
}

Test(fading, apply_gradient_matches_finite_differences)
{
    float x[FN], h[FN], dout[FN], dx[FN] = {0};
    fill(x, FN, 1.0, 0.1);
    fill(h, FN, 0.9, 0.7);
    fill(dout, FN, 1.0, 0.3);
    ch_fading_apply_backward(dx, dout, h, FB, FS);
    double maxg = 0;
    for (int i = 0; i < FN; i++) {
        float save = x[i];
        x[i] = save + 1e-2f;
        double lp = loss_apply(x, h, dout);
        x[i] = save - 1e-2f;
        double lm = loss_apply(x, h, dout);
        x[i] = save;
        double fd = (lp - lm) / 2e-2;
        cr_assert(fabs(fd - dx[i]) < 1e-3 * (1.0 + fabs(fd)), "dx[%d] = %g, finite difference %g", i, dx[i],
                  fd);
        maxg = fmax(maxg, fabs(dx[i]));
    }
    cr_assert(maxg > 0.1);
}

Test(fading, equalize_gradient_matches_finite_differences)
{
    float y[FN], h[FN], dout[FN], dy[FN] = {0};
    fill(y, FN, 1.0, 0.2);
    fill(h, FN, 0.8, 0.9);
    // keep |h| away from 0 so the map is smooth
    for (int i = 0; i < FN; i += 2)
        h[i] += h[i] >= 0 ? 0.5f : -0.5f;
    fill(dout, FN, 1.0, 0.4);
    ch_fading_equalize_backward(dy, dout, h, FB, FS);
    double maxg = 0;
    for (int i = 0; i < FN; i++) {
        float save = y[i];
        y[i] = save + 1e-2f;
        double lp = loss_equalize(y, h, dout);
        y[i] = save - 1e-2f;
        double lm = loss_equalize(y, h, dout);
        y[i] = save;
        double fd = (lp - lm) / 2e-2;
        cr_assert(fabs(fd - dy[i]) < 1e-3 * (1.0 + fabs(fd)), "dy[%d] = %g, finite difference %g", i, dy[i],
                  fd);
        maxg = fmax(maxg, fabs(dy[i]));
    }
    cr_assert(maxg > 0.1);
}

Test(fading, equalize_inverts_apply_and_scales_the_noise)
{
    float x[FN], h[FN], y[FN], q[FN], s2[FB * FS];
    fill(x, FN, 1.0, 0.5);
    fill(h, FN, 0.7, 1.1);
    for (int i = 0; i < FN; i += 2)
        h[i] += 0.5f;
    ch_fading_apply(y, x, h, FB, FS);
    ch_fading_equalize(q, s2, y, h, 0.25, FB, FS);
    for (int i = 0; i < FN; i++)
        cr_assert(fabsf(q[i] - x[i]) < 1e-5f, "%d: %g vs %g", i, q[i], x[i]);
    for (int i = 0; i < FB * FS; i++) {
        double g = (double)h[2 * i] * h[2 * i] + (double)h[2 * i + 1] * h[2 * i + 1];
        cr_assert(fabs(s2[i] - 0.25 / g) < 1e-6 * (0.25 / g));
    }
}

// Rician gains: E|h|^2 = 1, E h = sqrt(K/(K+1)) (LOS at phase 0), and the coherence length holds.
static void check_gain_statistics(double K)
{
    enum { N = 400000 };
    ch_fading_cfg c = {K, 1};
    float *h = malloc(2 * N * sizeof *h);
    gsl_rng *r = sim_rng_alloc();
    sim_rng_seed(r, 99);
    ch_fading_draw(&c, r, h, N, 1);
    double p = 0, mr = 0, mi = 0, p2 = 0;
    for (size_t i = 0; i < N; i++) {
        double g = (double)h[2 * i] * h[2 * i] + (double)h[2 * i + 1] * h[2 * i + 1];
        p += g;
        p2 += g * g;
        mr += h[2 * i];
        mi += h[2 * i + 1];
    }
    p /= N;
    mr /= N;
    mi /= N;
    double var_p = p2 / N - p * p;
    cr_assert(fabs(p - 1.0) < 5.0 * sqrt(var_p / N), "K = %g: E|h|^2 = %g", K, p);
    double sd = sqrt(0.5 / (K + 1.0) / N);
    cr_assert(fabs(mr - sqrt(K / (K + 1.0))) < 5.0 * sd, "K = %g: E Re h = %g", K, mr);
    cr_assert(fabs(mi) < 5.0 * sd);
    // Rayleigh: |h|^2 is exponential with variance 1; Rician: (2K+1)/(K+1)^2 (Simon & Alouini eq. 2.17)
    double want = (2.0 * K + 1.0) / ((K + 1.0) * (K + 1.0));
    cr_assert(fabs(var_p - want) < 0.02 * want + 0.01, "K = %g: var |h|^2 = %g, want %g", K, var_p, want);
    gsl_rng_free(r);
    free(h);
}

Test(fading, rayleigh_and_rician_gain_statistics)
{
    check_gain_statistics(0.0);
    check_gain_statistics(3.0);
    check_gain_statistics(10.0);
}

Test(fading, coherence_holds_gains_within_a_block_and_never_across)
{
    ch_fading_cfg c = {0.0, 3};
    float h[2 * 2 * 5];
    gsl_rng *r = sim_rng_alloc();
    sim_rng_seed(r, 5);
    ch_fading_draw(&c, r, h, 2, 5); // 2 blocks of 5 symbols: realisations at symbols 0 and 3 of each
    for (int b = 0; b < 2; b++)
        for (int j = 0; j < 5; j++) {
            int i = 5 * b + j, first = 5 * b + j - j % 3;
            cr_assert(h[2 * i] == h[2 * first] && h[2 * i + 1] == h[2 * first + 1]);
        }
    cr_assert(h[0] != h[6] && h[6] != h[10] && h[10] != h[16]);
    // a coherence longer than the block is block fading: one gain per block, a new one per block
    ch_fading_cfg blockwise = {0.0, 100};
    sim_rng_seed(r, 5);
    ch_fading_draw(&blockwise, r, h, 2, 5);
    for (int j = 1; j < 5; j++)
        cr_assert(h[2 * j] == h[0] && h[2 * (5 + j)] == h[10]);
    cr_assert(h[0] != h[10]);
    gsl_rng_free(r);
    ch_fading_cfg bad = {-1.0, 1};
    cr_assert_eq(ch_fading_cfg_validate(&bad), AE_EINVAL);
    ch_fading_cfg bad2 = {0.0, 0};
    cr_assert_eq(ch_fading_cfg_validate(&bad2), AE_EINVAL);
}
