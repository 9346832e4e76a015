// test_ofdm_link.c - the OFDM link end to end: BER against the flat-fading closed forms, the Eb/N0
// bookkeeping, LS estimation and ISI, thread invariance, and gradients through the whole link.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

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

// L = sum(dout . y) through the whole link (noise-free, fixed taps longer than the CP, so ISI and the
// serial convolution matter too), against central differences on the transmitted symbols.
Test(ofdm_link, gradient_through_the_whole_link)
{
    for (int eq = CH_OFDM_ZF; eq <= CH_OFDM_MMSE; eq++) {
        sim_channel_cfg c = ofdm_channel("0.9,0.3-0.2j,0.1j", NULL);
        (*ch_ofdm_channel_cfg_mut(&c.params)).ofdm.nfft = 8;
        (*ch_ofdm_channel_cfg_mut(&c.params)).ofdm.cp = 1;
        (*ch_ofdm_channel_cfg_mut(&c.params)).equalizer = eq;
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
