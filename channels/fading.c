// fading.c - flat block fading, its adjoint, and zero-forcing equalisation.
#include "fading.h"

#include <math.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"

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
