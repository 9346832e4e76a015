// stats.h - confidence intervals for Monte Carlo error counts (sim/).
#ifndef AESIM_STATS_H
#define AESIM_STATS_H

#include <stdint.h>

// z of a two-sided 95% normal interval (the 0.975 quantile of N(0,1)).
#define SIM_Z95 1.959963984540054

// 1 - confidence of a two-sided 95% interval.
#define SIM_ALPHA95 0.05

// The interval put on a binomial proportion of independent trials (the BLER of independent blocks):
// the `eval.interval` key and `aesim ber --interval`.
enum sim_interval {
    SIM_INTERVAL_WILSON = 0,         // Wilson score (default)
    SIM_INTERVAL_CLOPPER_PEARSON = 1 // Clopper-Pearson "exact" (coverage at least 95% for every rate)
};

// The method's word in configs and on the command line ("wilson", "clopper_pearson"), and back (-1 if
// unknown).
const char *sim_interval_name(int method);
int sim_interval_parse(const char *word);

// Wilson score interval for a binomial proportion with `errors` successes in `trials` trials
// (E. B. Wilson, "Probable inference...", JASA 22, 1927; Agresti & Coull, Am. Stat. 52, 1998, eq. 2).
// Used for BLER, blocks being independent. trials == 0 gives [0, 1].
void sim_wilson(uint64_t errors, uint64_t trials, double z, double *lo, double *hi);

// Clopper-Pearson interval of confidence 1 - alpha (0 < alpha < 1) for `errors` successes in `trials`
// trials (C. J. Clopper & E. S. Pearson, "The use of confidence or fiducial limits illustrated in the case
// of the binomial", Biometrika 26, 1934): the bounds are the beta quantiles
//   lo = B^-1(alpha/2; x, n - x + 1),   hi = B^-1(1 - alpha/2; x + 1, n - x),
// i.e. the p at which P(X >= x; n, p) = alpha/2 and P(X <= x; n, p) = alpha/2 for X ~ Binomial(n, p),
// with lo = 0 for x = 0 and hi = 1 for x = n (the other bound then (alpha/2)^(1/n) in closed form).
// Each bound is solved by safeguarded Newton steps on that binomial tail, summed term by term from x
// (about 7 sqrt(x) terms; P(X = x) by Loader's saddle-point formula), to about 1e-15 relative (checked
// against 40-digit sums) for counts below 2^53. GSL's gsl_cdf_beta_Pinv / Qinv give the same bounds where
// they converge, but they return NaN (or do not return) for counts as common as 1000 errors in 10^6 trials.
// trials == 0 gives [0, 1].
void sim_clopper_pearson(uint64_t errors, uint64_t trials, double alpha, double *lo, double *hi);

// The interval `method` (enum sim_interval) of 95% confidence: sim_wilson with SIM_Z95 or
// sim_clopper_pearson with SIM_ALPHA95.
void sim_binomial_interval(int method, uint64_t errors, uint64_t trials, double *lo, double *hi);

// Normal interval for the BER of `blocks` independent units (blocks, or groups of blocks that share a
// channel realisation) of k bits each, from the variance of the per-unit bit-error counts (bits within a
// unit are not independent, so a binomial interval on bits would be too narrow): with e_i the bit errors
// of unit i, mean e = bit_errors / blocks, s^2 = (sum e_i^2 - blocks * mean^2) / (blocks - 1),
// BER = mean / k, half-width z s / (k sqrt(blocks)). The lower end is clipped at 0. With no bit error at
// all the interval collapses, so hi falls back to `bler_hi` (a valid bound, since BER <= BLER for every
// block). blocks == 0 gives [0, 1].
void sim_ber_interval(uint64_t bit_errors, uint64_t bit_errors_sq, uint64_t blocks, uint64_t k, double z,
                      double bler_hi, double *lo, double *hi);

// Normal interval for an error rate measured on `groups` independent groups of `per_group` trials that
// are not independent within a group (blocks sharing a channel realisation): with e_i the errors of
// group i, rate = errors / (groups per_group), s^2 the sample variance of e_i, half-width
// z s / (per_group sqrt(groups)), clipped to [0, 1]. With no error: [0, 1 - (0.05)^(1/groups)] (the
// exact one-sided 95% bound for "no group had an error"), a valid bound on the rate. groups == 0: [0, 1].
void sim_group_interval(uint64_t errors, uint64_t errors_sq, uint64_t groups, uint64_t per_group, double z,
                        double *lo, double *hi);

#endif
