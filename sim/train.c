// train.c - end-to-end training of the autoencoder through the AWGN channel.
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "ch.h"
#include "nn.h"
#include "rng.h"

const char *sim_lr_schedule_name(int schedule)
{
    switch (schedule) {
    case SIM_LR_CONSTANT: return "constant";
    case SIM_LR_COSINE: return "cosine";
    case SIM_LR_EXPONENTIAL: return "exponential";
    default: return "?";
    }
}

int sim_lr_schedule_parse(const char *name)
{
    for (int s = SIM_LR_CONSTANT; s <= SIM_LR_EXPONENTIAL; s++)
        if (strcmp(name, sim_lr_schedule_name(s)) == 0)
            return s;
    return -1;
}

void sim_train_cfg_default(sim_train_cfg *c)
{
    c->steps = 10000;
    c->batch = 1000;
    c->lr = 1e-2;
    c->lr_final = 1e-4;
    c->schedule = SIM_LR_COSINE;
    c->ebno_db = 4.0;
    c->seed = 1;
    c->log_every = 100;
    c->checkpoint_every = 1000;
}

int sim_train_cfg_validate(const sim_train_cfg *c)
{
    if (c->steps < 1)
        return AE_ERROR(AE_EINVAL, "steps = 0, expected >= 1");
    if (c->batch < 1)
        return AE_ERROR(AE_EINVAL, "batch = 0, expected >= 1");
    if (!(c->lr > 0.0) || !isfinite(c->lr))
        return AE_ERROR(AE_EINVAL, "lr = %g, expected a finite number > 0", c->lr);
    if (!(c->lr_final > 0.0) || !isfinite(c->lr_final))
        return AE_ERROR(AE_EINVAL, "lr_final = %g, expected a finite number > 0", c->lr_final);
    if (c->schedule < SIM_LR_CONSTANT || c->schedule > SIM_LR_EXPONENTIAL)
        return AE_ERROR(AE_EINVAL, "schedule %d unknown", c->schedule);
    if (!isfinite(c->ebno_db))
        return AE_ERROR(AE_EINVAL, "ebno_db = %g, expected a finite value in dB", c->ebno_db);
    if (c->log_every < 1)
        return AE_ERROR(AE_EINVAL, "log_every = 0, expected >= 1");
    if (c->checkpoint_every % c->log_every != 0)
        return AE_ERROR(AE_EINVAL, "checkpoint_every = %llu, expected a multiple of log_every = %llu (or 0)",
                        (unsigned long long)c->checkpoint_every, (unsigned long long)c->log_every);
    return AE_OK;
}

double sim_train_lr(const sim_train_cfg *c, uint64_t t)
{
    double f = (double)t / (double)c->steps;
    switch (c->schedule) {
    case SIM_LR_COSINE: return c->lr_final + (c->lr - c->lr_final) * 0.5 * (1.0 + cos(M_PI * f));
    case SIM_LR_EXPONENTIAL: return c->lr * pow(c->lr_final / c->lr, f);
    default: return c->lr;
    }
}

int sim_train_ae(ae_model *ae, const sim_train_cfg *cfg, const sim_channel_cfg *ch, sim_train_log_fn log,
                 void *ctx, volatile sig_atomic_t *cancel)
{
    sim_train_hooks hooks = {.log = log, .ctx = ctx};
    return sim_train_ae_hooks(ae, cfg, ch, &hooks, cancel);
}

int sim_train_ae_hooks(ae_model *ae, const sim_train_cfg *cfg, const sim_channel_cfg *ch,
                       const sim_train_hooks *hooks, volatile sig_atomic_t *cancel)
{
    sim_train_hooks none = {0};
    if (!hooks)
        hooks = &none;
    sim_train_log_fn log = hooks->log;
    void *ctx = hooks->ctx;
    int rc = sim_train_cfg_validate(cfg);
    if (rc != AE_OK)
        return rc;
    sim_channel_cfg awgn;
    sim_channel_cfg_default(&awgn);
    if (!ch)
        ch = &awgn;
    size_t n = ae->cfg.n;
    // the channel sees the encoder's blocks; a learned receiver needs no CSI
    txrx shape = {.k = ae->cfg.k, .n = n, .symbols_per_block = n, .is_complex = ch->kind != SIM_CH_AWGN};
    sim_chan *chan = sim_chan_create(ch, &shape, cfg->batch);
    if (!chan)
        return ae_err_forward(AE_EINVAL, ae_err_message());
    // whole quanta (OFDM symbols) per step
    size_t q = sim_chan_quantum(chan), B = (cfg->batch + q - 1) / q * q;
    double sigma2 = ch_sigma2_from_ebno(cfg->ebno_db, (double)n * sim_chan_eb_factor(chan), ae->cfg.k);
    uint32_t mask = (uint32_t)(ae->M - 1);
    nn_adam_cfg adam;
    nn_adam_cfg_default(&adam);

    ae_ws *ws = ae_ws_create(ae, B);
    sim_chan_ws *cw = sim_chan_ws_create(chan);
    uint32_t *msg = malloc(B * sizeof *msg);
    float *x = malloc(B * n * sizeof *x), *y = malloc(B * n * sizeof *y);
    float *dx = malloc(B * n * sizeof *dx), *dy = malloc(B * n * sizeof *dy);
    gsl_rng *r_init = sim_rng_alloc(), *r_msg = sim_rng_alloc(), *r_noise = sim_rng_alloc();
    gsl_rng *r_fade = sim_rng_alloc();
    if (!ws || !cw || !msg || !x || !y || !dx || !dy || !r_init || !r_msg || !r_noise || !r_fade) {
        rc = AE_ERROR(AE_ENOMEM, "cannot allocate training buffers for batch %zu", B);
        goto done;
    }
    // separate streams: changing the batch size does not change the initial weights
    sim_rng_seed(r_init, sim_stream_key(cfg->seed, 0, 0, SIM_STREAM_INIT));
    sim_rng_seed(r_msg, sim_stream_key(cfg->seed, 0, 0, SIM_STREAM_TRAIN_MSG));
    sim_rng_seed(r_noise, sim_stream_key(cfg->seed, 0, 0, SIM_STREAM_TRAIN_NOISE));
    sim_rng_seed(r_fade, sim_stream_key(cfg->seed, 0, 0, SIM_STREAM_TRAIN_FADING));
    gsl_rng *const rngs[SIM_TRAIN_RNGS] = {r_msg, r_noise, r_fade};
    uint64_t start = 0;
    if (hooks->resume[0]) {
        // resume: the model as loaded, the generators where the checkpoint left them
        for (int i = 0; i < SIM_TRAIN_RNGS; i++)
            memcpy(gsl_rng_state(rngs[i]), hooks->resume[i], gsl_rng_size(rngs[i]));
        start = ae->adam_step;
        if (start > cfg->steps) {
            rc = AE_ERROR(AE_EINVAL, "the checkpoint is at step %llu, beyond steps = %llu",
                          (unsigned long long)start, (unsigned long long)cfg->steps);
            goto done;
        }
    } else {
        ae_init(ae, r_init);
    }

    double loss_sum = 0.0;
    uint64_t loss_count = 0;
    // test-only fault switch: AESIM_FAULT_NAN_STEP=N makes the loss of step N NaN (the numerical-failure
    // path)
    const char *nan_env = getenv("AESIM_FAULT_NAN_STEP");
    uint64_t nan_step = nan_env ? strtoull(nan_env, NULL, 10) : 0;
    for (uint64_t t = start; t < cfg->steps; t++) {
        if (cancel && *cancel) {
            rc = AE_ERROR(AE_EINTR, "training interrupted at step %llu", (unsigned long long)t);
            goto done;
        }
        for (size_t i = 0; i < B; i++)
            msg[i] = (uint32_t)gsl_rng_get(r_msg) & mask;
        // forward: encoder -> channel -> decoder -> loss
        if ((rc = ae_tx_forward(ae, ws, msg, x, B)) != AE_OK)
            goto done;
        txrx_noise noise;
        if ((rc = sim_chan_forward(chan, cw, r_fade, r_noise, x, y, &noise, B, sigma2)) != AE_OK)
            goto done;
        if (!ae_rx_forward(ae, ws, y, B)) {
            rc = AE_EBADLEN;
            goto done;
        }
        double loss = ae_rx_loss(ae, ws, msg, B);
        if (nan_step && t + 1 == nan_step)
            loss = NAN; // test-only fault switch AESIM_FAULT_NAN_STEP
        if (!isfinite(loss)) {
            rc = AE_ERROR(
                AE_ERUNTIME,
                "training loss is %g at step %llu; the last good checkpoint (step %llu) is kept; lower lr "
                "or check the inputs",
                loss, (unsigned long long)(t + 1),
                (unsigned long long)(cfg->checkpoint_every ? t / cfg->checkpoint_every * cfg->checkpoint_every
                                                           : 0));
            goto done;
        }
        // backward: decoder -> channel -> encoder, then one Adam update
        ae_zero_grad(ae);
        if ((rc = ae_rx_backward(ae, ws, dy, B)) != AE_OK)
            goto done;
        memset(dx, 0, B * n * sizeof *dx);
        if ((rc = sim_chan_backward(chan, cw, dy, dx, B, sigma2)) != AE_OK)
            goto done;
        if ((rc = ae_tx_backward(ae, ws, dx, B)) != AE_OK)
            goto done;
        double lr = sim_train_lr(cfg, t);
        ae->adam_step++;
        nn_adam_step(ae->params, ae->grads, ae->adam_m, ae->adam_v, ae->n_params, &adam, lr, ae->adam_step);
        loss_sum += loss;
        loss_count++;
        if (log && ((t + 1) % cfg->log_every == 0 || t + 1 == cfg->steps)) {
            log(ctx, t + 1, loss_sum / (double)loss_count, lr);
            loss_sum = 0.0;
            loss_count = 0;
        }
        if (hooks->checkpoint && cfg->checkpoint_every && (t + 1) % cfg->checkpoint_every == 0 &&
            t + 1 < cfg->steps && (rc = hooks->checkpoint(ctx, ae, rngs)) != AE_OK)
            goto done;
    }
    if (hooks->checkpoint && (rc = hooks->checkpoint(ctx, ae, rngs)) != AE_OK)
        goto done;
    rc = ae_eval_prepare(ae);
done:
    ae_ws_destroy(ws);
    sim_chan_ws_destroy(cw);
    sim_chan_destroy(chan);
    free(msg);
    free(x);
    free(y);
    free(dx);
    free(dy);
    if (r_init)
        gsl_rng_free(r_init);
    if (r_msg)
        gsl_rng_free(r_msg);
    if (r_noise)
        gsl_rng_free(r_noise);
    if (r_fade)
        gsl_rng_free(r_fade);
    return rc;
}
