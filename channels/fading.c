// fading.c - flat block fading, its adjoint, and zero-forcing equalisation.
#include "fading.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "ch.h"
#include "ch_type.h"

int ch_fading_cfg_validate(const ch_fading_cfg *c)
{
    if (!isfinite(c->k_factor) || c->k_factor < 0.0)
        return AE_ERROR(AE_EINVAL, "k_factor = %g, expected a finite Rician K >= 0 (linear; 0 is Rayleigh)",
                        c->k_factor);
    if (c->coherence < 1)
        return AE_ERROR(AE_EINVAL, "coherence = 0, expected at least 1 complex symbol per realisation");
    return AE_OK;
}

void ch_fading_draw(const ch_fading_cfg *c, gsl_rng *r, float *h, size_t B, size_t S)
{
    // LOS amplitude and the standard deviation per real dimension of the scattered part
    double los = sqrt(c->k_factor / (c->k_factor + 1.0));
    double sd = sqrt(0.5 / (c->k_factor + 1.0));
    float hr = 0.0f, hi = 0.0f;
    for (size_t b = 0; b < B; b++) {
        for (size_t j = 0; j < S; j++) {
            if (j % c->coherence == 0) {
                hr = (float)(los + gsl_ran_gaussian_ziggurat(r, sd));
                hi = (float)gsl_ran_gaussian_ziggurat(r, sd);
            }
            size_t i = b * S + j;
            h[2 * i] = hr;
            h[2 * i + 1] = hi;
        }
    }
}

void ch_fading_apply(float *y, const float *x, const float *h, size_t B, size_t S)
{
    for (size_t i = 0; i < B * S; i++) {
        float xr = x[2 * i], xi = x[2 * i + 1], hr = h[2 * i], hi = h[2 * i + 1];
        y[2 * i] = hr * xr - hi * xi;
        y[2 * i + 1] = hr * xi + hi * xr;
    }
}

void ch_fading_apply_backward(float *dx, const float *dy, const float *h, size_t B, size_t S)
{
    for (size_t i = 0; i < B * S; i++) {
        float gr = dy[2 * i], gi = dy[2 * i + 1], hr = h[2 * i], hi = h[2 * i + 1];
        dx[2 * i] += hr * gr + hi * gi;
        dx[2 * i + 1] += hr * gi - hi * gr;
    }
}

void ch_fading_equalize(float *y_eq, float *sigma2_sym, const float *y, const float *h, double sigma2,
                        size_t B, size_t S)
{
    for (size_t i = 0; i < B * S; i++) {
        float hr = h[2 * i], hi = h[2 * i + 1], yr = y[2 * i], yi = y[2 * i + 1];
        float g = hr * hr + hi * hi;
        if (g > 0.0f) {
            // y / h = y conj(h) / |h|^2
            y_eq[2 * i] = (yr * hr + yi * hi) / g;
            y_eq[2 * i + 1] = (yi * hr - yr * hi) / g;
        } else {
            y_eq[2 * i] = 0.0f;
            y_eq[2 * i + 1] = 0.0f;
        }
        if (sigma2_sym)
            sigma2_sym[i] = g > 0.0f ? (float)(sigma2 / g) : INFINITY;
    }
}

void ch_fading_equalize_backward(float *dy, const float *dy_eq, const float *h, size_t B, size_t S)
{
    for (size_t i = 0; i < B * S; i++) {
        float hr = h[2 * i], hi = h[2 * i + 1], g = hr * hr + hi * hi;
        if (!(g > 0.0f))
            continue;
        // y_eq = c y with c = 1/h = conj(h)/|h|^2; the adjoint multiplies by conj(c) = h/|h|^2
        float cr = hr / g, ci = hi / g, gr = dy_eq[2 * i], gi = dy_eq[2 * i + 1];
        dy[2 * i] += cr * gr - ci * gi;
        dy[2 * i + 1] += cr * gi + ci * gr;
    }
}

// ---------------------------------------------------------------------------------------------
// The flat fading channel types (rayleigh, rician): y = h x + w on complex symbols, with zero-forcing
// equalisation and per-symbol noise variances handed to the receiver under perfect CSI.

typedef struct fading_params {
    double k_factor;  // Rician K, linear (rayleigh: 0)
    size_t coherence; // complex symbols per realisation
    int csi;          // enum ch_csi
} fading_params;

_Static_assert(sizeof(fading_params) <= CH_PARAMS_MAX, "fading parameters exceed CH_PARAMS_MAX");

static const char *const csi_words[] = {"perfect", "none", NULL};

#define COHERENCE_KEY                                                                                        \
    {                                                                                                        \
        .name = "coherence", .kind = CH_KEY_SIZE, .offset = offsetof(fading_params, coherence), .def = 1,    \
        .min = 1, .max = 1e9, .help = "complex symbols per fading realisation within a block"                \
    }
#define CSI_KEY                                                                                              \
    {                                                                                                        \
        .name = "csi", .kind = CH_KEY_WORD, .offset = offsetof(fading_params, csi), .def = CH_CSI_PERFECT,   \
        .words = csi_words,                                                                                  \
        .help = "perfect: zero-forcing with the true gains; none: the receiver sees h x + w"                 \
    }

static const ch_key rayleigh_keys[] = {COHERENCE_KEY, CSI_KEY};

static const ch_key rician_keys[] = {
    {.name = "k_factor",
     .kind = CH_KEY_DOUBLE,
     .offset = offsetof(fading_params, k_factor),
     .def = 0,
     .min = 0,
     .max = 1e6,
     .help = "Rician K factor, linear"},
    COHERENCE_KEY,
    CSI_KEY,
};

typedef struct fading_state {
    ch_fading_cfg fc;
    int csi;
    size_t S, max_batch;
} fading_state;

typedef struct fading_ws {
    float *h;          // [max_batch][S] complex gains
    float *sigma2_sym; // [max_batch][S]
    float *dq;         // [max_batch][2S]
} fading_ws;

static void fading_describe(const void *params, char *buf, size_t len, int rician)
{
    const fading_params *p = params;
    char k[48] = "", coh[48] = "";
    if (rician)
        snprintf(k, sizeof k, "-k%g", p->k_factor);
    if (p->coherence != 1)
        snprintf(coh, sizeof coh, "-coh%zu", p->coherence);
    snprintf(buf, len, "%s%s-csi_%s%s", rician ? "rician" : "rayleigh", k, csi_words[p->csi], coh);
}

static void rayleigh_describe(const void *params, char *buf, size_t len)
{
    fading_describe(params, buf, len, 0);
}

static void rician_describe(const void *params, char *buf, size_t len)
{
    fading_describe(params, buf, len, 1);
}

static void fading_label(const void *params, char *buf, size_t len, int rician)
{
    const fading_params *p = params;
    char k[32] = "", coh[48] = "";
    if (rician)
        snprintf(k, sizeof k, " K = %g", p->k_factor);
    if (p->coherence != 1)
        snprintf(coh, sizeof coh, ", %zu symbols per fade", p->coherence);
    snprintf(buf, len, "%s fading%s, %s%s", rician ? "Rician" : "Rayleigh", k,
             p->csi == CH_CSI_PERFECT ? "perfect CSI" : "no CSI", coh);
}

static void rayleigh_label(const void *params, char *buf, size_t len)
{
    fading_label(params, buf, len, 0);
}

static void rician_label(const void *params, char *buf, size_t len)
{
    fading_label(params, buf, len, 1);
}

static int fading_coherent_ok(const void *params, char *why, size_t len)
{
    if (((const fading_params *)params)->csi == CH_CSI_PERFECT)
        return 1;
    snprintf(why, len, "it needs csi = \"perfect\" (only learned receivers run without CSI)");
    return 0;
}

static void rayleigh_flat(const void *params, ch_flat *out)
{
    *out = (ch_flat){CH_FLAT_RAYLEIGH, 0.0, ((const fading_params *)params)->coherence};
}

static void rician_flat(const void *params, ch_flat *out)
{
    const fading_params *p = params;
    *out = (ch_flat){CH_FLAT_RICIAN, p->k_factor, p->coherence};
}

static void *fading_create(const void *params, ch_shape *shape, int rician)
{
    const fading_params *p = params;
    fading_state *s = malloc(sizeof *s);
    if (!s) {
        AE_ERROR(AE_ENOMEM, "fading: out of memory");
        return NULL;
    }
    s->fc = (ch_fading_cfg){rician ? p->k_factor : 0.0, p->coherence};
    s->csi = p->csi;
    s->S = shape->n / 2;
    s->max_batch = shape->max_batch;
    if (ch_fading_cfg_validate(&s->fc) != AE_OK) {
        free(s);
        return NULL;
    }
    return s;
}

static void *rayleigh_create(const void *params, ch_shape *shape)
{
    return fading_create(params, shape, 0);
}

static void *rician_create(const void *params, ch_shape *shape)
{
    return fading_create(params, shape, 1);
}

static void fading_ws_destroy(void *ws)
{
    fading_ws *w = ws;
    if (!w)
        return;
    free(w->h);
    free(w->sigma2_sym);
    free(w->dq);
    free(w);
}

static void *fading_ws_create(const void *st)
{
    const fading_state *s = st;
    size_t S = s->S ? s->S : 1;
    fading_ws *w = calloc(1, sizeof *w);
    if (w) {
        w->h = malloc(2 * s->max_batch * S * sizeof *w->h);
        w->sigma2_sym = malloc(s->max_batch * S * sizeof *w->sigma2_sym);
        w->dq = malloc(2 * s->max_batch * S * sizeof *w->dq);
    }
    if (!w || !w->h || !w->sigma2_sym || !w->dq) {
        fading_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "fading: out of memory for batch %zu", s->max_batch);
        return NULL;
    }
    return w;
}

static int fading_forward(const void *st, void *ws, gsl_rng *r_fade, gsl_rng *r_noise, const float *x,
                          float *y, size_t b, double sigma2, const float **sigma2_sym)
{
    const fading_state *s = st;
    fading_ws *w = ws;
    ch_fading_draw(&s->fc, r_fade, w->h, b, s->S);
    ch_fading_apply(y, x, w->h, b, s->S);
    ch_awgn_forward(y, y, b * 2 * s->S, sigma2, r_noise);
    *sigma2_sym = NULL;
    if (s->csi == CH_CSI_PERFECT) {
        ch_fading_equalize(y, w->sigma2_sym, y, w->h, sigma2, b, s->S);
        *sigma2_sym = w->sigma2_sym;
    }
    return AE_OK;
}

static int fading_backward(const void *st, void *ws, const float *dy, float *dx, size_t b, double sigma2)
{
    (void)sigma2;
    const fading_state *s = st;
    fading_ws *w = ws;
    // decoder input <- equaliser <- noise (identity) <- fading gains
    const float *g = dy;
    if (s->csi == CH_CSI_PERFECT) {
        memset(w->dq, 0, b * 2 * s->S * sizeof *w->dq);
        ch_fading_equalize_backward(w->dq, dy, w->h, b, s->S);
        g = w->dq;
    }
    ch_fading_apply_backward(dx, g, w->h, b, s->S);
    return AE_OK;
}

const ch_type ch_rayleigh_type = {
    .name = "rayleigh",
    .summary = "flat Rayleigh block fading on complex symbols, y = h x + w",
    .is_complex = 1,
    .keys = rayleigh_keys,
    .n_keys = sizeof rayleigh_keys / sizeof rayleigh_keys[0],
    .describe = rayleigh_describe,
    .label = rayleigh_label,
    .coherent_ok = fading_coherent_ok,
    .flat = rayleigh_flat,
    .create = rayleigh_create,
    .destroy = free,
    .ws_create = fading_ws_create,
    .ws_destroy = fading_ws_destroy,
    .forward = fading_forward,
    .backward = fading_backward,
};

const ch_type ch_rician_type = {
    .name = "rician",
    .summary = "flat Rician block fading (K factor) on complex symbols, y = h x + w",
    .is_complex = 1,
    .keys = rician_keys,
    .n_keys = sizeof rician_keys / sizeof rician_keys[0],
    .describe = rician_describe,
    .label = rician_label,
    .coherent_ok = fading_coherent_ok,
    .flat = rician_flat,
    .create = rician_create,
    .destroy = free,
    .ws_create = fading_ws_create,
    .ws_destroy = fading_ws_destroy,
    .forward = fading_forward,
    .backward = fading_backward,
};
