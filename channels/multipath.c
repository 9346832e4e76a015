// multipath.c - tapped delay line channels: parsing, validation, realisations, convolution and its adjoint.
#include "multipath.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ae_err.h"

// ------------------------------------------------------------------------------------------------
// parsing

// longest list element we copy out for parsing; a longer one is malformed anyway
enum { MP_ELEM_MAX = 95 };

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// [*b, *e) trimmed of white space on both sides
static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

// a finite double that also fits a float
static int fits_float(double v)
{
    return isfinite(v) && fabs(v) <= FLT_MAX;
}

// s (NUL terminated, no surrounding space) as a finite real number using all of it; 0 on failure
static int parse_real(const char *s, double *v)
{
    if (*s == '\0' || is_space(*s))
        return 0;
    char *end = NULL;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v);
}

// s as a real "0.8", an imaginary "0.6j" / "-j" / "j", or a complex "0.3-0.2j" / "0.3+j"; 0 on failure
static int parse_complex_parts(char *s, double *re, double *im)
{
    size_t len = strlen(s);
    if (len == 0)
        return 0;
    if (s[len - 1] != 'j' && s[len - 1] != 'J') {
        *im = 0.0;
        return parse_real(s, re);
    }
    s[len - 1] = '\0'; // drop the j: s is now the real part (optional) and the imaginary coefficient
    if (s[0] == '\0' || ((s[0] == '+' || s[0] == '-') && s[1] == '\0')) {
        *re = 0.0;
        *im = s[0] == '-' ? -1.0 : 1.0;
        return 1;
    }
    if (parse_real(s, im)) {
        *re = 0.0;
        return 1;
    }
    // a + bj: the real part ends where the signed imaginary part starts
    if (is_space(s[0]))
        return 0;
    char *end = NULL;
    *re = strtod(s, &end);
    if (end == s || (*end != '+' && *end != '-') || !isfinite(*re))
        return 0;
    if (end[1] == '\0') {
        *im = *end == '-' ? -1.0 : 1.0;
        return 1;
    }
    // strtod takes one sign only, so "0.3+-0.2j" fails here
    return parse_real(end, im);
}

// parse_complex_parts with both parts representable as floats
static int parse_complex(char *s, double *re, double *im)
{
    return parse_complex_parts(s, re, im) && fits_float(*re) && fits_float(*im);
}

// Split text at commas and call elem(index, element, ctx) on each trimmed, NUL terminated element.
// Empty elements, elements longer than MP_ELEM_MAX and more than CH_MP_MAX_TAPS elements are
// errors reported here; `what` names the list in messages. The element count goes to *count.
typedef int (*mp_elem_fn)(size_t i, char *elem, void *ctx);

static int for_each_elem(const char *text, const char *what, mp_elem_fn elem, void *ctx, size_t *count)
{
    if (text == NULL)
        return AE_ERROR(AE_EINVAL, "%s: no text given", what);
    const char *p = text;
    size_t i = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *b = p, *e = comma ? comma : p + strlen(p);
        trim(&b, &e);
        if (b == e) {
            if (comma == NULL && i == 0)
                return AE_ERROR(AE_EINVAL, "%s: empty list \"%s\"", what, text);
            return AE_ERROR(AE_EINVAL, "%s: element %zu of \"%s\" is empty", what, i + 1, text);
        }
        if (i == CH_MP_MAX_TAPS)
            return AE_ERROR(AE_EINVAL, "%s: more than %d taps in \"%s\"", what, CH_MP_MAX_TAPS, text);
        size_t n = (size_t)(e - b);
        if (n > MP_ELEM_MAX)
            return AE_ERROR(AE_EINVAL, "%s: element %zu \"%.*s...\" is too long (more than %d characters)",
                            what, i + 1, 20, b, MP_ELEM_MAX);
        char buf[MP_ELEM_MAX + 1];
        memcpy(buf, b, n);
        buf[n] = '\0';
        int rc = elem(i, buf, ctx);
        if (rc != AE_OK)
            return rc;
        i++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *count = i;
    return AE_OK;
}

static int tap_elem(size_t i, char *elem, void *ctx)
{
    ch_mp_cfg *c = ctx;
    char shown[MP_ELEM_MAX + 1];
    memcpy(shown, elem, strlen(elem) + 1); // parse_complex edits its argument
    double re = 0.0, im = 0.0;
    if (!parse_complex(elem, &re, &im))
        return AE_ERROR(AE_EINVAL,
                        "taps: element %zu \"%s\" is not a finite real (0.8), imaginary (0.6j) or "
                        "complex (0.3-0.2j) number",
                        i + 1, shown);
    c->taps[2 * i] = (float)re;
    c->taps[2 * i + 1] = (float)im;
    return AE_OK;
}

int ch_mp_parse_taps(const char *text, ch_mp_cfg *cfg)
{
    ch_mp_cfg c;
    memset(&c, 0, sizeof c);
    c.kind = CH_MP_FIXED;
    int rc = for_each_elem(text, "taps", tap_elem, &c, &c.n_taps);
    if (rc != AE_OK)
        return rc;
    *cfg = c;
    return AE_OK;
}

static int pdp_elem(size_t i, char *elem, void *ctx)
{
    ch_mp_cfg *c = ctx;
    double v = 0.0;
    if (!parse_real(elem, &v) || !(v >= 0.0))
        return AE_ERROR(AE_EINVAL, "pdp: element %zu \"%s\" is not a finite power >= 0 (linear)", i + 1,
                        elem);
    c->pdp[i] = v + 0.0; // -0 becomes +0
    return AE_OK;
}

// "exp:TAPS:DECAY_DB" after the "exp:" prefix: spec = "TAPS:DECAY_DB"
static int parse_pdp_exp(const char *spec, const char *text, ch_mp_cfg *c)
{
    if (*spec < '0' || *spec > '9')
        return AE_ERROR(AE_EINVAL, "pdp \"%s\": expected exp:TAPS:DECAY_DB, TAPS a whole number", text);
    char *end = NULL;
    long taps = strtol(spec, &end, 10);
    if (*end != ':')
        return AE_ERROR(AE_EINVAL, "pdp \"%s\": expected exp:TAPS:DECAY_DB, TAPS a whole number", text);
    if (taps < 1 || taps > CH_MP_MAX_TAPS)
        return AE_ERROR(AE_EINVAL, "pdp \"%s\": TAPS = %ld, expected 1..%d", text, taps, CH_MP_MAX_TAPS);
    double decay_db = 0.0;
    if (!parse_real(end + 1, &decay_db) || !(decay_db >= 0.0))
        return AE_ERROR(AE_EINVAL, "pdp \"%s\": DECAY_DB \"%s\", expected a finite decay >= 0 dB per tap",
                        text, end + 1);
    c->n_taps = (size_t)taps;
    for (size_t l = 0; l < c->n_taps; l++)
        c->pdp[l] = pow(10.0, -decay_db * (double)l / 10.0);
    return AE_OK;
}

int ch_mp_parse_pdp(const char *text, ch_mp_cfg *cfg)
{
    if (text == NULL)
        return AE_ERROR(AE_EINVAL, "pdp: no text given");
    ch_mp_cfg c;
    memset(&c, 0, sizeof c);
    c.kind = CH_MP_PDP;
    const char *b = text;
    while (is_space(*b))
        b++;
    int rc;
    if (strncmp(b, "exp:", 4) == 0) {
        // the exp form has no commas, so a trailing space is all there is to trim
        char spec[MP_ELEM_MAX + 1];
        const char *e = b + strlen(b);
        trim(&b, &e);
        size_t n = (size_t)(e - b) - 4;
        if (n > MP_ELEM_MAX)
            return AE_ERROR(AE_EINVAL, "pdp: \"%.20s...\" is too long", b);
        memcpy(spec, b + 4, n);
        spec[n] = '\0';
        rc = parse_pdp_exp(spec, text, &c);
    } else {
        rc = for_each_elem(text, "pdp", pdp_elem, &c, &c.n_taps);
    }
    if (rc != AE_OK)
        return rc;
    double sum = 0.0;
    for (size_t l = 0; l < c.n_taps; l++)
        sum += c.pdp[l];
    if (!(sum > 0.0) || !isfinite(sum))
        return AE_ERROR(AE_EINVAL, "pdp \"%s\": the powers sum to %g, expected a finite positive sum", text,
                        sum);
    // A profile that already sums to 1 up to rounding is kept as given: dividing by such a sum only moves
    // the last bits, so a resolved config (which lists the normalised powers) would not read back to the
    // same values, and two runs of one experiment would look different (found by fuzz/fuzz_config.c).
    if (fabs(sum - 1.0) > 1e-12)
        for (size_t l = 0; l < c.n_taps; l++)
            c.pdp[l] /= sum;
    *cfg = c;
    return AE_OK;
}

int ch_mp_cfg_validate(const ch_mp_cfg *cfg)
{
    if (cfg->kind != CH_MP_FIXED && cfg->kind != CH_MP_PDP)
        return AE_ERROR(AE_EINVAL,
                        "multipath kind = %d, expected %d (fixed taps) or %d (power delay profile)",
                        cfg->kind, CH_MP_FIXED, CH_MP_PDP);
    if (cfg->n_taps < 1 || cfg->n_taps > CH_MP_MAX_TAPS)
        return AE_ERROR(AE_EINVAL, "multipath n_taps = %zu, expected 1..%d", cfg->n_taps, CH_MP_MAX_TAPS);
    if (cfg->kind == CH_MP_FIXED) {
        for (size_t l = 0; l < cfg->n_taps; l++)
            if (!isfinite(cfg->taps[2 * l]) || !isfinite(cfg->taps[2 * l + 1]))
                return AE_ERROR(AE_EINVAL, "multipath tap %zu = (%g, %g), expected finite values", l,
                                (double)cfg->taps[2 * l], (double)cfg->taps[2 * l + 1]);
        return AE_OK;
    }
    double sum = 0.0;
    for (size_t l = 0; l < cfg->n_taps; l++) {
        if (!isfinite(cfg->pdp[l]) || cfg->pdp[l] < 0.0)
            return AE_ERROR(AE_EINVAL, "multipath pdp[%zu] = %g, expected a finite power >= 0", l,
                            cfg->pdp[l]);
        sum += cfg->pdp[l];
    }
    if (fabs(sum - 1.0) > 1e-9)
        return AE_ERROR(AE_EINVAL, "multipath pdp sums to %.12g, expected 1 (within 1e-9)", sum);
    return AE_OK;
}

// ------------------------------------------------------------------------------------------------
// realisations and the channel itself

void ch_mp_draw(const ch_mp_cfg *cfg, gsl_rng *r, float *h)
{
    size_t L = cfg->n_taps;
    if (cfg->kind == CH_MP_FIXED) {
        memcpy(h, cfg->taps, 2 * L * sizeof *h);
        return;
    }
    for (size_t l = 0; l < L; l++) {
        // always two Gaussians per tap, even for a zero power, so the stream does not depend on the pdp
        double sd = sqrt(0.5 * cfg->pdp[l]);
        h[2 * l] = (float)gsl_ran_gaussian_ziggurat(r, sd);
        h[2 * l + 1] = (float)gsl_ran_gaussian_ziggurat(r, sd);
    }
}

void ch_mp_apply(float *y, const float *x, size_t n, const float *h, size_t L)
{
    for (size_t t = 0; t < n; t++) {
        // taps reaching back before the stream start see zeros (and no taps at all give y = 0)
        size_t lend = t + 1 < L ? t + 1 : L;
        float ar = 0.0f, ai = 0.0f;
        for (size_t l = 0; l < lend; l++) {
            float hr = h[2 * l], hi = h[2 * l + 1];
            float xr = x[2 * (t - l)], xi = x[2 * (t - l) + 1];
            ar += hr * xr - hi * xi;
            ai += hr * xi + hi * xr;
        }
        y[2 * t] = ar;
        y[2 * t + 1] = ai;
    }
}

void ch_mp_apply_backward(float *dx, const float *dy, size_t n, const float *h, size_t L)
{
    for (size_t t = 0; t < n; t++) {
        // dy beyond the block end does not exist
        size_t lend = n - t < L ? n - t : L;
        const float *gt = dy + 2 * t;
        float ar = 0.0f, ai = 0.0f;
        for (size_t l = 0; l < lend; l++) {
            // conj(h) g
            float hr = h[2 * l], hi = h[2 * l + 1], gr = gt[2 * l], gi = gt[2 * l + 1];
            ar += hr * gr + hi * gi;
            ai += hr * gi - hi * gr;
        }
        dx[2 * t] += ar;
        dx[2 * t + 1] += ai;
    }
}

void ch_mp_freq_response(float *H, size_t nfft, const float *h, size_t L)
{
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t k = 0; k < nfft; k++) {
        double ar = 0.0, ai = 0.0;
        for (size_t l = 0; l < L; l++) {
            // reduce k l mod nfft first so the angle stays in [0, 2 pi) and accurate for large k l
            double phi = two_pi * (double)((k * l) % nfft) / (double)nfft;
            double c = cos(phi), s = -sin(phi), hr = h[2 * l], hi = h[2 * l + 1];
            ar += hr * c - hi * s;
            ai += hr * s + hi * c;
        }
        H[2 * k] = (float)ar;
        H[2 * k + 1] = (float)ai;
    }
}
