// awgn.c - additive white Gaussian noise and the one Eb/N0 -> noise variance definition.
#include "ch.h"

#include <math.h>

#include <gsl/gsl_randist.h>

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
