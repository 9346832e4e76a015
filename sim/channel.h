// channel.h - the channels of an experiment as the engine and the training loop run them (sim/).
//
// One place turns a configured channel into its forward pass (transmitted blocks to what the receiver
// sees, with the noise description after equalisation) and its backward pass, so evaluation and
// training run the same channel the same way. The physics lives in channels/ (AWGN, fading, OFDM).
#ifndef AESIM_CHANNEL_H
#define AESIM_CHANNEL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "fading.h"
#include "ofdm_link.h"
#include "txrx.h"

enum sim_channel_kind {
    SIM_CH_AWGN = 0,     // y = x + w
    SIM_CH_RAYLEIGH = 1, // y = h x + w, flat Rayleigh block fading on complex symbols
    SIM_CH_RICIAN = 2,   // y = h x + w, flat Rician block fading (K factor) on complex symbols
    SIM_CH_OFDM = 3      // the blocks' complex symbols on the data subcarriers of an OFDM link (ofdm_link.h)
};

typedef struct sim_channel_cfg {
    int kind;              // enum sim_channel_kind (default AWGN)
    double k_factor;       // Rician K, linear, >= 0 (Rician only; default 0)
    size_t coherence;      // complex symbols per fading realisation within a block, >= 1 (fading; default 1)
    int csi;               // enum ch_csi (flat fading only; default CH_CSI_PERFECT)
    ch_ofdm_link_cfg ofdm; // OFDM only
} sim_channel_cfg;

// AWGN defaults (and OFDM defaults in c->ofdm: N = 64, CP = 16, no nulls, no pilots, one tap of gain 1,
// perfect CSI, ZF, fading per OFDM symbol, Eb charged to the data).
void sim_channel_cfg_default(sim_channel_cfg *c);

// The channel's word in configs ("awgn", "rayleigh", "rician", "ofdm") and back (-1 if unknown).
const char *sim_channel_kind_name(int kind);
int sim_channel_kind_parse(const char *name);

// Canonical description for results.csv's channel column: "awgn", "rayleigh-csi_perfect",
// "rician-k3-csi_none", "-coh<L>" appended when the coherence length L is not 1;
// "ofdm-n64-cp16-pdp_exp8_3-csi_ls-comb4-zf" (taps_fixed for a fixed tap vector, -frame for fading per
// frame, -charge_all when Eb pays for CP and pilots).
const char *sim_channel_describe(const sim_channel_cfg *c, char *buf, size_t len);

// The eb_charges column: "data" or "data+cp+pilots" for OFDM, "" for other channels.
const char *sim_channel_eb_charges(const sim_channel_cfg *c);

// Check c and that transceiver t can run over it: complex channels need an even n (pairs of real channel
// uses form complex symbols), and a coherent (classical) receiver needs CSI. AE_EINVAL naming the
// system otherwise.
int sim_channel_check(const sim_channel_cfg *c, const txrx *t, const char *system);

// Parse "N:CP" (e.g. "64:16") into o->nfft and o->cp. AE_EINVAL naming the text otherwise.
int sim_channel_parse_ofdm_size(const char *text, ch_ofdm_cfg *o);

// Parse "comb:SPACING" or "none" into o->pilots and o->pilot_spacing. AE_EINVAL otherwise.
int sim_channel_parse_pilots(const char *text, ch_ofdm_cfg *o);

// Write a fixed tap vector in the form ch_mp_parse_taps reads ("0.8,0+0.6j").
void sim_channel_format_taps(const ch_mp_cfg *mp, char *buf, size_t len);

typedef struct sim_chan sim_chan;
typedef struct sim_chan_ws sim_chan_ws;

// The runtime of channel c for transceiver t, for batches of up to max_batch blocks (rounded up to a
// multiple of sim_chan_quantum). Plans and tables made here, from the calling thread. NULL with AE_ERROR.
sim_chan *sim_chan_create(const sim_channel_cfg *c, const txrx *t, size_t max_batch);
void sim_chan_destroy(sim_chan *ch);

// Blocks per call must be a multiple of this: 1, or for OFDM the fewest blocks that fill whole OFDM
// symbols (Nd / gcd(Nd, n/2)).
size_t sim_chan_quantum(const sim_chan *ch);

// Blocks per independent channel realisation in a call of `batch` blocks (for the confidence intervals):
// 1 for AWGN and flat fading (realisations never span blocks), the quantum for OFDM fading per OFDM
// symbol, the whole call for OFDM fading per frame.
size_t sim_chan_group(const sim_chan *ch, size_t batch);

// The factor applied to the block energy in the Eb/N0 -> noise conversion (1 except for OFDM charging the
// CP and pilots, see ch_ofdm_link_eb_factor).
double sim_chan_eb_factor(const sim_chan *ch);

// One thread's buffers. NULL with AE_ERROR.
sim_chan_ws *sim_chan_ws_create(const sim_chan *ch);
void sim_chan_ws_destroy(sim_chan_ws *w);

// x [b][n] -> y [b][n] (y may not alias x) and noise (sigma2, and per-symbol variances after equalisation
// in w when the channel gives CSI); sigma2 is the noise variance per real dimension. b must be a multiple
// of the quantum and at most max_batch (else AE_EBADLEN). Draws fading from r_fade and noise from r_noise.
int sim_chan_forward(const sim_chan *ch, sim_chan_ws *w, gsl_rng *r_fade, gsl_rng *r_noise, const float *x,
                     float *y, txrx_noise *noise, size_t b, double sigma2);

// Backward of the last forward on w: dy [b][n] -> dx [b][n], accumulating (the noise is additive; flat
// fading: the gains' adjoint and, with CSI, the equaliser's; OFDM: ch_ofdm_link_backward).
int sim_chan_backward(const sim_chan *ch, sim_chan_ws *w, const float *dy, float *dx, size_t b,
                      double sigma2);

#endif
