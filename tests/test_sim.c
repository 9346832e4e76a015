// test_sim.c - the Monte Carlo engine, channel, intervals and streams against definitions and theory.
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "ae_err.h"
#include "ch.h"
#include "classical.h"
#include "engine.h"
#include "grid.h"
#include "rng.h"
#include "stats.h"
#include "systems.h"
#include "theory.h"
#include "modem.h"

#include "test_util.h"

// ---------------------------------------------------------------------------------------------
// noise definition and AWGN

Test(awgn, sigma2_definition)
{
    // sigma2 = E / (2 k Eb/N0): Hamming (7,4) with BPSK (E = 7) at 0 dB -> 7/8
    cr_assert_float_eq(ch_sigma2_from_ebno(0.0, 7.0, 4), 7.0 / 8.0, 1e-15);
    // energy constraint: 1 / (2 R Eb/N0) with R = 4/7 at 3 dB
    double ebno = pow(10.0, 0.3);
    cr_assert_float_eq(ch_sigma2_from_ebno(3.0, 7.0, 4), 1.0 / (2.0 * (4.0 / 7.0) * ebno), 1e-15);
    // uncoded BPSK: E = k, so sigma2 = 1 / (2 Eb/N0) whatever k
    cr_assert_float_eq(ch_sigma2_from_ebno(6.0, 8.0, 8), 1.0 / (2.0 * pow(10.0, 0.6)), 1e-15);
    cr_assert(ch_sigma2_from_ebno(NAN, 7.0, 4) < 0.0);
    cr_assert(ch_sigma2_from_ebno(INFINITY, 7.0, 4) < 0.0);
    cr_assert(ch_sigma2_from_ebno(1.0, 0.0, 4) < 0.0);
    cr_assert(ch_sigma2_from_ebno(1.0, 7.0, 0) < 0.0);
}

Test(awgn, esno_bookkeeping)
{
    // (7,4) real autoencoder: Es/N0 = Eb/N0 + 10 log10(4/7)
    cr_assert_float_eq(ch_esno_db_from_ebno(5.0, 4, 7), 5.0 + 10.0 * log10(4.0 / 7.0), 1e-12);
    cr_assert_float_eq(ch_esno_db_from_ebno(5.0, 4, 4), 5.0, 1e-12);
    cr_assert_float_eq(ch_ebno_db_from_esno(ch_esno_db_from_ebno(2.5, 8, 3), 8, 3), 2.5, 1e-12);
}

Test(awgn, noise_variance_and_mean_match_sigma2)
{
    enum { N = 1000000 };
    float *x = calloc(N, sizeof *x), *y = malloc(N * sizeof *y);
    gsl_rng *r = sim_rng_alloc();
    cr_assert(x && y && r);
    sim_rng_seed(r, 42);
    double sigma2 = ch_sigma2_from_ebno(2.0, 7.0, 4);
    ch_awgn_forward(y, x, N, sigma2, r);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < N; i++) {
        s1 += y[i];
        s2 += (double)y[i] * y[i];
    }
    double mean = s1 / N, var = s2 / N - mean * mean;
    // sample mean ~ N(0, sigma2/N); sample variance ~ N(sigma2, 2 sigma2^2 / N): 5 sigma bands
    cr_assert(fabs(mean) < 5.0 * sqrt(sigma2 / N), "mean %g", mean);
    cr_assert(fabs(var - sigma2) < 5.0 * sigma2 * sqrt(2.0 / N), "var %g vs %g", var, sigma2);
    // backward is the identity, accumulated
    float dx[3] = {1, 1, 1}, dy[3] = {0.5f, -2.0f, 3.0f};
    ch_awgn_backward(dx, dy, 3);
    cr_assert(dx[0] == 1.5f && dx[1] == -1.0f && dx[2] == 4.0f);
    gsl_rng_free(r);
    free(x);
    free(y);
}

// ---------------------------------------------------------------------------------------------
// intervals

Test(stats, wilson_known_values)
{
    double lo, hi;
    // 0 of 10: [0, z^2 / (n + z^2)]
    sim_wilson(0, 10, SIM_Z95, &lo, &hi);
    cr_assert_float_eq(lo, 0.0, 1e-12);
    cr_assert_float_eq(hi, SIM_Z95 * SIM_Z95 / (10.0 + SIM_Z95 * SIM_Z95), 1e-12);
    // 5 of 10: symmetric about 0.5, half-width z sqrt(n/4 + z^2/4) / (n + z^2) (Agresti & Coull 1998)
    sim_wilson(5, 10, SIM_Z95, &lo, &hi);
    cr_assert_float_eq(lo, 0.236593, 1e-6);
    cr_assert_float_eq(hi, 0.763407, 1e-6);
    sim_wilson(0, 0, SIM_Z95, &lo, &hi);
    cr_assert(lo == 0.0 && hi == 1.0);
}

Test(stats, clopper_pearson_exact_values)
{
    double lo, hi;
    // 5 errors in 10^6 trials: the beta quantiles B^-1(0.025; 5, 999996) and B^-1(0.975; 6, 999995)
    sim_clopper_pearson(5, 1000000, SIM_ALPHA95, &lo, &hi);
    cr_assert(fabs(lo / 1.6235e-06 - 1.0) < 5e-5, "lo %.6e", lo);
    cr_assert(fabs(hi / 1.1668e-05 - 1.0) < 5e-5, "hi %.6e", hi);
    // no error: [0, 1 - 0.025^(1/n)]; all errors: [0.025^(1/n), 1]
    sim_clopper_pearson(0, 10, SIM_ALPHA95, &lo, &hi);
    cr_assert(lo == 0.0);
    cr_assert_float_eq(hi, 1.0 - pow(0.025, 0.1), 1e-15);
    sim_clopper_pearson(10, 10, SIM_ALPHA95, &lo, &hi);
    cr_assert_float_eq(lo, pow(0.025, 0.1), 1e-15);
    cr_assert(hi == 1.0);
    sim_clopper_pearson(1, 1, SIM_ALPHA95, &lo, &hi);
    cr_assert_float_eq(lo, 0.025, 1e-15);
    sim_clopper_pearson(0, 0, SIM_ALPHA95, &lo, &hi);
    cr_assert(lo == 0.0 && hi == 1.0);
}

Test(stats, clopper_pearson_matches_gsl_beta_quantiles)
{
    // GSL's beta quantiles, wherever they converge (they return NaN for many counts of 10^6 trials and
    // more, which is why sim_clopper_pearson solves the quantiles itself)
    gsl_set_error_handler_off();
    const uint64_t ns[] = {1, 2, 7, 10, 33, 100, 1000, 100000};
    size_t compared = 0;
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (uint64_t x = 0; x <= ns[i]; x += ns[i] > 100 ? ns[i] / 50 + 1 : 1) {
            double lo, hi, n = (double)ns[i], e = (double)x;
            sim_clopper_pearson(x, ns[i], SIM_ALPHA95, &lo, &hi);
            double glo = x == 0 ? 0.0 : gsl_cdf_beta_Pinv(0.025, e, n - e + 1.0);
            double ghi = x == ns[i] ? 1.0 : gsl_cdf_beta_Qinv(0.025, e + 1.0, n - e);
            if (isfinite(glo)) {
                cr_assert(fabs(lo - glo) <= 1e-12 * glo, "%llu/%llu: lo %.15e, GSL %.15e",
                          (unsigned long long)x, (unsigned long long)ns[i], lo, glo);
                compared++;
            }
            if (isfinite(ghi)) {
                cr_assert(fabs(hi - ghi) <= 1e-12 * ghi, "%llu/%llu: hi %.15e, GSL %.15e",
                          (unsigned long long)x, (unsigned long long)ns[i], hi, ghi);
                compared++;
            }
            cr_assert(lo <= e / n && e / n <= hi);
        }
    cr_assert(compared > 150, "only %zu bounds compared", compared);
}

Test(stats, clopper_pearson_defining_tails_for_large_counts)
{
    // where GSL's quantiles give up: the bounds solve P(X >= x; n, lo) = P(X <= x; n, hi) = 0.025
    gsl_set_error_handler_off();
    const unsigned cases[][2] = {{1000, 1000000}, {10, 10000000}, {1, 1000000}, {10000, 10000000}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned x = cases[i][0], n = cases[i][1];
        double lo, hi;
        sim_clopper_pearson(x, n, SIM_ALPHA95, &lo, &hi);
        cr_assert_float_eq(gsl_cdf_binomial_Q(x - 1, lo, n), 0.025, 1e-10, "%u/%u: lo %.12e", x, n, lo);
        cr_assert_float_eq(gsl_cdf_binomial_P(x, hi, n), 0.025, 1e-10, "%u/%u: hi %.12e", x, n, hi);
    }
    // roots of the tails summed term by term in 40-digit arithmetic (mpmath), GSL's quantiles being NaN here
    const struct {
        uint64_t x, n;
        double lo, hi;
    } ref[] = {{1000, 1000000, 9.3900120795007217e-4, 1.0639181073152278e-3},
               {1000, 1000000000000ULL, 9.3897301843587707e-10, 1.063952135982281e-9}};
    for (size_t i = 0; i < sizeof ref / sizeof *ref; i++) {
        double lo, hi;
        sim_clopper_pearson(ref[i].x, ref[i].n, SIM_ALPHA95, &lo, &hi);
        cr_assert(fabs(lo / ref[i].lo - 1.0) < 1e-13, "lo %.17e", lo);
        cr_assert(fabs(hi / ref[i].hi - 1.0) < 1e-13, "hi %.17e", hi);
    }
    // half errors in 10^9 and 10^12 trials: the normal limit with continuity correction,
    // 1/2 -+ (z sqrt(1/(4n)) + 1/(2n)), whose error is O(1/n) of the half-width at p = 1/2
    const uint64_t big[] = {1000000000ULL, 1000000000000ULL};
    for (size_t i = 0; i < 2; i++) {
        double lo, hi, n = (double)big[i], half = SIM_Z95 * sqrt(0.25 / n) + 0.5 / n;
        sim_clopper_pearson(big[i] / 2, big[i], SIM_ALPHA95, &lo, &hi);
        cr_assert(fabs((0.5 - lo) / half - 1.0) < 1e-8 && fabs((hi - 0.5) / half - 1.0) < 1e-8,
                  "n %g: [%.15e, %.15e]", n, lo, hi);
    }
}

Test(stats, interval_words)
{
    cr_assert_eq(sim_interval_parse("wilson"), SIM_INTERVAL_WILSON);
    cr_assert_eq(sim_interval_parse("clopper_pearson"), SIM_INTERVAL_CLOPPER_PEARSON);
    cr_assert_eq(sim_interval_parse("exact"), -1);
    cr_assert_str_eq(sim_interval_name(SIM_INTERVAL_CLOPPER_PEARSON), "clopper_pearson");
    double lo, hi, wlo, whi;
    sim_binomial_interval(SIM_INTERVAL_WILSON, 3, 100, &lo, &hi);
    sim_wilson(3, 100, SIM_Z95, &wlo, &whi);
    cr_assert(lo == wlo && hi == whi);
    sim_binomial_interval(SIM_INTERVAL_CLOPPER_PEARSON, 3, 100, &lo, &hi);
    sim_clopper_pearson(3, 100, SIM_ALPHA95, &wlo, &whi);
    cr_assert(lo == wlo && hi == whi);
}

Test(stats, ber_interval_from_block_variance)
{
    double lo, hi;
    // 100 blocks of k = 4 bits: 10 blocks with 2 errors, the rest none -> mean 0.2, BER 0.05,
    // s^2 = (40 - 100 * 0.04) / 99, half-width z s / (4 sqrt(100))
    sim_ber_interval(20, 40, 100, 4, SIM_Z95, 0.5, &lo, &hi);
    double s = sqrt((40.0 - 4.0) / 99.0), half = SIM_Z95 * s / 40.0;
    cr_assert_float_eq(lo, 0.05 - half, 1e-12);
    cr_assert_float_eq(hi, 0.05 + half, 1e-12);
    // the same errors spread over 20 blocks with 1 each are less variable: a narrower interval
    double lo2, hi2;
    sim_ber_interval(20, 20, 100, 4, SIM_Z95, 0.5, &lo2, &hi2);
    cr_assert(hi2 - lo2 < hi - lo);
    // no error: [0, bler_hi]
    sim_ber_interval(0, 0, 100, 4, SIM_Z95, 0.03, &lo, &hi);
    cr_assert(lo == 0.0 && hi == 0.03);
}

// ---------------------------------------------------------------------------------------------
// streams

Test(rng, derived_streams_are_reproducible_and_distinct)
{
    gsl_rng *a = sim_rng_alloc(), *b = sim_rng_alloc();
    cr_assert(a && b);
    sim_rng_seed(a, sim_stream_key(1, sim_mdb(3.0), 7, SIM_STREAM_NOISE));
    sim_rng_seed(b, sim_stream_key(1, sim_mdb(3.0), 7, SIM_STREAM_NOISE));
    for (int i = 0; i < 100; i++)
        cr_assert_eq(gsl_rng_get(a), gsl_rng_get(b));
    // every field changes the stream
    uint64_t base = sim_stream_key(1, 3000, 7, 2);
    cr_assert_neq(base, sim_stream_key(2, 3000, 7, 2));
    cr_assert_neq(base, sim_stream_key(1, 3001, 7, 2));
    cr_assert_neq(base, sim_stream_key(1, 3000, 8, 2));
    cr_assert_neq(base, sim_stream_key(1, 3000, 7, 1));
    cr_assert_eq(sim_mdb(2.9999999), 3000);
    cr_assert_eq(sim_mdb(-4.0), -4000);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

// ---------------------------------------------------------------------------------------------
// the engine against closed forms

// Simulate t at ebno_db with a fixed number of blocks (no error-count rule, so no sequential-stopping
// bias) and check BLER and BER against the closed forms within 5 sigma of the block-level variance.
static void check_against_theory(txrx *t, double ebno_db, uint64_t blocks, double th_bler, double th_ber,
                                 int threads)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 20261129;
    cfg.target_block_errors = 0;
    cfg.max_blocks = blocks;
    cfg.threads = threads;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, ebno_db, &p, NULL), AE_OK);
    cr_assert_eq(p.blocks, blocks);
    cr_assert_eq(p.stop, SIM_STOP_MAX_BLOCKS);
    assert_rate(p.bler, th_bler, (double)blocks, "Eb/N0 %g: BLER vs theory", ebno_db);
    // BER: the spread of per-block bit-error counts, estimated from the simulation itself
    double mean = (double)p.bit_errors / (double)p.blocks;
    double var = ((double)p.bit_errors_sq - (double)p.blocks * mean * mean) / (double)(p.blocks - 1);
    double sd_ber = sqrt(var / (double)p.blocks) / (double)t->k;
    cr_assert(sd_ber > 0.0);
    cr_assert(fabs(p.ber - th_ber) < 5.0 * sd_ber, "Eb/N0 %g: BER %g vs theory %g (5 sigma = %g)", ebno_db,
              p.ber, th_ber, 5.0 * sd_ber);
    // the reported intervals hold the estimate
    cr_assert(p.bler_lo <= p.bler && p.bler <= p.bler_hi);
    cr_assert(p.ber_lo <= p.ber && p.ber <= p.ber_hi);
    sim_engine_destroy(e);
}

Test(engine, uncoded_bpsk_matches_theory)
{
    txrx *t = mod_bpsk_txrx_create(4);
    cr_assert(t);
    const double pts[] = {0.0, 4.0, 7.0};
    const uint64_t blocks[] = {200000, 400000, 2000000};
    for (int i = 0; i < 3; i++) {
        double p = theory_bpsk_ber(pts[i]);
        check_against_theory(t, pts[i], blocks[i], theory_block_error(p, 4), p, 2);
    }
    txrx_destroy(t);
}

Test(engine, bler_interval_follows_the_configured_method)
{
    txrx *t = mod_bpsk_txrx_create(4);
    cr_assert(t);
    sim_point pts[2];
    for (int m = SIM_INTERVAL_WILSON; m <= SIM_INTERVAL_CLOPPER_PEARSON; m++) {
        sim_eval_cfg cfg;
        sim_eval_cfg_default(&cfg);
        cfg.target_block_errors = 0;
        cfg.max_blocks = 50000;
        cfg.interval = m;
        sim_engine *e = sim_engine_create(t, &cfg);
        cr_assert(e, "%s", ae_err_message());
        cr_assert_eq(sim_engine_point(e, 4.0, &pts[m], NULL), AE_OK);
        sim_engine_destroy(e);
        double lo, hi;
        sim_binomial_interval(m, pts[m].block_errors, pts[m].blocks, &lo, &hi);
        cr_assert(pts[m].bler_lo == lo && pts[m].bler_hi == hi);
    }
    cr_assert_eq(pts[0].bler_ci, SIM_BLER_CI_WILSON);
    cr_assert_eq(pts[1].bler_ci, SIM_BLER_CI_CLOPPER_PEARSON);
    // the method changes the interval only, not the counts
    cr_assert_eq(pts[0].block_errors, pts[1].block_errors);
    cr_assert_eq(pts[0].bit_errors, pts[1].bit_errors);
    cr_assert(pts[0].bler_lo != pts[1].bler_lo);
    sim_eval_cfg bad;
    sim_eval_cfg_default(&bad);
    bad.interval = 7;
    cr_assert_eq(sim_eval_cfg_validate(&bad), AE_EINVAL);
    txrx_destroy(t);
}

Test(engine, hamming_hard_matches_theory)
{
    txrx *t = mod_hamming74_txrx_create(MOD_HAMMING_HARD);
    cr_assert(t);
    const double pts[] = {1.0, 5.0, 8.0};
    const uint64_t blocks[] = {200000, 400000, 4000000};
    for (int i = 0; i < 3; i++)
        check_against_theory(t, pts[i], blocks[i], theory_hamming74_hard_bler(pts[i]),
                             theory_hamming74_hard_ber(pts[i]), 2);
    txrx_destroy(t);
}

Test(engine, hamming_ml_beats_hard_on_the_same_noise)
{
    txrx *hard = mod_hamming74_txrx_create(MOD_HAMMING_HARD), *ml = mod_hamming74_txrx_create(MOD_HAMMING_ML);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.target_block_errors = 0;
    cfg.max_blocks = 200000;
    sim_engine *eh = sim_engine_create(hard, &cfg), *em = sim_engine_create(ml, &cfg);
    sim_point ph, pm;
    cr_assert_eq(sim_engine_point(eh, 5.0, &ph, NULL), AE_OK);
    cr_assert_eq(sim_engine_point(em, 5.0, &pm, NULL), AE_OK);
    // soft ML decoding gains about 2 dB at this BLER: far more than the statistical spread
    cr_assert(pm.block_errors * 3 < ph.block_errors, "ML %llu vs hard %llu",
              (unsigned long long)pm.block_errors, (unsigned long long)ph.block_errors);
    sim_engine_destroy(eh);
    sim_engine_destroy(em);
    txrx_destroy(hard);
    txrx_destroy(ml);
}

// ---------------------------------------------------------------------------------------------
// blocks of many bits

// Uncoded BPSK and QPSK with k = 1000 and 1200 bits per block (16 and 19 words): each bit sees its own
// noise sample, so BER = Q(sqrt(2 Eb/N0)) and BLER = 1 - (1 - BER)^k.
Test(engine_bits, long_blocks_match_theory)
{
    txrx *t = mod_bpsk_txrx_create(1000);
    cr_assert(t, "%s", ae_err_message());
    double p = theory_bpsk_ber(7.0);
    check_against_theory(t, 7.0, 20000, theory_block_error(p, 1000), p, 2); // BLER 0.54
    txrx_destroy(t);
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    t = mod_modem_txrx_create(q, 600, MOD_DEMAP_HARD);
    cr_assert(t && t->k == 1200 && t->n == 1200, "%s", ae_err_message());
    p = theory_bpsk_ber(6.0);
    check_against_theory(t, 6.0, 10000, theory_block_error(p, 1200), p, 2); // BLER 0.94
    p = theory_bpsk_ber(8.0);
    check_against_theory(t, 8.0, 40000, theory_block_error(p, 1200), p, 2); // BLER 0.22
    txrx_destroy(t);
    mod_modem_destroy(q);
}

static sim_point long_point(const txrx *t, int threads, int soft, uint64_t target_block_errors)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 5;
    cfg.chunk_blocks = 500;
    cfg.batch = 128;
    cfg.target_block_errors = target_block_errors;
    cfg.max_blocks = 100000;
    cfg.threads = threads;
    cfg.soft = soft;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, 7.5, &p, NULL), AE_OK);
    sim_engine_destroy(e);
    return p;
}

// The soft path sets bits from the LLR signs as receive does: for QPSK (L = sqrt2 y / sigma2 per axis)
// the decisions, and so every count, equal the hard demapper's; and counts of long blocks do not
// depend on the thread count.
Test(engine_bits, long_blocks_soft_equals_hard_and_threads_agree)
{
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *hard = mod_modem_txrx_create(q, 517, MOD_DEMAP_HARD),
         *soft = mod_modem_txrx_create(q, 517, MOD_DEMAP_EXACT);
    cr_assert(hard && soft && hard->k == 1034);
    sim_point h1 = long_point(hard, 1, 0, 3000), h3 = long_point(hard, 3, 0, 3000);
    sim_point s2 = long_point(soft, 2, 1, 3000), sr = long_point(soft, 1, 0, 3000);
    cr_assert_eq(h1.stop, SIM_STOP_TARGET_BLOCK_ERRORS);
    cr_assert(h1.block_errors >= 3000 && h1.bit_errors > h1.block_errors);
    const sim_point *o[] = {&h3, &s2, &sr};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(o[i]->blocks, h1.blocks, "case %d", i);
        cr_assert_eq(o[i]->block_errors, h1.block_errors, "case %d", i);
        cr_assert_eq(o[i]->bit_errors, h1.bit_errors, "case %d", i);
        cr_assert_eq(o[i]->bit_errors_sq, h1.bit_errors_sq, "case %d", i);
    }
    cr_assert(s2.bmi > 0.9 && s2.bmi < 1.0, "bmi %g", s2.bmi);
    cr_assert(isnan(sr.bmi));
    txrx_destroy(hard);
    txrx_destroy(soft);
    mod_modem_destroy(q);
}

// A receiver that decides right (BPSK at 60 dB) and then flips bits 0, 63, 64 and 999 of every third
// block of a call and sets every unused bit of each block's last word.
static const txrx_vt *flip_base;

static int flip_receive(const void *st, void *ws, const float *y, const txrx_noise *noise, uint64_t *bits_hat,
                        size_t batch)
{
    int rc = flip_base->receive(st, ws, y, noise, bits_hat, batch);
    const size_t W = txrx_words(1000);
    for (size_t i = 0; i < batch; i++) {
        uint64_t *b = bits_hat + i * W;
        b[W - 1] ^= ~txrx_tail_mask(1000);
        if (i % 3 == 0) {
            const size_t flip[] = {0, 63, 64, 999};
            for (size_t f = 0; f < 4; f++)
                txrx_set_bit(b, flip[f], !txrx_get_bit(b, flip[f]));
        }
    }
    return rc;
}

// Bit errors are counted over the k bits of each block, across words, the bits beyond k ignored; a
// block with any wrong bit is one block error.
Test(engine_bits, counts_every_word_and_ignores_the_tail)
{
    txrx *t = mod_bpsk_txrx_create(1000);
    cr_assert(t);
    txrx_vt vt = *t->vt;
    flip_base = t->vt;
    vt.receive = flip_receive;
    t->vt = &vt;
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.chunk_blocks = 300;
    cfg.batch = 300;
    cfg.target_block_errors = 0;
    cfg.max_blocks = 600;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, 60.0, &p, NULL), AE_OK);
    cr_assert_eq(p.blocks, 600);
    cr_assert_eq(p.block_errors, 200);
    cr_assert_eq(p.bit_errors, 800);
    cr_assert_eq(p.bit_errors_sq, 200 * 16);
    cr_assert_eq(p.bits, 600000);
    cr_assert_float_eq(p.ber, 800.0 / 600000.0, 1e-15);
    sim_engine_destroy(e);
    t->vt = flip_base;
    txrx_destroy(t);
}

// The bits the engine sends, captured from the first transmit call of chunk 0.
static const txrx_vt *capture_base;
static uint64_t capture_words[64];
static size_t capture_count, capture_w; // blocks captured, words per block

static int capture_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    if (capture_count == 0) {
        capture_count = batch;
        memcpy(capture_words, bits, batch * capture_w * sizeof *bits);
    }
    return capture_base->transmit(st, ws, bits, x, batch);
}

static void capture(unsigned k, size_t blocks)
{
    txrx *t = mod_bpsk_txrx_create(k);
    cr_assert(t && blocks * txrx_words(k) <= 64);
    txrx_vt vt = *t->vt;
    capture_base = t->vt;
    vt.transmit = capture_transmit;
    t->vt = &vt;
    capture_count = 0;
    capture_w = txrx_words(k);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 3;
    cfg.chunk_blocks = blocks;
    cfg.batch = blocks;
    cfg.target_block_errors = 0;
    cfg.max_blocks = blocks;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, 2.0, &p, NULL), AE_OK);
    cr_assert_eq(capture_count, blocks);
    sim_engine_destroy(e);
    t->vt = capture_base;
    txrx_destroy(t);
}

// The message stream of the engine's chunk as documented: k <= 32, floor(32 / k) blocks per 32-bit draw
// (block i of a draw = the message (draw >> (k i)) & (2^k - 1)); k > 32, ceil(k / 32) draws per block,
// draw d holding the block's bits 32 d .. 32 d + 31.
Test(engine_bits, drawn_bits_follow_the_documented_stream)
{
    gsl_rng *r = sim_rng_alloc();
    cr_assert(r);
    capture(5, 20); // 6 blocks per draw
    sim_rng_seed(r, sim_stream_key(3, sim_mdb(2.0), 0, SIM_STREAM_MESSAGES));
    uint32_t draw = 0;
    for (size_t i = 0; i < 20; i++) {
        if (i % 6 == 0)
            draw = (uint32_t)gsl_rng_get(r);
        const uint32_t m = (draw >> (5 * (i % 6))) & 31u;
        cr_assert_eq(capture_words[i], (uint64_t)m << 59, "k 5 block %zu", i);
    }
    capture(100, 8); // 4 draws, 2 words per block; the last word holds 36 bits
    sim_rng_seed(r, sim_stream_key(3, sim_mdb(2.0), 0, SIM_STREAM_MESSAGES));
    for (size_t i = 0; i < 8; i++) {
        uint64_t d[4];
        for (int j = 0; j < 4; j++)
            d[j] = (uint32_t)gsl_rng_get(r);
        cr_assert_eq(capture_words[2 * i], d[0] << 32 | d[1], "k 100 block %zu word 0", i);
        cr_assert_eq(capture_words[2 * i + 1], (d[2] << 32 | d[3]) & UINT64_C(0xFFFFFFFFF0000000),
                     "k 100 block %zu word 1", i);
    }
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------
// reproducibility and the stop rule

static sim_point run_point(txrx *t, int threads, uint64_t target_block_errors, uint64_t target_bit_errors,
                           uint64_t max_blocks, double ebno_db)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 7;
    cfg.chunk_blocks = 1000;
    cfg.batch = 256;
    cfg.target_block_errors = target_block_errors;
    cfg.target_bit_errors = target_bit_errors;
    cfg.max_blocks = max_blocks;
    cfg.threads = threads;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, ebno_db, &p, NULL), AE_OK);
    sim_engine_destroy(e);
    return p;
}

Test(engine, counts_identical_for_1_2_and_3_threads)
{
    txrx *t = mod_hamming74_txrx_create(MOD_HAMMING_ML);
    sim_point p1 = run_point(t, 1, 300, 0, 10000000, 4.0);
    sim_point p2 = run_point(t, 2, 300, 0, 10000000, 4.0);
    sim_point p3 = run_point(t, 3, 300, 0, 10000000, 4.0);
    cr_assert_eq(p1.stop, SIM_STOP_TARGET_BLOCK_ERRORS);
    cr_assert(p1.blocks == p2.blocks && p1.blocks == p3.blocks);
    cr_assert(p1.block_errors == p2.block_errors && p1.block_errors == p3.block_errors);
    cr_assert(p1.bit_errors == p2.bit_errors && p1.bit_errors == p3.bit_errors);
    cr_assert(p1.bit_errors_sq == p2.bit_errors_sq && p1.bit_errors_sq == p3.bit_errors_sq);
    // a different seed gives different counts (the seed is used)
    txrx_destroy(t);
}

// A transceiver whose first transmit call stalls (as when another process takes that thread's core)
// until the other threads have made `stall_until` more transmit calls, or 2 s have passed.
static const txrx_vt *stall_base;
static atomic_int stall_calls, stall_taken, stall_timed_out, stall_seen;
static const int stall_until = 3;

static int stall_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    int first = 0;
    if (atomic_compare_exchange_strong(&stall_taken, &first, 1)) {
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (atomic_load(&stall_calls) < stall_until) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((double)(t.tv_sec - t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0.tv_nsec) > 2.0) {
                atomic_store(&stall_seen, atomic_load(&stall_calls));
                atomic_store(&stall_timed_out, 1);
                break;
            }
            struct timespec nap = {0, 1000000};
            nanosleep(&nap, NULL);
        }
    } else {
        atomic_fetch_add(&stall_calls, 1);
    }
    return stall_base->transmit(st, ws, bits, x, batch);
}

Test(engine, a_stalled_thread_does_not_hold_up_the_others)
{
#ifdef _OPENMP
    // one transmit call per chunk; while one thread stalls in its chunk, the other must go on to
    // further chunks instead of waiting for it (with one chunk per thread per wave it would wait)
    txrx *t = mod_bpsk_txrx_create(1);
    sim_point ref = run_point(t, 1, 0, 0, 16000, 2.0);
    txrx_vt vt = *t->vt;
    stall_base = t->vt;
    vt.transmit = stall_transmit;
    t->vt = &vt;
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 7;
    cfg.chunk_blocks = 1000;
    cfg.batch = 1000;
    cfg.target_block_errors = 0;
    cfg.max_blocks = 16000;
    cfg.threads = 2;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, 2.0, &p, NULL), AE_OK);
    sim_engine_destroy(e);
    t->vt = stall_base;
    cr_expect_eq(atomic_load(&stall_timed_out), 0,
                 "the other thread waited for the stalled one after %d chunk(s)", atomic_load(&stall_seen));
    // and the counts are those of one thread
    cr_expect_eq(p.blocks, ref.blocks);
    cr_expect_eq(p.bit_errors, ref.bit_errors);
    cr_expect_eq(p.bit_errors_sq, ref.bit_errors_sq);
    txrx_destroy(t);
#endif
}

Test(engine, stop_rule_takes_the_chunk_ordered_prefix)
{
    txrx *t = mod_bpsk_txrx_create(4);
    sim_point p = run_point(t, 2, 500, 0, 10000000, 3.0);
    cr_assert_eq(p.stop, SIM_STOP_TARGET_BLOCK_ERRORS);
    cr_assert(p.block_errors >= 500);
    cr_assert_eq(p.blocks % 1000, 0, "whole chunks only");
    // without the last chunk the target was not yet met: recompute the last chunk alone
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 7;
    cfg.chunk_blocks = 1000;
    cfg.batch = 256;
    cfg.threads = 1;
    sim_engine *e = sim_engine_create(t, &cfg);
    sim_counts last;
    uint64_t c = p.blocks / 1000 - 1;
    cr_assert_eq(sim_engine_chunk(e, 0, 3.0, ch_sigma2_from_ebno(3.0, 4.0, 4), c, &last), AE_OK);
    cr_assert(p.block_errors - last.block_errors < 500);
    sim_engine_destroy(e);
    // a bit-error target stops on bits
    sim_point q = run_point(t, 2, 0, 800, 10000000, 3.0);
    cr_assert_eq(q.stop, SIM_STOP_TARGET_BIT_ERRORS);
    cr_assert(q.bit_errors >= 800);
    // max_blocks cuts the last chunk short
    sim_point m = run_point(t, 2, 0, 0, 2500, 3.0);
    cr_assert_eq(m.stop, SIM_STOP_MAX_BLOCKS);
    cr_assert_eq(m.blocks, 2500);
    txrx_destroy(t);
}

Test(engine, a_point_does_not_depend_on_the_rest_of_the_grid)
{
    txrx *t = mod_bpsk_txrx_create(2);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.target_block_errors = 0;
    cfg.max_blocks = 30000;
    sim_engine *a = sim_engine_create(t, &cfg), *b = sim_engine_create(t, &cfg);
    sim_point pa, pb, tmp;
    cr_assert_eq(sim_engine_point(a, 3.0, &pa, NULL), AE_OK);
    cr_assert_eq(sim_engine_point(b, 1.0, &tmp, NULL), AE_OK);
    cr_assert_eq(sim_engine_point(b, 3.0, &pb, NULL), AE_OK);
    cr_assert(pa.block_errors == pb.block_errors && pa.bit_errors == pb.bit_errors);
    sim_engine_destroy(a);
    sim_engine_destroy(b);
    txrx_destroy(t);
}

Test(engine, bad_ebno_and_cancel)
{
    txrx *t = mod_bpsk_txrx_create(2);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    sim_engine *e = sim_engine_create(t, &cfg);
    sim_point p;
    cr_assert_eq(sim_engine_point(e, NAN, &p, NULL), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "Eb/N0"));
    volatile sig_atomic_t cancel = 1;
    cr_assert_eq(sim_engine_point(e, 3.0, &p, &cancel), AE_EINTR);
    sim_engine_destroy(e);
    cfg.chunk_blocks = 0;
    cr_assert_null(sim_engine_create(t, &cfg));
    txrx_destroy(t);
}

// ---------------------------------------------------------------------------------------------
// modems over AWGN and fading against the closed forms

// One symbol per block with a new fading gain per symbol, so blocks are independent and the 5-sigma
// band can use the binomial variance for SER and the per-block variance for BER.
static void check_modem(const char *scheme, int demapper, const char *kind, double K, double ebno_db,
                        uint64_t blocks)
{
    int family;
    unsigned M;
    cr_assert_eq(mod_scheme_parse(scheme, &family, &M), AE_OK);
    mod_modem *q = mod_modem_create(family, M);
    txrx *t = mod_modem_txrx_create(q, 1, demapper);
    cr_assert(q && t, "%s", ae_err_message());
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 11;
    cfg.target_block_errors = 0;
    cfg.max_blocks = blocks;
    cfg.threads = 2;
    cfg.soft = demapper != MOD_DEMAP_HARD;
    cr_assert_eq(sim_channel_cfg_init(&cfg.channel, kind), AE_OK);
    if (strcmp(kind, "rician") == 0) {
        char k[32];
        snprintf(k, sizeof k, "%.17g", K);
        cr_assert_eq(sim_channel_set(&cfg.channel, "k_factor", k), AE_OK, "%s", ae_err_message());
    }
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, ebno_db, &p, NULL), AE_OK);
    ch_flat flat = sim_channel_flat(&cfg.channel);
    double ser, ber;
    cr_assert_eq(theory_scheme(family, M, sim_theory_channel(&flat), flat.k_factor, p.esno_db, &ser, &ber),
                 AE_OK);
    assert_rate(p.bler, ser, (double)p.blocks, "%s ch %s K %g at %g dB: SER", scheme, kind, K, ebno_db);
    double mean = (double)p.bit_errors / (double)p.blocks;
    double var = ((double)p.bit_errors_sq - (double)p.blocks * mean * mean) / (double)(p.blocks - 1);
    double sd_ber = sqrt(var / (double)p.blocks) / (double)t->k;
    cr_assert(fabs(p.ber - ber) < 5.0 * sd_ber, "%s ch %s K %g at %g dB: BER %g vs %g (5 sigma %g)", scheme,
              kind, K, ebno_db, p.ber, ber, 5.0 * sd_ber);
    if (cfg.soft)
        cr_assert(p.bmi > 0.0 && p.bmi <= 1.0, "bmi %g", p.bmi);
    else
        cr_assert(isnan(p.bmi));
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

Test(engine_modem, awgn_schemes_match_exact_theory)
{
    check_modem("bpsk", MOD_DEMAP_HARD, "awgn", 0, 4.0, 400000);
    check_modem("qpsk", MOD_DEMAP_HARD, "awgn", 0, 2.0, 200000);
    check_modem("psk8", MOD_DEMAP_HARD, "awgn", 0, -2.0, 200000);
    check_modem("psk16", MOD_DEMAP_HARD, "awgn", 0, 8.0, 200000);
    check_modem("qam16", MOD_DEMAP_HARD, "awgn", 0, 6.0, 200000);
    check_modem("qam64", MOD_DEMAP_HARD, "awgn", 0, 10.0, 200000);
    check_modem("qam256", MOD_DEMAP_HARD, "awgn", 0, 14.0, 200000);
    check_modem("pam4", MOD_DEMAP_HARD, "awgn", 0, 5.0, 200000);
    // the LLR path decides bit by bit from the signs: a max-log LLR's sign is the bit of the nearest
    // point, and for QPSK the exact LLR is the max-log one, so the nearest-point closed forms hold
    check_modem("qam16", MOD_DEMAP_MAXLOG, "awgn", 0, 6.0, 200000);
    check_modem("qpsk", MOD_DEMAP_EXACT, "awgn", 0, 3.0, 200000);
}

Test(engine_modem, fading_schemes_match_averaged_theory)
{
    check_modem("bpsk", MOD_DEMAP_HARD, "rayleigh", 0, 10.0, 200000);
    check_modem("qpsk", MOD_DEMAP_HARD, "rayleigh", 0, 15.0, 400000);
    check_modem("qam16", MOD_DEMAP_HARD, "rayleigh", 0, 15.0, 200000);
    check_modem("psk8", MOD_DEMAP_HARD, "rayleigh", 0, 12.0, 200000);
    check_modem("bpsk", MOD_DEMAP_HARD, "rician", 3.0, 8.0, 200000);
    check_modem("qpsk", MOD_DEMAP_EXACT, "rician", 3.0, 10.0, 200000);
}

Test(engine_modem, counts_and_bmi_identical_for_1_and_2_threads_on_fading)
{
    mod_modem *q = mod_modem_create(MOD_QAM, 16);
    txrx *t = mod_modem_txrx_create(q, 2, MOD_DEMAP_EXACT);
    sim_point p[2];
    for (int th = 1; th <= 2; th++) {
        sim_eval_cfg cfg;
        sim_eval_cfg_default(&cfg);
        cfg.chunk_blocks = 3000;
        cfg.batch = 700;
        cfg.target_block_errors = 2000;
        cfg.threads = th;
        cfg.soft = 1;
        cr_assert_eq(sim_channel_cfg_init(&cfg.channel, "rician"), AE_OK);
        cr_assert_eq(sim_channel_set(&cfg.channel, "k_factor", "2"), AE_OK);
        cr_assert_eq(sim_channel_set(&cfg.channel, "coherence", "3"), AE_OK);
        sim_engine *e = sim_engine_create(t, &cfg);
        cr_assert_eq(sim_engine_point(e, 9.0, &p[th - 1], NULL), AE_OK);
        sim_engine_destroy(e);
    }
    cr_assert_eq(p[0].blocks, p[1].blocks);
    cr_assert_eq(p[0].block_errors, p[1].block_errors);
    cr_assert_eq(p[0].bit_errors, p[1].bit_errors);
    cr_assert(p[0].bmi == p[1].bmi, "bmi %.17g vs %.17g", p[0].bmi, p[1].bmi);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

Test(engine_modem, channel_checks)
{
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_channel_cfg c;
    cr_assert_eq(sim_channel_cfg_init(&c, "rayleigh"), AE_OK);
    cr_assert_eq(sim_channel_set(&c, "csi", "none"), AE_OK);
    cr_assert_eq(sim_channel_check(&c, t, "qpsk"), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "needs csi"), "%s", ae_err_message());
    cr_assert_eq(sim_channel_set(&c, "csi", "perfect"), AE_OK);
    cr_assert_eq(sim_channel_set(&c, "coherence", "0"), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "coherence"), "%s", ae_err_message());
    cr_assert_eq(sim_channel_check(&c, t, "qpsk"), AE_OK, "a refused value left the channel unchanged");
    txrx_destroy(t);
    mod_modem_destroy(q);
    // a real scheme with an odd number of real channel uses cannot ride a complex channel
    mod_modem *pam = mod_modem_create(MOD_PAM, 4);
    t = mod_modem_txrx_create(pam, 1, MOD_DEMAP_HARD);
    cr_assert_eq(sim_channel_check(&c, t, "pam4"), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "even n"), "%s", ae_err_message());
    char buf[64];
    cr_assert_eq(sim_channel_cfg_init(&c, "rician"), AE_OK);
    cr_assert_eq(sim_channel_set(&c, "k_factor", "3"), AE_OK);
    cr_assert_str_eq(sim_channel_describe(&c, buf, sizeof buf), "rician-k3-csi_perfect");
    txrx_destroy(t);
    mod_modem_destroy(pam);
}

// ---------------------------------------------------------------------------------------------
// command-line grids

Test(grid, ranges_lists_and_errors)
{
    double *v;
    size_t n;
    cr_assert_eq(sim_grid_parse("0:0.1:1", &v, &n), AE_OK);
    cr_assert_eq(n, 11, "the end point is included despite rounding");
    cr_assert_float_eq(v[10], 1.0, 1e-12);
    free(v);
    cr_assert_eq(sim_grid_parse("5,-1,2.5", &v, &n), AE_OK);
    cr_assert(n == 3 && v[0] == -1.0 && v[1] == 2.5 && v[2] == 5.0, "sorted");
    free(v);
    const char *bad[] = {"", "1:2", "0:0:5", "5:1:0", "a,b", "1,1.0", "0:1:nan", "1e9", "0:1:2:3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(sim_grid_parse(bad[i], &v, &n), AE_EINVAL, "'%s' accepted", bad[i]);
        cr_assert(strstr(ae_err_message(), "grid"), "%s", ae_err_message());
    }
}

Test(engine_modem, counts_do_not_depend_on_the_batch_size)
{
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = mod_modem_txrx_create(q, 4, MOD_DEMAP_HARD);
    const size_t batches[] = {1000, 999, 256};
    sim_point p[3];
    for (int i = 0; i < 3; i++) {
        sim_eval_cfg cfg;
        sim_eval_cfg_default(&cfg);
        cfg.chunk_blocks = 20000;
        cfg.batch = batches[i];
        cfg.target_block_errors = 0;
        cfg.max_blocks = 60000;
        cr_assert_eq(sim_channel_cfg_init(&cfg.channel, "rayleigh"), AE_OK);
        cr_assert_eq(sim_channel_set(&cfg.channel, "coherence", "3"), AE_OK);
        sim_engine *e = sim_engine_create(t, &cfg);
        cr_assert_eq(sim_engine_point(e, 8.0, &p[i], NULL), AE_OK);
        sim_engine_destroy(e);
    }
    for (int i = 1; i < 3; i++) {
        cr_assert_eq(p[i].block_errors, p[0].block_errors, "batch %zu", batches[i]);
        cr_assert_eq(p[i].bit_errors, p[0].bit_errors, "batch %zu", batches[i]);
    }
    txrx_destroy(t);
    mod_modem_destroy(q);
}
