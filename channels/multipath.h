// multipath.h - frequency-selective channels as tapped delay lines on complex baseband (channels/).
//
// Samples are complex, interleaved float pairs. A channel of L taps h[0..L-1] maps a serial stream of
// samples x to y[t] = sum_l h[l] x[t - l] (linear convolution; samples before the stream start count
// as 0). Its frequency response on an N-point grid is H[k] = sum_l h[l] exp(-j 2 pi k l / N), so with a
// unitary DFT pair and a cyclic prefix of at least L - 1 samples, subcarrier k sees Y[k] = H[k] X[k].
#ifndef AESIM_MULTIPATH_H
#define AESIM_MULTIPATH_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

enum { CH_MP_MAX_TAPS = 64 };

enum ch_mp_kind {
    CH_MP_FIXED = 0, // a fixed complex tap vector (for tests and measured channels)
    CH_MP_PDP = 1    // random taps: tap l ~ CN(0, pdp[l]) independently, the average power delay profile
                  // summing to 1 (so E sum |h_l|^2 = 1 and every subcarrier gain is Rayleigh, E|H_k|^2 = 1)
};

typedef struct ch_mp_cfg {
    int kind;                       // enum ch_mp_kind
    size_t n_taps;                  // 1..CH_MP_MAX_TAPS
    float taps[2 * CH_MP_MAX_TAPS]; // CH_MP_FIXED: the taps, interleaved (re, im)
    double pdp[CH_MP_MAX_TAPS];     // CH_MP_PDP: average power per tap, linear, summing to 1
} ch_mp_cfg;

// Parse a fixed tap vector "0.8,0,0,0.6j" or "0.8, 0.3-0.2j, -0.1+0.05j" (real, imaginary with a
// trailing j, or a+bj) into cfg (kind FIXED). AE_EINVAL naming the element on a malformed list or more
// than CH_MP_MAX_TAPS taps.
int ch_mp_parse_taps(const char *text, ch_mp_cfg *cfg);

// Parse a power delay profile: "exp:TAPS:DECAY_DB" (TAPS taps, power falling by DECAY_DB dB per tap,
// normalised to sum 1) or a list of powers "1,0.5,0.25" (normalised to sum 1). AE_EINVAL otherwise.
int ch_mp_parse_pdp(const char *text, ch_mp_cfg *cfg);

// Check cfg: 1..CH_MP_MAX_TAPS taps, finite values, a PDP of non-negative powers summing to 1 (1e-9).
int ch_mp_cfg_validate(const ch_mp_cfg *cfg);

// One realisation of the taps: h [n_taps] complex. FIXED copies cfg->taps; PDP draws tap l as
// sqrt(pdp[l]/2) (g1 + j g2) with two GSL ziggurat Gaussians per tap, in tap order.
void ch_mp_draw(const ch_mp_cfg *cfg, gsl_rng *r, float *h);

// Linear convolution of n samples: y[t] = sum_l h[l] x[t-l] with x[t] = 0 for t < 0. x, y [n] complex,
// h [L] complex. y must not alias x.
void ch_mp_apply(float *y, const float *x, size_t n, const float *h, size_t L);

// Adjoint of ch_mp_apply with respect to x, accumulating: dx[t] += sum_l conj(h[l]) dy[t + l] for
// t + l < n.
void ch_mp_apply_backward(float *dx, const float *dy, size_t n, const float *h, size_t L);

// Frequency response on an nfft grid: H [nfft] complex, H[k] = sum_l h[l] exp(-j 2 pi k l / nfft).
void ch_mp_freq_response(float *H, size_t nfft, const float *h, size_t L);

#endif
