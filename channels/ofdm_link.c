// ofdm_link.c - the OFDM link: modulation, multipath, noise, demodulation, estimation, equalisation.
//
// Two exact forms of one link. With a cyclic prefix of at least L - 1 samples (L taps), the N samples
// each OFDM symbol keeps after CP removal are the circular convolution of its own body with its own
// taps (the previous symbol's tail lands in the CP only), so the unitary FFT of the received body is
//   Y[k] = H[k] X[k] + W[k],  H = DFT of the taps (unnormalised), W = unitary FFT of the body's noise,
// and the link runs on the grid: no IFFT, no convolution (the frequency-domain form). The noise is still
// drawn in the time domain, 2 Gaussians per sample of every OFDM symbol including its CP, in the same
// order as the time-domain form, so both forms see the same noise and only rounding tells them apart.
// A shorter CP lets a symbol's tail reach into the next one's body (ISI): the serial convolution is then
// run in the time domain, as ofdm_link.h describes. The responses H come from one FFT per realisation of
// the taps (zero-padded to N, taps beyond N folded onto l mod N, which leaves the DFT unchanged).
#include "ofdm_link.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"

struct ch_ofdm_link {
    ch_ofdm_link_cfg cfg;
    ch_ofdm *o;
    size_t max_symbols;
    size_t n, ns, nd;                  // N, N + CP, Nd
    int freq;                          // 1: CP >= L - 1, the frequency-domain form (see the top of the file)
    float scale;                       // 1/sqrt(N), the unitary FFT's normalisation
    fftwf_complex *plan_in, *plan_out; // [N] scratch the plan was made on (kept for its lifetime)
    fftwf_plan fwd;                    // unnormalised N-point DFT, e^{-j 2 pi k n / N}
};

struct ch_ofdm_link_ws {
    ch_ofdm_ws *ow;
    float *tx;                 // [max_S][N+CP] complex: transmitted samples
    float *rx;                 // [max_S][N+CP] complex: received samples
    float *pad;                // [N+CP+L-1] complex: one symbol zero-padded for the full convolution
    float *full;               // [N+CP+L-1] complex: its full convolution
    float *grid;               // [max_S][N] complex
    float *X;                  // [max_S][N] complex: transmitted grid (frequency-domain form)
    float *Ht;                 // [max_S][N] complex: true response of each OFDM symbol's taps
    float *H;                  // [max_S][N] complex: LS estimate (LS CSI only; perfect CSI uses Ht)
    float *taps;               // [max_S][L] complex: the taps of each OFDM symbol
    fftwf_complex *fin, *fout; // [N] FFT buffers (fftwf_malloc'd, the plan's alignment)
    float *dgrid, *drx, *dtx;  // gradients, shaped like grid, rx, tx
    size_t last_S;             // S of the last forward
};

int ch_ofdm_link_cfg_validate(const ch_ofdm_link_cfg *c)
{
    int rc;
    if ((rc = ch_ofdm_cfg_validate(&c->ofdm)) != AE_OK || (rc = ch_mp_cfg_validate(&c->mp)) != AE_OK)
        return rc;
    if (c->fade != CH_OFDM_FADE_SYMBOL && c->fade != CH_OFDM_FADE_FRAME)
        return AE_ERROR(AE_EINVAL, "ofdm: fading %d, expected per symbol or per frame", c->fade);
    if (c->csi != CH_OFDM_CSI_PERFECT && c->csi != CH_OFDM_CSI_LS)
        return AE_ERROR(AE_EINVAL, "ofdm: csi %d, expected perfect or ls", c->csi);
    if (c->csi == CH_OFDM_CSI_LS && c->ofdm.pilots != CH_OFDM_PILOTS_COMB)
        return AE_ERROR(AE_EINVAL, "ofdm: LS channel estimation needs pilots (comb:SPACING)");
    if (c->equalizer != CH_OFDM_ZF && c->equalizer != CH_OFDM_MMSE)
        return AE_ERROR(AE_EINVAL, "ofdm: equalizer %d, expected zf or mmse", c->equalizer);
    if (c->charge != CH_OFDM_CHARGE_DATA && c->charge != CH_OFDM_CHARGE_ALL)
        return AE_ERROR(AE_EINVAL, "ofdm: Eb bookkeeping %d, expected data or data+cp+pilots", c->charge);
    return AE_OK;
}

double ch_ofdm_link_eb_factor(const ch_ofdm_link *l)
{
    if (l->cfg.charge != CH_OFDM_CHARGE_ALL)
        return 1.0;
    double np = (double)ch_ofdm_pilot_carriers(l->o), nd = (double)l->nd;
    return ((double)l->ns / (double)l->n) * ((nd + np) / nd);
}

void ch_ofdm_link_destroy(ch_ofdm_link *l)
{
    if (!l)
        return;
    ch_ofdm_destroy(l->o);
    // fftwf_destroy_plan belongs to the planner: call from one thread, as create
    if (l->fwd)
        fftwf_destroy_plan(l->fwd);
    fftwf_free(l->plan_in);
    fftwf_free(l->plan_out);
    free(l);
}

ch_ofdm_link *ch_ofdm_link_create(const ch_ofdm_link_cfg *c, size_t max_symbols)
{
    if (ch_ofdm_link_cfg_validate(c) != AE_OK)
        return NULL;
    ch_ofdm_link *l = calloc(1, sizeof *l);
    if (!l) {
        AE_ERROR(AE_ENOMEM, "ofdm link: out of memory");
        return NULL;
    }
    l->cfg = *c;
    l->max_symbols = max_symbols;
    l->o = ch_ofdm_create(&c->ofdm, max_symbols);
    if (!l->o) {
        free(l);
        return NULL;
    }
    l->n = c->ofdm.nfft;
    l->ns = ch_ofdm_samples(l->o);
    l->nd = ch_ofdm_data_carriers(l->o);
    l->freq = c->ofdm.cp + 1 >= c->mp.n_taps;
    l->scale = (float)(1.0 / sqrt((double)l->n));
    l->plan_in = fftwf_alloc_complex(l->n);
    l->plan_out = fftwf_alloc_complex(l->n);
    if (!l->plan_in || !l->plan_out) {
        ch_ofdm_link_destroy(l);
        AE_ERROR(AE_ENOMEM, "ofdm link: out of memory for nfft %zu", c->ofdm.nfft);
        return NULL;
    }
    // FFTW_ESTIMATE leaves the arrays alone and picks the same algorithm every run (reproducible)
    l->fwd = fftwf_plan_dft_1d((int)l->n, l->plan_in, l->plan_out, FFTW_FORWARD, FFTW_ESTIMATE);
    if (!l->fwd) {
        ch_ofdm_link_destroy(l);
        AE_ERROR(AE_ERUNTIME, "ofdm link: FFTW returned no plan for nfft %zu", c->ofdm.nfft);
        return NULL;
    }
    return l;
}

int ch_ofdm_link_freq_domain(const ch_ofdm_link *l)
{
    return l->freq;
}

size_t ch_ofdm_link_data_carriers(const ch_ofdm_link *l)
{
    return l->nd;
}

const ch_ofdm *ch_ofdm_link_ofdm(const ch_ofdm_link *l)
{
    return l->o;
}

void ch_ofdm_link_ws_destroy(ch_ofdm_link_ws *w)
{
    if (!w)
        return;
    ch_ofdm_ws_destroy(w->ow);
    free(w->tx);
    free(w->rx);
    free(w->pad);
    free(w->full);
    free(w->grid);
    free(w->X);
    free(w->Ht);
    free(w->H);
    free(w->taps);
    fftwf_free(w->fin);
    fftwf_free(w->fout);
    free(w->dgrid);
    free(w->drx);
    free(w->dtx);
    free(w);
}

ch_ofdm_link_ws *ch_ofdm_link_ws_create(const ch_ofdm_link *l)
{
    ch_ofdm_link_ws *w = calloc(1, sizeof *w);
    if (!w) {
        AE_ERROR(AE_ENOMEM, "ofdm link: out of memory");
        return NULL;
    }
    size_t S = l->max_symbols, L = l->cfg.mp.n_taps, full = l->ns + L - 1;
    w->ow = ch_ofdm_ws_create(l->o);
    w->tx = malloc(2 * S * l->ns * sizeof(float));
    w->rx = malloc(2 * S * l->ns * sizeof(float));
    w->pad = calloc(2 * full, sizeof(float));
    w->full = malloc(2 * full * sizeof(float));
    w->grid = malloc(2 * S * l->n * sizeof(float));
    w->X = malloc(2 * S * l->n * sizeof(float));
    w->Ht = malloc(2 * S * l->n * sizeof(float));
    w->H = malloc(2 * S * l->n * sizeof(float));
    w->taps = malloc(2 * S * L * sizeof(float));
    w->fin = fftwf_alloc_complex(l->n);
    w->fout = fftwf_alloc_complex(l->n);
    w->dgrid = malloc(2 * S * l->n * sizeof(float));
    w->drx = malloc(2 * S * l->ns * sizeof(float));
    w->dtx = malloc(2 * S * l->ns * sizeof(float));
    if (!w->ow || !w->tx || !w->rx || !w->pad || !w->full || !w->grid || !w->X || !w->Ht || !w->H ||
        !w->taps || !w->fin || !w->fout || !w->dgrid || !w->drx || !w->dtx) {
        ch_ofdm_link_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "ofdm link: out of memory for %zu OFDM symbols", S);
        return NULL;
    }
    return w;
}

// H [N] = the unnormalised DFT of the taps h [L]: one FFT of the taps zero-padded to N (a tap l >= N
// folds onto l mod N, as exp(-j 2 pi k l / N) is periodic in l).
static void response(const ch_ofdm_link *l, ch_ofdm_link_ws *w, const float *h, float *H)
{
    const size_t N = l->n, L = l->cfg.mp.n_taps;
    float *in = (float *)w->fin;
    const float *out = (const float *)w->fout;
    memset(in, 0, 2 * N * sizeof *in);
    for (size_t t = 0, j = 0; t < L; t++, j = j + 1 == N ? 0 : j + 1) {
        in[2 * j] += h[2 * t];
        in[2 * j + 1] += h[2 * t + 1];
    }
    fftwf_execute_dft(l->fwd, w->fin, w->fout);
    memcpy(H, out, 2 * N * sizeof *H);
}

// Frequency-domain form (CP >= L - 1): grid = Ht X + unitary FFT of each body's noise. The noise of every
// sample, CP included, is drawn in stream order; the CP's is not needed (CP removal drops it).
static void forward_freq(const ch_ofdm_link *l, ch_ofdm_link_ws *w, gsl_rng *r_noise, size_t S, double sd)
{
    const size_t N = l->n, cp = l->ns - l->n;
    const float scale = l->scale;
    float *in = (float *)w->fin;
    const float *out = (const float *)w->fout;
    for (size_t s = 0; s < S; s++) {
        for (size_t i = 0; i < 2 * cp; i++)
            (void)gsl_ran_gaussian_ziggurat(r_noise, sd);
        for (size_t i = 0; i < 2 * N; i++)
            in[i] = (float)gsl_ran_gaussian_ziggurat(r_noise, sd);
        fftwf_execute_dft(l->fwd, w->fin, w->fout);
        const float *hs = w->Ht + 2 * s * N, *xs = w->X + 2 * s * N;
        float *ys = w->grid + 2 * s * N;
        for (size_t k = 0; k < N; k++) {
            const float hr = hs[2 * k], hi = hs[2 * k + 1], xr = xs[2 * k], xi = xs[2 * k + 1];
            ys[2 * k] = (hr * xr - hi * xi) + out[2 * k] * scale;
            ys[2 * k + 1] = (hr * xi + hi * xr) + out[2 * k + 1] * scale;
        }
    }
}

// Time-domain form: modulate, the serial convolution (each symbol under its own taps, its tail adding
// into the next symbols' samples), noise per sample, demodulate.
static int forward_time(const ch_ofdm_link *l, ch_ofdm_link_ws *w, gsl_rng *r_noise, const float *data,
                        size_t S, double sd)
{
    const size_t NS = l->ns, L = l->cfg.mp.n_taps, full = NS + L - 1;
    int rc = ch_ofdm_modulate(l->o, w->ow, data, w->tx, S);
    if (rc != AE_OK)
        return rc;
    memset(w->rx, 0, 2 * S * NS * sizeof(float));
    for (size_t s = 0; s < S; s++) {
        memcpy(w->pad, w->tx + 2 * s * NS, 2 * NS * sizeof(float)); // the rest of pad stays 0
        ch_mp_apply(w->full, w->pad, full, w->taps + 2 * s * L, L);
        size_t room = (S - s) * NS, m = full < room ? full : room;
        float *dst = w->rx + 2 * s * NS;
        for (size_t i = 0; i < 2 * m; i++)
            dst[i] += w->full[i];
    }
    // complex AWGN, n0 per sample
    for (size_t i = 0; i < 2 * S * NS; i++)
        w->rx[i] += (float)gsl_ran_gaussian_ziggurat(r_noise, sd);
    return ch_ofdm_demodulate(l->o, w->ow, w->rx, w->grid, S);
}

int ch_ofdm_link_forward(const ch_ofdm_link *l, ch_ofdm_link_ws *w, gsl_rng *r_fade, gsl_rng *r_noise,
                         const float *data, float *data_eq, float *nvar, size_t S, double n0)
{
    if (S > l->max_symbols)
        return AE_ERROR(AE_EBADLEN, "ofdm link: %zu OFDM symbols > %zu", S, l->max_symbols);
    const size_t N = l->n, L = l->cfg.mp.n_taps;
    const int per_symbol = l->cfg.fade == CH_OFDM_FADE_SYMBOL;
    // taps: per OFDM symbol, or one draw for the whole call (all drawn before any noise: r_fade and
    // r_noise may be one generator)
    for (size_t s = 0; s < S; s++) {
        if (s == 0 || per_symbol)
            ch_mp_draw(&l->cfg.mp, r_fade, w->taps + 2 * s * L);
        else
            memcpy(w->taps + 2 * s * L, w->taps, 2 * L * sizeof(float));
    }
    for (size_t s = 0; s < S; s++) {
        if (s == 0 || per_symbol)
            response(l, w, w->taps + 2 * s * L, w->Ht + 2 * s * N);
        else
            memcpy(w->Ht + 2 * s * N, w->Ht, 2 * N * sizeof(float));
    }
    double sd = sqrt(n0 / 2.0);
    int rc;
    if (l->freq) {
        if ((rc = ch_ofdm_map(l->o, data, w->X, S)) != AE_OK)
            return rc;
        forward_freq(l, w, r_noise, S, sd);
    } else if ((rc = forward_time(l, w, r_noise, data, S, sd)) != AE_OK) {
        return rc;
    }
    const float *H = w->Ht;
    if (l->cfg.csi == CH_OFDM_CSI_LS) {
        if ((rc = ch_ofdm_estimate_ls(l->o, w->grid, w->H, S)) != AE_OK)
            return rc;
        H = w->H;
    }
    ch_ofdm_equalize(l->o, l->cfg.equalizer, w->grid, H, n0, data_eq, nvar, S);
    w->last_S = S;
    return AE_OK;
}

int ch_ofdm_link_backward(const ch_ofdm_link *l, ch_ofdm_link_ws *w, const float *ddata_eq, float *ddata,
                          size_t S, double n0)
{
    if (S != w->last_S)
        return AE_ERROR(AE_EINVAL, "ofdm link backward: %zu OFDM symbols, the forward had %zu", S, w->last_S);
    const size_t N = l->n, NS = l->ns, L = l->cfg.mp.n_taps, full = NS + L - 1;
    const float *H = l->cfg.csi == CH_OFDM_CSI_LS ? w->H : w->Ht;
    memset(w->dgrid, 0, 2 * S * N * sizeof(float));
    ch_ofdm_equalize_backward(l->o, l->cfg.equalizer, ddata_eq, H, n0, w->dgrid, S);
    if (l->freq) {
        // Y = Ht X + W: the adjoint multiplies by conj(Ht), then reads the data subcarriers out
        for (size_t i = 0; i < S * N; i++) {
            const float hr = w->Ht[2 * i], hi = w->Ht[2 * i + 1], gr = w->dgrid[2 * i],
                        gi = w->dgrid[2 * i + 1];
            w->dgrid[2 * i] = hr * gr + hi * gi;
            w->dgrid[2 * i + 1] = hr * gi - hi * gr;
        }
        return ch_ofdm_map_backward(l->o, w->dgrid, ddata, S);
    }
    memset(w->drx, 0, 2 * S * NS * sizeof(float));
    int rc = ch_ofdm_demodulate_backward(l->o, w->ow, w->dgrid, w->drx, S);
    if (rc != AE_OK)
        return rc;
    // the noise is additive (identity); the convolution's adjoint per symbol over its full output span
    memset(w->dtx, 0, 2 * S * NS * sizeof(float));
    for (size_t s = 0; s < S; s++) {
        size_t room = (S - s) * NS, m = full < room ? full : room;
        memset(w->full, 0, 2 * full * sizeof(float));
        memcpy(w->full, w->drx + 2 * s * NS, 2 * m * sizeof(float));
        memset(w->pad, 0, 2 * full * sizeof(float));
        ch_mp_apply_backward(w->pad, w->full, full, w->taps + 2 * s * L, L);
        float *dst = w->dtx + 2 * s * NS;
        for (size_t i = 0; i < 2 * NS; i++)
            dst[i] += w->pad[i];
    }
    memset(w->pad, 0, 2 * full * sizeof(float)); // forward relies on pad's tail being 0
    return ch_ofdm_modulate_backward(l->o, w->ow, w->dtx, ddata, S);
}

int ch_ofdm_link_fixed_gains(const ch_ofdm_link *l, float *gains)
{
    if (l->cfg.mp.kind != CH_MP_FIXED)
        return AE_ERROR(AE_EINVAL, "ofdm link: subcarrier gains are fixed only for a fixed tap vector");
    size_t N = l->n;
    float *H = malloc(2 * N * sizeof *H);
    if (!H)
        return AE_ERROR(AE_ENOMEM, "out of memory");
    ch_mp_freq_response(H, N, l->cfg.mp.taps, l->cfg.mp.n_taps);
    for (size_t d = 0; d < l->nd; d++) {
        size_t k = ch_ofdm_data_index(l->o, d);
        gains[d] = H[2 * k] * H[2 * k] + H[2 * k + 1] * H[2 * k + 1];
    }
    free(H);
    return AE_OK;
}
