// stats.c - confidence intervals for error counts.
#include "stats.h"

#include <math.h>
#include <string.h>

const char *sim_interval_name(int method)
{
    switch (method) {
    case SIM_INTERVAL_WILSON: return "wilson";
    case SIM_INTERVAL_CLOPPER_PEARSON: return "clopper_pearson";
    default: return "?";
    }
}

int sim_interval_parse(const char *word)
{
    for (int m = SIM_INTERVAL_WILSON; m <= SIM_INTERVAL_CLOPPER_PEARSON; m++)
        if (strcmp(word, sim_interval_name(m)) == 0)
            return m;
    return -1;
}

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

// log(x!) - log(sqrt(2 pi x) (x/e)^x), the error of Stirling's formula, for x >= 1: the asymptotic
// series beyond 15, lgamma below (C. Loader, "Fast and accurate computation of binomial probabilities",
// 2000, Sec. 2).
static double stirling_error(double x)
{
    const double s0 = 1.0 / 12.0, s1 = 1.0 / 360.0, s2 = 1.0 / 1260.0, s3 = 1.0 / 1680.0, s4 = 1.0 / 1188.0;
    if (x <= 15.0)
        return lgamma(x + 1.0) - (x + 0.5) * log(x) + x - 0.5 * log(2.0 * M_PI);
    double x2 = x * x;
    return (s0 - (s1 - (s2 - (s3 - s4 / x2) / x2) / x2) / x2) / x;
}

// x log(x / m) + m - x (the binomial deviance term), by its series in v = (x - m) / (x + m) where x and m
// are close, so that nothing cancels (Loader 2000, Sec. 3).
static double deviance_term(double x, double m)
{
    if (fabs(x - m) < 0.1 * (x + m)) {
        double v = (x - m) / (x + m), v2 = v * v, sum = (x - m) * v, ej = 2.0 * x * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v2;
            double next = sum + ej / (double)(2 * j + 1);
            if (next == sum)
                return next;
            sum = next;
        }
        return sum;
    }
    return x * log(x / m) + m - x;
}

// log P(X = x) for X ~ Binomial(n, p), 0 < x < n, 0 < p < 1, by Loader's saddle-point form (2000,
// eq. 5), which keeps its relative precision for any n (a sum of lgamma terms would lose it to
// cancellation once n is large).
static double binomial_log_pmf(double x, double n, double p)
{
    double lc = stirling_error(n) - stirling_error(x) - stirling_error(n - x) - deviance_term(x, n * p) -
                deviance_term(n - x, n * (1.0 - p));
    return lc - 0.5 * (log(2.0 * M_PI) + log(x) + log1p(-x / n));
}

// A tail of X ~ Binomial(n, p) that starts at x and falls away from it: P(X >= x) (at_most = 0; needs
// p <= x / n) or P(X <= x) (at_most = 1; needs p >= x / n), as P(X = x) times the sum of the ratios
// P(X = k) / P(X = x), summed until a term adds less than 1e-17 of the sum. Every term is positive, so
// the tail keeps its relative precision however small it is (no 1 - CDF). About 7 sqrt(x) terms.
// *pmf receives P(X = x).
static double binomial_tail(double x, double n, double p, int at_most, double *pmf)
{
    *pmf = exp(binomial_log_pmf(x, n, p));
    double sum = 0.0, t = 1.0;
    // the terms k = x, x + 1, ..., n (at_most = 0) or k = x, x - 1, ..., 0 (at_most = 1)
    uint64_t terms = (uint64_t)(at_most ? x : n - x) + 1;
    double r = at_most ? (1.0 - p) / p : p / (1.0 - p);
    for (uint64_t i = 0; i < terms; i++) {
        double j = (double)i;
        sum += t;
        t *= at_most ? (x - j) / (n - x + j + 1.0) * r : (n - x - j) / (x + j + 1.0) * r;
        if (t < 1e-17 * sum)
            break;
    }
    return *pmf * sum;
}

// The p in the bracket (lo, hi) where the binomial tail of binomial_tail equals q: Newton steps from p,
// the tail's slope in p being x P(X = x) / p for P(X >= x) and -(n - x) P(X = x) / (1 - p) for
// P(X <= x); a step that would leave the bracket (which every evaluation narrows) is replaced by a
// bisection, geometric while the bracket spans decades.
static double binomial_bound(double q, double x, double n, int at_most, double lo, double hi, double p)
{
    for (int it = 0; it < 400; it++) {
        double pmf, tail = binomial_tail(x, n, p, at_most, &pmf);
        double f = at_most ? q - tail : tail - q; // increasing in p
        if (!isfinite(f))
            return NAN; // not seen for counts below 2^53; an empty field rather than a wrong bound
        if (f == 0.0)
            return p;
        if (f < 0.0)
            lo = p;
        else
            hi = p;
        double slope = at_most ? (n - x) * pmf / (1.0 - p) : x * pmf / p;
        double next = p - f / slope;
        if (!(next > lo && next < hi))
            next = lo > 0.0 && hi > 4.0 * lo ? sqrt(lo * hi) : 0.5 * (lo + hi);
        if (fabs(next - p) <= 1e-15 * p || hi - lo <= 1e-16 * hi)
            return next;
        p = next;
    }
    return p;
}

void sim_clopper_pearson(uint64_t errors, uint64_t trials, double alpha, double *lo, double *hi)
{
    if (trials == 0 || errors > trials) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double n = (double)trials, q = 0.5 * alpha;
    if (errors == 0) {
        *lo = 0.0;
        *hi = -expm1(log(q) / n); // 1 - (alpha/2)^(1/n)
        return;
    }
    if (errors == trials) {
        *lo = exp(log(q) / n); // (alpha/2)^(1/n)
        *hi = 1.0;
        return;
    }
    // more errors than successes: the mirror image of the interval of the successes
    int mirror = errors > trials - errors;
    uint64_t e = mirror ? trials - errors : errors;
    double x = (double)e, phat = x / n;
    // lo solves P(X >= x; n, lo) = alpha/2 and hi solves P(X <= x; n, hi) = alpha/2, the binomial form of
    // the beta quantiles; Newton starts at the Wilson bounds, which lie close to them
    double wl, wh;
    sim_wilson(e, trials, SIM_Z95, &wl, &wh);
    if (!(wl > 0.0 && wl < phat))
        wl = 0.5 * phat;
    if (!(wh > phat && wh < 1.0))
        wh = 0.5 * (1.0 + phat);
    double l = binomial_bound(q, x, n, 0, 0.0, phat, wl), h = binomial_bound(q, x, n, 1, phat, 1.0, wh);
    *lo = mirror ? 1.0 - h : l;
    *hi = mirror ? 1.0 - l : h;
}

void sim_binomial_interval(int method, uint64_t errors, uint64_t trials, double *lo, double *hi)
{
    if (method == SIM_INTERVAL_CLOPPER_PEARSON)
        sim_clopper_pearson(errors, trials, SIM_ALPHA95, lo, hi);
    else
        sim_wilson(errors, trials, SIM_Z95, lo, hi);
}

void sim_ber_interval(uint64_t bit_errors, uint64_t bit_errors_sq, uint64_t blocks, uint64_t k, double z,
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
