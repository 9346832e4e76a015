// test_ae.c - the (n,k) autoencoder: configuration and memory checks, parameter counts, power
// constraints, end-to-end finite-difference gradients, the txrx wrapper and a short training run.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ae.h"
#include "ae_err.h"
#include "grad_check.h"
#include "nn.h"
#include "txrx.h"

// A created and initialised model for cfg (seeded mt19937), failing the test on error.
static ae_model *make_model(const ae_cfg *cfg, unsigned long seed)
{
    ae_model *ae = ae_create(cfg);
    cr_assert(ae, "ae_create: %s", ae_err_message());
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(r);
    gsl_rng_set(r, seed);
    ae_init(ae, r);
    gsl_rng_free(r);
    return ae;
}

// ---------------------------------------------------------------------------------------------
// configuration, counts and memory

Test(ae, param_counts_table_iv)
{
    ae_cfg c;
    ae_cfg_default(&c, 2, 2);
    cr_assert_eq(ae_param_count(&c), 62);
    ae_cfg_default(&c, 4, 7);
    cr_assert_eq(ae_param_count(&c), 791);
    ae_cfg_default(&c, 8, 8);
    cr_assert_eq(ae_param_count(&c), 135944);
    // the model's layout agrees with the count, and its layers tile the block without gaps
    ae_cfg_default(&c, 4, 7);
    ae_model *ae = ae_create(&c);
    cr_assert(ae);
    cr_assert_eq(ae->n_params, 791);
    cr_assert_eq(ae->n_layers, 4);
    cr_assert_eq(ae->n_tx_layers, 2);
    size_t off = 0;
    for (size_t l = 0; l < ae->n_layers; l++) {
        cr_assert_eq(ae->layers[l].w_off, off);
        cr_assert_eq(ae->layers[l].b_off, off + ae->layers[l].in * ae->layers[l].out);
        off = ae->layers[l].b_off + ae->layers[l].out;
    }
    cr_assert_eq(off, 791);
    ae_destroy(ae);
}

Test(ae, cfg_validate_rejects_bad_values)
{
    ae_cfg c;
    ae_cfg_default(&c, 4, 7);
    cr_assert_eq(ae_cfg_validate(&c), AE_OK);
    ae_cfg_default(&c, 4, 0);
    cr_assert_eq(ae_cfg_validate(&c), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "n = 0"), "message: %s", ae_err_message());
    ae_cfg_default(&c, 0, 7);
    cr_assert_eq(ae_cfg_validate(&c), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "k = 0"), "message: %s", ae_err_message());
    ae_cfg_default(&c, 25, 7);
    cr_assert_eq(ae_cfg_validate(&c), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "k = 25"), "message: %s", ae_err_message());
    cr_assert_null(ae_create(&c));
    ae_cfg_default(&c, 4, 7);
    c.rx_hidden[0] = 0;
    cr_assert_eq(ae_cfg_validate(&c), AE_EINVAL);
    ae_cfg_default(&c, 4, 7);
    c.n_tx_hidden = AE_MAX_HIDDEN + 1;
    cr_assert_eq(ae_cfg_validate(&c), AE_EINVAL);
    ae_cfg_default(&c, 4, 7);
    c.norm = 2;
    cr_assert_eq(ae_cfg_validate(&c), AE_EINVAL);
}

Test(ae, memory_check_rejects_k24)
{
    const size_t GiB = (size_t)1 << 30;
    ae_cfg c;
    ae_cfg_default(&c, 24, 8);
    size_t bytes = 0;
    cr_assert_eq(ae_memory_check(&c, 1000, GiB, &bytes), AE_ENOMEM);
    cr_assert(bytes > GiB);
    cr_assert(strstr(ae_err_message(), "k = 24"), "message: %s", ae_err_message());
    // (7,4) fits and the figure covers at least the four parameter blocks
    ae_cfg_default(&c, 4, 7);
    cr_assert_eq(ae_memory_check(&c, 1000, GiB, &bytes), AE_OK);
    cr_assert(bytes >= 4 * 791 * sizeof(float) && bytes < GiB, "bytes = %zu", bytes);
    // the bound is strict: one byte less than the need fails
    cr_assert_eq(ae_memory_check(&c, 1000, bytes, NULL), AE_OK);
    cr_assert_eq(ae_memory_check(&c, 1000, bytes - 1, NULL), AE_ENOMEM);
}

// ---------------------------------------------------------------------------------------------
// constraints and the codebook

// Encoder output of a fresh (n,k) model for a batch cycling through the messages.
static void check_norm(int norm)
{
    enum { B = 37 };
    ae_cfg c;
    ae_cfg_default(&c, 4, 7);
    c.norm = norm;
    ae_model *ae = make_model(&c, 3);
    ae_ws *ws = ae_ws_create(ae, B);
    cr_assert(ws);
    uint32_t msg[B];
    float x[B * 7];
    for (size_t r = 0; r < B; r++)
        msg[r] = (uint32_t)((r * 5) % ae->M);
    cr_assert_eq(ae_tx_forward(ae, ws, msg, x, B), AE_OK);
    if (norm == AE_NORM_ENERGY) {
        for (size_t r = 0; r < B; r++) {
            const double e = gc_dot(x + r * 7, x + r * 7, 7);
            cr_assert(fabs(e - 7.0) < 1e-5, "block %zu energy %.8g", r, e);
        }
    } else {
        const double p = gc_dot(x, x, B * 7) / (B * 7);
        cr_assert(fabs(p - 1.0) < 1e-6, "mean power %.8g", p);
    }
    cr_assert_eq(ae_eval_prepare(ae), AE_OK);
    cr_assert(ae->codebook_ready);
    const double E = ae_codebook_energy(ae);
    cr_assert(fabs(E - 7.0) < 1e-5, "codebook energy %.8g, expected n = 7", E);
    ae_ws_destroy(ws);
    ae_destroy(ae);
}

Test(ae, energy_norm_n_per_block)
{
    check_norm(AE_NORM_ENERGY);
}

Test(ae, power_norm_unit_mean_power)
{
    check_norm(AE_NORM_POWER);
}

Test(ae, codebook_matches_encoder)
{
    // with the energy constraint the codebook row of m is exactly the encoder output for m
    ae_cfg c;
    ae_cfg_default(&c, 3, 5);
    ae_model *ae = make_model(&c, 11);
    ae_ws *ws = ae_ws_create(ae, 8);
    cr_assert(ws);
    uint32_t msg[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    float x[8 * 5];
    cr_assert_eq(ae_tx_forward(ae, ws, msg, x, 8), AE_OK);
    cr_assert_eq(ae_eval_prepare(ae), AE_OK);
    for (size_t i = 0; i < 8 * 5; i++)
        cr_assert_float_eq(ae->codebook[i], x[i], 1e-6f, "codebook[%zu]", i);
    ae_ws_destroy(ws);
    ae_destroy(ae);
}

Test(ae, bad_batch_and_message)
{
    ae_cfg c;
    ae_cfg_default(&c, 2, 2);
    ae_model *ae = make_model(&c, 1);
    ae_ws *ws = ae_ws_create(ae, 4);
    cr_assert(ws);
    uint32_t msg[5] = {0, 1, 2, 3, 0};
    float x[5 * 2] = {0};
    cr_assert_eq(ae_tx_forward(ae, ws, msg, x, 5), AE_EBADLEN);
    cr_assert_null(ae_rx_forward(ae, ws, x, 5));
    msg[2] = 4; // M = 4
    cr_assert_eq(ae_tx_forward(ae, ws, msg, x, 4), AE_EINVAL);
    cr_assert_null(ae_txrx_create(ae)); // codebook not prepared
    ae_ws_destroy(ws);
    ae_destroy(ae);
}

// ---------------------------------------------------------------------------------------------
// end-to-end gradient: msg -> tx -> y = x + fixed noise -> rx -> mean cross-entropy

// Context of the end-to-end finite-difference loss.
typedef struct e2e_ctx {
    ae_model *ae;
    ae_ws *ws;
    uint32_t *msg;
    float *x, *y, *noise;
    size_t B;
} e2e_ctx;

// Forward through the whole system; returns the mean loss (accumulated in double by nn_softmax_xent).
static double e2e_loss(void *p)
{
    e2e_ctx *c = p;
    const size_t N = c->B * c->ae->cfg.n;
    cr_assert_eq(ae_tx_forward(c->ae, c->ws, c->msg, c->x, c->B), AE_OK);
    for (size_t i = 0; i < N; i++)
        c->y[i] = c->x[i] + c->noise[i]; // AWGN with a fixed realisation
    cr_assert_not_null(ae_rx_forward(c->ae, c->ws, c->y, c->B));
    return ae_rx_loss(c->ae, c->ws, c->msg, c->B);
}

// Check every parameter's gradient of the end-to-end loss by central differences.
//
// Step: GC_EPS (1e-3). eps = 1e-2 is too coarse here: the energy normalisation and the softmax are
// strongly curved at this scale and the O(eps^2) error reached 5 % on the largest gradients (seen on
// (3,2), with eps = 1e-3 and 1e-4 agreeing to 1e-4). At 1e-3 the float32 rounding of the loss
// (~1e-7 of ~1.5, over 2 eps) stays below 1e-4 absolute; the parameters are shifted off the
// zero-bias init so that pre-activations are generic and no ReLU kink lies within eps.
static void check_e2e_grad(const ae_cfg *cfg)
{
    ae_model *ae = make_model(cfg, 2024);
    const size_t M = ae->M, n = cfg->n, B = 2 * M, P = ae->n_params;
    for (size_t i = 0; i < P; i++) // generic point: nonzero biases, no symmetric init
        ae->params[i] += (float)(0.2 * sin(1.7 * (double)i + 0.3));
    ae_ws *ws = ae_ws_create(ae, B);
    cr_assert(ws);
    uint32_t *msg = malloc(B * sizeof *msg);
    float *x = malloc(B * n * sizeof *x), *y = malloc(B * n * sizeof *y);
    float *noise = malloc(B * n * sizeof *noise), *dy = malloc(B * n * sizeof *dy);
    double *num = malloc(P * sizeof *num);
    cr_assert(msg && x && y && noise && dy && num);
    for (size_t r = 0; r < B; r++)
        msg[r] = (uint32_t)(r % M);
    gc_fill_sin(noise, B * n, 0.4, 0.9);
    e2e_ctx c = {ae, ws, msg, x, y, noise, B};

    // analytic: rx backward gives dL/dy; the AWGN backward is the identity (dx = dy)
    ae_zero_grad(ae);
    const double L = e2e_loss(&c);
    cr_assert(isfinite(L));
    cr_assert_eq(ae_rx_backward(ae, ws, dy, B), AE_OK);
    cr_assert_eq(ae_tx_backward(ae, ws, dy, B), AE_OK);

    gc_numeric(num, ae->params, P, GC_EPS, e2e_loss, &c);
    gc_compare("autoencoder dparams (all)", ae->grads, num, P, GC_TOL, GC_FLOOR_MODEL);
    // every layer's W and b got a nonzero gradient (guards a layer silently skipped)
    for (size_t l = 0; l < ae->n_layers; l++) {
        const nn_dense_desc *Ld = &ae->layers[l];
        double gw = 0.0, gb = 0.0;
        for (size_t i = 0; i < Ld->in * Ld->out; i++)
            gw = fmax(gw, fabs(ae->grads[Ld->w_off + i]));
        for (size_t i = 0; i < Ld->out; i++)
            gb = fmax(gb, fabs(ae->grads[Ld->b_off + i]));
        cr_assert(gw > 1e-6 && gb > 1e-6, "layer %zu: max |dW| = %g, max |db| = %g", l, gw, gb);
    }
    free(msg), free(x), free(y), free(noise), free(dy), free(num);
    ae_ws_destroy(ws);
    ae_destroy(ae);
}

// An (n,k) cfg with the given hidden widths (0-terminated lists) and norm.
static ae_cfg small_cfg(unsigned k, size_t n, const size_t *tx, const size_t *rx, int norm)
{
    ae_cfg c;
    ae_cfg_default(&c, k, n);
    c.n_tx_hidden = 0;
    while (tx[c.n_tx_hidden])
        c.tx_hidden[c.n_tx_hidden] = tx[c.n_tx_hidden], c.n_tx_hidden++;
    c.n_rx_hidden = 0;
    while (rx[c.n_rx_hidden])
        c.rx_hidden[c.n_rx_hidden] = rx[c.n_rx_hidden], c.n_rx_hidden++;
    c.norm = norm;
    return c;
}

Test(ae, grad_fd_energy_3_2)
{
    const size_t h[] = {5, 0};
    const ae_cfg c = small_cfg(2, 3, h, h, AE_NORM_ENERGY);
    check_e2e_grad(&c);
}

Test(ae, grad_fd_power_3_2)
{
    const size_t h[] = {5, 0};
    const ae_cfg c = small_cfg(2, 3, h, h, AE_NORM_POWER);
    check_e2e_grad(&c);
}

Test(ae, grad_fd_deep_energy)
{
    // two hidden layers each side: exercises the hidden-to-hidden backward and the ping-pong buffers
    const size_t tx[] = {6, 4, 0}, rx[] = {5, 7, 0};
    const ae_cfg c = small_cfg(3, 4, tx, rx, AE_NORM_ENERGY);
    check_e2e_grad(&c);
}

Test(ae, grad_fd_deep_power)
{
    const size_t tx[] = {6, 4, 0}, rx[] = {5, 7, 0};
    const ae_cfg c = small_cfg(3, 4, tx, rx, AE_NORM_POWER);
    check_e2e_grad(&c);
}

Test(ae, grad_fd_no_hidden_layers)
{
    // encoder = lookup Dense(M -> n), decoder = Dense(n -> M): both linear
    const size_t none[] = {0};
    const ae_cfg c = small_cfg(3, 4, none, none, AE_NORM_POWER);
    check_e2e_grad(&c);
}

// ---------------------------------------------------------------------------------------------
// training and the txrx wrapper

// Train (n,k) with Adam over AWGN at ebno_db; returns the mean loss of the last 100 steps.
static double train(ae_model *ae, size_t steps, size_t B, double lr, double ebno_db, gsl_rng *r)
{
    const size_t n = ae->cfg.n;
    ae_ws *ws = ae_ws_create(ae, B);
    uint32_t *msg = malloc(B * sizeof *msg);
    float *x = malloc(B * n * sizeof *x), *dy = malloc(B * n * sizeof *dy);
    cr_assert(ws && msg && x && dy);
    // sigma2 = E / (2 k Eb/N0) with E = n (channels/ch.h)
    const double sigma = sqrt((double)n / (2.0 * ae->cfg.k * pow(10.0, ebno_db / 10.0)));
    nn_adam_cfg ac;
    nn_adam_cfg_default(&ac);
    double tail = 0.0;
    for (size_t s = 0; s < steps; s++) {
        for (size_t i = 0; i < B; i++)
            msg[i] = (uint32_t)gsl_rng_uniform_int(r, ae->M);
        ae_zero_grad(ae);
        cr_assert_eq(ae_tx_forward(ae, ws, msg, x, B), AE_OK);
        for (size_t i = 0; i < B * n; i++)
            x[i] += (float)gsl_ran_gaussian_ziggurat(r, sigma);
        cr_assert_not_null(ae_rx_forward(ae, ws, x, B));
        const double L = ae_rx_loss(ae, ws, msg, B);
        cr_assert(isfinite(L), "step %zu: loss %g", s, L);
        if (s + 100 >= steps)
            tail += L / 100.0;
        cr_assert_eq(ae_rx_backward(ae, ws, dy, B), AE_OK);
        cr_assert_eq(ae_tx_backward(ae, ws, dy, B), AE_OK);
        nn_adam_step(ae->params, ae->grads, ae->adam_m, ae->adam_v, ae->n_params, &ac, lr, ++ae->adam_step);
    }
    free(msg), free(x), free(dy);
    ae_ws_destroy(ws);
    return tail;
}

Test(ae, training_learns_7_4, .timeout = 60)
{
    ae_cfg c;
    ae_cfg_default(&c, 4, 7);
    ae_model *ae = make_model(&c, 5);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(r);
    gsl_rng_set(r, 17);
    const double L = train(ae, 2000, 256, 1e-2, 7.0, r);
    // untrained: ~log(16) = 2.77 nats; learning must take it well below a quarter of that
    cr_log_info("(7,4) loss after 2000 steps: %.4f", L);
    cr_assert(L < log(16.0) / 4.0, "loss after training %.4f, expected < %.4f", L, log(16.0) / 4.0);

    // the wrapped, trained model decodes every noiseless codeword to its message
    cr_assert_eq(ae_eval_prepare(ae), AE_OK);
    txrx *t = ae_txrx_create(ae);
    cr_assert(t, "%s", ae_err_message());
    cr_assert_eq(t->k, 4);
    cr_assert_eq(t->n, 7);
    cr_assert_eq(t->symbols_per_block, 7);
    cr_assert_eq(t->is_complex, 0);
    cr_assert(fabs(t->block_energy - 7.0) < 1e-4, "block energy %g", t->block_energy);
    void *ws = t->vt->ws_create(t->st, 16);
    cr_assert(ws);
    uint64_t bits[17] = {0}, hat[16];
    float x[16 * 7];
    for (uint32_t m = 0; m < 16; m++) {
        txrx_set_index(bits + m, 4, m); // message m = the block's 4 bits, MSB first
        hat[m] = ~UINT64_C(0);
    }
    cr_assert_eq(bits[0xA], UINT64_C(0xA) << 60);
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 16), AE_OK);
    cr_assert_eq(memcmp(x, ae->codebook, sizeof x), 0);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){0.1, NULL}, hat, 16), AE_OK);
    for (uint32_t m = 0; m < 16; m++)
        cr_assert_eq(hat[m], bits[m], "message %u decoded as %016llx", m, (unsigned long long)hat[m]);
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 17), AE_EBADLEN);
    const uint64_t beyond_k = UINT64_C(1) << 59; // bit 4 of a 4-bit block
    cr_assert_eq(t->vt->transmit(t->st, ws, &beyond_k, x, 1), AE_EINVAL);
    t->vt->ws_destroy(ws);
    txrx_destroy(t);
    // the txrx borrowed the model: it is still alive and usable
    cr_assert_eq(ae_eval_prepare(ae), AE_OK);
    ae_destroy(ae);
    gsl_rng_free(r);
}
