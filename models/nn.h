// nn.h - neural-network kernels with explicit forward and backward passes (aesim models/).
//
// Kernels take raw float buffers and sizes only. Layout conventions, the same everywhere:
//   * activations are batch-major, row-major: x[B][in] means x[b*in + i];
//   * dense weights are stored (out, in) row-major as PyTorch's nn.Linear does: W[o*in + i];
//   * forward passes overwrite their outputs; backward passes ACCUMULATE (+=) into every gradient
//     they produce (dx, dW, db), and the caller zeroes gradients once per step. A NULL gradient
//     pointer skips that gradient.
// Floats are float32; reductions that need it (losses) are accumulated in double.
#ifndef AESIM_NN_H
#define AESIM_NN_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

// ---------------------------------------------------------------------------------------------
// dense layer: y = x W^T + b

// y[B][out] = x[B][in] * W^T + b, W (out, in) row-major, b [out]. cblas_sgemm (OpenBLAS).
void nn_dense_forward(float *y, const float *x, const float *W, const float *b, size_t B, size_t in,
                      size_t out);

// nn_dense_forward, then y = max(y, 0) in the same call when relu != 0.
void nn_dense_forward_act(float *y, const float *x, const float *W, const float *b, size_t B, size_t in,
                          size_t out, int relu);

// The same layer with a feature-major output, for inference: yt[out][B] (yt[o*B + r] is output o of row
// r) = W x^T + b, then max(., 0) if relu != 0. x is batch-major [B][in] if x_fm == 0, else feature-major
// [in][B] (the yt of the layer before). A chain of layers then multiplies with the batch as the long
// dimension, and the logits come out one class per row, ready for nn_argmax_cols.
void nn_dense_forward_fm(float *yt, const float *x, int x_fm, const float *W, const float *b, size_t B,
                         size_t in, size_t out, int relu);

// Backward of nn_dense_forward, accumulating:
//   dx[B][in] += dy[B][out] * W        (skipped if dx == NULL)
//   dW[out][in] += dy^T * x            (skipped if dW == NULL)
//   db[out] += sum over the batch of dy (skipped if db == NULL)
void nn_dense_backward(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W,
                       size_t B, size_t in, size_t out);

// ---------------------------------------------------------------------------------------------
// activations (elementwise over N = B*width values)

// y = max(x, 0); y may alias x.
void nn_relu_forward(float *y, const float *x, size_t N);

// dx += dy * [y > 0], with y the forward output. dx must not alias dy (the sum would double dy).
void nn_relu_backward(float *dx, const float *dy, const float *y, size_t N);

// g = (y > 0 ? g : +0) in place: the ReLU backward when the unmasked g is not needed afterwards.
void nn_relu_mask(float *g, const float *y, size_t N);

// y[i] = exp(x[i]) for x[i] <= 0 (float32, within 2 ulp of expf for x in [-87, 0]; arguments below
// -87 give exp(-87) ~ 1.6e-38). Vectorised, no libm call: the softmax's exponential. y may alias x.
// Cody & Waite range reduction with a degree-7 Taylor polynomial (Cody and Waite, Software Manual for
// the Elementary Functions, 1980, ch. 6). No error return.
void nn_exp_nonpos(float *y, const float *x, size_t N);

// ---------------------------------------------------------------------------------------------
// softmax with categorical cross-entropy

// logits [B][M] (row-major), labels [B] with labels[b] < M.
// Returns the mean over the batch of -log softmax(logits[b])[labels[b]] (natural log, nats), computed
// with the max-subtraction for stability, accumulated in double.
// If dlogits != NULL it is OVERWRITTEN (not accumulated: the loss starts the backward pass) with the
// gradient of that mean: (softmax(logits[b]) - onehot(labels[b])) / B.
double nn_softmax_xent(float *dlogits, const float *logits, const uint32_t *labels, size_t B, size_t M);

// The same loss as a SUM over the B rows (nats, double), for a batch split in pieces: dlogits (if not
// NULL) is overwritten with (softmax(logits[b]) - onehot(labels[b])) * grad_scale, so the pieces of a
// batch of B_total rows pass grad_scale = 1 / B_total and add their sums. The exponentials are those
// of nn_exp_nonpos.
double nn_softmax_xent_sum(float *dlogits, const float *logits, const uint32_t *labels, size_t B, size_t M,
                           float grad_scale);

// Index of the largest logit of each row: out[b] = argmax_j logits[b][j] (first maximum on ties).
void nn_argmax_rows(uint32_t *out, const float *logits, size_t B, size_t M);

// nn_argmax_rows for feature-major logits zt[M][B]: out[r] = argmax_j zt[j*B + r], first maximum on ties.
// best [B] is scratch (left holding the row maxima).
void nn_argmax_cols(uint32_t *out, float *best, const float *zt, size_t B, size_t M);

// ---------------------------------------------------------------------------------------------
// initialisation (uniform draws from the caller's GSL generator)

// Glorot/Xavier uniform: W[out][in] ~ U(-a, a), a = sqrt(6 / (in + out)).
// Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks",
// AISTATS 2010, eq. (16). For layers followed by a linear output or softmax.
void nn_init_glorot_uniform(float *W, size_t in, size_t out, gsl_rng *r);

// He/Kaiming uniform: W[out][in] ~ U(-a, a), a = sqrt(6 / in) (variance 2/in).
// He et al., "Delving Deep into Rectifiers", ICCV 2015, eq. (10). For layers followed by ReLU.
void nn_init_he_uniform(float *W, size_t in, size_t out, gsl_rng *r);

// ---------------------------------------------------------------------------------------------
// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1)

typedef struct nn_adam_cfg {
    double beta1; // first-moment decay, default 0.9
    double beta2; // second-moment decay, default 0.999
    double eps;   // added to sqrt(v_hat), default 1e-8
} nn_adam_cfg;

// Fill the PyTorch/paper defaults above.
void nn_adam_cfg_default(nn_adam_cfg *c);

// One Adam update over N parameters held in four parallel arrays of the same layout:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// t is the 1-based step count after this update (t >= 1). lr is the learning rate of this step.
void nn_adam_step(float *p, const float *g, float *m, float *v, size_t N, const nn_adam_cfg *c, double lr,
                  uint64_t t);

// ---------------------------------------------------------------------------------------------
// transmitter normalisation (power / energy constraints)

// Energy constraint of O'Shea & Hoydis (IEEE TCCN 2017, Sec. III-A): every block has ||x||^2 = n.
//   x[b] = sqrt(n) * v[b] / ||v[b]||, v and x [B][n]; inv_norm [B] receives 1/||v[b]|| for the backward.
// A block with ||v|| = 0 is left at zero (inv_norm = 0). x may alias v.
void nn_energy_norm_forward(float *x, float *inv_norm, const float *v, size_t B, size_t n);

// Backward of nn_energy_norm_forward, accumulating:
//   dv[b] += sqrt(n) / ||v[b]|| * (dx[b] - u (u . dx[b])),  u = v[b] / ||v[b]|| = x[b] / sqrt(n).
void nn_energy_norm_backward(float *dv, const float *dx, const float *x, const float *inv_norm, size_t B,
                             size_t n);

// Average-power constraint: mean power 1 per real channel use over the whole batch:
//   x = v * s,  s = 1 / sqrt(mean over all B*n entries of v^2).
// Returns s (0 if v is all zero, and then x = 0). For evaluation the batch is the M messages, each once.
// x may alias v.
double nn_power_norm_forward(float *x, const float *v, size_t B, size_t n);

// Backward of nn_power_norm_forward, accumulating, with N = B*n and s the forward's return value:
//   dv_j += s * (dx_j - x_j * (sum_i dx_i x_i) / N).
void nn_power_norm_backward(float *dv, const float *dx, const float *x, double s, size_t B, size_t n);

#endif
