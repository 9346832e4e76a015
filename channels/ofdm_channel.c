// ofdm_channel.c - the OFDM link (ofdm_link.h) as a channel type: the blocks' complex symbols, in order,
// fill the data subcarriers of consecutive OFDM symbols (symbol d of an OFDM symbol on FFT bin
// (d + N/2) mod N, see ofdm.h); the receiver gets the equalised data and per-symbol noise variances.
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "ch_type.h"
#include "ofdm_channel.h"

// The link's configuration plus which of taps/pdp set the multipath part (they exclude each other).
typedef struct ofdm_params {
    ch_ofdm_link_cfg link;
    int mp_from; // 0: default (one tap of gain 1), 1: taps, 2: pdp
} ofdm_params;

_Static_assert(sizeof(ofdm_params) <= CH_PARAMS_MAX, "OFDM parameters exceed CH_PARAMS_MAX");

const ch_ofdm_link_cfg *ch_ofdm_channel_cfg(const void *params)
{
    return &((const ofdm_params *)params)->link;
}

ch_ofdm_link_cfg *ch_ofdm_channel_cfg_mut(void *params)
{
    return &((ofdm_params *)params)->link;
}

static int set_mp(ofdm_params *p, int from, const char *text)
{
    if (p->mp_from != 0 && p->mp_from != from)
        return AE_ERROR(AE_EINVAL, "give either taps (a fixed channel) or pdp (random taps), not both");
    ch_mp_cfg mp = p->link.mp;
    int rc = from == 1 ? ch_mp_parse_taps(text, &mp) : ch_mp_parse_pdp(text, &mp);
    if (rc != AE_OK)
        return rc;
    p->link.mp = mp;
    p->mp_from = from;
    return AE_OK;
}

static int parse_taps(const char *text, void *params)
{
    return text[0] ? set_mp(params, 1, text) : AE_OK;
}

static int parse_pdp(const char *text, void *params)
{
    return text[0] ? set_mp(params, 2, text) : AE_OK;
}

static void format_taps(const void *params, char *buf, size_t len)
{
    const ch_mp_cfg *mp = &((const ofdm_params *)params)->link.mp;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t l = 0; mp->kind == CH_MP_FIXED && l < mp->n_taps && used < len; l++) {
        int w = snprintf(buf + used, len - used, "%s%.9g%+.9gj", l ? "," : "", mp->taps[2 * l],
                         mp->taps[2 * l + 1]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void format_pdp(const void *params, char *buf, size_t len)
{
    const ch_mp_cfg *mp = &((const ofdm_params *)params)->link.mp;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t l = 0; mp->kind == CH_MP_PDP && l < mp->n_taps && used < len; l++) {
        int w = snprintf(buf + used, len - used, "%s%.17g", l ? "," : "", mp->pdp[l]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int ch_ofdm_parse_pilots(const char *text, ch_ofdm_cfg *o)
{
    if (strcmp(text, "none") == 0) {
        o->pilots = CH_OFDM_PILOTS_NONE;
        return AE_OK;
    }
    if (strncmp(text, "comb:", 5) == 0) {
        char *end;
        unsigned long sp = strtoul(text + 5, &end, 10);
        if (end != text + 5 && *end == '\0' && text[5] >= '0' && text[5] <= '9' && sp >= 2 && sp <= 65536) {
            o->pilots = CH_OFDM_PILOTS_COMB;
            o->pilot_spacing = sp;
            return AE_OK;
        }
    }
    return AE_ERROR(AE_EINVAL, "pilots '%s': expected comb:SPACING (SPACING >= 2, e.g. comb:4) or none",
                    text);
}

static int parse_pilots(const char *text, void *params)
{
    return ch_ofdm_parse_pilots(text, &((ofdm_params *)params)->link.ofdm);
}

static void format_pilots(const void *params, char *buf, size_t len)
{
    const ch_ofdm_cfg *o = &((const ofdm_params *)params)->link.ofdm;
    if (o->pilots == CH_OFDM_PILOTS_COMB)
        snprintf(buf, len, "comb:%zu", o->pilot_spacing);
    else
        snprintf(buf, len, "none");
}

static const char *const csi_words[] = {"perfect", "ls", NULL};
static const char *const eq_words[] = {"zf", "mmse", NULL};
static const char *const fade_words[] = {"symbol", "frame", NULL};
static const char *const charge_words[] = {"data", "data+cp+pilots", NULL};

#define LINK_OFF(field) (offsetof(ofdm_params, link) + offsetof(ch_ofdm_link_cfg, field))
#define GRID_OFF(field) (LINK_OFF(ofdm) + offsetof(ch_ofdm_cfg, field))

static const ch_key ofdm_keys[] = {
    {.name = "nfft",
     .kind = CH_KEY_SIZE,
     .offset = GRID_OFF(nfft),
     .def = 64,
     .min = 4,
     .max = 65536,
     .help = "subcarriers N (FFT size)"},
    {.name = "cp",
     .kind = CH_KEY_SIZE,
     .offset = GRID_OFF(cp),
     .def = 16,
     .min = 0,
     .max = 65536,
     .help = "cyclic prefix in samples, at most N"},
    {.name = "null_dc",
     .kind = CH_KEY_BOOL,
     .offset = GRID_OFF(null_dc),
     .help = "subcarrier 0 carries nothing"},
    {.name = "guard_low",
     .kind = CH_KEY_SIZE,
     .offset = GRID_OFF(guard_low),
     .min = 0,
     .max = 65536,
     .help = "null subcarriers at the low band edge"},
    {.name = "guard_high",
     .kind = CH_KEY_SIZE,
     .offset = GRID_OFF(guard_high),
     .min = 0,
     .max = 65536,
     .help = "null subcarriers at the high band edge"},
    {.name = "taps",
     .kind = CH_KEY_TEXT,
     .help = "a fixed tap list such as \"0.8,0,0,0.6j\"",
     .parse = parse_taps,
     .format = format_taps},
    {.name = "pdp",
     .kind = CH_KEY_TEXT,
     .help = "random taps: \"exp:TAPS:DECAY_DB\" or a list of powers [1.0, 0.5]",
     .parse = parse_pdp,
     .format = format_pdp},
    {.name = "pilots",
     .kind = CH_KEY_TEXT,
     .help = "\"none\" or \"comb:SPACING\" (e.g. \"comb:4\"; csi = \"ls\" needs pilots)",
     .parse = parse_pilots,
     .format = format_pilots},
    {.name = "csi",
     .kind = CH_KEY_WORD,
     .offset = LINK_OFF(csi),
     .def = CH_OFDM_CSI_PERFECT,
     .words = csi_words,
     .help = "perfect: the true response; ls: least squares on the pilots"},
    {.name = "equalizer",
     .kind = CH_KEY_WORD,
     .offset = LINK_OFF(equalizer),
     .def = CH_OFDM_ZF,
     .words = eq_words,
     .help = "one-tap equaliser"},
    {.name = "fading",
     .kind = CH_KEY_WORD,
     .offset = LINK_OFF(fade),
     .def = CH_OFDM_FADE_SYMBOL,
     .words = fade_words,
     .help = "new taps per OFDM symbol or per frame (call)"},
    {.name = "charge",
     .kind = CH_KEY_WORD,
     .offset = LINK_OFF(charge),
     .def = CH_OFDM_CHARGE_DATA,
     .words = charge_words,
     .help = "what Eb pays for"},
};

static void ofdm_defaults(void *params)
{
    ofdm_params *p = params;
    p->link.ofdm.pilots = CH_OFDM_PILOTS_NONE;
    p->link.ofdm.pilot_spacing = 4;
    p->link.mp.kind = CH_MP_FIXED;
    p->link.mp.n_taps = 1;
    p->link.mp.taps[0] = 1.0f;
    p->link.mp.pdp[0] = 1.0;
    p->mp_from = 0;
}

static int ofdm_validate(const void *params)
{
    return ch_ofdm_link_cfg_validate(&((const ofdm_params *)params)->link);
}

// 1 if a PDP of two or more taps is exponential (a constant ratio *ratio between neighbouring
// taps' powers, linear), 0 otherwise (a zero power ends it).
static int exp_profile(const ch_mp_cfg *mp, double *ratio)
{
    if (mp->n_taps < 2 || !(mp->pdp[0] > 0.0))
        return 0;
    *ratio = mp->pdp[1] / mp->pdp[0];
    for (size_t l = 1; l < mp->n_taps; l++)
        if (!(mp->pdp[l - 1] > 0.0) || !(fabs(mp->pdp[l] / mp->pdp[l - 1] - *ratio) < 1e-9))
            return 0;
    return 1;
}

// The multipath part: "taps<L>" or "pdp<L>" (with the exponential's decay when the profile is one:
// "pdp_exp8_3").
static void describe_mp(const ch_mp_cfg *mp, char *buf, size_t len)
{
    if (mp->kind == CH_MP_FIXED) {
        snprintf(buf, len, "taps%zu", mp->n_taps);
        return;
    }
    double ratio;
    if (exp_profile(mp, &ratio))
        snprintf(buf, len, "pdp_exp%zu_%g", mp->n_taps, -10.0 * log10(ratio) + 0.0);
    else
        snprintf(buf, len, "pdp%zu", mp->n_taps);
}

static void ofdm_describe(const void *params, char *buf, size_t len)
{
    const ch_ofdm_link_cfg *o = &((const ofdm_params *)params)->link;
    char mp[48], pil[32] = "";
    describe_mp(&o->mp, mp, sizeof mp);
    if (o->ofdm.pilots == CH_OFDM_PILOTS_COMB)
        snprintf(pil, sizeof pil, "-comb%zu", o->ofdm.pilot_spacing);
    snprintf(buf, len, "ofdm-n%zu-cp%zu-%s-csi_%s%s-%s%s%s", o->ofdm.nfft, o->ofdm.cp, mp,
             o->csi == CH_OFDM_CSI_LS ? "ls" : "perfect", pil, o->equalizer == CH_OFDM_MMSE ? "mmse" : "zf",
             o->fade == CH_OFDM_FADE_FRAME ? "-frame" : "",
             o->charge == CH_OFDM_CHARGE_ALL ? "-charge_all" : "");
}

static void ofdm_label(const void *params, char *buf, size_t len)
{
    const ch_ofdm_link_cfg *o = &((const ofdm_params *)params)->link;
    char mp[64], csi[48];
    if (o->mp.kind == CH_MP_FIXED) {
        snprintf(mp, sizeof mp, "%zu fixed taps", o->mp.n_taps);
    } else if (o->mp.n_taps == 1) {
        snprintf(mp, sizeof mp, "1 tap (flat Rayleigh)");
    } else {
        double ratio;
        if (exp_profile(&o->mp, &ratio))
            snprintf(mp, sizeof mp, "%zu-tap exp. PDP (%.3g dB/tap)", o->mp.n_taps, 10.0 * log10(ratio));
        else
            snprintf(mp, sizeof mp, "%zu-tap PDP", o->mp.n_taps);
    }
    if (o->csi == CH_OFDM_CSI_LS)
        snprintf(csi, sizeof csi, "LS CSI (comb-%zu pilots)", o->ofdm.pilot_spacing);
    else
        snprintf(csi, sizeof csi, "perfect CSI");
    snprintf(buf, len, "OFDM %zu subcarriers, CP %zu, %s, %s, %s%s%s", o->ofdm.nfft, o->ofdm.cp, mp, csi,
             o->equalizer == CH_OFDM_MMSE ? "MMSE" : "ZF",
             o->fade == CH_OFDM_FADE_FRAME ? ", frame fading" : "",
             o->charge == CH_OFDM_CHARGE_ALL ? ", Eb pays CP+pilots" : "");
}

static const char *ofdm_eb_charges(const void *params)
{
    return ((const ofdm_params *)params)->link.charge == CH_OFDM_CHARGE_ALL ? "data+cp+pilots" : "data";
}

typedef struct ofdm_state {
    ch_ofdm_link *link;
    int frame; // fading per frame
    size_t S, nd, quantum, max_batch;
} ofdm_state;

typedef struct ofdm_ws {
    ch_ofdm_link_ws *lw;
    float *sigma2_sym; // [max_batch][S]
} ofdm_ws;

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

static void ofdm_destroy(void *st)
{
    ofdm_state *s = st;
    if (!s)
        return;
    ch_ofdm_link_destroy(s->link);
    free(s);
}

static void *ofdm_create(const void *params, ch_shape *shape)
{
    const ch_ofdm_link_cfg *c = &((const ofdm_params *)params)->link;
    ofdm_state *s = calloc(1, sizeof *s);
    if (!s) {
        AE_ERROR(AE_ENOMEM, "ofdm: out of memory");
        return NULL;
    }
    s->S = shape->n / 2;
    s->frame = c->fade == CH_OFDM_FADE_FRAME;
    // blocks per call fill whole OFDM symbols: a multiple of Nd / gcd(Nd, S) blocks
    ch_ofdm_link *probe = ch_ofdm_link_create(c, 1);
    if (!probe) {
        free(s);
        return NULL;
    }
    s->nd = ch_ofdm_link_data_carriers(probe);
    ch_ofdm_link_destroy(probe);
    s->quantum = s->nd / gcd(s->nd, s->S ? s->S : 1);
    shape->max_batch = (shape->max_batch + s->quantum - 1) / s->quantum * s->quantum;
    s->max_batch = shape->max_batch;
    if (!(s->link = ch_ofdm_link_create(c, s->max_batch * s->S / s->nd))) {
        free(s);
        return NULL;
    }
    return s;
}

static size_t ofdm_quantum(const void *st)
{
    return ((const ofdm_state *)st)->quantum;
}

static size_t ofdm_group(const void *st, size_t batch)
{
    const ofdm_state *s = st;
    return s->frame ? batch : s->quantum;
}

static double ofdm_eb_factor(const void *st)
{
    return ch_ofdm_link_eb_factor(((const ofdm_state *)st)->link);
}

static void ofdm_ws_destroy(void *ws)
{
    ofdm_ws *w = ws;
    if (!w)
        return;
    ch_ofdm_link_ws_destroy(w->lw);
    free(w->sigma2_sym);
    free(w);
}

static void *ofdm_ws_create(const void *st)
{
    const ofdm_state *s = st;
    ofdm_ws *w = calloc(1, sizeof *w);
    if (!w || !(w->sigma2_sym = malloc((s->max_batch * s->S + 1) * sizeof *w->sigma2_sym))) {
        ofdm_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "ofdm: out of memory for batch %zu", s->max_batch);
        return NULL;
    }
    if (!(w->lw = ch_ofdm_link_ws_create(s->link))) {
        ofdm_ws_destroy(w);
        return NULL;
    }
    return w;
}

static int ofdm_forward(const void *st, void *ws, gsl_rng *r_fade, gsl_rng *r_noise, const float *x, float *y,
                        size_t b, double sigma2, const float **sigma2_sym)
{
    const ofdm_state *s = st;
    ofdm_ws *w = ws;
    // the link reports the noise variance per complex symbol, halved here to per real dimension
    size_t n_sym = b * s->S;
    int rc = ch_ofdm_link_forward(s->link, w->lw, r_fade, r_noise, x, y, w->sigma2_sym, n_sym / s->nd,
                                  2.0 * sigma2);
    if (rc != AE_OK)
        return rc;
    for (size_t i = 0; i < n_sym; i++)
        w->sigma2_sym[i] *= 0.5f;
    *sigma2_sym = w->sigma2_sym;
    return AE_OK;
}

static int ofdm_backward(const void *st, void *ws, const float *dy, float *dx, size_t b, double sigma2)
{
    const ofdm_state *s = st;
    return ch_ofdm_link_backward(s->link, ((ofdm_ws *)ws)->lw, dy, dx, b * s->S / s->nd, 2.0 * sigma2);
}

const ch_type ch_ofdm_type = {
    .name = "ofdm",
    .summary = "OFDM over random or fixed multipath, with pilots, LS or perfect CSI and one-tap equalisers",
    .is_complex = 1,
    .keys = ofdm_keys,
    .n_keys = sizeof ofdm_keys / sizeof ofdm_keys[0],
    .defaults = ofdm_defaults,
    .validate = ofdm_validate,
    .describe = ofdm_describe,
    .label = ofdm_label,
    .eb_charges = ofdm_eb_charges,
    .create = ofdm_create,
    .destroy = ofdm_destroy,
    .quantum = ofdm_quantum,
    .group = ofdm_group,
    .eb_factor = ofdm_eb_factor,
    .ws_create = ofdm_ws_create,
    .ws_destroy = ofdm_ws_destroy,
    .forward = ofdm_forward,
    .backward = ofdm_backward,
};
