// stats.c - confidence intervals for error counts.
#include "stats.h"

#include <math.h>

void sim_wilson(uint64_t errors, uint64_t trials, double z, double *lo, double *hi)
{
    if (trials == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double n = (double)trials, p = (double)errors / n, z2 = z * z;
    double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    double half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / (1.0 + z2 / n);
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
    if (errors == 0)
        *lo = 0.0;
}

void sim_ber_interval(uint64_t bit_errors, uint64_t bit_errors_sq, uint64_t blocks, unsigned k, double z,
                      double bler_hi, double *lo, double *hi)
{
    if (blocks == 0 || k == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double nb = (double)blocks, mean = (double)bit_errors / nb;
    double ber = mean / (double)k;
    if (bit_errors == 0) {
        *lo = 0.0;
        *hi = bler_hi;
        return;
    }
    double var = blocks > 1 ? ((double)bit_errors_sq - nb * mean * mean) / (nb - 1.0) : 0.0;
    if (var < 0.0)
        var = 0.0;
    double half = z * sqrt(var / nb) / (double)k;
    *lo = fmax(0.0, ber - half);
    *hi = fmin(1.0, ber + half);
}

void sim_group_interval(uint64_t errors, uint64_t errors_sq, uint64_t groups, uint64_t per_group, double z,
                        double *lo, double *hi)
{
    if (groups == 0 || per_group == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double ng = (double)groups, mean = (double)errors / ng, rate = mean / (double)per_group;
    if (errors == 0) {
        *lo = 0.0;
        *hi = 1.0 - pow(0.05, 1.0 / ng);
        return;
    }
    double var = groups > 1 ? ((double)errors_sq - ng * mean * mean) / (ng - 1.0) : 0.0;
    if (var < 0.0)
        var = 0.0;
    double half = z * sqrt(var / ng) / (double)per_group;
    *lo = fmax(0.0, rate - half);
    *hi = fmin(1.0, rate + half);
}
