// ae.h - the (n,k) autoencoder transceiver of O'Shea & Hoydis, "An Introduction to Deep Learning for
// the Physical Layer", IEEE TCCN 2017, Sec. III-A, Table IV.
//
//   message m in [0, M), M = 2^k (one-hot)
//   encoder: Dense(h_1, ReLU) ... Dense(h_L, ReLU) -> Dense(n, linear) -> normalisation -> x [n]
//   channel (outside this module)
//   decoder: Dense(g_1, ReLU) ... Dense(g_J, ReLU) -> Dense(M, linear) -> softmax (in the loss)
// Table IV has one hidden layer of width M on each side; widths and layer counts are configurable.
//
// Parameters, gradients and Adam moments are four parallel flat float blocks of one layout:
// for each dense layer in order (encoder layers first, then decoder layers), W (out, in) row-major
// followed by b [out]. The first encoder layer's input is the one-hot message, so its forward is a
// column lookup W[:, m] + b and its backward a scatter-add into that column.
#ifndef AESIM_AE_H
#define AESIM_AE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "txrx.h"

enum { AE_MAX_HIDDEN = 8, AE_MAX_K = 24 };

enum ae_norm {
    AE_NORM_ENERGY = 0, // ||x||^2 = n for every block (the paper's constraint)
    AE_NORM_POWER = 1 // mean power 1 per real channel use (over the batch; over the M messages at evaluation)
};

typedef struct ae_cfg {
    unsigned k;                      // information bits per block, 1..AE_MAX_K; M = 2^k messages
    size_t n;                        // real channel uses per block, >= 1
    size_t n_tx_hidden;              // hidden ReLU layers in the encoder, 0..AE_MAX_HIDDEN
    size_t tx_hidden[AE_MAX_HIDDEN]; // their widths
    size_t n_rx_hidden;              // hidden ReLU layers in the decoder, 0..AE_MAX_HIDDEN
    size_t rx_hidden[AE_MAX_HIDDEN]; // their widths
    int norm;                        // enum ae_norm
} ae_cfg;

// Table IV defaults: one hidden layer of width M = 2^k on each side, energy constraint.
void ae_cfg_default(ae_cfg *c, unsigned k, size_t n);

// Check ranges (k in 1..AE_MAX_K, n >= 1, layer counts and widths >= 1, norm known).
// Returns AE_OK or AE_EINVAL with a message naming the field and the expected range.
int ae_cfg_validate(const ae_cfg *c);

// Number of trainable parameters (weights and biases of every dense layer). For Table IV:
// (2,2) -> 62, (7,4) -> 791, (8,8) -> 135944. Returns 0 if the count overflows size_t.
size_t ae_param_count(const ae_cfg *c);

// Bytes the model needs: four parameter-sized blocks (params, grads, Adam m and v), the evaluation
// codebook [M][n] and one workspace for max_batch blocks. Returns AE_OK, or AE_ENOMEM with a message
// giving k, the bytes needed and `limit_bytes` if the need exceeds limit_bytes (or overflows).
int ae_memory_check(const ae_cfg *c, size_t max_batch, size_t limit_bytes, size_t *bytes);

typedef struct nn_dense_desc {
    size_t in, out;      // shapes: W is (out, in)
    size_t w_off, b_off; // offsets of W and b in the flat parameter block
    int relu;            // 1 if followed by ReLU
} nn_dense_desc;

typedef struct ae_model {
    ae_cfg cfg;
    size_t M;           // 2^k
    size_t n_layers;    // dense layers in all
    size_t n_tx_layers; // the first n_tx_layers of layers[] are the encoder's
    nn_dense_desc layers[2 * AE_MAX_HIDDEN + 2];
    size_t n_params;
    float *params;      // [n_params]
    float *grads;       // [n_params], same layout
    float *adam_m;      // [n_params], same layout
    float *adam_v;      // [n_params], same layout
    uint64_t adam_step; // Adam updates taken so far
    float *codebook;    // [M][n] transmitted block per message, made by ae_eval_prepare
    int codebook_ready;
} ae_model;

// Allocate a model for a validated cfg (parameters zero: call ae_init). Returns NULL with AE_ERROR
// (AE_EINVAL for a bad cfg, AE_ENOMEM on allocation failure).
ae_model *ae_create(const ae_cfg *cfg);
void ae_destroy(ae_model *ae);

// Initialise weights (He uniform for layers followed by ReLU, Glorot uniform for the linear output
// layers), biases 0, gradients and Adam state 0, adam_step 0. Draws from r in layer order.
void ae_init(ae_model *ae, gsl_rng *r);

// Zero the gradient block.
void ae_zero_grad(ae_model *ae);

// Activations saved by the forward passes for the backward passes, for batches up to max_batch.
typedef struct ae_ws ae_ws;
ae_ws *ae_ws_create(const ae_model *ae, size_t max_batch); // NULL with AE_ERROR on failure
void ae_ws_destroy(ae_ws *ws);

// plain != 0: this workspace's ae_tx_forward runs every block of a batch through the encoder, the
// reference path. By default (plain = 0), under the energy constraint and with B >= M, it encodes
// each of the M messages once and gathers, and ae_tx_backward sums the gradient per message before
// the encoder backward: the same gradient to float rounding, with fewer rows through the encoder.
void ae_ws_set_plain(ae_ws *ws, int plain);

// Encoder forward for training: msg [B] (< M) -> x [B][n] normalised as cfg.norm says (the power
// constraint averages over this batch). Saves activations in ws. AE_EBADLEN if B > max_batch,
// AE_EINVAL if a message is >= M.
int ae_tx_forward(const ae_model *ae, ae_ws *ws, const uint32_t *msg, float *x, size_t B);

// Encoder backward: dx [B][n] (gradient of the loss w.r.t. the transmitted x) -> accumulates into
// ae->grads. Uses what the last ae_tx_forward on ws saved.
int ae_tx_backward(ae_model *ae, ae_ws *ws, const float *dx, size_t B);

// ae_tx_backward accumulating into grads [ae->n_params] (laid out as ae->grads) instead of ae->grads:
// pieces of a batch run on separate workspaces and gradient blocks, then are summed. Returns AE_OK, or
// AE_EINVAL if B is not the batch of the last ae_tx_forward on ws.
int ae_tx_backward_into(const ae_model *ae, ae_ws *ws, float *grads, const float *dx, size_t B);

// Decoder forward: y [B][n] -> logits [B][M] (returned pointer into ws, valid until the next call).
// NULL with AE_ERROR if B > max_batch.
const float *ae_rx_forward(const ae_model *ae, ae_ws *ws, const float *y, size_t B);

// Softmax cross-entropy of the logits of the last ae_rx_forward against labels [B]; returns the mean
// loss in nats and stores its gradient w.r.t. the logits in ws for ae_rx_backward.
double ae_rx_loss(const ae_model *ae, ae_ws *ws, const uint32_t *labels, size_t B);

// ae_rx_loss for a piece of a larger batch: returns the SUM of the B losses (nats) and stores the
// logit gradient scaled by grad_scale (1 / the whole batch's size) for ae_rx_backward[_into]. NaN with
// AE_ERROR (AE_EINVAL) if B is not the batch of the last ae_rx_forward or a label is >= M.
double ae_rx_loss_sum(const ae_model *ae, ae_ws *ws, const uint32_t *labels, size_t B, float grad_scale);

// Decoder backward from the gradient stored by ae_rx_loss: accumulates into ae->grads and, if
// dy != NULL, OVERWRITES dy [B][n] with the gradient w.r.t. the decoder input y.
int ae_rx_backward(ae_model *ae, ae_ws *ws, float *dy, size_t B);

// ae_rx_backward accumulating into grads [ae->n_params] instead of ae->grads. Returns AE_OK, or
// AE_EINVAL if B is not the batch of the last ae_rx_forward on ws.
int ae_rx_backward_into(const ae_model *ae, ae_ws *ws, float *grads, float *dy, size_t B);

// Build the evaluation codebook [M][n]: the encoder output for every message, normalised as cfg.norm
// says (the power constraint averaging over the M messages, equally weighted). Call after training
// and before ae_txrx_create. Returns AE_OK or AE_ENOMEM.
int ae_eval_prepare(ae_model *ae);

// Average energy per block of the codebook (n for both constraints, up to rounding).
double ae_codebook_energy(const ae_model *ae);

// Wrap a prepared model as a transceiver for the engine: transmit = codebook lookup of the message index
// m = txrx_index(block, k) (the block's k bits, MSB first); receive = decoder forward and argmax over the
// logits, written back as the block's bits (the noise variance is not used). The txrx BORROWS ae, which
// must outlive it. NULL with AE_ERROR if the codebook is not ready.
txrx *ae_txrx_create(const ae_model *ae);

#endif
