// rapp.c - a memoryless power amplifier (Rapp's solid-state model) followed by AWGN, as a channel type.
//
// Model (C. Rapp, "Effects of HPA-nonlinearity on 4-DPSK/OFDM-signal for a digital sound broadcasting
// system", ECSC 1991; AM/AM only, no AM/PM): a complex input u of amplitude a leaves as
//     A(u) = u / (1 + (a / A_sat)^(2p))^(1/(2p)),
// linear for a << A_sat and limited to A_sat, the knee sharper as the smoothness p grows. The PA is driven
// at an input back-off IBO = 10 log10(A_sat^2 / P_in) dB below saturation, P_in the transmitter's mean
// power per complex symbol (block energy / S): u = g x with g = A_sat 10^(-IBO/20) / sqrt(P_in). Its
// output is referred back to the transmitter's scale (divided by g) before the noise, so that a PA in its
// linear region leaves AWGN at the stated Eb/N0 and only the compression is the PA's effect:
//     y = x r(g |x|) + w,   r(a) = (1 + (a / A_sat)^(2p))^(-1/(2p)).
// With the output referred back, A_sat only fixes the unit of amplitude and cancels (results depend on p
// and the back-off alone); it is therefore not a key.
//
// Backward: for s = (g |x| / A_sat)^(2p), the Jacobian of x -> x r(g |x|) in R^2 is
//     J = r (I - s / ((1 + s) |x|^2) x x^T)  (symmetric), so dx += J dy.
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "ch.h"
#include "ch_type.h"

typedef struct rapp_params {
    double p;      // smoothness, > 0
    double ibo_db; // input back-off below saturation, dB
} rapp_params;

_Static_assert(sizeof(rapp_params) <= CH_PARAMS_MAX, "Rapp parameters exceed CH_PARAMS_MAX");

static const ch_key rapp_keys[] = {
    {.name = "p",
     .kind = CH_KEY_DOUBLE,
     .offset = offsetof(rapp_params, p),
     .def = 3,
     .min = 0.1,
     .max = 100,
     .help = "Rapp smoothness p (large p: a hard limiter)"},
    {.name = "ibo_db",
     .kind = CH_KEY_DOUBLE,
     .offset = offsetof(rapp_params, ibo_db),
     .def = 3,
     .min = -30,
     .max = 60,
     .help = "input back-off below saturation in dB"},
};

typedef struct rapp_state {
    double p, g; // smoothness; drive gain relative to A_sat = 1
    size_t n, max_batch;
} rapp_state;

typedef struct rapp_ws {
    float *x; // [max_batch][n]: the last forward's input, for backward
} rapp_ws;

static void rapp_describe(const void *params, char *buf, size_t len)
{
    const rapp_params *p = params;
    snprintf(buf, len, "rapp-p%g-ibo%g", p->p, p->ibo_db);
}

static void rapp_label(const void *params, char *buf, size_t len)
{
    const rapp_params *p = params;
    snprintf(buf, len, "Rapp PA (p = %g, IBO %g dB) + AWGN", p->p, p->ibo_db);
}

static void *rapp_create(const void *params, ch_shape *shape)
{
    const rapp_params *p = params;
    size_t S = shape->n / 2;
    if (!(shape->block_energy > 0.0) || S == 0) {
        AE_ERROR(AE_EINVAL,
                 "rapp: the transmitter's block energy %g over %zu complex symbols gives no drive level",
                 shape->block_energy, S);
        return NULL;
    }
    rapp_state *s = malloc(sizeof *s);
    if (!s) {
        AE_ERROR(AE_ENOMEM, "rapp: out of memory");
        return NULL;
    }
    double p_in = shape->block_energy / (double)S;
    s->p = p->p;
    s->g = pow(10.0, -p->ibo_db / 20.0) / sqrt(p_in);
    s->n = shape->n;
    s->max_batch = shape->max_batch;
    return s;
}

static void rapp_ws_destroy(void *ws)
{
    rapp_ws *w = ws;
    if (w)
        free(w->x);
    free(w);
}

static void *rapp_ws_create(const void *st)
{
    const rapp_state *s = st;
    rapp_ws *w = calloc(1, sizeof *w);
    if (!w || !(w->x = malloc((s->max_batch * s->n + 1) * sizeof *w->x))) {
        rapp_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "rapp: out of memory for batch %zu", s->max_batch);
        return NULL;
    }
    return w;
}

// s = (g |x|)^(2p) from |x|^2; r = (1 + s)^(-1/(2p))
static inline void rapp_gain(const rapp_state *st, double x2, double *s, double *r)
{
    *s = pow(st->g * st->g * x2, st->p);
    *r = pow(1.0 + *s, -0.5 / st->p);
}

static int rapp_forward(const void *st, void *ws, gsl_rng *r_fade, gsl_rng *r_noise, const float *x, float *y,
                        size_t b, double sigma2, const float **sigma2_sym)
{
    (void)r_fade;
    const rapp_state *s = st;
    rapp_ws *w = ws;
    size_t N = b * s->n;
    memcpy(w->x, x, N * sizeof *x);
    for (size_t i = 0; i < N; i += 2) {
        double xr = x[i], xi = x[i + 1], sv, r;
        rapp_gain(s, xr * xr + xi * xi, &sv, &r);
        y[i] = (float)(xr * r);
        y[i + 1] = (float)(xi * r);
    }
    ch_awgn_forward(y, y, N, sigma2, r_noise);
    *sigma2_sym = NULL;
    return AE_OK;
}

static int rapp_backward(const void *st, void *ws, const float *dy, float *dx, size_t b, double sigma2)
{
    (void)sigma2;
    const rapp_state *s = st;
    const rapp_ws *w = ws;
    for (size_t i = 0; i < b * s->n; i += 2) {
        double xr = w->x[i], xi = w->x[i + 1], x2 = xr * xr + xi * xi, sv, r;
        rapp_gain(s, x2, &sv, &r);
        double c = x2 > 0.0 ? sv / ((1.0 + sv) * x2) : 0.0;
        double proj = xr * dy[i] + xi * dy[i + 1];
        dx[i] += (float)(r * (dy[i] - c * xr * proj));
        dx[i + 1] += (float)(r * (dy[i + 1] - c * xi * proj));
    }
    return AE_OK;
}

const ch_type ch_rapp_type = {
    .name = "rapp",
    .summary = "memoryless power amplifier (Rapp AM/AM, smoothness p, input back-off) then AWGN",
    .is_complex = 1,
    .keys = rapp_keys,
    .n_keys = sizeof rapp_keys / sizeof rapp_keys[0],
    .describe = rapp_describe,
    .label = rapp_label,
    .create = rapp_create,
    .destroy = free,
    .ws_create = rapp_ws_create,
    .ws_destroy = rapp_ws_destroy,
    .forward = rapp_forward,
    .backward = rapp_backward,
};
