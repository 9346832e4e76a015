// awgn.c - additive white Gaussian noise and the one Eb/N0 -> noise variance definition.
#include "ch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "ch_type.h"

double ch_sigma2_from_ebno(double ebno_db, double block_energy, unsigned k)
{
    if (!(block_energy > 0.0) || k == 0 || !isfinite(ebno_db) || !isfinite(block_energy))
        return -1.0;
    // Eb = E / k; N0 = Eb / (Eb/N0); sigma2 = N0 / 2 per real dimension.
    double ebno = pow(10.0, ebno_db / 10.0);
    return block_energy / (2.0 * (double)k * ebno);
}

double ch_esno_db_from_ebno_charged(double ebno_db, unsigned k, size_t s, double eb_factor)
{
    return ebno_db + 10.0 * log10((double)k / ((double)s * eb_factor));
}

double ch_ebno_db_from_esno_charged(double esno_db, unsigned k, size_t s, double eb_factor)
{
    return esno_db - 10.0 * log10((double)k / ((double)s * eb_factor));
}

double ch_esno_db_from_ebno(double ebno_db, unsigned k, size_t s)
{
    return ch_esno_db_from_ebno_charged(ebno_db, k, s, 1.0);
}

double ch_ebno_db_from_esno(double esno_db, unsigned k, size_t s)
{
    return ch_ebno_db_from_esno_charged(esno_db, k, s, 1.0);
}

void ch_awgn_forward(float *y, const float *x, size_t N, double sigma2, gsl_rng *r)
{
    double sigma = sqrt(sigma2);
    for (size_t i = 0; i < N; i++)
        y[i] = x[i] + (float)gsl_ran_gaussian_ziggurat(r, sigma);
}

void ch_awgn_backward(float *dx, const float *dy, size_t N)
{
    for (size_t i = 0; i < N; i++)
        dx[i] += dy[i];
}

// ---------------------------------------------------------------------------------------------
// The AWGN channel type: y = x + w, w ~ N(0, sigma2) per real dimension; no keys, no CSI.

typedef struct awgn_state {
    size_t n;
    int real_only;
} awgn_state;

static void awgn_describe(const void *params, char *buf, size_t len)
{
    (void)params;
    snprintf(buf, len, "awgn");
}

static void awgn_label(const void *params, char *buf, size_t len)
{
    (void)params;
    snprintf(buf, len, "AWGN");
}

static void awgn_flat(const void *params, ch_flat *out)
{
    (void)params;
    *out = (ch_flat){CH_FLAT_AWGN, 0.0, 1};
}

static void *awgn_create(const void *params, ch_shape *shape)
{
    (void)params;
    awgn_state *s = malloc(sizeof *s);
    if (!s) {
        AE_ERROR(AE_ENOMEM, "awgn: out of memory");
        return NULL;
    }
    s->n = shape->n;
    s->real_only = shape->real_only;
    return s;
}

static int awgn_forward(const void *st, void *ws, gsl_rng *r_fade, gsl_rng *r_noise, const float *x, float *y,
                        size_t b, double sigma2, const float **sigma2_sym)
{
    (void)ws;
    (void)r_fade;
    const awgn_state *s = st;
    *sigma2_sym = NULL;
    if (s->real_only) {
        // the imaginary parts carry nothing and are never read: noise on the real parts only
        double sigma = sqrt(sigma2);
        for (size_t i = 0; i < b * s->n; i += 2) {
            y[i] = x[i] + (float)gsl_ran_gaussian_ziggurat(r_noise, sigma);
            y[i + 1] = 0.0f;
        }
    } else {
        ch_awgn_forward(y, x, b * s->n, sigma2, r_noise);
    }
    return AE_OK;
}

static int awgn_backward(const void *st, void *ws, const float *dy, float *dx, size_t b, double sigma2)
{
    (void)ws;
    (void)sigma2;
    ch_awgn_backward(dx, dy, b * ((const awgn_state *)st)->n);
    return AE_OK;
}

const ch_type ch_awgn_type = {
    .name = "awgn",
    .summary = "additive white Gaussian noise on every real channel use",
    .is_complex = 0,
    .describe = awgn_describe,
    .label = awgn_label,
    .flat = awgn_flat,
    .create = awgn_create,
    .destroy = free,
    .forward = awgn_forward,
    .backward = awgn_backward,
};
