// ofdm_link.h - an OFDM link as one channel: data symbols in, equalised data symbols and their noise
// variances out, through OFDM modulation, a multipath channel, AWGN, demodulation, channel estimation
// and one-tap equalisation, with the backward pass for training (channels/).
//
//   data [S][Nd] -> ch_ofdm_modulate -> time [S][N+CP] -> taps (linear convolution over the serial
//   stream of the call's S OFDM symbols; the first symbol sees silence before it) -> + CN(0, n0) per
//   sample -> ch_ofdm_demodulate -> grid -> H (true response, or LS from the pilots) ->
//   ch_ofdm_equalize -> data_eq [S][Nd], nvar [S][Nd]
// The taps are drawn anew for every OFDM symbol (CH_OFDM_FADE_SYMBOL) or once per call, a frame
// (CH_OFDM_FADE_FRAME); with CH_OFDM_FADE_SYMBOL the convolution still runs over the serial stream, so a
// channel longer than CP + 1 taps lets a symbol's tail (under its own taps) reach into the next one.
#ifndef AESIM_OFDM_LINK_H
#define AESIM_OFDM_LINK_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "multipath.h"
#include "ofdm.h"

enum ch_ofdm_fade { CH_OFDM_FADE_SYMBOL = 0, CH_OFDM_FADE_FRAME = 1 };
enum ch_ofdm_csi { CH_OFDM_CSI_PERFECT = 0, CH_OFDM_CSI_LS = 1 };
enum ch_ofdm_charge {
    CH_OFDM_CHARGE_DATA = 0, // Eb counts the useful (post-CP) energy on the data subcarriers
    CH_OFDM_CHARGE_ALL = 1   // Eb also pays for the CP and the pilots (as Sionna's ebnodb2no does)
};

typedef struct ch_ofdm_link_cfg {
    ch_ofdm_cfg ofdm;
    ch_mp_cfg mp;
    int fade;      // enum ch_ofdm_fade
    int csi;       // enum ch_ofdm_csi (LS needs pilots)
    int equalizer; // enum ch_ofdm_equalizer
    int charge;    // enum ch_ofdm_charge
} ch_ofdm_link_cfg;

// Check the parts and their combination (LS needs comb pilots). AE_EINVAL naming what is wrong.
int ch_ofdm_link_cfg_validate(const ch_ofdm_link_cfg *c);

typedef struct ch_ofdm_link ch_ofdm_link;
typedef struct ch_ofdm_link_ws ch_ofdm_link_ws;

// Plans and tables for calls of up to max_symbols OFDM symbols. Call from one thread. NULL with AE_ERROR.
ch_ofdm_link *ch_ofdm_link_create(const ch_ofdm_link_cfg *c, size_t max_symbols);
void ch_ofdm_link_destroy(ch_ofdm_link *l);
size_t ch_ofdm_link_data_carriers(const ch_ofdm_link *l); // Nd
const ch_ofdm *ch_ofdm_link_ofdm(const ch_ofdm_link *l);

// 1 if the link runs in the frequency domain (CP >= n_taps - 1: Y = H X + W on the grid, exactly the
// time-domain link up to rounding, with the same random numbers), 0 if it runs the serial convolution in
// the time domain (a shorter CP, where a symbol's tail reaches the next one's body).
int ch_ofdm_link_freq_domain(const ch_ofdm_link *l);

// The Eb/N0 bookkeeping of an OFDM link, in one place: the factor by which the energy charged to the
// information bits exceeds the useful data energy: 1 for CH_OFDM_CHARGE_DATA, and
// ((N + CP) / N) ((Nd + Np) / Nd) for CH_OFDM_CHARGE_ALL (the CP repeats CP of N samples; pilots are
// unit-energy symbols like the data). The noise variance for a block of average data energy E carrying
// k bits is then sigma2 = factor E / (2 k Eb/N0) per real dimension, n0 = 2 sigma2 per complex sample.
double ch_ofdm_link_eb_factor(const ch_ofdm_link *l);

// One thread's buffers (time samples, grid, taps, responses, gradients). NULL with AE_ERROR.
ch_ofdm_link_ws *ch_ofdm_link_ws_create(const ch_ofdm_link *l);
void ch_ofdm_link_ws_destroy(ch_ofdm_link_ws *w);

// Run S OFDM symbols: data [S][Nd] complex -> data_eq [S][Nd] complex, nvar [S][Nd] (noise variance per
// complex symbol after equalisation; pass NULL if not needed). n0: noise variance per complex time
// sample. Taps from r_fade (PDP channels only), noise from r_noise (2 Gaussians per sample, in order).
// Keeps the taps and responses in w for ch_ofdm_link_backward. AE_EBADLEN if S > max_symbols.
int ch_ofdm_link_forward(const ch_ofdm_link *l, ch_ofdm_link_ws *w, gsl_rng *r_fade, gsl_rng *r_noise,
                         const float *data, float *data_eq, float *nvar, size_t S, double n0);

// Backward of the last forward on w with respect to data, holding the channel estimate fixed (no
// gradient flows through the LS estimate), accumulating: ddata_eq [S][Nd] -> ddata [S][Nd].
int ch_ofdm_link_backward(const ch_ofdm_link *l, ch_ofdm_link_ws *w, const float *ddata_eq, float *ddata,
                          size_t S, double n0);

// The mean over data subcarriers and OFDM symbols of f(|H_k|^2) is what theory needs for fixed taps:
// write |H_k|^2 of every data subcarrier for the fixed taps of c into gains [Nd]. AE_EINVAL for PDP
// channels.
int ch_ofdm_link_fixed_gains(const ch_ofdm_link *l, float *gains);

#endif
