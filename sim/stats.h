// stats.h - confidence intervals for Monte Carlo error counts (sim/).
#ifndef AESIM_STATS_H
#define AESIM_STATS_H

#include <stdint.h>

// z of a two-sided 95% normal interval (the 0.975 quantile of N(0,1)).
#define SIM_Z95 1.959963984540054

// Wilson score interval for a binomial proportion with `errors` successes in `trials` trials
// (E. B. Wilson, "Probable inference...", JASA 22, 1927; Agresti & Coull, Am. Stat. 52, 1998, eq. 2).
// Used for BLER, blocks being independent. trials == 0 gives [0, 1].
void sim_wilson(uint64_t errors, uint64_t trials, double z, double *lo, double *hi);

// Normal interval for the BER of `blocks` independent units (blocks, or groups of blocks that share a
// channel realisation) of k bits each, from the variance of the per-unit bit-error counts (bits within a
// unit are not independent, so a binomial interval on bits would be too narrow): with e_i the bit errors
// of unit i, mean e = bit_errors / blocks, s^2 = (sum e_i^2 - blocks * mean^2) / (blocks - 1),
// BER = mean / k, half-width z s / (k sqrt(blocks)). The lower end is clipped at 0. With no bit error at
// all the interval collapses, so hi falls back to `bler_hi` (a valid bound, since BER <= BLER for every
// block). blocks == 0 gives [0, 1].
void sim_ber_interval(uint64_t bit_errors, uint64_t bit_errors_sq, uint64_t blocks, unsigned k, double z,
                      double bler_hi, double *lo, double *hi);

// Normal interval for an error rate measured on `groups` independent groups of `per_group` trials that
// are not independent within a group (blocks sharing a channel realisation): with e_i the errors of
// group i, rate = errors / (groups per_group), s^2 the sample variance of e_i, half-width
// z s / (per_group sqrt(groups)), clipped to [0, 1]. With no error: [0, 1 - (0.05)^(1/groups)] (the
// exact one-sided 95% bound for "no group had an error"), a valid bound on the rate. groups == 0: [0, 1].
void sim_group_interval(uint64_t errors, uint64_t errors_sq, uint64_t groups, uint64_t per_group, double z,
                        double *lo, double *hi);

#endif
