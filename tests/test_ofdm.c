// test_ofdm.c - OFDM: round trip, subcarrier layout, unitary scaling and CP, multipath as one tap per
// subcarrier, LS estimation, ZF/MMSE, gradients of every backward pass, and error provocation.
#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "ae_err.h"
#include "grad_check.h"
#include "ofdm.h"

// tolerances: float32 FFTs of size <= 128 with unit-scale data round to ~1e-6
#define RT_TOL  1e-5
#define CH_TOL  1e-4
#define EST_TOL 1e-5

static ch_ofdm_cfg mkcfg(size_t nfft, size_t cp, int null_dc, size_t gl, size_t gh, int pilots, size_t sp)
{
    ch_ofdm_cfg c = {.nfft = nfft,
                     .cp = cp,
                     .null_dc = null_dc,
                     .guard_low = gl,
                     .guard_high = gh,
                     .pilots = pilots,
                     .pilot_spacing = sp};
    return c;
}

// A spread of layouts: powers of two and not, odd N, CP 0 and CP = N, with and without DC null,
// guards and pilots.
static const ch_ofdm_cfg *layouts(size_t *n)
{
    static ch_ofdm_cfg c[7];
    c[0] = mkcfg(8, 0, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0);
    c[1] = mkcfg(16, 4, 1, 2, 1, CH_OFDM_PILOTS_COMB, 3);
    c[2] = mkcfg(64, 16, 1, 5, 4, CH_OFDM_PILOTS_COMB, 4);
    c[3] = mkcfg(128, 128, 0, 0, 0, CH_OFDM_PILOTS_COMB, 2);
    c[4] = mkcfg(12, 3, 1, 1, 1, CH_OFDM_PILOTS_COMB, 5);
    c[5] = mkcfg(15, 2, 1, 2, 2, CH_OFDM_PILOTS_COMB, 3);
    c[6] = mkcfg(32, 8, 1, 3, 3, CH_OFDM_PILOTS_NONE, 0);
    *n = sizeof c / sizeof c[0];
    return c;
}

typedef struct bench {
    ch_ofdm *o;
    ch_ofdm_ws *w;
    size_t N, L, nd, np, S;
} bench;

static bench bench_open(const ch_ofdm_cfg *c, size_t S, size_t max_symbols)
{
    bench b = {.S = S};
    b.o = ch_ofdm_create(c, max_symbols);
    cr_assert_not_null(b.o, "create(nfft %zu): %s", c->nfft, ae_err_message());
    b.w = ch_ofdm_ws_create(b.o);
    cr_assert_not_null(b.w, "ws_create: %s", ae_err_message());
    b.N = c->nfft;
    b.L = ch_ofdm_samples(b.o);
    b.nd = ch_ofdm_data_carriers(b.o);
    b.np = ch_ofdm_pilot_carriers(b.o);
    cr_assert_eq(b.L, c->nfft + c->cp);
    return b;
}

static void bench_close(bench *b)
{
    ch_ofdm_ws_destroy(b->w);
    ch_ofdm_destroy(b->o);
}

// The complex number (re, im) from an interleaved pair (CMPLX is missing from some libc/compiler pairs;
// the values here are finite, so re + im I is exact).
static double complex cpx(double re, double im)
{
    return re + im * I;
}

static float *fvec(size_t n)
{
    float *p = calloc(n, sizeof *p);
    cr_assert_not_null(p);
    return p;
}

static int is_pilot(const ch_ofdm *o, size_t k)
{
    for (size_t p = 0; p < ch_ofdm_pilot_carriers(o); p++)
        if (ch_ofdm_pilot_index(o, p) == k)
            return 1;
    return 0;
}

static int is_data(const ch_ofdm *o, size_t k)
{
    for (size_t d = 0; d < ch_ofdm_data_carriers(o); d++)
        if (ch_ofdm_data_index(o, d) == k)
            return 1;
    return 0;
}

// ------------------------------------------------------------------------------------------------
// layout

Test(ofdm, layout_follows_documented_placement)
{
    // N = 16, guard_low 2, guard_high 1, DC null, comb spacing 3. Frequency order k = 8..15, 0..7;
    // nulls: k = 8, 9 (guard_low), 7 (guard_high), 0 (DC). Used (u = 0..11): 10 11 12 13 14 15 1 2 3 4
    // 5 6; pilots at u = 0, 3, 6, 9 and the last, 11.
    ch_ofdm_cfg c = mkcfg(16, 4, 1, 2, 1, CH_OFDM_PILOTS_COMB, 3);
    bench b = bench_open(&c, 1, 1);
    const size_t pil[] = {10, 13, 1, 4, 6}, dat[] = {11, 12, 14, 15, 2, 3, 5};
    cr_assert_eq(b.np, 5);
    cr_assert_eq(b.nd, 7);
    for (size_t p = 0; p < b.np; p++)
        cr_assert_eq(ch_ofdm_pilot_index(b.o, p), pil[p], "pilot %zu at k = %zu, expected %zu", p,
                     ch_ofdm_pilot_index(b.o, p), pil[p]);
    for (size_t d = 0; d < b.nd; d++)
        cr_assert_eq(ch_ofdm_data_index(b.o, d), dat[d], "data %zu at k = %zu, expected %zu", d,
                     ch_ofdm_data_index(b.o, d), dat[d]);
    bench_close(&b);

    // odd N = 15: frequencies -7..7 are k = 8..14, 0..7; guard_low 1 nulls k = 8, guard_high 2 nulls 6, 7
    ch_ofdm_cfg c2 = mkcfg(15, 0, 0, 1, 2, CH_OFDM_PILOTS_NONE, 0);
    bench b2 = bench_open(&c2, 1, 1);
    const size_t dat2[] = {9, 10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 5};
    cr_assert_eq(b2.nd, 12);
    cr_assert_eq(b2.np, 0);
    for (size_t d = 0; d < b2.nd; d++)
        cr_assert_eq(ch_ofdm_data_index(b2.o, d), dat2[d]);
    cr_assert_eq(ch_ofdm_data_index(b2.o, b2.nd), 15, "out of range gives nfft");
    bench_close(&b2);
}

Test(ofdm, data_symbol_d_rides_fft_bin_d_plus_half_n)
{
    // the documented order (ofdm.h, README): without nulls and pilots, data symbol d alone gives the time
    // samples exp(j 2 pi k n / N) / sqrt(N) of FFT bin k = (d + ceil(N/2)) mod N, i.e. d = 0 is the most
    // negative frequency -floor(N/2) and the frequency rises with d
    const size_t Ns[] = {4, 8, 64, 15};
    for (size_t t = 0; t < sizeof Ns / sizeof Ns[0]; t++) {
        const size_t N = Ns[t], cp = 2;
        ch_ofdm_cfg c = mkcfg(N, cp, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0);
        bench b = bench_open(&c, 1, 1);
        cr_assert_eq(b.nd, N);
        float *data = fvec(2 * N), *time = fvec(2 * b.L);
        for (size_t d = 0; d < N; d++) {
            const size_t k = (d + (N + 1) / 2) % N;
            cr_assert_eq(ch_ofdm_data_index(b.o, d), k, "N %zu: data %zu on bin %zu, expected %zu", N, d,
                         ch_ofdm_data_index(b.o, d), k);
            const double freq = k < (N + 1) / 2 ? (double)k : (double)k - (double)N;
            cr_assert_float_eq(freq, -(double)(N / 2) + (double)d, 1e-12, "N %zu: data %zu", N, d);
            for (size_t i = 0; i < 2 * N; i++)
                data[i] = 0.0f;
            data[2 * d] = 1.0f;
            cr_assert_eq(ch_ofdm_modulate(b.o, b.w, data, time, 1), AE_OK);
            for (size_t n = 0; n < N; n++) {
                const double a = 2.0 * M_PI * (double)(k * n % N) / (double)N, s = 1.0 / sqrt((double)N);
                cr_assert_float_eq(time[2 * (cp + n)], s * cos(a), RT_TOL, "N %zu data %zu sample %zu", N, d,
                                   n);
                cr_assert_float_eq(time[2 * (cp + n) + 1], s * sin(a), RT_TOL, "N %zu data %zu sample %zu", N,
                                   d, n);
            }
        }
        free(data);
        free(time);
        bench_close(&b);
    }
    // a DC null is skipped: N = 8, data 0..3 on bins 4..7, data 4.. on bins 1..3
    ch_ofdm_cfg c = mkcfg(8, 0, 1, 0, 0, CH_OFDM_PILOTS_NONE, 0);
    bench b = bench_open(&c, 1, 1);
    const size_t want[] = {4, 5, 6, 7, 1, 2, 3};
    cr_assert_eq(b.nd, 7);
    for (size_t d = 0; d < 7; d++)
        cr_assert_eq(ch_ofdm_data_index(b.o, d), want[d], "DC null: data %zu on bin %zu", d,
                     ch_ofdm_data_index(b.o, d));
    bench_close(&b);
}

Test(ofdm, pilot_sequence_is_unit_modulus_qpsk)
{
    // q_i = i (i + 1) / 2 mod 4 for i = 0..9: 0 1 3 2 2 3 1 0 0 1
    const int q[] = {0, 1, 3, 2, 2, 3, 1, 0, 0, 1};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        float v[2];
        ch_ofdm_pilot_value(i, v);
        const double ph = M_PI / 4.0 * (2 * q[i] + 1);
        cr_assert_float_eq(v[0], cos(ph), 1e-6, "pilot %zu re %g", i, v[0]);
        cr_assert_float_eq(v[1], sin(ph), 1e-6, "pilot %zu im %g", i, v[1]);
    }
    // the sequence has period 8 and does not overflow for large i
    float a[2], z[2];
    ch_ofdm_pilot_value(3, a);
    ch_ofdm_pilot_value((size_t)-1 - 4, z); // (2^64 - 5) mod 8 = 3
    cr_assert(a[0] == z[0] && a[1] == z[1]);
}

// ------------------------------------------------------------------------------------------------
// modulate / demodulate

Test(ofdm, round_trip_reproduces_data_pilots_and_nulls)
{
    size_t nl;
    const ch_ofdm_cfg *cs = layouts(&nl);
    for (size_t l = 0; l < nl; l++) {
        bench b = bench_open(&cs[l], 3, 4); // S below max_symbols
        float *data = fvec(2 * b.S * b.nd), *time = fvec(2 * b.S * b.L), *grid = fvec(2 * b.S * b.N);
        gc_fill_sin(data, 2 * b.S * b.nd, 1.0, 0.37 * (double)l);
        cr_assert_eq(ch_ofdm_modulate(b.o, b.w, data, time, b.S), AE_OK);
        cr_assert_eq(ch_ofdm_demodulate(b.o, b.w, time, grid, b.S), AE_OK);
        for (size_t s = 0; s < b.S; s++) {
            const float *g = grid + 2 * s * b.N;
            for (size_t d = 0; d < b.nd; d++) {
                const size_t k = ch_ofdm_data_index(b.o, d);
                for (int c = 0; c < 2; c++)
                    cr_assert_float_eq(g[2 * k + c], data[2 * (s * b.nd + d) + c], RT_TOL,
                                       "layout %zu symbol %zu data %zu (k %zu): %g vs %g", l, s, d, k,
                                       g[2 * k + c], data[2 * (s * b.nd + d) + c]);
            }
            for (size_t p = 0; p < b.np; p++) {
                const size_t k = ch_ofdm_pilot_index(b.o, p);
                float v[2];
                ch_ofdm_pilot_value(p, v);
                cr_assert_float_eq(g[2 * k], v[0], RT_TOL, "layout %zu pilot %zu", l, p);
                cr_assert_float_eq(g[2 * k + 1], v[1], RT_TOL, "layout %zu pilot %zu", l, p);
            }
            size_t nulls = 0;
            for (size_t k = 0; k < b.N; k++) {
                if (is_data(b.o, k) || is_pilot(b.o, k))
                    continue;
                nulls++;
                cr_assert(fabsf(g[2 * k]) < RT_TOL && fabsf(g[2 * k + 1]) < RT_TOL,
                          "layout %zu null k = %zu reads (%g, %g)", l, k, g[2 * k], g[2 * k + 1]);
            }
            cr_assert_eq(nulls + b.nd + b.np, b.N, "every subcarrier has exactly one role");
            cr_assert_eq(nulls, cs[l].guard_low + cs[l].guard_high + (size_t)cs[l].null_dc);
        }
        free(data);
        free(time);
        free(grid);
        bench_close(&b);
    }
}

Test(ofdm, unitary_energy_and_cyclic_prefix)
{
    size_t nl;
    const ch_ofdm_cfg *cs = layouts(&nl);
    for (size_t l = 0; l < nl; l++) {
        bench b = bench_open(&cs[l], 2, 2);
        float *data = fvec(2 * b.S * b.nd), *time = fvec(2 * b.S * b.L);
        gc_fill_sin(data, 2 * b.S * b.nd, 1.3, 0.9);
        cr_assert_eq(ch_ofdm_modulate(b.o, b.w, data, time, b.S), AE_OK);
        const size_t cp = cs[l].cp;
        for (size_t s = 0; s < b.S; s++) {
            // grid energy: the data plus the unit-modulus pilots
            double eg = (double)b.np, et = 0.0;
            for (size_t i = 0; i < 2 * b.nd; i++)
                eg += (double)data[2 * s * b.nd + i] * data[2 * s * b.nd + i];
            const float *t = time + 2 * s * b.L;
            for (size_t i = 2 * cp; i < 2 * b.L; i++)
                et += (double)t[i] * t[i];
            cr_assert_float_eq(et, eg, 1e-5 * eg, "layout %zu symbol %zu: time energy %g, grid energy %g", l,
                               s, et, eg);
            for (size_t c = 0; c < 2 * cp; c++)
                cr_assert(t[c] == t[2 * b.N + c], "layout %zu CP value %zu differs from the symbol's tail", l,
                          c);
        }
        free(data);
        free(time);
        bench_close(&b);
    }
}

// y[t] = sum_l h[l] x[t - l] over the serial stream (x before the stream is 0): what a multipath
// channel does to the concatenated OFDM symbols, CP included.
static void convolve(float *y, const float *x, size_t T, const float complex *h, size_t taps)
{
    for (size_t t = 0; t < T; t++) {
        float complex acc = 0.0f;
        for (size_t l = 0; l < taps && l <= t; l++)
            acc += h[l] * cpx(x[2 * (t - l)], x[2 * (t - l) + 1]);
        y[2 * t] = crealf(acc);
        y[2 * t + 1] = cimagf(acc);
    }
}

// Largest |Y_k - H_k X_k| over all symbols and subcarriers for taps h after modulate -> channel ->
// demodulate.
static double one_tap_error(const ch_ofdm_cfg *c, const float complex *h, size_t taps)
{
    bench b = bench_open(c, 3, 3);
    float *data = fvec(2 * b.S * b.nd), *time = fvec(2 * b.S * b.L), *rx = fvec(2 * b.S * b.L);
    float *X = fvec(2 * b.S * b.N), *Y = fvec(2 * b.S * b.N);
    gc_fill_sin(data, 2 * b.S * b.nd, 1.0, 0.2);
    cr_assert_eq(ch_ofdm_modulate(b.o, b.w, data, time, b.S), AE_OK);
    cr_assert_eq(ch_ofdm_demodulate(b.o, b.w, time, X, b.S), AE_OK);
    convolve(rx, time, b.S * b.L, h, taps);
    cr_assert_eq(ch_ofdm_demodulate(b.o, b.w, rx, Y, b.S), AE_OK);
    double worst = 0.0;
    for (size_t k = 0; k < b.N; k++) {
        double complex Hk = 0.0;
        for (size_t l = 0; l < taps; l++)
            Hk += h[l] * cexp(-2.0 * I * M_PI * (double)(k * l % b.N) / (double)b.N);
        for (size_t s = 0; s < b.S; s++) {
            const size_t i = 2 * (s * b.N + k);
            const double complex want = Hk * cpx(X[i], X[i + 1]), got = cpx(Y[i], Y[i + 1]);
            worst = fmax(worst, cabs(got - want));
        }
    }
    free(data);
    free(time);
    free(rx);
    free(X);
    free(Y);
    bench_close(&b);
    return worst;
}

Test(ofdm, multipath_within_cp_is_one_tap_per_subcarrier)
{
    const float complex h[] = {0.8f + 0.1f * I, -0.3f + 0.4f * I, 0.2f - 0.1f * I, 0.05f + 0.15f * I};
    ch_ofdm_cfg c = mkcfg(32, 3, 1, 2, 2, CH_OFDM_PILOTS_COMB, 4); // L - 1 = 3 = CP
    const double e = one_tap_error(&c, h, 4);
    cr_assert(e < CH_TOL, "max |Y - H X| = %g with L - 1 <= CP", e);
    ch_ofdm_cfg c2 = mkcfg(12, 5, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0); // L - 1 < CP, N not a power of two
    const double e2 = one_tap_error(&c2, h, 4);
    cr_assert(e2 < CH_TOL, "max |Y - H X| = %g with L - 1 < CP", e2);
}

Test(ofdm, multipath_beyond_cp_causes_isi)
{
    const float complex h[] = {0.8f + 0.1f * I, -0.3f + 0.4f * I, 0.2f - 0.1f * I, 0.05f + 0.15f * I};
    ch_ofdm_cfg c = mkcfg(32, 1, 1, 2, 2, CH_OFDM_PILOTS_COMB, 4); // L - 1 = 3 > CP = 1
    const double e = one_tap_error(&c, h, 4);
    cr_assert(e > 1e-2, "max |Y - H X| = %g: a channel longer than the CP must break the one-tap model", e);
}

// ------------------------------------------------------------------------------------------------
// LS estimation

// Received grid Y = H X for the transmitted grid of `data`, applied per subcarrier.
static void receive_grid(const bench *b, const float *data, const float complex *Hk, float *Y)
{
    float *time = fvec(2 * b->S * b->L);
    cr_assert_eq(ch_ofdm_modulate(b->o, b->w, data, time, b->S), AE_OK);
    cr_assert_eq(ch_ofdm_demodulate(b->o, b->w, time, Y, b->S), AE_OK);
    for (size_t s = 0; s < b->S; s++)
        for (size_t k = 0; k < b->N; k++) {
            const size_t i = 2 * (s * b->N + k);
            const float complex y = Hk[s * b->N + k] * cpx(Y[i], Y[i + 1]);
            Y[i] = crealf(y);
            Y[i + 1] = cimagf(y);
        }
    free(time);
}

// Largest |Hest - H| over the non-null subcarriers; nulls must be estimated exactly 0.
static double estimate_error(const bench *b, const float *Hest, const float complex *Hk)
{
    double worst = 0.0;
    for (size_t s = 0; s < b->S; s++)
        for (size_t k = 0; k < b->N; k++) {
            const size_t i = 2 * (s * b->N + k);
            if (is_data(b->o, k) || is_pilot(b->o, k))
                worst = fmax(worst, cabs(cpx(Hest[i], Hest[i + 1]) - Hk[s * b->N + k]));
            else
                cr_assert(Hest[i] == 0.0f && Hest[i + 1] == 0.0f, "null k = %zu estimated nonzero", k);
        }
    return worst;
}

Test(ofdm, ls_estimate_exact_for_flat_channel)
{
    size_t nl;
    const ch_ofdm_cfg *cs = layouts(&nl);
    for (size_t l = 0; l < nl; l++) {
        if (cs[l].pilots == CH_OFDM_PILOTS_NONE)
            continue;
        bench b = bench_open(&cs[l], 2, 2);
        float *data = fvec(2 * b.S * b.nd), *Y = fvec(2 * b.S * b.N), *He = fvec(2 * b.S * b.N);
        float complex *Hk = calloc(b.S * b.N, sizeof *Hk);
        cr_assert_not_null(Hk);
        gc_fill_sin(data, 2 * b.S * b.nd, 1.0, 0.6);
        for (size_t s = 0; s < b.S; s++)
            for (size_t k = 0; k < b.N; k++)
                Hk[s * b.N + k] = s == 0 ? 0.7f - 0.45f * I : -1.2f + 0.3f * I; // flat, per symbol
        receive_grid(&b, data, Hk, Y);
        cr_assert_eq(ch_ofdm_estimate_ls(b.o, Y, He, b.S), AE_OK);
        const double e = estimate_error(&b, He, Hk);
        cr_assert(e < EST_TOL, "layout %zu: flat channel estimated with error %g", l, e);
        free(data);
        free(Y);
        free(He);
        free(Hk);
        bench_close(&b);
    }
}

Test(ofdm, ls_interpolation_is_linear_between_pilots)
{
    // H linear in the position u on the used (frequency-ordered, DC skipped) list: the documented
    // interpolation reproduces it exactly, also across a nulled DC and with an unequal last gap.
    ch_ofdm_cfg c = mkcfg(32, 4, 1, 2, 2, CH_OFDM_PILOTS_COMB, 4); // U = 27: pilots u = 0 4 .. 24, 26
    bench b = bench_open(&c, 1, 1);
    float *data = fvec(2 * b.nd), *Y = fvec(2 * b.N), *He = fvec(2 * b.N);
    float complex *Hk = calloc(b.N, sizeof *Hk);
    cr_assert_not_null(Hk);
    gc_fill_sin(data, 2 * b.nd, 1.0, 0.1);
    size_t u = 0;
    const size_t first = (b.N + 1) / 2;
    for (size_t j = 0; j < b.N; j++) {
        const size_t k = (first + j) % b.N;
        if (!is_data(b.o, k) && !is_pilot(b.o, k))
            continue;
        Hk[k] = (0.5f + 0.04f * (float)u) + (0.3f - 0.025f * (float)u) * I;
        u++;
    }
    cr_assert_eq(u, b.nd + b.np);
    receive_grid(&b, data, Hk, Y);
    cr_assert_eq(ch_ofdm_estimate_ls(b.o, Y, He, 1), AE_OK);
    const double e = estimate_error(&b, He, Hk);
    cr_assert(e < EST_TOL, "H linear in u estimated with error %g", e);
    free(data);
    free(Y);
    free(He);
    free(Hk);
    bench_close(&b);
}

Test(ofdm, ls_interpolation_tracks_smooth_channel_on_dense_pilots)
{
    // a short 2-tap channel is smooth in k: |H''| <= 0.3 (2 pi / 64)^2 ~ 3e-3 per subcarrier^2, so
    // linear interpolation over gaps of 2 errs by at most 2^2 / 8 * 3e-3 ~ 1.5e-3
    ch_ofdm_cfg c = mkcfg(64, 8, 0, 0, 0, CH_OFDM_PILOTS_COMB, 2);
    bench b = bench_open(&c, 1, 1);
    float *data = fvec(2 * b.nd), *Y = fvec(2 * b.N), *He = fvec(2 * b.N);
    float complex *Hk = calloc(b.N, sizeof *Hk);
    cr_assert_not_null(Hk);
    gc_fill_sin(data, 2 * b.nd, 1.0, 0.5);
    const double complex h1 = 0.3 * cexp(0.5 * I);
    for (size_t k = 0; k < b.N; k++)
        Hk[k] = (float complex)(1.0 + h1 * cexp(-2.0 * I * M_PI * (double)k / (double)b.N));
    receive_grid(&b, data, Hk, Y);
    cr_assert_eq(ch_ofdm_estimate_ls(b.o, Y, He, 1), AE_OK);
    const double e = estimate_error(&b, He, Hk);
    cr_assert(e < 2e-3, "smooth channel estimated with error %g", e);
    cr_assert(e > 1e-6, "error %g: the data carriers were not interpolated (a test that cannot fail)", e);
    free(data);
    free(Y);
    free(He);
    free(Hk);
    bench_close(&b);
}

Test(ofdm, ls_estimate_needs_pilots)
{
    ch_ofdm_cfg c = mkcfg(16, 4, 1, 1, 1, CH_OFDM_PILOTS_NONE, 0);
    bench b = bench_open(&c, 1, 1);
    float Y[32] = {0}, He[32];
    cr_assert_eq(ch_ofdm_estimate_ls(b.o, Y, He, 1), AE_EINVAL);
    cr_assert_str_not_empty(ae_err_message());
    bench_close(&b);
}

// ------------------------------------------------------------------------------------------------
// equalisation

Test(ofdm, zf_and_mmse_match_hand_formulas)
{
    ch_ofdm_cfg c = mkcfg(16, 2, 1, 1, 1, CH_OFDM_PILOTS_COMB, 3);
    bench b = bench_open(&c, 2, 2);
    const size_t n = 2 * b.S * b.N;
    float *Y = fvec(n), *H = fvec(n), *X = fvec(2 * b.S * b.nd), *V = fvec(b.S * b.nd);
    gc_fill_sin(Y, n, 1.1, 0.4);
    gc_fill_sin(H, n, 0.9, 1.3);
    const double n0 = 0.37;
    for (int eq = CH_OFDM_ZF; eq <= CH_OFDM_MMSE; eq++) {
        ch_ofdm_equalize(b.o, eq, Y, H, n0, X, V, b.S);
        for (size_t s = 0; s < b.S; s++)
            for (size_t d = 0; d < b.nd; d++) {
                const size_t k = ch_ofdm_data_index(b.o, d), i = 2 * (s * b.N + k), j = s * b.nd + d;
                const double complex y = cpx(Y[i], Y[i + 1]), h = cpx(H[i], H[i + 1]);
                const double g = creal(h * conj(h));
                const double complex x = eq == CH_OFDM_ZF ? y / h : conj(h) * y / (g + n0);
                const double v = eq == CH_OFDM_ZF ? n0 / g : n0 / (g + n0);
                cr_assert(cabs(cpx(X[2 * j], X[2 * j + 1]) - x) < 1e-5 * (1.0 + cabs(x)),
                          "eq %d symbol %zu data %zu: (%g, %g) vs (%g, %g)", eq, s, d, X[2 * j], X[2 * j + 1],
                          creal(x), cimag(x));
                cr_assert_float_eq(V[j], v, 1e-5 * v, "eq %d nvar %g vs %g", eq, V[j], v);
            }
    }
    free(Y);
    free(H);
    free(X);
    free(V);
    bench_close(&b);
}

Test(ofdm, zf_with_unit_gain_is_identity_and_zero_gain_is_erasure)
{
    ch_ofdm_cfg c = mkcfg(16, 0, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0);
    bench b = bench_open(&c, 1, 1);
    float Y[32], H[32], X[32], V[16];
    gc_fill_sin(Y, 32, 1.0, 0.8);
    for (size_t k = 0; k < 16; k++) {
        H[2 * k] = 1.0f;
        H[2 * k + 1] = 0.0f;
    }
    ch_ofdm_equalize(b.o, CH_OFDM_ZF, Y, H, 0.25, X, V, 1);
    for (size_t d = 0; d < b.nd; d++) {
        const size_t k = ch_ofdm_data_index(b.o, d);
        cr_assert(X[2 * d] == Y[2 * k] && X[2 * d + 1] == Y[2 * k + 1], "data %zu changed", d);
        cr_assert_float_eq(V[d], 0.25f, 1e-7);
    }
    // a zero gain: 0 and infinite variance for both equalisers, and no gradient
    H[2 * ch_ofdm_data_index(b.o, 3)] = 0.0f;
    for (int eq = CH_OFDM_ZF; eq <= CH_OFDM_MMSE; eq++) {
        float dg[32] = {0}, dd[32];
        gc_fill_sin(dd, 32, 1.0, 0.2);
        ch_ofdm_equalize(b.o, eq, Y, H, 0.25, X, V, 1);
        cr_assert(X[6] == 0.0f && X[7] == 0.0f && isinf(V[3]), "eq %d: zero gain gives (%g, %g), nvar %g", eq,
                  X[6], X[7], V[3]);
        ch_ofdm_equalize_backward(b.o, eq, dd, H, 0.25, dg, 1);
        const size_t k3 = ch_ofdm_data_index(b.o, 3);
        cr_assert(dg[2 * k3] == 0.0f && dg[2 * k3 + 1] == 0.0f);
    }
    bench_close(&b);
}

// ------------------------------------------------------------------------------------------------
// gradients: L = sum(dout . f(x)) with dout = sin(1.7 i + 0.3); every map here is linear in x, so the
// central difference is exact up to float rounding and a large step keeps that rounding small.

#define FD_EPS 0.25
#define FD_TOL 1e-3

// prefilled gradient value: the backward passes accumulate, so the test subtracts it again
#define GRAD_PRE 0.625f

typedef struct fd_ctx {
    bench *b;
    int what; // 0 modulate, 1 demodulate, 2 ZF, 3 MMSE
    float *x, *y, *dout, *H, *nv;
    size_t ny;
    double n0;
} fd_ctx;

static void fd_forward(fd_ctx *c)
{
    switch (c->what) {
    case 0: cr_assert_eq(ch_ofdm_modulate(c->b->o, c->b->w, c->x, c->y, c->b->S), AE_OK); break;
    case 1: cr_assert_eq(ch_ofdm_demodulate(c->b->o, c->b->w, c->x, c->y, c->b->S), AE_OK); break;
    default:
        ch_ofdm_equalize(c->b->o, c->what == 2 ? CH_OFDM_ZF : CH_OFDM_MMSE, c->x, c->H, c->n0, c->y, c->nv,
                         c->b->S);
    }
}

static double fd_loss(void *p)
{
    fd_ctx *c = p;
    fd_forward(c);
    return gc_dot(c->dout, c->y, c->ny);
}

static void grad_check(int what, const ch_ofdm_cfg *cfg, const char *name)
{
    bench b = bench_open(cfg, 2, 3);
    size_t nx, ny;
    switch (what) {
    case 0: nx = 2 * b.S * b.nd, ny = 2 * b.S * b.L; break;
    case 1: nx = 2 * b.S * b.L, ny = 2 * b.S * b.N; break;
    default: nx = 2 * b.S * b.N, ny = 2 * b.S * b.nd;
    }
    fd_ctx c = {.b = &b, .what = what, .x = fvec(nx), .y = fvec(ny), .dout = fvec(ny), .ny = ny, .n0 = 0.3};
    c.H = fvec(2 * b.S * b.N);
    c.nv = fvec(b.S * b.nd);
    gc_fill_sin(c.x, nx, 1.0, 0.1);
    gc_fill_sin(c.dout, ny, 1.0, 0.3);
    gc_fill_sin(c.H, 2 * b.S * b.N, 0.9, 1.1);
    for (size_t i = 0; i < 2 * b.S * b.N; i += 2) // keep |H| away from 0
        c.H[i] += c.H[i] >= 0.0f ? 0.4f : -0.4f;
    float *ana = fvec(nx);
    double *num = calloc(nx, sizeof *num);
    cr_assert_not_null(num);
    for (size_t i = 0; i < nx; i++)
        ana[i] = GRAD_PRE;
    switch (what) {
    case 0: cr_assert_eq(ch_ofdm_modulate_backward(b.o, b.w, c.dout, ana, b.S), AE_OK); break;
    case 1: cr_assert_eq(ch_ofdm_demodulate_backward(b.o, b.w, c.dout, ana, b.S), AE_OK); break;
    default:
        ch_ofdm_equalize_backward(b.o, what == 2 ? CH_OFDM_ZF : CH_OFDM_MMSE, c.dout, c.H, c.n0, ana, b.S);
    }
    for (size_t i = 0; i < nx; i++)
        ana[i] -= GRAD_PRE;
    gc_numeric(num, c.x, nx, FD_EPS, fd_loss, &c);
    gc_compare(name, ana, num, nx, FD_TOL, GC_FLOOR);
    free(c.x);
    free(c.y);
    free(c.dout);
    free(c.H);
    free(c.nv);
    free(ana);
    free(num);
    bench_close(&b);
}

Test(ofdm, modulate_backward_matches_finite_differences)
{
    ch_ofdm_cfg c = mkcfg(16, 5, 1, 2, 1, CH_OFDM_PILOTS_COMB, 3);
    grad_check(0, &c, "ddata");
    ch_ofdm_cfg c2 = mkcfg(12, 12, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0); // CP = N: every sample copied
    grad_check(0, &c2, "ddata (cp = nfft)");
}

Test(ofdm, demodulate_backward_matches_finite_differences)
{
    ch_ofdm_cfg c = mkcfg(16, 5, 1, 2, 1, CH_OFDM_PILOTS_COMB, 3);
    grad_check(1, &c, "dtime");
}

Test(ofdm, equalize_backward_zf_matches_finite_differences)
{
    ch_ofdm_cfg c = mkcfg(16, 2, 1, 2, 1, CH_OFDM_PILOTS_COMB, 3);
    grad_check(2, &c, "dgrid (zf)");
}

Test(ofdm, equalize_backward_mmse_matches_finite_differences)
{
    ch_ofdm_cfg c = mkcfg(16, 2, 1, 2, 1, CH_OFDM_PILOTS_COMB, 3);
    grad_check(3, &c, "dgrid (mmse)");
}

// ------------------------------------------------------------------------------------------------
// errors

static void expect_bad_cfg(ch_ofdm_cfg c, const char *why)
{
    ae_err_clear();
    cr_assert_eq(ch_ofdm_cfg_validate(&c), AE_EINVAL, "%s: validate accepted it", why);
    cr_assert_str_not_empty(ae_err_message(), "%s: no message", why);
    cr_assert_null(ch_ofdm_create(&c, 4), "%s: create accepted it", why);
}

Test(ofdm, bad_configurations_are_refused)
{
    expect_bad_cfg(mkcfg(16, 17, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0), "cp > nfft");
    expect_bad_cfg(mkcfg(2, 0, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0), "nfft < 4");
    expect_bad_cfg(mkcfg(65537, 0, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0), "nfft > 65536");
    expect_bad_cfg(mkcfg(16, 4, 1, 1, 1, CH_OFDM_PILOTS_COMB, 1), "pilot spacing 1");
    expect_bad_cfg(mkcfg(16, 4, 1, 1, 1, 7, 2), "unknown pilot mode");
    expect_bad_cfg(mkcfg(16, 4, 2, 1, 1, CH_OFDM_PILOTS_NONE, 0), "null_dc = 2");
    expect_bad_cfg(mkcfg(16, 4, 1, 9, 0, CH_OFDM_PILOTS_NONE, 0), "guard_low across DC");
    expect_bad_cfg(mkcfg(16, 4, 1, 0, 8, CH_OFDM_PILOTS_NONE, 0), "guard_high across DC");
    // all nulls: 8 + 7 guards and the DC
    expect_bad_cfg(mkcfg(16, 4, 1, 8, 7, CH_OFDM_PILOTS_NONE, 0), "no used subcarrier");
    // 2 used subcarriers, both pilots (first and last)
    expect_bad_cfg(mkcfg(16, 4, 0, 7, 7, CH_OFDM_PILOTS_COMB, 2), "no data subcarrier left");
    // the smallest config that still has one data carrier is accepted
    ch_ofdm_cfg ok = mkcfg(16, 4, 1, 7, 5, CH_OFDM_PILOTS_COMB, 2); // U = 3: pilots u = 0, 2
    cr_assert_eq(ch_ofdm_cfg_validate(&ok), AE_OK, "%s", ae_err_message());
    ae_err_clear();
    cr_assert_null(ch_ofdm_create(&ok, 0), "max_symbols = 0");
    cr_assert_str_not_empty(ae_err_message());
}

Test(ofdm, batch_above_max_symbols_is_refused)
{
    ch_ofdm_cfg c = mkcfg(16, 4, 1, 1, 1, CH_OFDM_PILOTS_COMB, 4);
    bench b = bench_open(&c, 3, 2);
    float *data = fvec(2 * 3 * b.nd), *time = fvec(2 * 3 * b.L), *grid = fvec(2 * 3 * b.N);
    cr_assert_eq(ch_ofdm_modulate(b.o, b.w, data, time, 3), AE_EBADLEN);
    cr_assert_eq(ch_ofdm_modulate_backward(b.o, b.w, time, data, 3), AE_EBADLEN);
    cr_assert_eq(ch_ofdm_demodulate(b.o, b.w, time, grid, 3), AE_EBADLEN);
    cr_assert_eq(ch_ofdm_demodulate_backward(b.o, b.w, grid, time, 3), AE_EBADLEN);
    cr_assert_eq(ch_ofdm_modulate(b.o, b.w, data, time, 2), AE_OK);
    // a workspace made for another nfft is refused, not overrun
    ch_ofdm_cfg c8 = mkcfg(8, 0, 0, 0, 0, CH_OFDM_PILOTS_NONE, 0);
    bench b8 = bench_open(&c8, 1, 1);
    cr_assert_eq(ch_ofdm_demodulate(b.o, b8.w, time, grid, 1), AE_EINVAL);
    bench_close(&b8);
    free(data);
    free(time);
    free(grid);
    bench_close(&b);
}
