// train.c - end-to-end training of the autoencoder through its configured (differentiable) channel.
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "ch.h"
#include "engine.h"
#include "fault.h"
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
    c->threads = 1;
    c->fail_on_divergence = 0;
}

int sim_train_diverged(const double *loss, size_t n, double chance_nats)
{
    if (n < 1 || !isfinite(loss[n - 1]))
        return SIM_TRAIN_CONVERGED;
    if (loss[n - 1] > chance_nats)
        return SIM_TRAIN_ABOVE_CHANCE;
    return n > 1 && loss[n - 1] > loss[0] ? SIM_TRAIN_ROSE : SIM_TRAIN_CONVERGED;
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
    if (sim_threads_check(c->threads) != AE_OK)
        return AE_EINVAL;
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

size_t sim_train_pieces(size_t batch)
{
    size_t s = 1;
    while (s < SIM_TRAIN_MAX_PIECES && 2 * s * SIM_TRAIN_PIECE_BLOCKS <= batch)
        s *= 2;
    return s;
}

// One piece of a training batch: its blocks, generators, workspaces and gradient block.
typedef struct train_piece {
    size_t first, count;   // blocks [first, first + count) of the batch (count may be 0)
    gsl_rng *noise, *fade; // this piece's channel generators
    ae_ws *ws;             // decoder workspace
    sim_chan_ws *cw;       // channel workspace
    float *grads;          // [n_params] this piece's decoder gradient
    double loss;           // sum of this piece's losses in the current step
    int status;            // AE_OK or the error of the current step
    char msg[256];         // its message
} train_piece;

// The parallel part of a step for piece p: channel forward, decoder forward, loss, decoder backward
// into the piece's gradient block, channel backward into dx.
static int train_piece_step(const ae_model *ae, const sim_chan *chan, train_piece *p, const uint32_t *msg,
                            const float *x, float *y, float *dx, float *dy, size_t n, size_t B, double sigma2)
{
    const size_t f = p->first, c = p->count;
    p->loss = 0.0;
    if (c == 0)
        return AE_OK;
    txrx_noise noise;
    int rc = sim_chan_forward(chan, p->cw, p->fade, p->noise, x + f * n, y + f * n, &noise, c, sigma2);
    if (rc != AE_OK)
        return rc;
    if (!ae_rx_forward(ae, p->ws, y + f * n, c))
        return AE_EBADLEN;
    p->loss = ae_rx_loss_sum(ae, p->ws, msg + f, c, 1.0f / (float)B);
    memset(p->grads, 0, ae->n_params * sizeof *p->grads);
    if ((rc = ae_rx_backward_into(ae, p->ws, p->grads, dy + f * n, c)) != AE_OK)
        return rc;
    memset(dx + f * n, 0, c * n * sizeof *dx);
    return sim_chan_backward(chan, p->cw, dy + f * n, dx + f * n, c, sigma2);
}

// Copy the states of the pieces' noise (fade == 0) or fading (fade != 0) generators one after the other
// into out (count * size bytes).
static void pack_states(uint8_t *out, const train_piece *pieces, size_t count, size_t size, int fade)
{
    for (size_t i = 0; i < count; i++)
        memcpy(out + i * size, gsl_rng_state(fade ? pieces[i].fade : pieces[i].noise), size);
}

// Hand the model and the generators' states (packed into states, 2 S states long) to the checkpoint hook.
static int checkpoint(const sim_train_hooks *hooks, const ae_model *ae, gsl_rng *msg,
                      const train_piece *pieces, size_t S, uint8_t *states)
{
    const size_t size = gsl_rng_size(msg);
    pack_states(states, pieces, S, size, 0);
    pack_states(states + S * size, pieces, S, size, 1);
    sim_train_rng_state st = {{gsl_rng_state(msg), states, states + S * size}, {size, S * size, S * size}};
    return hooks->checkpoint(hooks->ctx, ae, &st);
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
    if (!sim_channel_differentiable(ch))
        return AE_ERROR(AE_EINVAL,
                        "the %s channel is %s: conventional training needs its gradient (backward pass); "
                        "train over a differentiable channel, or evaluate a trained checkpoint through it",
                        sim_channel_name(ch),
                        ch->black_box ? "declared a black box (black_box = true)"
                                      : "a black box (it has no backward pass)");
    txrx shape = {.k = ae->cfg.k,
                  .n = n,
                  .symbols_per_block = n,
                  .is_complex = sim_channel_is_complex(ch),
                  .block_energy = (double)n};
    sim_chan *chan = sim_chan_create(ch, &shape, cfg->batch);
    if (!chan)
        return ae_err_failed();
    // whole quanta (OFDM symbols) per step, and per piece
    const size_t q = sim_chan_quantum(chan), B = (cfg->batch + q - 1) / q * q;
    const size_t S = sim_train_pieces(cfg->batch);
    const size_t per_piece = ((B + S - 1) / S + q - 1) / q * q;
    double sigma2 = ch_sigma2_from_ebno(cfg->ebno_db, (double)n * sim_chan_eb_factor(chan), ae->cfg.k);
    uint32_t mask = (uint32_t)(ae->M - 1);
    nn_adam_cfg adam;
    nn_adam_cfg_default(&adam);

    train_piece pieces[SIM_TRAIN_MAX_PIECES];
    memset(pieces, 0, sizeof pieces);
    ae_ws *ws = ae_ws_create(ae, B); // the encoder's, for the whole batch
    uint32_t *msg = malloc(B * sizeof *msg);
    float *x = malloc(B * n * sizeof *x), *y = malloc(B * n * sizeof *y);
    float *dx = malloc(B * n * sizeof *dx), *dy = malloc(B * n * sizeof *dy);
    gsl_rng *r_init = sim_rng_alloc(), *r_msg = sim_rng_alloc();
    const size_t state_size = r_msg ? gsl_rng_size(r_msg) : 0;
    uint8_t *states = malloc(2 * S * (state_size ? state_size : 1));
    int ok = ws && msg && x && y && dx && dy && r_init && r_msg && states;
    for (size_t p = 0; p < S && ok; p++) {
        train_piece *pc = &pieces[p];
        pc->first = p * per_piece < B ? p * per_piece : B;
        pc->count = B - pc->first < per_piece ? B - pc->first : per_piece;
        pc->noise = sim_rng_alloc();
        pc->fade = sim_rng_alloc();
        pc->ws = ae_ws_create(ae, per_piece);
        pc->cw = sim_chan_ws_create(chan);
        pc->grads = malloc(ae->n_params * sizeof *pc->grads);
        ok = pc->noise && pc->fade && pc->ws && pc->cw && pc->grads;
    }
    if (!ok) {
        rc = AE_ERROR(AE_ENOMEM, "cannot allocate training buffers for batch %zu", B);
        goto done;
    }
    // separate streams: changing the batch size does not change the initial weights; piece p draws its
    // channel from streams of index p (piece 0 from those of a batch in one piece)
    sim_rng_seed(r_init, sim_stream_key(cfg->seed, 0, 0, SIM_STREAM_INIT));
    sim_rng_seed(r_msg, sim_stream_key(cfg->seed, 0, 0, SIM_STREAM_TRAIN_MSG));
    for (size_t p = 0; p < S; p++) {
        sim_rng_seed(pieces[p].noise, sim_stream_key(cfg->seed, 0, p, SIM_STREAM_TRAIN_NOISE));
        sim_rng_seed(pieces[p].fade, sim_stream_key(cfg->seed, 0, p, SIM_STREAM_TRAIN_FADING));
    }
    uint64_t start = 0;
    if (hooks->resume.bytes[0]) {
        // resume: the model as loaded, the generators where the checkpoint left them
        const sim_train_rng_state *st = &hooks->resume;
        if (st->size[SIM_TRAIN_RNG_MSG] != state_size || st->size[SIM_TRAIN_RNG_NOISE] != S * state_size ||
            st->size[SIM_TRAIN_RNG_FADE] != S * state_size || !st->bytes[1] || !st->bytes[2]) {
            rc = AE_ERROR(
                AE_EINVAL,
                "the checkpoint's generator states (%zu, %zu, %zu bytes) are not those of a batch of "
                "%zu in %zu pieces (%zu, %zu, %zu bytes)",
                st->size[0], st->size[1], st->size[2], cfg->batch, S, state_size, S * state_size,
                S * state_size);
            goto done;
        }
        memcpy(gsl_rng_state(r_msg), st->bytes[SIM_TRAIN_RNG_MSG], state_size);
        for (size_t p = 0; p < S; p++) {
            memcpy(gsl_rng_state(pieces[p].noise),
                   (const uint8_t *)st->bytes[SIM_TRAIN_RNG_NOISE] + p * state_size, state_size);
            memcpy(gsl_rng_state(pieces[p].fade),
                   (const uint8_t *)st->bytes[SIM_TRAIN_RNG_FADE] + p * state_size, state_size);
        }
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
    // test-only fault switch (sim/fault.h): the loss of this step is made NaN (the numerical-failure path)
    const uint64_t nan_step = sim_fault_nan_step();
    for (uint64_t t = start; t < cfg->steps; t++) {
        if (cancel && *cancel) {
            rc = AE_ERROR(AE_EINTR, "training interrupted at step %llu", (unsigned long long)t);
            goto done;
        }
        for (size_t i = 0; i < B; i++)
            msg[i] = (uint32_t)gsl_rng_get(r_msg) & mask;
        // forward and backward: the encoder on the whole batch (the power constraint couples its blocks);
        // channel and decoder piece by piece, in parallel, each piece with its own generators and
        // gradient block, summed in piece order so that any thread count gives the same numbers
        if ((rc = ae_tx_forward(ae, ws, msg, x, B)) != AE_OK)
            goto done;
#pragma omp parallel for num_threads(cfg->threads) schedule(static)
        for (size_t p = 0; p < S; p++) {
            pieces[p].status = train_piece_step(ae, chan, &pieces[p], msg, x, y, dx, dy, n, B, sigma2);
            if (pieces[p].status != AE_OK)
                snprintf(pieces[p].msg, sizeof pieces[p].msg, "%s", ae_err_message());
        }
        double loss = 0.0;
        for (size_t p = 0; p < S; p++) {
            if (pieces[p].status != AE_OK) {
                rc = ae_err_forward(pieces[p].status, pieces[p].msg);
                goto done;
            }
            loss += pieces[p].loss;
        }
        loss /= (double)B;
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
        // the decoder gradient is the sum of the pieces'; the encoder's is accumulated on top
        memcpy(ae->grads, pieces[0].grads, ae->n_params * sizeof *ae->grads);
        for (size_t p = 1; p < S; p++) {
            const float *gp = pieces[p].grads;
            float *g = ae->grads;
#pragma omp simd
            for (size_t i = 0; i < ae->n_params; i++)
                g[i] += gp[i];
        }
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
            t + 1 < cfg->steps && (rc = checkpoint(hooks, ae, r_msg, pieces, S, states)) != AE_OK)
            goto done;
    }
    if (hooks->checkpoint && (rc = checkpoint(hooks, ae, r_msg, pieces, S, states)) != AE_OK)
        goto done;
    rc = ae_eval_prepare(ae);
done:
    ae_ws_destroy(ws);
    for (size_t p = 0; p < S; p++) {
        ae_ws_destroy(pieces[p].ws);
        sim_chan_ws_destroy(pieces[p].cw);
        free(pieces[p].grads);
        if (pieces[p].noise)
            gsl_rng_free(pieces[p].noise);
        if (pieces[p].fade)
            gsl_rng_free(pieces[p].fade);
    }
    sim_chan_destroy(chan);
    free(msg);
    free(x);
    free(y);
    free(dx);
    free(dy);
    free(states);
    if (r_init)
        gsl_rng_free(r_init);
    if (r_msg)
        gsl_rng_free(r_msg);
    return rc;
}
