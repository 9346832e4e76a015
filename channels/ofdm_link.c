// ofdm_link.c - the OFDM link: modulation, multipath, noise, demodulation, estimation, equalisation.
#include "ofdm_link.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"

struct ch_ofdm_link {
    ch_ofdm_link_cfg cfg;
    ch_ofdm *o;
    size_t max_symbols;
    size_t n, ns, nd; // N, N + CP, Nd
    float *tw;        // [N][L] twiddles for the perfect-CSI response (NULL: too large, trigonometry instead)
};

struct ch_ofdm_link_ws {
    ch_ofdm_ws *ow;
    float *tx;                // [max_S][N+CP] complex: transmitted samples
    float *rx;                // [max_S][N+CP] complex: received samples
    float *pad;               // [N+CP+L-1] complex: one symbol zero-padded for the full convolution
    float *full;              // [N+CP+L-1] complex: its full convolution
    float *grid;              // [max_S][N] complex
    float *H;                 // [max_S][N] complex: response used by the equaliser (true or estimated)
    float *taps;              // [max_S][L] complex: the taps of each OFDM symbol
    float *dgrid, *drx, *dtx; // gradients, shaped like grid, rx, tx
    size_t last_S;            // S of the last forward
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
    free(l->tw);
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
    // a twiddle table spares the sine and cosine per subcarrier and tap of every OFDM symbol
    size_t L = c->mp.n_taps;
    if (l->n * L <= ((size_t)1 << 20) && (l->tw = malloc(2 * l->n * L * sizeof *l->tw)))
        ch_mp_twiddles(l->tw, l->n, L);
    return l;
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
    free(w->H);
    free(w->taps);
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
    w->H = malloc(2 * S * l->n * sizeof(float));
    w->taps = malloc(2 * S * L * sizeof(float));
    w->dgrid = malloc(2 * S * l->n * sizeof(float));
    w->drx = malloc(2 * S * l->ns * sizeof(float));
    w->dtx = malloc(2 * S * l->ns * sizeof(float));
    if (!w->ow || !w->tx || !w->rx || !w->pad || !w->full || !w->grid || !w->H || !w->taps || !w->dgrid ||
        !w->drx || !w->dtx) {
        ch_ofdm_link_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "ofdm link: out of memory for %zu OFDM symbols", S);
        return NULL;
    }
    return w;
}

int ch_ofdm_link_forward(const ch_ofdm_link *l, ch_ofdm_link_ws *w, gsl_rng *r_fade, gsl_rng *r_noise,
                         const float *data, float *data_eq, float *nvar, size_t S, double n0)
{
    if (S > l->max_symbols)
        return AE_ERROR(AE_EBADLEN, "ofdm link: %zu OFDM symbols > %zu", S, l->max_symbols);
    const size_t N = l->n, NS = l->ns, L = l->cfg.mp.n_taps, full = NS + L - 1;
    int rc = ch_ofdm_modulate(l->o, w->ow, data, w->tx, S);
    if (rc != AE_OK)
        return rc;
    // taps: per OFDM symbol, or one draw for the whole call
    for (size_t s = 0; s < S; s++) {
        if (s == 0 || l->cfg.fade == CH_OFDM_FADE_SYMBOL)
            ch_mp_draw(&l->cfg.mp, r_fade, w->taps + 2 * s * L);
        else
            memcpy(w->taps + 2 * s * L, w->taps, 2 * L * sizeof(float));
    }
    // each symbol convolved with its own taps; its tail adds into the next symbols' samples
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
    double sd = sqrt(n0 / 2.0);
    for (size_t i = 0; i < 2 * S * NS; i++)
        w->rx[i] += (float)gsl_ran_gaussian_ziggurat(r_noise, sd);
    if ((rc = ch_ofdm_demodulate(l->o, w->ow, w->rx, w->grid, S)) != AE_OK)
        return rc;
    if (l->cfg.csi == CH_OFDM_CSI_LS) {
        if ((rc = ch_ofdm_estimate_ls(l->o, w->grid, w->H, S)) != AE_OK)
            return rc;
    } else {
        for (size_t s = 0; s < S; s++) {
            if (l->tw)
                ch_mp_freq_response_table(w->H + 2 * s * N, N, w->taps + 2 * s * L, L, l->tw);
            else
                ch_mp_freq_response(w->H + 2 * s * N, N, w->taps + 2 * s * L, L);
        }
    }
    ch_ofdm_equalize(l->o, l->cfg.equalizer, w->grid, w->H, n0, data_eq, nvar, S);
    w->last_S = S;
    return AE_OK;
}

int ch_ofdm_link_backward(const ch_ofdm_link *l, ch_ofdm_link_ws *w, const float *ddata_eq, float *ddata,
                          size_t S, double n0)
{
    if (S != w->last_S)
        return AE_ERROR(AE_EINVAL, "ofdm link backward: %zu OFDM symbols, the forward had %zu", S, w->last_S);
    const size_t N = l->n, NS = l->ns, L = l->cfg.mp.n_taps, full = NS + L - 1;
    memset(w->dgrid, 0, 2 * S * N * sizeof(float));
    ch_ofdm_equalize_backward(l->o, l->cfg.equalizer, ddata_eq, w->H, n0, w->dgrid, S);
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
