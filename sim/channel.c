// channel.c - configured channels: description, checks, forward and backward for engine and training.
#include "channel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "ch.h"

struct sim_chan {
    sim_channel_cfg cfg;
    size_t n;      // real channel uses per block
    size_t S;      // complex symbols per block (n / 2), complex channels
    int real_only; // the transceiver's imaginary parts carry nothing (AWGN shortcut)
    size_t max_batch;
    size_t quantum; // blocks per call must be a multiple of this
    ch_ofdm_link *link;
    size_t nd; // OFDM data subcarriers
};

struct sim_chan_ws {
    float *h;          // [max_batch][S] complex: flat fading gains
    float *sigma2_sym; // [max_batch][S]: noise variance per real dimension after equalisation
    float *dq;         // [max_batch][n]: gradient scratch
    ch_ofdm_link_ws *lw;
};

void sim_channel_cfg_default(sim_channel_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->kind = SIM_CH_AWGN;
    c->k_factor = 0.0;
    c->coherence = 1;
    c->csi = CH_CSI_PERFECT;
    ch_ofdm_link_cfg *o = &c->ofdm;
    o->ofdm.nfft = 64;
    o->ofdm.cp = 16;
    o->ofdm.pilots = CH_OFDM_PILOTS_NONE;
    o->ofdm.pilot_spacing = 4;
    o->mp.kind = CH_MP_FIXED;
    o->mp.n_taps = 1;
    o->mp.taps[0] = 1.0f;
    o->mp.pdp[0] = 1.0;
    o->fade = CH_OFDM_FADE_SYMBOL;
    o->csi = CH_OFDM_CSI_PERFECT;
    o->equalizer = CH_OFDM_ZF;
    o->charge = CH_OFDM_CHARGE_DATA;
}

const char *sim_channel_kind_name(int kind)
{
    switch (kind) {
    case SIM_CH_AWGN: return "awgn";
    case SIM_CH_RAYLEIGH: return "rayleigh";
    case SIM_CH_RICIAN: return "rician";
    case SIM_CH_OFDM: return "ofdm";
    default: return "?";
    }
}

int sim_channel_kind_parse(const char *name)
{
    for (int k = SIM_CH_AWGN; k <= SIM_CH_OFDM; k++)
        if (strcmp(name, sim_channel_kind_name(k)) == 0)
            return k;
    return -1;
}

// The multipath part of an OFDM description: "taps_fixed<L>" or "pdp<L>" (with the exponential's decay
// when the profile is one: "pdp_exp8_3").
static void describe_mp(const ch_mp_cfg *mp, char *buf, size_t len)
{
    if (mp->kind == CH_MP_FIXED) {
        snprintf(buf, len, "taps%zu", mp->n_taps);
        return;
    }
    // an exponential profile has a constant ratio between neighbouring taps
    int exp_profile = mp->n_taps > 1;
    double ratio = mp->n_taps > 1 ? mp->pdp[1] / mp->pdp[0] : 1.0;
    for (size_t l = 1; l < mp->n_taps && exp_profile; l++)
        exp_profile = fabs(mp->pdp[l] / mp->pdp[l - 1] - ratio) < 1e-9;
    if (exp_profile)
        snprintf(buf, len, "pdp_exp%zu_%g", mp->n_taps, -10.0 * log10(ratio) + 0.0);
    else
        snprintf(buf, len, "pdp%zu", mp->n_taps);
}

const char *sim_channel_describe(const sim_channel_cfg *c, char *buf, size_t len)
{
    if (c->kind == SIM_CH_AWGN) {
        snprintf(buf, len, "awgn");
        return buf;
    }
    if (c->kind == SIM_CH_OFDM) {
        const ch_ofdm_link_cfg *o = &c->ofdm;
        char mp[48], pil[32] = "";
        describe_mp(&o->mp, mp, sizeof mp);
        if (o->ofdm.pilots == CH_OFDM_PILOTS_COMB)
            snprintf(pil, sizeof pil, "-comb%zu", o->ofdm.pilot_spacing);
        snprintf(buf, len, "ofdm-n%zu-cp%zu-%s-csi_%s%s-%s%s%s", o->ofdm.nfft, o->ofdm.cp, mp,
                 o->csi == CH_OFDM_CSI_LS ? "ls" : "perfect", pil,
                 o->equalizer == CH_OFDM_MMSE ? "mmse" : "zf", o->fade == CH_OFDM_FADE_FRAME ? "-frame" : "",
                 o->charge == CH_OFDM_CHARGE_ALL ? "-charge_all" : "");
        return buf;
    }
    char k[48] = "", coh[48] = "";
    if (c->kind == SIM_CH_RICIAN)
        snprintf(k, sizeof k, "-k%g", c->k_factor);
    if (c->coherence != 1)
        snprintf(coh, sizeof coh, "-coh%zu", c->coherence);
    snprintf(buf, len, "%s%s-csi_%s%s", sim_channel_kind_name(c->kind), k,
             c->csi == CH_CSI_PERFECT ? "perfect" : "none", coh);
    return buf;
}

const char *sim_channel_eb_charges(const sim_channel_cfg *c)
{
    if (c->kind != SIM_CH_OFDM)
        return "";
    return c->ofdm.charge == CH_OFDM_CHARGE_ALL ? "data+cp+pilots" : "data";
}

int sim_channel_check(const sim_channel_cfg *c, const txrx *t, const char *system)
{
    char why[512];
    if (c->kind < SIM_CH_AWGN || c->kind > SIM_CH_OFDM)
        return AE_ERROR(AE_EINVAL, "%s: unknown channel %d", system, c->kind);
    if (c->kind == SIM_CH_AWGN)
        return AE_OK;
    int rc = AE_OK;
    if (c->kind == SIM_CH_OFDM) {
        rc = ch_ofdm_link_cfg_validate(&c->ofdm);
    } else {
        ch_fading_cfg fc = {c->k_factor, c->coherence};
        rc = ch_fading_cfg_validate(&fc);
    }
    if (rc != AE_OK) {
        snprintf(why, sizeof why, "%s", ae_err_message());
        return AE_ERROR(AE_EINVAL, "%s: %s", system, why);
    }
    if (t->n % 2 != 0)
        return AE_ERROR(AE_EINVAL,
                        "%s: n = %zu real channel uses on a %s channel; expected an even n (pairs of real "
                        "channel uses form complex symbols)",
                        system, t->n, sim_channel_kind_name(c->kind));
    if (t->coherent && c->kind != SIM_CH_OFDM && c->csi != CH_CSI_PERFECT)
        return AE_ERROR(
            AE_EINVAL,
            "%s: a coherent classical receiver on a %s channel needs csi = \"perfect\" (only learned "
            "receivers can run without CSI)",
            system, sim_channel_kind_name(c->kind));
    return AE_OK;
}

int sim_channel_parse_ofdm_size(const char *text, ch_ofdm_cfg *o)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (errno || end == text || *end != ':')
        return AE_ERROR(AE_EINVAL, "OFDM '%s': expected N:CP, e.g. 64:16", text);
    const char *cp_text = end + 1;
    unsigned long cp = strtoul(cp_text, &end, 10);
    if (errno || end == cp_text || *end != '\0')
        return AE_ERROR(AE_EINVAL, "OFDM '%s': expected N:CP, e.g. 64:16", text);
    o->nfft = n;
    o->cp = cp;
    return AE_OK;
}

int sim_channel_parse_pilots(const char *text, ch_ofdm_cfg *o)
{
    if (strcmp(text, "none") == 0) {
        o->pilots = CH_OFDM_PILOTS_NONE;
        return AE_OK;
    }
    char *end;
    errno = 0;
    if (strncmp(text, "comb:", 5) == 0) {
        unsigned long sp = strtoul(text + 5, &end, 10);
        if (!errno && end != text + 5 && *end == '\0' && sp >= 2 && sp <= 65536) {
            o->pilots = CH_OFDM_PILOTS_COMB;
            o->pilot_spacing = sp;
            return AE_OK;
        }
    }
    return AE_ERROR(AE_EINVAL, "pilots '%s': expected comb:SPACING (SPACING >= 2, e.g. comb:4) or none",
                    text);
}

void sim_channel_format_taps(const ch_mp_cfg *mp, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t l = 0; l < mp->n_taps && used < len; l++) {
        int w = snprintf(buf + used, len - used, "%s%.9g%+.9gj", l ? "," : "", mp->taps[2 * l],
                         mp->taps[2 * l + 1]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

void sim_chan_destroy(sim_chan *ch)
{
    if (!ch)
        return;
    ch_ofdm_link_destroy(ch->link);
    free(ch);
}

sim_chan *sim_chan_create(const sim_channel_cfg *c, const txrx *t, size_t max_batch)
{
    if (sim_channel_check(c, t, "channel") != AE_OK)
        return NULL;
    sim_chan *ch = calloc(1, sizeof *ch);
    if (!ch) {
        AE_ERROR(AE_ENOMEM, "channel: out of memory");
        return NULL;
    }
    ch->cfg = *c;
    ch->n = t->n;
    ch->S = t->n / 2;
    ch->real_only = t->real_only && t->is_complex;
    ch->quantum = 1;
    if (c->kind == SIM_CH_OFDM) {
        // blocks per call fill whole OFDM symbols: a multiple of Nd / gcd(Nd, S) blocks
        ch_ofdm_link *probe = ch_ofdm_link_create(&c->ofdm, 1);
        if (!probe) {
            free(ch);
            return NULL;
        }
        ch->nd = ch_ofdm_link_data_carriers(probe);
        ch_ofdm_link_destroy(probe);
        ch->quantum = ch->nd / gcd(ch->nd, ch->S);
    }
    ch->max_batch = (max_batch + ch->quantum - 1) / ch->quantum * ch->quantum;
    if (c->kind == SIM_CH_OFDM) {
        ch->link = ch_ofdm_link_create(&c->ofdm, ch->max_batch * ch->S / ch->nd);
        if (!ch->link) {
            free(ch);
            return NULL;
        }
    }
    return ch;
}

size_t sim_chan_quantum(const sim_chan *ch)
{
    return ch->quantum;
}

size_t sim_chan_group(const sim_chan *ch, size_t batch)
{
    if (ch->cfg.kind != SIM_CH_OFDM)
        return 1;
    return ch->cfg.ofdm.fade == CH_OFDM_FADE_FRAME ? batch : ch->quantum;
}

double sim_chan_eb_factor(const sim_chan *ch)
{
    return ch->link ? ch_ofdm_link_eb_factor(ch->link) : 1.0;
}

void sim_chan_ws_destroy(sim_chan_ws *w)
{
    if (!w)
        return;
    free(w->h);
    free(w->sigma2_sym);
    free(w->dq);
    ch_ofdm_link_ws_destroy(w->lw);
    free(w);
}

sim_chan_ws *sim_chan_ws_create(const sim_chan *ch)
{
    sim_chan_ws *w = calloc(1, sizeof *w);
    size_t S = ch->S ? ch->S : 1;
    if (w) {
        w->h = malloc(2 * ch->max_batch * S * sizeof *w->h);
        w->sigma2_sym = malloc(ch->max_batch * S * sizeof *w->sigma2_sym);
        w->dq = malloc(ch->max_batch * ch->n * sizeof *w->dq);
    }
    if (!w || !w->h || !w->sigma2_sym || !w->dq) {
        sim_chan_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "channel: out of memory for batch %zu", ch->max_batch);
        return NULL;
    }
    if (ch->link && !(w->lw = ch_ofdm_link_ws_create(ch->link))) {
        sim_chan_ws_destroy(w);
        return NULL;
    }
    return w;
}

int sim_chan_forward(const sim_chan *ch, sim_chan_ws *w, gsl_rng *r_fade, gsl_rng *r_noise, const float *x,
                     float *y, txrx_noise *noise, size_t b, double sigma2)
{
    if (b > ch->max_batch || b % ch->quantum != 0)
        return AE_ERROR(AE_EBADLEN, "channel: %zu blocks, expected a multiple of %zu up to %zu", b,
                        ch->quantum, ch->max_batch);
    noise->sigma2 = sigma2;
    noise->sigma2_sym = NULL;
    const sim_channel_cfg *c = &ch->cfg;
    switch (c->kind) {
    case SIM_CH_AWGN:
        if (ch->real_only) {
            // the imaginary parts carry nothing and are never read: noise on the real parts only
            double sigma = sqrt(sigma2);
            for (size_t i = 0; i < b * ch->n; i += 2) {
                y[i] = x[i] + (float)gsl_ran_gaussian_ziggurat(r_noise, sigma);
                y[i + 1] = 0.0f;
            }
        } else {
            ch_awgn_forward(y, x, b * ch->n, sigma2, r_noise);
        }
        return AE_OK;
    case SIM_CH_RAYLEIGH:
    case SIM_CH_RICIAN: {
        ch_fading_cfg fc = {c->kind == SIM_CH_RICIAN ? c->k_factor : 0.0, c->coherence};
        ch_fading_draw(&fc, r_fade, w->h, b, ch->S);
        ch_fading_apply(y, x, w->h, b, ch->S);
        ch_awgn_forward(y, y, b * ch->n, sigma2, r_noise);
        if (c->csi == CH_CSI_PERFECT) {
            ch_fading_equalize(y, w->sigma2_sym, y, w->h, sigma2, b, ch->S);
            noise->sigma2_sym = w->sigma2_sym;
        }
        return AE_OK;
    }
    case SIM_CH_OFDM: {
        // the blocks' complex symbols, in order, fill the data subcarriers of consecutive OFDM symbols;
        // the link reports the noise variance per complex symbol, halved here to per real dimension
        size_t n_sym = b * ch->S, S_ofdm = n_sym / ch->nd;
        int rc =
            ch_ofdm_link_forward(ch->link, w->lw, r_fade, r_noise, x, y, w->sigma2_sym, S_ofdm, 2.0 * sigma2);
        if (rc != AE_OK)
            return rc;
        for (size_t i = 0; i < n_sym; i++)
            w->sigma2_sym[i] *= 0.5f;
        noise->sigma2_sym = w->sigma2_sym;
        return AE_OK;
    }
    default: return AE_ERROR(AE_EINVAL, "channel: unknown kind %d", c->kind);
    }
}

int sim_chan_backward(const sim_chan *ch, sim_chan_ws *w, const float *dy, float *dx, size_t b, double sigma2)
{
    const sim_channel_cfg *c = &ch->cfg;
    switch (c->kind) {
    case SIM_CH_AWGN: ch_awgn_backward(dx, dy, b * ch->n); return AE_OK;
    case SIM_CH_RAYLEIGH:
    case SIM_CH_RICIAN: {
        // decoder input <- equaliser <- noise (identity) <- fading gains
        const float *g = dy;
        if (c->csi == CH_CSI_PERFECT) {
            memset(w->dq, 0, b * ch->n * sizeof *w->dq);
            ch_fading_equalize_backward(w->dq, dy, w->h, b, ch->S);
            g = w->dq;
        }
        ch_fading_apply_backward(dx, g, w->h, b, ch->S);
        return AE_OK;
    }
    case SIM_CH_OFDM: return ch_ofdm_link_backward(ch->link, w->lw, dy, dx, b * ch->S / ch->nd, 2.0 * sigma2);
    default: return AE_ERROR(AE_EINVAL, "channel: unknown kind %d", c->kind);
    }
}
