// ch.h - channels of aesim (channels/): forward passes with an explicit generator, backward passes
// for training through them, and the one definition of the noise level.
//
// A batch of blocks is row-major float[B][n] of real channel uses. Noise variance is `sigma2` per real
// dimension (N0/2) or `n0` per complex symbol (N0); Eb/N0 and Es/N0 in dB end in `_db`.
#ifndef AESIM_CH_H
#define AESIM_CH_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

// The one Eb/N0 -> noise definition of aesim. A block of real channel uses carrying k information bits
// with average block energy E (sum of x^2 over the block, averaged over messages) has
//   Eb = E / k,  N0 = Eb / (Eb/N0),  sigma2 = N0 / 2 = E / (2 k Eb/N0)   (per real dimension).
// For the energy constraint (E = n) this is 1 / (2 R Eb/N0) with code rate R = k/n
// (O'Shea & Hoydis, IEEE TCCN 2017, Sec. III-A). Returns sigma2 (linear), or a negative value if
// block_energy <= 0, k == 0 or ebno_db is not finite.
double ch_sigma2_from_ebno(double ebno_db, double block_energy, unsigned k);

// The one Eb/N0 <-> Es/N0 definition. Es is the useful energy of one modulation symbol; the energy
// charged to the k information bits of a block of s symbols is eb_factor times the blocks' useful
// energy (1 except on an OFDM link that charges its cyclic prefix and pilots too:
// ch_ofdm_link_eb_factor), so Es/N0 = Eb/N0 + 10 log10(k / s) - 10 log10(eb_factor), all in dB.
// eb_factor > 0 (linear).
double ch_esno_db_from_ebno_charged(double ebno_db, unsigned k, size_t s, double eb_factor);

// Inverse of ch_esno_db_from_ebno_charged: Eb/N0 in dB.
double ch_ebno_db_from_esno_charged(double esno_db, unsigned k, size_t s, double eb_factor);

// ch_esno_db_from_ebno_charged with eb_factor = 1: Eb/N0 + 10 log10(k / s).
double ch_esno_db_from_ebno(double ebno_db, unsigned k, size_t s);

// Inverse of ch_esno_db_from_ebno.
double ch_ebno_db_from_esno(double esno_db, unsigned k, size_t s);

// AWGN forward: y = x + w, w ~ N(0, sigma2) i.i.d. per real value, N = B*n values. Draws N Gaussians
// from r (GSL ziggurat) in order. y may alias x.
void ch_awgn_forward(float *y, const float *x, size_t N, double sigma2, gsl_rng *r);

// AWGN backward: dy/dx = I, so dx += dy over N values.
void ch_awgn_backward(float *dx, const float *dy, size_t N);

#endif
