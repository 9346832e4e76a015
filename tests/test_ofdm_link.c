// test_ofdm_link.c - the OFDM link end to end: BER against the flat-fading closed forms, the Eb/N0
// bookkeeping, LS estimation and ISI, thread invariance, and gradients through the whole link.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "channel.h"
#include "ofdm_channel.h"
#include "engine.h"
#include "modem.h"
#include "rng.h"
#include "theory.h"

// An OFDM QPSK link: N = 64, CP = 16, the given taps or profile, perfect CSI, ZF.
static sim_channel_cfg ofdm_channel(const char *taps, const char *pdp)
{
    sim_channel_cfg c;
    sim_channel_cfg_default(&c);
    cr_assert_eq(sim_channel_cfg_init(&c, "ofdm"), AE_OK);
    if (taps)
        cr_assert_eq(ch_mp_parse_taps(taps, &(*ch_ofdm_channel_cfg_mut(&c.params)).mp), AE_OK, "%s",
                     ae_err_message());
    if (pdp)
        cr_assert_eq(ch_mp_parse_pdp(pdp, &(*ch_ofdm_channel_cfg_mut(&c.params)).mp), AE_OK, "%s",
                     ae_err_message());
    return c;
}

static sim_point run_ofdm(const sim_channel_cfg *c, int threads, double ebno_db, uint64_t blocks, txrx *t)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 5;
    cfg.chunk_blocks = 8192;
    cfg.batch = 1024;
    cfg.target_block_errors = 0;
    cfg.max_blocks = blocks;
    cfg.threads = threads;
    cfg.channel = *c;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, ebno_db, &p, NULL), AE_OK, "%s", ae_err_message());
    sim_engine_destroy(e);
    return p;
}

// |ber - want| within 5 sigma, sigma from the spread of bit errors between channel realisations
static void assert_ber(const sim_point *p, double want, unsigned k, const char *what)
{
    double mean = (double)p->bit_errors / (double)p->groups;
    double var = ((double)p->group_bit_sq - (double)p->groups * mean * mean) / (double)(p->groups - 1);
    double sd = sqrt(var / (double)p->groups) / (double)(k * p->group_blocks);
    cr_assert(sd > 0.0);
    cr_assert(fabs(p->ber - want) < 5.0 * sd, "%s: BER %g vs %g (5 sigma %g)", what, p->ber, want, 5.0 * sd);
    cr_assert(p->ber_lo <= p->ber && p->ber <= p->ber_hi);
}

Test(ofdm_link, random_taps_within_the_cp_give_rayleigh_ber)
{
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_channel_cfg c = ofdm_channel(NULL, "exp:8:3");
    const double pts[] = {5.0, 15.0};
    for (int i = 0; i < 2; i++) {
        sim_point p = run_ofdm(&c, 2, pts[i], 2000000, t);
        cr_assert_eq(p.group_blocks, 64, "one group per OFDM symbol");
        double ser, ber;
        cr_assert_eq(theory_scheme(MOD_PSK, 4, THEORY_RAYLEIGH, 0.0, p.esno_db, &ser, &ber), AE_OK);
        assert_ber(&p, ber, 2, "qpsk rayleigh");
    }
    txrx_destroy(t);
    mod_modem_destroy(q);
}

Test(ofdm_link, fixed_taps_give_the_mean_awgn_ber_over_subcarriers)
{
    mod_modem *q = mod_modem_create(MOD_QAM, 16);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_channel_cfg c = ofdm_channel("0.8,0,0,0.6j", NULL);
    ch_ofdm_link *l = ch_ofdm_link_create(&(*ch_ofdm_channel_cfg_mut(&c.params)), 1);
    size_t nd = ch_ofdm_link_data_carriers(l);
    float *g = malloc(nd * sizeof *g);
    cr_assert_eq(ch_ofdm_link_fixed_gains(l, g), AE_OK);
    sim_point p = run_ofdm(&c, 2, 8.0, 400000, t);
    double want = 0.0;
    for (size_t d = 0; d < nd; d++) {
        double ser, ber;
        cr_assert_eq(theory_scheme(MOD_QAM, 16, THEORY_AWGN, 0.0, p.esno_db + 10.0 * log10(g[d]), &ser, &ber),
                     AE_OK);
        want += ber / (double)nd;
    }
    assert_ber(&p, want, 4, "qam16 fixed taps");
    free(g);
    ch_ofdm_link_destroy(l);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

Test(ofdm_link, charging_cp_and_pilots_shifts_the_curve)
{
    // with pilots every 4 subcarriers, charging CP and pilots costs 10 log10((N+CP)/N) + 10 log10((Nd+Np)/Nd)
    sim_channel_cfg c = ofdm_channel(NULL, "exp:4:3");
    (*ch_ofdm_channel_cfg_mut(&c.params)).ofdm.pilots = CH_OFDM_PILOTS_COMB;
    (*ch_ofdm_channel_cfg_mut(&c.params)).ofdm.pilot_spacing = 4;
    ch_ofdm_link *l = ch_ofdm_link_create(&(*ch_ofdm_channel_cfg_mut(&c.params)), 1);
    double nd = (double)ch_ofdm_link_data_carriers(l),
           np = (double)ch_ofdm_pilot_carriers(ch_ofdm_link_ofdm(l));
    cr_assert_float_eq(ch_ofdm_link_eb_factor(l), 1.0, 1e-15);
    ch_ofdm_link_destroy(l);
    (*ch_ofdm_channel_cfg_mut(&c.params)).charge = CH_OFDM_CHARGE_ALL;
    l = ch_ofdm_link_create(&(*ch_ofdm_channel_cfg_mut(&c.params)), 1);
    double shift_db = 10.0 * log10(ch_ofdm_link_eb_factor(l));
    cr_assert_float_eq(shift_db, 10.0 * log10(80.0 / 64.0) + 10.0 * log10((nd + np) / nd), 1e-12);
    ch_ofdm_link_destroy(l);
    // the simulated link follows: at the same Eb/N0 the charged link sees the Rayleigh BER of a lower SNR,
    // and its Es/N0 column is that SNR of a data symbol
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_point p = run_ofdm(&c, 2, 12.0, 1000000, t);
    cr_assert_float_eq(p.esno_db, 12.0 + 10.0 * log10(2.0) - shift_db, 1e-9);
    double ser, ber;
    cr_assert_eq(theory_scheme(MOD_PSK, 4, THEORY_RAYLEIGH, 0.0, p.esno_db, &ser, &ber), AE_OK);
    assert_ber(&p, ber, 2, "charged");
    txrx_destroy(t);
    mod_modem_destroy(q);
}

Test(ofdm_link, ls_estimation_costs_and_a_channel_longer_than_the_cp_floors)
{
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_channel_cfg perfect = ofdm_channel(NULL, "exp:8:3");
    (*ch_ofdm_channel_cfg_mut(&perfect.params)).ofdm.pilots = CH_OFDM_PILOTS_COMB;
    (*ch_ofdm_channel_cfg_mut(&perfect.params)).ofdm.pilot_spacing = 4;
    sim_channel_cfg ls = perfect;
    (*ch_ofdm_channel_cfg_mut(&ls.params)).csi = CH_OFDM_CSI_LS;
    sim_point pp = run_ofdm(&perfect, 2, 15.0, 500000, t), pl = run_ofdm(&ls, 2, 15.0, 500000, t);
    cr_assert(pl.ber > 1.3 * pp.ber, "LS %g vs perfect %g", pl.ber, pp.ber);
    // 16 taps, CP 4: inter-symbol interference gives a floor that 20 dB more Eb/N0 does not remove
    sim_channel_cfg isi = ofdm_channel(NULL, "exp:16:1");
    (*ch_ofdm_channel_cfg_mut(&isi.params)).ofdm.cp = 4;
    sim_point p30 = run_ofdm(&isi, 2, 30.0, 200000, t), p50 = run_ofdm(&isi, 2, 50.0, 200000, t);
    cr_assert(p50.ber > 0.5 * p30.ber && p50.ber > 1e-3, "floor: %g at 30 dB, %g at 50 dB", p30.ber, p50.ber);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

Test(ofdm_link, counts_identical_for_1_and_2_threads)
{
    mod_modem *q = mod_modem_create(MOD_QAM, 16);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_channel_cfg c = ofdm_channel(NULL, "exp:6:2");
    (*ch_ofdm_channel_cfg_mut(&c.params)).ofdm.pilots = CH_OFDM_PILOTS_COMB;
    (*ch_ofdm_channel_cfg_mut(&c.params)).ofdm.pilot_spacing = 3;
    (*ch_ofdm_channel_cfg_mut(&c.params)).csi = CH_OFDM_CSI_LS;
    sim_point a = run_ofdm(&c, 1, 10.0, 100000, t), b = run_ofdm(&c, 2, 10.0, 100000, t);
    cr_assert(a.blocks == b.blocks && a.block_errors == b.block_errors && a.bit_errors == b.bit_errors);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

// L = sum(dout . y) through the whole link (noise-free, fixed taps of 3), against central differences on
// the transmitted symbols. CP 1: the taps are longer than the CP, so ISI and the serial convolution
// matter too (the time-domain form); CP 2: the frequency-domain form.
static void check_link_gradient(size_t cp, int freq)
{
    for (int eq = CH_OFDM_ZF; eq <= CH_OFDM_MMSE; eq++) {
        sim_channel_cfg c = ofdm_channel("0.9,0.3-0.2j,0.1j", NULL);
        ch_ofdm_link_cfg *lc = ch_ofdm_channel_cfg_mut(&c.params);
        lc->ofdm.nfft = 8;
        lc->ofdm.cp = cp;
        lc->equalizer = eq;
        ch_ofdm_link *link = ch_ofdm_link_create(lc, 1);
        cr_assert(link, "%s", ae_err_message());
        cr_assert_eq(ch_ofdm_link_freq_domain(link), freq, "cp %zu: the form under test", cp);
        ch_ofdm_link_destroy(link);
        txrx shape = {.k = 2, .n = 4, .symbols_per_block = 2, .is_complex = 1};
        sim_chan *ch = sim_chan_create(&c, &shape, 8);
        cr_assert(ch, "%s", ae_err_message());
        size_t b = sim_chan_quantum(ch) * 2, N = b * 4;
        sim_chan_ws *w = sim_chan_ws_create(ch);
        float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *dout = malloc(N * sizeof *dout);
        float *dx = calloc(N, sizeof *dx);
        for (size_t i = 0; i < N; i++) {
            x[i] = (float)sin(1.7 * (double)i + 0.1);
            dout[i] = (float)sin(1.3 * (double)i + 0.3);
        }
        gsl_rng *r = sim_rng_alloc();
        txrx_noise nz;
        // sigma2 tiny: the noise draws are there but negligible next to eps
        cr_assert_eq(sim_chan_forward(ch, w, r, r, x, y, &nz, b, 1e-30), AE_OK);
        cr_assert_eq(sim_chan_backward(ch, w, dout, dx, b, 1e-30), AE_OK);
        double maxg = 0.0;
        for (size_t i = 0; i < N; i++) {
            double l[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                float save = x[i];
                x[i] = save + (sgn ? -1e-2f : 1e-2f);
                sim_rng_seed(r, 1);
                cr_assert_eq(sim_chan_forward(ch, w, r, r, x, y, &nz, b, 1e-30), AE_OK);
                x[i] = save;
                l[sgn] = 0.0;
                for (size_t j = 0; j < N; j++)
                    l[sgn] += (double)dout[j] * y[j];
            }
            double fd = (l[0] - l[1]) / 2e-2;
            cr_assert(fabs(fd - dx[i]) < 2e-3 * (1.0 + fabs(fd)), "eq %d: dx[%zu] = %g, fd %g", eq, i, dx[i],
                      fd);
            maxg = fmax(maxg, fabs(dx[i]));
        }
        cr_assert(maxg > 0.1);
        gsl_rng_free(r);
        free(x);
        free(y);
        free(dout);
        free(dx);
        sim_chan_ws_destroy(w);
        sim_chan_destroy(ch);
    }
}

Test(ofdm_link, gradient_through_the_whole_link)
{
    check_link_gradient(1, 0);
}

Test(ofdm_link, gradient_through_the_frequency_domain_link)
{
    check_link_gradient(2, 1);
}

// ------------------------------------------------------------------------------------------------
// the link against a direct time-domain reference built from the documented parts: modulate, draw the
// taps, convolve the serial stream (each OFDM symbol under its own taps, its tail adding into the next
// symbols), add CN(0, n0) per sample in stream order, demodulate, take H from the direct DFT of the taps
// (or LS), equalise; and the adjoint of each step in reverse for the backward pass.

typedef struct ref_link {
    ch_ofdm *o;
    ch_ofdm_ws *w;
    size_t N, NS, L, nd, S;
    float *taps, *tx, *rx, *pad, *full, *grid, *H, *dgrid, *drx, *dtx;
} ref_link;

static ref_link ref_open(const ch_ofdm_link_cfg *c, size_t S)
{
    ref_link r = {.S = S, .N = c->ofdm.nfft, .L = c->mp.n_taps};
    r.o = ch_ofdm_create(&c->ofdm, S);
    cr_assert(r.o, "%s", ae_err_message());
    r.w = ch_ofdm_ws_create(r.o);
    r.NS = ch_ofdm_samples(r.o);
    r.nd = ch_ofdm_data_carriers(r.o);
    size_t full = r.NS + r.L - 1;
    r.taps = calloc(2 * S * r.L, sizeof(float));
    r.tx = calloc(2 * S * r.NS, sizeof(float));
    r.rx = calloc(2 * S * r.NS, sizeof(float));
    r.pad = calloc(2 * full, sizeof(float));
    r.full = calloc(2 * full, sizeof(float));
    r.grid = calloc(2 * S * r.N, sizeof(float));
    r.H = calloc(2 * S * r.N, sizeof(float));
    r.dgrid = calloc(2 * S * r.N, sizeof(float));
    r.drx = calloc(2 * S * r.NS, sizeof(float));
    r.dtx = calloc(2 * S * r.NS, sizeof(float));
    return r;
}

static void ref_close(ref_link *r)
{
    free(r->taps);
    free(r->tx);
    free(r->rx);
    free(r->pad);
    free(r->full);
    free(r->grid);
    free(r->H);
    free(r->dgrid);
    free(r->drx);
    free(r->dtx);
    ch_ofdm_ws_destroy(r->w);
    ch_ofdm_destroy(r->o);
}

static void ref_forward(ref_link *r, const ch_ofdm_link_cfg *c, gsl_rng *r_fade, gsl_rng *r_noise,
                        const float *data, float *data_eq, float *nvar, double n0)
{
    const size_t S = r->S, N = r->N, NS = r->NS, L = r->L, full = NS + L - 1;
    for (size_t s = 0; s < S; s++) {
        if (s == 0 || c->fade == CH_OFDM_FADE_SYMBOL)
            ch_mp_draw(&c->mp, r_fade, r->taps + 2 * s * L);
        else
            memcpy(r->taps + 2 * s * L, r->taps, 2 * L * sizeof(float));
    }
    cr_assert_eq(ch_ofdm_modulate(r->o, r->w, data, r->tx, S), AE_OK);
    memset(r->rx, 0, 2 * S * NS * sizeof(float));
    for (size_t s = 0; s < S; s++) {
        memset(r->pad, 0, 2 * full * sizeof(float));
        memcpy(r->pad, r->tx + 2 * s * NS, 2 * NS * sizeof(float));
        ch_mp_apply(r->full, r->pad, full, r->taps + 2 * s * L, L);
        for (size_t i = 0; i < 2 * full && 2 * s * NS + i < 2 * S * NS; i++)
            r->rx[2 * s * NS + i] += r->full[i];
    }
    for (size_t i = 0; i < 2 * S * NS; i++)
        r->rx[i] += (float)gsl_ran_gaussian_ziggurat(r_noise, sqrt(n0 / 2.0));
    cr_assert_eq(ch_ofdm_demodulate(r->o, r->w, r->rx, r->grid, S), AE_OK);
    if (c->csi == CH_OFDM_CSI_LS)
        cr_assert_eq(ch_ofdm_estimate_ls(r->o, r->grid, r->H, S), AE_OK);
    else
        for (size_t s = 0; s < S; s++)
            ch_mp_freq_response(r->H + 2 * s * N, N, r->taps + 2 * s * L, L);
    ch_ofdm_equalize(r->o, c->equalizer, r->grid, r->H, n0, data_eq, nvar, S);
}

static void ref_backward(ref_link *r, const ch_ofdm_link_cfg *c, const float *ddata_eq, float *ddata,
                         double n0)
{
    const size_t S = r->S, N = r->N, NS = r->NS, L = r->L, full = NS + L - 1;
    memset(r->dgrid, 0, 2 * S * N * sizeof(float));
    ch_ofdm_equalize_backward(r->o, c->equalizer, ddata_eq, r->H, n0, r->dgrid, S);
    memset(r->drx, 0, 2 * S * NS * sizeof(float));
    cr_assert_eq(ch_ofdm_demodulate_backward(r->o, r->w, r->dgrid, r->drx, S), AE_OK);
    memset(r->dtx, 0, 2 * S * NS * sizeof(float));
    for (size_t s = 0; s < S; s++) {
        memset(r->full, 0, 2 * full * sizeof(float));
        for (size_t i = 0; i < 2 * full && 2 * s * NS + i < 2 * S * NS; i++)
            r->full[i] = r->drx[2 * s * NS + i];
        memset(r->pad, 0, 2 * full * sizeof(float));
        ch_mp_apply_backward(r->pad, r->full, full, r->taps + 2 * s * L, L);
        for (size_t i = 0; i < 2 * NS; i++)
            r->dtx[2 * s * NS + i] += r->pad[i];
    }
    cr_assert_eq(ch_ofdm_modulate_backward(r->o, r->w, r->dtx, ddata, S), AE_OK);
}

typedef struct ref_case {
    size_t nfft, cp;
    int null_dc;
    size_t guard_low, guard_high, pilot_spacing; // pilot_spacing 0: no pilots
    const char *pdp, *taps;
    int fade, csi, equalizer, freq; // freq: the form the link must pick
} ref_case;

Test(ofdm_link, matches_a_direct_time_domain_reference)
{
    const ref_case cases[] = {
        // the bench case: per-symbol taps, perfect CSI, ZF
        {64, 16, 0, 0, 0, 0, "exp:8:3", NULL, CH_OFDM_FADE_SYMBOL, CH_OFDM_CSI_PERFECT, CH_OFDM_ZF, 1},
        {64, 16, 1, 5, 4, 4, "exp:8:3", NULL, CH_OFDM_FADE_FRAME, CH_OFDM_CSI_LS, CH_OFDM_MMSE, 1},
        // odd N, CP exactly L - 1
        {15, 3, 1, 2, 2, 3, "exp:4:2", NULL, CH_OFDM_FADE_SYMBOL, CH_OFDM_CSI_LS, CH_OFDM_ZF, 1},
        {15, 3, 1, 2, 2, 3, "exp:4:2", NULL, CH_OFDM_FADE_SYMBOL, CH_OFDM_CSI_PERFECT, CH_OFDM_MMSE, 1},
        // CP = N and L = N + 1 taps: the last tap folds onto the first subcarrier phase
        {4, 4, 0, 0, 0, 0, "1,1,1,1,1", NULL, CH_OFDM_FADE_SYMBOL, CH_OFDM_CSI_PERFECT, CH_OFDM_ZF, 1},
        {32, 3, 0, 0, 0, 0, NULL, "0.8,0,0,0.6j", CH_OFDM_FADE_FRAME, CH_OFDM_CSI_PERFECT, CH_OFDM_ZF, 1},
        // CP shorter than the channel: the time-domain form, ISI, taps longer than N folded in H
        {16, 2, 0, 0, 0, 0, "exp:4:1", NULL, CH_OFDM_FADE_SYMBOL, CH_OFDM_CSI_PERFECT, CH_OFDM_ZF, 0},
        {8, 2, 0, 0, 0, 0, "exp:12:1", NULL, CH_OFDM_FADE_SYMBOL, CH_OFDM_CSI_PERFECT, CH_OFDM_MMSE, 0},
        {16, 4, 1, 1, 1, 3, "exp:16:1", NULL, CH_OFDM_FADE_FRAME, CH_OFDM_CSI_LS, CH_OFDM_MMSE, 0},
    };
    const size_t S = 7;
    const double n0s[] = {0.0, 0.05};
    gsl_rng *fa = sim_rng_alloc(), *na = sim_rng_alloc(), *fb = sim_rng_alloc(), *nb = sim_rng_alloc(),
            *rd = sim_rng_alloc();
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const ref_case *rc = &cases[ci];
        sim_channel_cfg sc = ofdm_channel(rc->taps, rc->pdp);
        ch_ofdm_link_cfg c = *ch_ofdm_channel_cfg(&sc.params);
        c.ofdm.nfft = rc->nfft;
        c.ofdm.cp = rc->cp;
        c.ofdm.null_dc = rc->null_dc;
        c.ofdm.guard_low = rc->guard_low;
        c.ofdm.guard_high = rc->guard_high;
        c.ofdm.pilots = rc->pilot_spacing ? CH_OFDM_PILOTS_COMB : CH_OFDM_PILOTS_NONE;
        c.ofdm.pilot_spacing = rc->pilot_spacing;
        c.fade = rc->fade;
        c.csi = rc->csi;
        c.equalizer = rc->equalizer;
        ch_ofdm_link *l = ch_ofdm_link_create(&c, S);
        cr_assert(l, "case %zu: %s", ci, ae_err_message());
        cr_assert_eq(ch_ofdm_link_freq_domain(l), rc->freq, "case %zu: the form picked", ci);
        ch_ofdm_link_ws *lw = ch_ofdm_link_ws_create(l);
        ref_link r = ref_open(&c, S);
        const size_t nd = r.nd, n = 2 * S * nd;
        float *data = malloc(n * sizeof(float)), *dd = malloc(n * sizeof(float));
        float *ya = malloc(n * sizeof(float)), *yb = malloc(n * sizeof(float));
        float *va = malloc(S * nd * sizeof(float)), *vb = malloc(S * nd * sizeof(float));
        float *ga = calloc(n, sizeof(float)), *gb = calloc(n, sizeof(float));
        for (size_t t = 0; t < 2; t++) {
            double n0 = n0s[t];
            sim_rng_seed(rd, 100 + ci);
            for (size_t i = 0; i < n; i++) {
                data[i] = (float)(2.0 * gsl_rng_uniform(rd) - 1.0);
                dd[i] = (float)(2.0 * gsl_rng_uniform(rd) - 1.0);
            }
            sim_rng_seed(fa, 7 + ci);
            sim_rng_seed(fb, 7 + ci);
            sim_rng_seed(na, 9 + ci);
            sim_rng_seed(nb, 9 + ci);
            cr_assert_eq(ch_ofdm_link_forward(l, lw, fa, na, data, ya, va, S, n0), AE_OK, "%s",
                         ae_err_message());
            ref_forward(&r, &c, fb, nb, data, yb, vb, n0);
            // both consumed the same random numbers
            cr_assert_eq(gsl_rng_get(fa), gsl_rng_get(fb), "case %zu: taps stream", ci);
            cr_assert_eq(gsl_rng_get(na), gsl_rng_get(nb), "case %zu: noise stream", ci);
            // rounding in the grid is about 1e-7 of the signal in every subcarrier; equalisation divides
            // it by |H|, so the tolerance scales with 1 / |H| of the subcarrier
            double hsum = 0.0;
            for (size_t s = 0; s < S; s++)
                for (size_t d = 0; d < nd; d++) {
                    size_t k = ch_ofdm_data_index(ch_ofdm_link_ofdm(l), d), i = s * nd + d;
                    const float *h = r.H + 2 * (s * r.N + k);
                    double ah = hypot(h[0], h[1]), scale = 1.0 + 1.0 / ah;
                    hsum += ah;
                    double e = hypot((double)ya[2 * i] - yb[2 * i], (double)ya[2 * i + 1] - yb[2 * i + 1]);
                    double bmag = hypot(yb[2 * i], yb[2 * i + 1]);
                    cr_assert(e <= 2e-5 * (1.0 + bmag) * scale,
                              "case %zu n0 %g: data_eq[%zu] off by %g (|H| %g)", ci, n0, i, e, ah);
                    cr_assert(fabs((double)va[i] - vb[i]) <= 2e-5 * vb[i] * scale + 1e-30,
                              "case %zu: nvar[%zu] %g vs %g", ci, i, va[i], vb[i]);
                }
            cr_assert(hsum > 0.1 * (double)(S * nd), "case %zu: a channel that carries the data", ci);
            // the backward passes of both
            memset(ga, 0, n * sizeof(float));
            memset(gb, 0, n * sizeof(float));
            cr_assert_eq(ch_ofdm_link_backward(l, lw, dd, ga, S, n0), AE_OK, "%s", ae_err_message());
            ref_backward(&r, &c, dd, gb, n0);
            double gmax = 0.0;
            for (size_t i = 0; i < 2 * S * r.N; i++)
                gmax = fmax(gmax, fabs(r.dgrid[i]));
            for (size_t i = 0; i < n; i++)
                cr_assert(fabs((double)ga[i] - gb[i]) <= 2e-5 * (1.0 + gmax),
                          "case %zu n0 %g: ddata[%zu] %g vs %g", ci, n0, i, ga[i], gb[i]);
        }
        free(data);
        free(dd);
        free(ya);
        free(yb);
        free(va);
        free(vb);
        free(ga);
        free(gb);
        ref_close(&r);
        ch_ofdm_link_ws_destroy(lw);
        ch_ofdm_link_destroy(l);
    }
    gsl_rng_free(fa);
    gsl_rng_free(na);
    gsl_rng_free(fb);
    gsl_rng_free(nb);
    gsl_rng_free(rd);
}
