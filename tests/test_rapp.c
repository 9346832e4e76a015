// test_rapp.c - the Rapp power-amplifier channel and the black-box switch, through the channel registry.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae.h"
#include "ae_err.h"
#include "channel.h"
#include "classical.h"
#include "engine.h"
#include "modem.h"
#include "rng.h"
#include "theory.h"
#include "train.h"

#include "test_util.h"

// The channel "rapp" with smoothness p and back-off ibo_db.
static sim_channel_cfg rapp(const char *p, const char *ibo_db)
{
    sim_channel_cfg c;
    cr_assert_eq(sim_channel_cfg_init(&c, "rapp"), AE_OK, "%s", ae_err_message());
    cr_assert_eq(sim_channel_set(&c, "p", p), AE_OK, "%s", ae_err_message());
    cr_assert_eq(sim_channel_set(&c, "ibo_db", ibo_db), AE_OK, "%s", ae_err_message());
    return c;
}

Test(rapp, registered_with_its_keys_and_ranges)
{
    const ch_type *t = ch_type_find("rapp");
    cr_assert(t && t->is_complex && t->backward);
    cr_assert(ch_type_key(t, "p") && ch_type_key(t, "ibo_db"));
    sim_channel_cfg c = rapp("3", "3");
    char buf[64];
    cr_assert_str_eq(sim_channel_describe(&c, buf, sizeof buf), "rapp-p3-ibo3");
    cr_assert_eq(sim_channel_set(&c, "p", "0"), AE_EINVAL, "p = 0 is no amplifier");
    cr_assert(strstr(ae_err_message(), "out of range"), "%s", ae_err_message());
    cr_assert_eq(sim_channel_set(&c, "ibo_db", "x"), AE_EINVAL);
    cr_assert_eq(sim_channel_set(&c, "saturation", "1"), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "no key 'saturation'"), "%s", ae_err_message());
}

// Noise-free, point by point: y = x (1 + (g|x|)^(2p))^(-1/(2p)), g = 10^(-IBO/20) / sqrt(P_in), with
// P_in the mean power per complex symbol (block energy / S).
Test(rapp, am_am_point_by_point)
{
    sim_channel_cfg c = rapp("2", "1");
    const size_t S = 4, n = 2 * S;
    txrx shape = {.k = 2, .n = n, .symbols_per_block = S, .is_complex = 1, .block_energy = 8.0};
    sim_chan *ch = sim_chan_create(&c, &shape, 2);
    cr_assert(ch, "%s", ae_err_message());
    sim_chan_ws *w = sim_chan_ws_create(ch);
    const float x[16] = {0.0f, 0.0f,  0.1f, 0.0f, 1.0f,  1.0f, -2.0f, 0.5f,
                         3.0f, -4.0f, 0.2f, 0.3f, -0.7f, 0.0f, 0.0f,  5.0f};
    float y[16];
    gsl_rng *r = sim_rng_alloc();
    txrx_noise nz;
    cr_assert_eq(sim_chan_forward(ch, w, r, r, x, y, &nz, 2, 0.0), AE_OK);
    cr_assert_null(nz.sigma2_sym, "a PA hands no CSI");
    double g = pow(10.0, -1.0 / 20.0) / sqrt(8.0 / 4.0);
    for (size_t i = 0; i < 16; i += 2) {
        double a = hypot(x[i], x[i + 1]), r_a = pow(1.0 + pow(g * a, 4.0), -0.25);
        cr_assert_float_eq(y[i], x[i] * r_a, 1e-6, "y[%zu]", i);
        cr_assert_float_eq(y[i + 1], x[i + 1] * r_a, 1e-6, "y[%zu]", i + 1);
    }
    // saturation: a large input leaves at the saturation amplitude 1/g on the transmitter's scale
    cr_assert(hypot(y[14], y[15]) < 1.0 / g && hypot(y[14], y[15]) > 0.9 / g);
    gsl_rng_free(r);
    sim_chan_ws_destroy(w);
    sim_chan_destroy(ch);
}

// L = sum(dout . y) against central differences on x, across the knee (p = 3 and p = 0.7).
Test(rapp, gradient_against_finite_differences)
{
    const char *ps[] = {"3", "0.7"};
    for (int pi = 0; pi < 2; pi++) {
        sim_channel_cfg c = rapp(ps[pi], "0");
        txrx shape = {.k = 2, .n = 6, .symbols_per_block = 3, .is_complex = 1, .block_energy = 6.0};
        sim_chan *ch = sim_chan_create(&c, &shape, 4);
        cr_assert(ch, "%s", ae_err_message());
        sim_chan_ws *w = sim_chan_ws_create(ch);
        const size_t b = 4, N = b * 6;
        double x[24], dout[24];
        float xf[24], y[24], df[24], dx[24] = {0};
        for (size_t i = 0; i < N; i++) {
            x[i] = 1.8 * sin(1.7 * (double)i + 0.1);
            xf[i] = (float)x[i];
            dout[i] = sin(1.3 * (double)i + 0.3);
            df[i] = (float)dout[i];
        }
        gsl_rng *r = sim_rng_alloc();
        txrx_noise nz;
        cr_assert_eq(sim_chan_forward(ch, w, r, r, xf, y, &nz, b, 0.0), AE_OK);
        cr_assert_eq(sim_chan_backward(ch, w, df, dx, b, 0.0), AE_OK);
        double maxg = 0.0;
        for (size_t i = 0; i < N; i++) {
            double l[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                xf[i] = (float)(x[i] + (sgn ? -1e-3 : 1e-3));
                cr_assert_eq(sim_chan_forward(ch, w, r, r, xf, y, &nz, b, 0.0), AE_OK);
                xf[i] = (float)x[i];
                l[sgn] = 0.0;
                for (size_t j = 0; j < N; j++)
                    l[sgn] += dout[j] * y[j];
            }
            double fd = (l[0] - l[1]) / 2e-3;
            cr_assert(fabs(fd - dx[i]) < 2e-3 * (1.0 + fabs(fd)), "p %s: dx[%zu] = %g, fd %g", ps[pi], i,
                      dx[i], fd);
            maxg = fmax(maxg, fabs(dx[i]));
        }
        cr_assert(maxg > 0.1);
        gsl_rng_free(r);
        sim_chan_ws_destroy(w);
        sim_chan_destroy(ch);
    }
}

// QPSK has a constant envelope: the PA scales every symbol by the same r = (1 + 10^(-IBO p/10))^(-1/(2p)),
// so the BER is QPSK's over AWGN at Es/N0 + 20 log10 r (within 5 sigma of the bit count).
Test(rapp, qpsk_ber_is_awgn_at_the_compressed_snr)
{
    mod_modem *q = mod_modem_create(MOD_QAM, 4);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    cr_assert(q && t);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 5;
    cfg.target_block_errors = 0;
    cfg.max_blocks = 400000;
    cfg.threads = 2;
    cfg.channel = rapp("2", "0");
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    sim_point p;
    cr_assert_eq(sim_engine_point(e, 4.0, &p, NULL), AE_OK);
    double r = pow(2.0, -0.25), ser, ber;
    cr_assert_eq(theory_scheme(MOD_QAM, 4, THEORY_AWGN, 0.0, p.esno_db + 20.0 * log10(r), &ser, &ber), AE_OK);
    double sd = assert_rate(p.ber, ber, (double)p.bits, "BER");
    // and it is worse than without the PA by far more than the noise
    double ser0, ber0;
    theory_scheme(MOD_QAM, 4, THEORY_AWGN, 0.0, p.esno_db, &ser0, &ber0);
    cr_assert(p.ber > ber0 + 10.0 * sd);
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

// black_box = true on a differentiable channel: no backward is called, and training is refused.
Test(rapp, black_box_refuses_training_and_backward)
{
    sim_channel_cfg c = rapp("3", "3");
    cr_assert(sim_channel_differentiable(&c));
    c.black_box = 1;
    cr_assert(!sim_channel_differentiable(&c));
    txrx shape = {.k = 2, .n = 2, .symbols_per_block = 1, .is_complex = 1, .block_energy = 2.0};
    sim_chan *ch = sim_chan_create(&c, &shape, 1);
    sim_chan_ws *w = sim_chan_ws_create(ch);
    float dy[2] = {1, 1}, dx[2] = {0, 0};
    cr_assert_eq(sim_chan_backward(ch, w, dy, dx, 1, 0.1), AE_EINVAL);
    cr_assert(dx[0] == 0.0f && dx[1] == 0.0f, "nothing computed");
    sim_chan_ws_destroy(w);
    sim_chan_destroy(ch);

    ae_cfg ac;
    ae_cfg_default(&ac, 2, 2);
    ae_model *ae = ae_create(&ac);
    cr_assert(ae, "%s", ae_err_message());
    sim_train_cfg tc;
    sim_train_cfg_default(&tc);
    tc.steps = 10;
    tc.batch = 64;
    cr_assert_eq(sim_train_ae(ae, &tc, &c, NULL, NULL, NULL), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "black box") && strstr(ae_err_message(), "gradient"), "%s",
              ae_err_message());
    // the same channel without the switch trains
    c.black_box = 0;
    cr_assert_eq(sim_train_ae(ae, &tc, &c, NULL, NULL, NULL), AE_OK, "%s", ae_err_message());
    ae_destroy(ae);
}
