// test_multipath.c - tapped delay lines: parsing, tap statistics, convolution, its adjoint, the frequency
// response.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include <criterion/criterion.h>

#include "ae_err.h"
#include "multipath.h"
#include "rng.h"

static const double PI = 3.14159265358979323846;

// deterministic, irregular test signals: scale * sin(1.7 i + phase)
static void fill(float *a, size_t n, double scale, double phase)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(scale * sin(1.7 * (double)i + phase));
}

// cfg filled with a recognisable pattern, to see that failed parses leave it alone
static void poison(ch_mp_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->kind = 77;
    c->n_taps = 99;
}

// ------------------------------------------------------------------------------------------------
// parsing

Test(multipath, parse_taps_reads_real_and_imaginary_taps)
{
    ch_mp_cfg c;
    poison(&c);
    cr_assert_eq(ch_mp_parse_taps("0.8,0,0,0.6j", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.kind, CH_MP_FIXED);
    cr_assert_eq(c.n_taps, 4);
    const float want[8] = {0.8f, 0, 0, 0, 0, 0, 0, 0.6f};
    for (int i = 0; i < 8; i++)
        cr_assert_eq(c.taps[i], want[i], "taps[%d] = %g, expected %g", i, c.taps[i], want[i]);
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_OK, "%s", ae_err_message());
}

Test(multipath, parse_taps_reads_complex_forms_and_spaces)
{
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_taps("0.3-0.2j", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, 1);
    cr_assert_eq(c.taps[0], 0.3f);
    cr_assert_eq(c.taps[1], -0.2f);

    const char *text = " 0.8 , 0.3+0.2j,-0.1+0.05j ,\t-0.6j, j , -j, 1-j, -0.1, 1e-3-2.5e-1j ";
    const float want[] = {0.8f, 0, 0.3f, 0.2f, -0.1f, 0.05f, 0, -0.6f, 0,
                          1,    0, -1,   1,    -1,    -0.1f, 0, 1e-3f, -0.25f};
    size_t L = sizeof want / sizeof want[0] / 2;
    cr_assert_eq(ch_mp_parse_taps(text, &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, L);
    for (size_t i = 0; i < 2 * L; i++)
        cr_assert_eq(c.taps[i], want[i], "taps[%zu] = %g, expected %g", i, c.taps[i], want[i]);
}

Test(multipath, parse_taps_accepts_exactly_the_maximum)
{
    char text[8 * CH_MP_MAX_TAPS + 8] = "1";
    size_t len = 1;
    for (int i = 1; i < CH_MP_MAX_TAPS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, ",0.5j");
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_taps(text, &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, CH_MP_MAX_TAPS);
    cr_assert_eq(c.taps[2 * CH_MP_MAX_TAPS - 1], 0.5f);
    snprintf(text + len, sizeof text - len, ",1");
    poison(&c);
    cr_assert_eq(ch_mp_parse_taps(text, &c), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "more than 64"), "message: %s", ae_err_message());
    cr_assert_eq(c.kind, 77, "a failed parse changed cfg");
}

Test(multipath, parse_taps_rejects_malformed_elements_by_name)
{
    // each bad list, and a piece of the message that names the bad element
    static const struct {
        const char *text, *names;
    } bad[] = {
        {"1,,2", "element 2"},
        {"1,abc", "\"abc\""},
        {"0.5,nan", "\"nan\""},
        {"inf", "\"inf\""},
        {"1e400", "\"1e400\""},
        {"0.5,1e39j", "\"1e39j\""},
        {"0.3+-0.2j", "\"0.3+-0.2j\""},
        {"0.3 + 0.2j", "0.3 + 0.2j"},
        {"0.3-0.2", "\"0.3-0.2\""},
        {"1,2,", "element 3"},
        {"", "empty"},
        {"   ", "empty"},
        {"0.5jj", "\"0.5jj\""},
        {"1, 0.2k", "\"0.2k\""},
        {"1-", "\"1-\""},
        {"nanj", "\"nanj\""},
        {"1+infj", "\"1+infj\""},
        {",1", "element 1"},
        {"0.3e-j", "\"0.3e-j\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ch_mp_cfg c;
        poison(&c);
        ae_err_clear();
        cr_assert_eq(ch_mp_parse_taps(bad[i].text, &c), AE_EINVAL, "\"%s\" was accepted", bad[i].text);
        cr_assert(strstr(ae_err_message(), bad[i].names), "\"%s\": message \"%s\" does not name %s",
                  bad[i].text, ae_err_message(), bad[i].names);
        cr_assert_eq(c.kind, 77, "a failed parse of \"%s\" changed cfg", bad[i].text);
    }
}

Test(multipath, parse_pdp_exponential_profile)
{
    ch_mp_cfg c;
    poison(&c);
    cr_assert_eq(ch_mp_parse_pdp("exp:4:3", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.kind, CH_MP_PDP);
    cr_assert_eq(c.n_taps, 4);
    double w[4] = {1, pow(10, -0.3), pow(10, -0.6), pow(10, -0.9)}, s = w[0] + w[1] + w[2] + w[3], sum = 0;
    for (int l = 0; l < 4; l++) {
        cr_assert(fabs(c.pdp[l] - w[l] / s) < 1e-12, "pdp[%d] = %.15g, expected %.15g", l, c.pdp[l],
                  w[l] / s);
        sum += c.pdp[l];
    }
    cr_assert(fabs(sum - 1) < 1e-12);
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_OK, "%s", ae_err_message());

    // no decay: a uniform profile; one tap: flat Rayleigh
    cr_assert_eq(ch_mp_parse_pdp(" exp:5:0 ", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, 5);
    for (int l = 0; l < 5; l++)
        cr_assert(fabs(c.pdp[l] - 0.2) < 1e-15);
    cr_assert_eq(ch_mp_parse_pdp("exp:1:10", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, 1);
    cr_assert_eq(c.pdp[0], 1.0);
    cr_assert_eq(ch_mp_parse_pdp("exp:64:1.5", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, 64);
}

Test(multipath, parse_pdp_list_is_normalised)
{
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_pdp("1,0.5,0.25", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.kind, CH_MP_PDP);
    cr_assert_eq(c.n_taps, 3);
    const double want[3] = {1 / 1.75, 0.5 / 1.75, 0.25 / 1.75};
    for (int l = 0; l < 3; l++)
        cr_assert(fabs(c.pdp[l] - want[l]) < 1e-15, "pdp[%d] = %.17g", l, c.pdp[l]);
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_OK, "%s", ae_err_message());

    cr_assert_eq(ch_mp_parse_pdp(" 2 , 0,2 ", &c), AE_OK, "%s", ae_err_message());
    cr_assert_eq(c.n_taps, 3);
    cr_assert_eq(c.pdp[0], 0.5);
    cr_assert_eq(c.pdp[1], 0.0);
    cr_assert_eq(c.pdp[2], 0.5);
}

Test(multipath, parse_pdp_rejects_bad_profiles)
{
    static const struct {
        const char *text, *names;
    } bad[] = {
        {"exp:0:3", "TAPS"},
        {"exp:65:3", "TAPS"},
        {"exp:-4:3", "TAPS"},
        {"exp:x:3", "TAPS"},
        {"exp:4", "TAPS"},
        {"exp:4:-1", "DECAY"},
        {"exp:4:inf", "DECAY"},
        {"exp:4:nan", "DECAY"},
        {"exp:4:", "DECAY"},
        {"exp:4:3dB", "DECAY"},
        {"exp:4:3:1", "DECAY"},
        {"0,0", "sum"},
        {"1,-0.5", "\"-0.5\""},
        {"1,,2", "element 2"},
        {"1,0.5j", "\"0.5j\""},
        {"", "empty"},
        {"1,inf", "\"inf\""},
        {"1e308,1e308", "sum"},
        {"exponential", "\"exponential\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ch_mp_cfg c;
        poison(&c);
        ae_err_clear();
        cr_assert_eq(ch_mp_parse_pdp(bad[i].text, &c), AE_EINVAL, "\"%s\" was accepted", bad[i].text);
        cr_assert(strstr(ae_err_message(), bad[i].names), "\"%s\": message \"%s\" does not name %s",
                  bad[i].text, ae_err_message(), bad[i].names);
        cr_assert_eq(c.kind, 77, "a failed parse of \"%s\" changed cfg", bad[i].text);
    }
    // more than the maximum number of powers
    char text[4 * CH_MP_MAX_TAPS + 8] = "1";
    size_t len = 1;
    for (int i = 0; i < CH_MP_MAX_TAPS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, ",1");
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_pdp(text, &c), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "more than 64"), "message: %s", ae_err_message());
}

Test(multipath, validate_rejects_out_of_range_configs)
{
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_taps("1,0.5j", &c), AE_OK);
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_OK, "%s", ae_err_message());
    c.n_taps = 0;
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);
    c.n_taps = CH_MP_MAX_TAPS + 1;
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);
    c.n_taps = 2;
    c.taps[3] = NAN;
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);
    c.taps[3] = 0.5f;
    c.kind = 2;
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);

    cr_assert_eq(ch_mp_parse_pdp("1,1", &c), AE_OK);
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_OK, "%s", ae_err_message());
    c.pdp[1] = 0.5 + 2e-9; // sum off by 2e-9
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);
    c.pdp[0] = 1.5;
    c.pdp[1] = -0.5; // sums to 1 but has a negative power
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);
    c.pdp[0] = NAN;
    c.pdp[1] = 0.5;
    cr_assert_eq(ch_mp_cfg_validate(&c), AE_EINVAL);
}

// ------------------------------------------------------------------------------------------------
// realisations

Test(multipath, pdp_draws_have_the_profile_and_are_uncorrelated)
{
    enum { L = 4, N = 200000 };
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_pdp("exp:4:3", &c), AE_OK);
    gsl_rng *r = sim_rng_alloc();
    cr_assert_not_null(r);
    sim_rng_seed(r, 2024);
    double mean[L][2] = {{0}}, pow_l[L] = {0}, total = 0, total2 = 0;
    double cov[L][L][2] = {{{0}}};    // E h_l conj(h_m), l < m
    double pseudo[L][L][2] = {{{0}}}; // E h_l h_m, all l <= m (circular symmetry makes these 0)
    float h[2 * L];
    for (int i = 0; i < N; i++) {
        ch_mp_draw(&c, r, h);
        double e = 0;
        for (int l = 0; l < L; l++) {
            double ar = h[2 * l], ai = h[2 * l + 1];
            mean[l][0] += ar;
            mean[l][1] += ai;
            pow_l[l] += ar * ar + ai * ai;
            e += ar * ar + ai * ai;
            for (int m = l; m < L; m++) {
                double br = h[2 * m], bi = h[2 * m + 1];
                cov[l][m][0] += ar * br + ai * bi;
                cov[l][m][1] += ai * br - ar * bi;
                pseudo[l][m][0] += ar * br - ai * bi;
                pseudo[l][m][1] += ar * bi + ai * br;
            }
        }
        total += e;
        total2 += e * e;
    }
    gsl_rng_free(r);
    double sump2 = 0;
    for (int l = 0; l < L; l++) {
        double p = c.pdp[l];
        sump2 += p * p;
        // |h_l|^2 is exponential with mean p and standard deviation p
        double got = pow_l[l] / N, sd = p / sqrt((double)N);
        cr_assert(fabs(got - p) < 5 * sd, "E|h_%d|^2 = %g, expected %g (5 sigma = %g)", l, got, p, 5 * sd);
        // each real dimension has variance p/2
        double sdm = sqrt(p / 2 / N);
        for (int d = 0; d < 2; d++)
            cr_assert(fabs(mean[l][d] / N) < 5 * sdm, "E h_%d[%d] = %g (5 sigma = %g)", l, d, mean[l][d] / N,
                      5 * sdm);
        for (int m = l; m < L; m++) {
            // the real and imaginary parts of a product of independent (or circular) terms have
            // variance p_l p_m / 2
            double sdx = sqrt(p * c.pdp[m] / 2 / N);
            for (int d = 0; d < 2; d++) {
                if (m > l)
                    cr_assert(fabs(cov[l][m][d] / N) < 5 * sdx, "E h_%d conj(h_%d) [%d] = %g (5 sigma = %g)",
                              l, m, d, cov[l][m][d] / N, 5 * sdx);
                double sdp = m == l ? sqrt(p * p / N) : sdx; // h_l^2 has real/imag variance p^2
                cr_assert(fabs(pseudo[l][m][d] / N) < 5 * sdp, "E h_%d h_%d [%d] = %g (5 sigma = %g)", l, m,
                          d, pseudo[l][m][d] / N, 5 * sdp);
            }
        }
    }
    // sum_l |h_l|^2 has mean 1 and variance sum_l pdp[l]^2
    double got = total / N, sd = sqrt(sump2 / N);
    cr_assert(fabs(got - 1) < 5 * sd, "E sum |h_l|^2 = %g (5 sigma = %g)", got, 5 * sd);
    double var = total2 / N - got * got;
    cr_assert(fabs(var - sump2) < 0.05 * sump2, "Var sum |h_l|^2 = %g, expected %g", var, sump2);
}

Test(multipath, pdp_draw_uses_two_ziggurat_gaussians_per_tap_in_order)
{
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_pdp("1,0,0.5,0.25", &c), AE_OK);
    gsl_rng *r = sim_rng_alloc(), *q = sim_rng_alloc();
    sim_rng_seed(r, 7);
    sim_rng_seed(q, 7);
    float h[8];
    for (int rep = 0; rep < 3; rep++) {
        ch_mp_draw(&c, r, h);
        for (int l = 0; l < 4; l++) {
            double sd = sqrt(c.pdp[l] / 2);
            float re = (float)gsl_ran_gaussian_ziggurat(q, sd), im = (float)gsl_ran_gaussian_ziggurat(q, sd);
            cr_assert_eq(h[2 * l], re, "draw %d tap %d re = %g, expected %g", rep, l, h[2 * l], re);
            cr_assert_eq(h[2 * l + 1], im, "draw %d tap %d im = %g, expected %g", rep, l, h[2 * l + 1], im);
        }
    }
    // the zero-power tap is exactly zero
    cr_assert_eq(h[2], 0.0f);
    cr_assert_eq(h[3], 0.0f);
    gsl_rng_free(r);
    gsl_rng_free(q);
}

Test(multipath, fixed_draw_copies_the_taps)
{
    ch_mp_cfg c;
    cr_assert_eq(ch_mp_parse_taps("0.8,0.3-0.2j,0,-0.6j", &c), AE_OK);
    gsl_rng *r = sim_rng_alloc();
    sim_rng_seed(r, 3);
    float h[10];
    for (int i = 0; i < 10; i++)
        h[i] = 42.0f;
    for (int rep = 0; rep < 2; rep++) {
        ch_mp_draw(&c, r, h);
        for (int i = 0; i < 8; i++)
            cr_assert_eq(h[i], c.taps[i], "draw %d: h[%d] = %g, expected the fixed tap %g", rep, i, h[i],
                         c.taps[i]);
    }
    cr_assert_eq(h[8], 42.0f, "wrote past n_taps");
    gsl_rng_free(r);
}

// ------------------------------------------------------------------------------------------------
// the channel

// y[t] = sum_l h[l] x[t - l] in double
static void naive_conv(double *y, const float *x, size_t n, const float *h, size_t L)
{
    for (size_t t = 0; t < n; t++) {
        double ar = 0, ai = 0;
        for (size_t l = 0; l < L && l <= t; l++) {
            ar += (double)h[2 * l] * x[2 * (t - l)] - (double)h[2 * l + 1] * x[2 * (t - l) + 1];
            ai += (double)h[2 * l] * x[2 * (t - l) + 1] + (double)h[2 * l + 1] * x[2 * (t - l)];
        }
        y[2 * t] = ar;
        y[2 * t + 1] = ai;
    }
}

Test(multipath, apply_matches_a_naive_convolution)
{
    // a long block, and a block shorter than the channel
    static const size_t cases[][2] = {{50, 7}, {3, 7}, {1, 1}, {64, 64}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        size_t n = cases[ci][0], L = cases[ci][1];
        float x[2 * 64], h[2 * 64], y[2 * 64 + 2];
        double ref[2 * 64];
        gsl_rng *r = sim_rng_alloc();
        sim_rng_seed(r, 11 + ci);
        for (size_t i = 0; i < 2 * n; i++)
            x[i] = (float)gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < 2 * L; i++)
            h[i] = (float)gsl_ran_gaussian(r, sqrt(0.5 / (double)L));
        gsl_rng_free(r);
        y[2 * n] = y[2 * n + 1] = 42.0f;
        ch_mp_apply(y, x, n, h, L);
        naive_conv(ref, x, n, h, L);
        for (size_t i = 0; i < 2 * n; i++)
            cr_assert(fabs(y[i] - ref[i]) < 1e-5, "n = %zu, L = %zu: y[%zu] = %.9g, expected %.9g", n, L, i,
                      y[i], ref[i]);
        cr_assert_eq(y[2 * n], 42.0f, "wrote past n samples");
    }
}

Test(multipath, single_unit_tap_is_the_identity_and_a_delay_tap_shifts)
{
    enum { N = 9 };
    float x[2 * N], y[2 * N];
    fill(x, 2 * N, 1.0, 0.4);
    const float one[2] = {1, 0}, delay[4] = {0, 0, 1, 0};
    ch_mp_apply(y, x, N, one, 1);
    for (int i = 0; i < 2 * N; i++)
        cr_assert_eq(y[i], x[i], "a single tap [1] is not the identity: y[%d] = %g, x = %g", i, y[i], x[i]);
    for (int i = 0; i < 2 * N; i++)
        y[i] = 42.0f;
    ch_mp_apply(y, x, N, delay, 2);
    cr_assert_eq(y[0], 0.0f, "a delayed stream starts with zeros");
    cr_assert_eq(y[1], 0.0f, "a delayed stream starts with zeros");
    for (int t = 1; t < N; t++) {
        cr_assert_eq(y[2 * t], x[2 * (t - 1)], "y[%d] re", t);
        cr_assert_eq(y[2 * t + 1], x[2 * (t - 1) + 1], "y[%d] im", t);
    }
}

// <a, b> over interleaved floats in double: the real inner product Re sum conj(a) b
static double dot(const float *a, const float *b, size_t n2)
{
    double s = 0;
    for (size_t i = 0; i < n2; i++)
        s += (double)a[i] * b[i];
    return s;
}

Test(multipath, backward_is_the_adjoint_of_apply)
{
    static const size_t cases[][2] = {{40, 6}, {4, 6}, {17, 1}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        size_t n = cases[ci][0], L = cases[ci][1];
        float x[80], yv[80], h[12], ax[80], aty[80];
        fill(x, 2 * n, 1.0, 0.1);
        fill(yv, 2 * n, 0.7, 1.3);
        fill(h, 2 * L, 0.6, 0.8);
        ch_mp_apply(ax, x, n, h, L);
        // backward accumulates: start from ones and subtract them afterwards
        for (size_t i = 0; i < 2 * n; i++)
            aty[i] = 1.0f;
        ch_mp_apply_backward(aty, yv, n, h, L);
        for (size_t i = 0; i < 2 * n; i++)
            aty[i] -= 1.0f;
        double lhs = dot(ax, yv, 2 * n), rhs = dot(x, aty, 2 * n);
        cr_assert(fabs(lhs) > 0.1, "degenerate test: <Ax, y> = %g", lhs);
        cr_assert(fabs(lhs - rhs) < 1e-5 * fabs(lhs) + 1e-6,
                  "n = %zu, L = %zu: <Ax, y> = %.9g, <x, A*y> = %.9g", n, L, lhs, rhs);
    }
}

// L = sum(dout . apply(x)) in double
static double loss_apply(const float *x, size_t n, const float *h, size_t L, const float *dout)
{
    float y[64];
    ch_mp_apply(y, x, n, h, L);
    return dot(dout, y, 2 * n);
}

Test(multipath, backward_matches_finite_differences)
{
    enum { N = 12, L = 5 };
    float x[2 * N], h[2 * L], dout[2 * N], dx[2 * N] = {0};
    fill(x, 2 * N, 1.0, 0.2);
    fill(h, 2 * L, 0.8, 0.5);
    fill(dout, 2 * N, 1.0, 0.9);
    ch_mp_apply_backward(dx, dout, N, h, L);
    double maxg = 0;
    for (int i = 0; i < 2 * N; i++) {
        float save = x[i];
        x[i] = save + 1e-2f;
        double lp = loss_apply(x, N, h, L, dout);
        x[i] = save - 1e-2f;
        double lm = loss_apply(x, N, h, L, dout);
        x[i] = save;
        double fd = (lp - lm) / ((double)(save + 1e-2f) - (double)(save - 1e-2f));
        cr_assert(fabs(fd - dx[i]) < 1e-3 * (1.0 + fabs(fd)), "dx[%d] = %g, finite difference %g", i, dx[i],
                  fd);
        maxg = fmax(maxg, fabs((double)dx[i]));
    }
    cr_assert(maxg > 0.1, "degenerate test: max |dx| = %g", maxg);
}

// ------------------------------------------------------------------------------------------------
// frequency response

Test(multipath, freq_response_matches_a_naive_dft)
{
    // a short channel on a large grid, and one longer than its grid (aliasing in delay)
    static const size_t cases[][2] = {{5, 64}, {7, 3}, {1, 1}, {64, 128}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        size_t L = cases[ci][0], nfft = cases[ci][1];
        float h[2 * 64], H[2 * 128 + 2];
        fill(h, 2 * L, 0.5, 0.3 + (double)ci);
        H[2 * nfft] = 42.0f;
        ch_mp_freq_response(H, nfft, h, L);
        for (size_t k = 0; k < nfft; k++) {
            double ar = 0, ai = 0;
            for (size_t l = 0; l < L; l++) {
                double phi = -2 * PI * (double)k * (double)l / (double)nfft;
                ar += h[2 * l] * cos(phi) - h[2 * l + 1] * sin(phi);
                ai += h[2 * l] * sin(phi) + h[2 * l + 1] * cos(phi);
            }
            cr_assert(fabs(H[2 * k] - ar) < 1e-5 && fabs(H[2 * k + 1] - ai) < 1e-5,
                      "L = %zu, nfft = %zu: H[%zu] = (%.9g, %.9g), expected (%.9g, %.9g)", L, nfft, k,
                      H[2 * k], H[2 * k + 1], ar, ai);
        }
        cr_assert_eq(H[2 * nfft], 42.0f, "wrote past nfft");
    }
}

// unitary DFT of n complex doubles: X[k] = n^-1/2 sum x[t] exp(sign j 2 pi k t / n)
static void naive_dft(double *X, const double *x, size_t n, int sign)
{
    for (size_t k = 0; k < n; k++) {
        double ar = 0, ai = 0;
        for (size_t t = 0; t < n; t++) {
            double phi = sign * 2 * PI * (double)((k * t) % n) / (double)n, c = cos(phi), s = sin(phi);
            ar += x[2 * t] * c - x[2 * t + 1] * s;
            ai += x[2 * t] * s + x[2 * t + 1] * c;
        }
        X[2 * k] = ar / sqrt((double)n);
        X[2 * k + 1] = ai / sqrt((double)n);
    }
}

Test(multipath, cyclic_prefix_turns_the_channel_into_one_tap_per_subcarrier)
{
    enum { N = 16, L = 5, CP = 6 };
    float x[2 * N], h[2 * L], H[2 * N], xcp[2 * (N + CP)], ycp[2 * (N + CP)];
    fill(x, 2 * N, 1.0, 0.6);
    fill(h, 2 * L, 0.5, 1.1);
    // prepend the last CP samples, pass the channel, drop the first CP outputs: a circular convolution
    memcpy(xcp, x + 2 * (N - CP), 2 * CP * sizeof(float));
    memcpy(xcp + 2 * CP, x, 2 * N * sizeof(float));
    ch_mp_apply(ycp, xcp, N + CP, h, L);
    const float *y = ycp + 2 * CP;

    double xd[2 * N], X[2 * N], Y[2 * N], yd[2 * N];
    for (int i = 0; i < 2 * N; i++)
        xd[i] = x[i];
    naive_dft(X, xd, N, -1);
    ch_mp_freq_response(H, N, h, L);
    for (int k = 0; k < N; k++) {
        Y[2 * k] = H[2 * k] * X[2 * k] - H[2 * k + 1] * X[2 * k + 1];
        Y[2 * k + 1] = H[2 * k] * X[2 * k + 1] + H[2 * k + 1] * X[2 * k];
    }
    naive_dft(yd, Y, N, +1);
    double maxv = 0;
    for (int i = 0; i < 2 * N; i++) {
        cr_assert(fabs(y[i] - yd[i]) < 1e-4, "y[%d] = %.9g, IDFT(H X) = %.9g", i, y[i], yd[i]);
        maxv = fmax(maxv, fabs(yd[i]));
    }
    cr_assert(maxv > 0.1, "degenerate test");
}
