// fading.h - flat Rayleigh and Rician block fading on complex baseband, with the backward passes that
// let a transceiver train through it, and zero-forcing equalisation with perfect CSI (channels/).
//
// Layout: a batch of B blocks of S complex symbols is float[B][2S] (interleaved re, im: the real
// channel uses of the block, n = 2S); gains h are float[B][2S/2] complex, one per symbol.
// Model: y = h x + w, E|h|^2 = 1, h = sqrt(K/(K+1)) + sqrt(1/(K+1)) g with g ~ CN(0, 1) and the
// line-of-sight component at phase 0 (K = 0: Rayleigh). A realisation holds for `coherence`
// consecutive symbols of a block, counted from the block's start; blocks never share a realisation (so
// blocks stay independent, and a coherence of S or more is block fading: one gain per block).
// (Simon & Alouini, Digital Communication over Fading Channels, 2nd ed., Sec. 2.2.1.)
#ifndef AESIM_FADING_H
#define AESIM_FADING_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

enum ch_csi {
    CH_CSI_PERFECT = 0, // the receiver knows h: zero-forcing equalisation, per-symbol noise variance
    CH_CSI_NONE = 1     // the receiver sees y = h x + w as it is
};

typedef struct ch_fading_cfg {
    double k_factor;  // Rician K (linear, >= 0); 0 is Rayleigh
    size_t coherence; // symbols per realisation, >= 1
} ch_fading_cfg;

// Check ranges: AE_EINVAL naming k_factor (finite, >= 0) or coherence (>= 1).
int ch_fading_cfg_validate(const ch_fading_cfg *c);

// Draw the gains h [B][S] complex for a batch: for each block, a realisation at symbols 0, coherence,
// 2 coherence, ...; two Gaussians (GSL ziggurat) per realisation, in block order (so the draws do not
// depend on how blocks are grouped into batches).
void ch_fading_draw(const ch_fading_cfg *c, gsl_rng *r, float *h, size_t B, size_t S);

// y = h x per complex symbol: x, y [B][2S], h [B][S] complex. y may alias x.
void ch_fading_apply(float *y, const float *x, const float *h, size_t B, size_t S);

// Backward of ch_fading_apply with respect to x, accumulating: dx += conj(h) dy per symbol
// (the adjoint of multiplication by h in R^2).
void ch_fading_apply_backward(float *dx, const float *dy, const float *h, size_t B, size_t S);

// Zero-forcing with perfect CSI: y_eq = y / h per symbol and, if sigma2_sym != NULL,
// sigma2_sym [B][S] = sigma2 / |h|^2 (the noise variance per real dimension after equalisation).
// y_eq may alias y. A gain of exactly 0 gives y_eq = 0 and an infinite variance.
void ch_fading_equalize(float *y_eq, float *sigma2_sym, const float *y, const float *h, double sigma2,
                        size_t B, size_t S);

// Backward of ch_fading_equalize with respect to y, accumulating: dy += conj(1/h) dy_eq per symbol.
void ch_fading_equalize_backward(float *dy, const float *dy_eq, const float *h, size_t B, size_t S);

#endif
