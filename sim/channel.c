// channel.c - configured channels: description, checks, forward and backward for engine and training,
// all through the channel's type object (channels/ch_type.h).
#include "channel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"

struct sim_chan {
    const ch_type *type;
    void *st;
    int differentiable;
    size_t n, max_batch, quantum;
};

struct sim_chan_ws {
    const sim_chan *ch;
    void *ws;
};

void sim_channel_cfg_default(sim_channel_cfg *c)
{
    memset(c, 0, sizeof *c);
    sim_channel_cfg_set_type(c, ch_registry[0]);
}

void sim_channel_cfg_set_type(sim_channel_cfg *c, const ch_type *t)
{
    c->type = t;
    ch_params_default(t, &c->params);
}

int sim_channel_cfg_init(sim_channel_cfg *c, const char *type)
{
    sim_channel_cfg_default(c);
    const ch_type *t = ch_type_find(type);
    if (!t) {
        char names[256];
        return AE_ERROR(AE_EINVAL, "unknown channel '%s', expected one of %s", type,
                        ch_type_names(names, sizeof names));
    }
    sim_channel_cfg_set_type(c, t);
    return AE_OK;
}

int sim_channel_set(sim_channel_cfg *c, const char *key, const char *text)
{
    const ch_key *k = ch_type_key(c->type, key);
    if (!k)
        return AE_ERROR(AE_EINVAL, "a %s channel has no key '%s'", c->type->name, key);
    return ch_key_set_text(k, &c->params, text);
}

const char *sim_channel_name(const sim_channel_cfg *c)
{
    return c->type->name;
}

int sim_channel_is_complex(const sim_channel_cfg *c)
{
    return c->type->is_complex;
}

int sim_channel_differentiable(const sim_channel_cfg *c)
{
    return c->type->backward != NULL && !c->black_box;
}

ch_flat sim_channel_flat(const sim_channel_cfg *c)
{
    ch_flat f = {CH_FLAT_NONE, 0.0, 1};
    if (c->type->flat)
        c->type->flat(&c->params, &f);
    return f;
}

const char *sim_channel_describe(const sim_channel_cfg *c, char *buf, size_t len)
{
    c->type->describe(&c->params, buf, len);
    return buf;
}

const char *sim_channel_label(const sim_channel_cfg *c, char *buf, size_t len)
{
    c->type->label(&c->params, buf, len);
    return buf;
}

const char *sim_channel_eb_charges(const sim_channel_cfg *c)
{
    return c->type->eb_charges ? c->type->eb_charges(&c->params) : "";
}

int sim_channel_validate(const sim_channel_cfg *c)
{
    return c->type->validate ? c->type->validate(&c->params) : AE_OK;
}

int sim_channel_check_shape(const sim_channel_cfg *c, size_t n, int coherent, const char *system)
{
    char why[512];
    if (sim_channel_validate(c) != AE_OK) {
        snprintf(why, sizeof why, "%s", ae_err_message());
        return AE_ERROR(AE_EINVAL, "%s: %s", system, why);
    }
    if (c->type->is_complex && n % 2 != 0)
        return AE_ERROR(AE_EINVAL,
                        "%s: n = %zu real channel uses on a %s channel; expected an even n (pairs of real "
                        "channel uses form complex symbols)",
                        system, n, c->type->name);
    if (coherent && c->type->coherent_ok && !c->type->coherent_ok(&c->params, why, sizeof why))
        return AE_ERROR(AE_EINVAL, "%s: a coherent classical receiver on a %s channel: %s", system,
                        c->type->name, why);
    return AE_OK;
}

int sim_channel_check(const sim_channel_cfg *c, const txrx *t, const char *system)
{
    return sim_channel_check_shape(c, t->n, t->coherent, system);
}

double sim_channel_eb_factor(const sim_channel_cfg *c, size_t n)
{
    if (!c->type->eb_factor)
        return 1.0;
    ch_shape shape = {n, 1, 0, (double)n};
    void *st = c->type->create(&c->params, &shape);
    if (!st)
        return NAN;
    double f = c->type->eb_factor(st);
    c->type->destroy(st);
    return f;
}

void sim_chan_destroy(sim_chan *ch)
{
    if (!ch)
        return;
    if (ch->st)
        ch->type->destroy(ch->st);
    free(ch);
}

sim_chan *sim_chan_create(const sim_channel_cfg *c, const txrx *t, size_t max_batch)
{
    if (sim_channel_check(c, t, "channel") != AE_OK)
        return NULL;
    sim_chan *ch = calloc(1, sizeof *ch);
    if (!ch) {
        AE_ERROR(AE_ENOMEM, "channel: out of memory");
        return NULL;
    }
    ch->type = c->type;
    ch->differentiable = sim_channel_differentiable(c);
    ch->n = t->n;
    ch_shape shape = {t->n, max_batch ? max_batch : 1, t->real_only && t->is_complex, t->block_energy};
    if (!(ch->st = c->type->create(&c->params, &shape))) {
        free(ch);
        return NULL;
    }
    ch->max_batch = shape.max_batch;
    ch->quantum = c->type->quantum ? c->type->quantum(ch->st) : 1;
    return ch;
}

size_t sim_chan_quantum(const sim_chan *ch)
{
    return ch->quantum;
}

size_t sim_chan_group(const sim_chan *ch, size_t batch)
{
    return ch->type->group ? ch->type->group(ch->st, batch) : 1;
}

double sim_chan_eb_factor(const sim_chan *ch)
{
    return ch->type->eb_factor ? ch->type->eb_factor(ch->st) : 1.0;
}

void sim_chan_ws_destroy(sim_chan_ws *w)
{
    if (!w)
        return;
    if (w->ws)
        w->ch->type->ws_destroy(w->ws);
    free(w);
}

sim_chan_ws *sim_chan_ws_create(const sim_chan *ch)
{
    sim_chan_ws *w = calloc(1, sizeof *w);
    if (!w) {
        AE_ERROR(AE_ENOMEM, "channel: out of memory");
        return NULL;
    }
    w->ch = ch;
    if (ch->type->ws_create && !(w->ws = ch->type->ws_create(ch->st))) {
        free(w);
        return NULL;
    }
    return w;
}

int sim_chan_forward(const sim_chan *ch, sim_chan_ws *w, gsl_rng *r_fade, gsl_rng *r_noise, const float *x,
                     float *y, txrx_noise *noise, size_t b, double sigma2)
{
    if (b > ch->max_batch || b % ch->quantum != 0)
        return AE_ERROR(AE_EBADLEN, "channel: %zu blocks, expected a multiple of %zu up to %zu", b,
                        ch->quantum, ch->max_batch);
    noise->sigma2 = sigma2;
    noise->sigma2_sym = NULL;
    return ch->type->forward(ch->st, w->ws, r_fade, r_noise, x, y, b, sigma2, &noise->sigma2_sym);
}

int sim_chan_backward(const sim_chan *ch, sim_chan_ws *w, const float *dy, float *dx, size_t b, double sigma2)
{
    if (!ch->differentiable)
        return AE_ERROR(AE_EINVAL, "channel %s: not differentiable (a black box); no gradient through it",
                        ch->type->name);
    return ch->type->backward(ch->st, w->ws, dy, dx, b, sigma2);
}
