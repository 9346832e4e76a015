// channel.h - the channels of an experiment as the engine and the training loop run them (sim/).
//
// A configured channel is a registered type (channels/ch_type.h: awgn, rayleigh, rician, ofdm, rapp, ...)
// with its parameters, plus one switch every channel has: black_box, which declares it
// non-differentiable (no backward pass is ever called; conventional training through it is refused).
// This file turns such a configuration into its forward pass (transmitted blocks to what the receiver
// sees, with the noise description after equalisation) and its backward pass, so that evaluation and
// training run the same channel the same way. The physics lives in channels/.
#ifndef AESIM_CHANNEL_H
#define AESIM_CHANNEL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "ch_type.h"
#include "txrx.h"

typedef struct sim_channel_cfg {
    const ch_type *type; // a row of ch_registry (default: awgn)
    int black_box;       // 1: treat the channel as non-differentiable (never call its backward)
    ch_params params;    // the type's parameters (see its key table)
} sim_channel_cfg;

// AWGN, differentiable.
void sim_channel_cfg_default(sim_channel_cfg *c);

// Switch c to channel type t with every key at its default (black_box kept).
void sim_channel_cfg_set_type(sim_channel_cfg *c, const ch_type *t);

// c = channel type `type` ("awgn", "rician", ...) with every key at its default. AE_EINVAL if no such
// type is registered.
int sim_channel_cfg_init(sim_channel_cfg *c, const char *type);

// Set key `key` of c's type from text ("3.0", "ls", "exp:8:3"), as `aesim ber --channel-key` does.
// AE_EINVAL naming the key if the type has none such or the text is not a value it accepts.
int sim_channel_set(sim_channel_cfg *c, const char *key, const char *text);

// The channel's config word ("awgn", "rayleigh", ...).
const char *sim_channel_name(const sim_channel_cfg *c);

// 1 if pairs of real channel uses form complex symbols on this channel (n must then be even).
int sim_channel_is_complex(const sim_channel_cfg *c);

// 1 if training may call the channel's backward: the type has one and black_box is off.
int sim_channel_differentiable(const sim_channel_cfg *c);

// The closed-form view of the channel (CH_FLAT_NONE where the theory has none).
ch_flat sim_channel_flat(const sim_channel_cfg *c);

// Canonical description for results.csv's channel column: "awgn", "rayleigh-csi_perfect",
// "rician-k3-csi_none", "-coh<L>" appended when the coherence length L is not 1;
// "ofdm-n64-cp16-pdp_exp8_3-csi_ls-comb4-zf", "rapp-p3-ibo3".
const char *sim_channel_describe(const sim_channel_cfg *c, char *buf, size_t len);

// The channel in words for a figure's legend ("AWGN", "Rayleigh fading, perfect CSI", ...).
const char *sim_channel_label(const sim_channel_cfg *c, char *buf, size_t len);

// The eb_charges column: "data" or "data+cp+pilots" for OFDM, "" for other channels.
const char *sim_channel_eb_charges(const sim_channel_cfg *c);

// Check the parameters against the type's cross-key rules. AE_EINVAL with the type's message.
int sim_channel_validate(const sim_channel_cfg *c);

// Check c and that a transceiver of n real channel uses per block (coherent: a classical receiver that
// needs an equalised channel) can run over it: complex channels need an even n, and a coherent receiver
// needs what the type says (e.g. CSI on fading). AE_EINVAL naming the system otherwise.
int sim_channel_check_shape(const sim_channel_cfg *c, size_t n, int coherent, const char *system);

// sim_channel_check_shape for transceiver t.
int sim_channel_check(const sim_channel_cfg *c, const txrx *t, const char *system);

// The factor on the block energy in the Eb/N0 -> noise conversion for blocks of n real uses (1 except
// for OFDM charging the CP and pilots). NAN if the channel cannot be made for n.
double sim_channel_eb_factor(const sim_channel_cfg *c, size_t n);

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

// Backward of the last forward on w: dy [b][n] -> dx [b][n], accumulating. AE_EINVAL (and nothing
// computed) for a channel that is not differentiable (sim_channel_differentiable).
int sim_chan_backward(const sim_chan *ch, sim_chan_ws *w, const float *dy, float *dx, size_t b,
                      double sigma2);

#endif
