// ldpc5g_dec.c - belief-propagation decoding of 5G NR LDPC codes: flooding and layered schedules,
// sum-product (phi form) and the min-sum family.
//
// Message layout: the base graph's edges are lifted by Z_c; the check-to-variable messages of edge e
// (row i, column j, shift s) are one contiguous array c2v[e][z], z < Z_c, indexed by the check i Z_c + z,
// whose variable is j Z_c + (z + s) mod Z_c. A row's check update then runs over Z_c independent lanes
// with unit stride, and reading a column's posteriors in the check's order is two contiguous copies (the
// cyclic shift). Every buffer is made once, in ldpc5g_decoder_create.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "ldpc5g.h"
#include "ldpc5g_internal.h"

#define LANES_MAX 384u

// glibc's vector math library (libmvec, part of libm) has 4-lane SSE versions of these; declaring them
// here lets the check-node loops below call them without -ffast-math (which would also let the compiler
// reorder the sums).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
__attribute__((simd("notinbranch"))) float expm1f(float);
__attribute__((simd("notinbranch"))) float logf(float);
#endif // the largest lifting size

struct ldpc5g_decoder {
    const ldpc5g_code *c;
    ldpc5g_dec_cfg d;
    size_t n_var;
    float *c2v;      // [n_edges][Z]
    float *ch;       // [n_var] clipped channel LLRs
    float *app;      // [n_var] posteriors
    float *app_next; // [n_var] flooding: the posteriors being summed
    float *in, *out; // [max_degree][Z] a row's incoming and outgoing messages
};

void ldpc5g_dec_cfg_default(ldpc5g_dec_cfg *d)
{
    d->algorithm = LDPC5G_SUM_PRODUCT;
    d->schedule = LDPC5G_FLOODING;
    d->iterations = 20;
    d->early_stop = 0;
    d->llr_clip = 20.0f;
    d->offset = 0.5f;
    d->scale = 0.75f;
}

static const char *const algorithm_words[] = {"sum_product", "min_sum", "offset_min_sum",
                                              "normalized_min_sum"};
static const char *const schedule_words[] = {"flooding", "layered"};

const char *ldpc5g_algorithm_name(int algorithm)
{
    return algorithm >= 0 && algorithm < 4 ? algorithm_words[algorithm] : "";
}

int ldpc5g_algorithm_parse(const char *word)
{
    for (int i = 0; i < 4; i++)
        if (word && strcmp(word, algorithm_words[i]) == 0)
            return i;
    return -1;
}

const char *ldpc5g_schedule_name(int schedule)
{
    return schedule >= 0 && schedule < 2 ? schedule_words[schedule] : "";
}

int ldpc5g_schedule_parse(const char *word)
{
    for (int i = 0; i < 2; i++)
        if (word && strcmp(word, schedule_words[i]) == 0)
            return i;
    return -1;
}

int ldpc5g_dec_cfg_validate(const ldpc5g_dec_cfg *d)
{
    if (d->algorithm < 0 || d->algorithm > 3)
        return AE_ERROR(
            AE_EINVAL,
            "code.decoder = %d, expected sum_product, min_sum, offset_min_sum or normalized_min_sum",
            d->algorithm);
    if (d->schedule < 0 || d->schedule > 1)
        return AE_ERROR(AE_EINVAL, "code.schedule = %d, expected flooding or layered", d->schedule);
    if (d->iterations < 1 || d->iterations > 1000)
        return AE_ERROR(AE_EINVAL, "code.iterations = %u, expected 1..1000", d->iterations);
    if (!(d->llr_clip > 0.0f) || !isfinite(d->llr_clip) || d->llr_clip > 1000.0f)
        return AE_ERROR(AE_EINVAL, "code.llr_clip = %g, expected a value in (0, 1000]", (double)d->llr_clip);
    if (!(d->offset >= 0.0f) || !isfinite(d->offset))
        return AE_ERROR(AE_EINVAL, "code.offset = %g, expected a finite value >= 0", (double)d->offset);
    if (!(d->scale > 0.0f && d->scale <= 1.0f))
        return AE_ERROR(AE_EINVAL, "code.scale = %g, expected a value in (0, 1]", (double)d->scale);
    return AE_OK;
}

// phi(x) = -ln tanh(x / 2) = ln((e^x + 1) / (e^x - 1)) (Ryan & Lin eq. 5.38) = ln(1 + q) with
// q = 2 / (e^x - 1), computed as expm1 (accurate for small x) and, where q is small (x > 3.5), the series
// q - q^2/2 + q^3/3 - q^4/4 + q^5/5 (relative error below q^5/6 < 2e-7 for q < 2^-4), else ln(1 + q)
// (1 + q rounds by at most 2^-24, which is < 1e-6 of ln(1 + q) for q >= 2^-4): float accuracy at both
// ends, and written so that the loop vectorises. phi is its own inverse.
static inline float phi(float x)
{
    const float q = 2.0f / expm1f(x);
    const float series = q * (1.0f - q * (0.5f - q * (1.0f / 3.0f - q * (0.25f - q * 0.2f))));
    const float full = logf(1.0f + q);
    return q < 0.0625f ? series : full;
}

// A block of at most LANES_MAX lanes of ldpc5g_check_update.
static void check_block(const ldpc5g_dec_cfg *d, const float *const *in, float *const *out, unsigned deg,
                        size_t off, size_t lanes)
{
    const float clip = d->llr_clip;
    float acc[LANES_MAX], m2[LANES_MAX];
    unsigned neg[LANES_MAX], idx[LANES_MAX];
    for (size_t z = 0; z < lanes; z++) {
        neg[z] = 0;
        idx[z] = 0;
    }
    if (d->algorithm == LDPC5G_SUM_PRODUCT) {
        // |L| in [xmin, clip] with phi(xmin) = clip: phi maps the interval onto itself, so no
        // message is infinite and every outgoing magnitude is at most clip
        const float xmin = phi(clip);
        for (size_t z = 0; z < lanes; z++)
            acc[z] = 0.0f;
        for (unsigned e = 0; e < deg; e++) {
            const float *x = in[e] + off;
            float *o = out[e] + off;
            for (size_t z = 0; z < lanes; z++) {
                float a = fabsf(x[z]);
                a = a < xmin ? xmin : a > clip ? clip : a;
                const float p = phi(a);
                o[z] = p;
                acc[z] += p;
                neg[z] ^= (unsigned)(x[z] < 0.0f);
            }
        }
        for (unsigned e = 0; e < deg; e++) {
            const float *x = in[e] + off;
            float *o = out[e] + off;
            for (size_t z = 0; z < lanes; z++) {
                float r = acc[z] - o[z];
                r = r < xmin ? xmin : r;
                const float m = phi(r);
                const float v = m > clip ? clip : m;
                o[z] = (neg[z] ^ (unsigned)(x[z] < 0.0f)) ? -v : v;
            }
        }
        return;
    }
    // min-sum family: the two smallest magnitudes and where the smallest is
    for (size_t z = 0; z < lanes; z++) {
        acc[z] = clip; // smallest
        m2[z] = clip;  // second smallest
    }
    for (unsigned e = 0; e < deg; e++) {
        const float *x = in[e] + off;
        for (size_t z = 0; z < lanes; z++) {
            const float a = fabsf(x[z]), m1 = acc[z];
            const int below = a < m1;
            m2[z] = below ? m1 : (a < m2[z] ? a : m2[z]);
            acc[z] = below ? a : m1;
            idx[z] = below ? e : idx[z];
            neg[z] ^= (unsigned)(x[z] < 0.0f);
        }
    }
    if (d->algorithm == LDPC5G_OFFSET_MIN_SUM) {
        for (size_t z = 0; z < lanes; z++) {
            acc[z] = acc[z] > d->offset ? acc[z] - d->offset : 0.0f;
            m2[z] = m2[z] > d->offset ? m2[z] - d->offset : 0.0f;
        }
    } else if (d->algorithm == LDPC5G_NORMALIZED_MIN_SUM) {
        for (size_t z = 0; z < lanes; z++) {
            acc[z] *= d->scale;
            m2[z] *= d->scale;
        }
    }
    for (unsigned e = 0; e < deg; e++) {
        const float *x = in[e] + off;
        float *o = out[e] + off;
        for (size_t z = 0; z < lanes; z++) {
            const float v = idx[z] == e ? m2[z] : acc[z];
            o[z] = (neg[z] ^ (unsigned)(x[z] < 0.0f)) ? -v : v;
        }
    }
}

void ldpc5g_check_update(const ldpc5g_dec_cfg *d, const float *const *in, float *const *out, unsigned deg,
                         size_t lanes)
{
    for (size_t off = 0; off < lanes; off += LANES_MAX)
        check_block(d, in, out, deg, off, lanes - off < LANES_MAX ? lanes - off : LANES_MAX);
}

void ldpc5g_decoder_destroy(ldpc5g_decoder *dec)
{
    if (!dec)
        return;
    free(dec->c2v);
    free(dec->ch);
    free(dec->app);
    free(dec->app_next);
    free(dec->in);
    free(dec->out);
    free(dec);
}

ldpc5g_decoder *ldpc5g_decoder_create(const ldpc5g_code *c, const ldpc5g_dec_cfg *d)
{
    if (ldpc5g_dec_cfg_validate(d) != AE_OK)
        return NULL;
    const ldpc5g_priv *p = c->priv;
    ldpc5g_decoder *dec = calloc(1, sizeof *dec);
    if (!dec) {
        AE_ERROR(AE_ENOMEM, "out of memory for an LDPC decoder");
        return NULL;
    }
    dec->c = c;
    dec->d = *d;
    dec->n_var = (size_t)c->cols * c->zc;
    dec->c2v = malloc((size_t)c->n_edges * c->zc * sizeof(float));
    dec->ch = malloc(dec->n_var * sizeof(float));
    dec->app = malloc(dec->n_var * sizeof(float));
    dec->app_next = malloc(dec->n_var * sizeof(float));
    dec->in = malloc((size_t)p->max_degree * c->zc * sizeof(float));
    dec->out = malloc((size_t)p->max_degree * c->zc * sizeof(float));
    if (!dec->c2v || !dec->ch || !dec->app || !dec->app_next || !dec->in || !dec->out) {
        ldpc5g_decoder_destroy(dec);
        AE_ERROR(AE_ENOMEM, "out of memory for an LDPC decoder");
        return NULL;
    }
    return dec;
}

// dst[z] = src[(z + s) mod Z]: a column's values in the order of the checks of an edge of shift s.
static inline void gather(float *restrict dst, const float *restrict src, const float *restrict c2v,
                          unsigned s, unsigned zc)
{
    const unsigned a = zc - s;
    for (unsigned z = 0; z < a; z++)
        dst[z] = src[z + s] - c2v[z];
    for (unsigned z = a; z < zc; z++)
        dst[z] = src[z - a] - c2v[z];
}

// dst[(z + s) mod Z] += v[z].
static inline void scatter_add(float *restrict dst, const float *restrict v, unsigned s, unsigned zc)
{
    const unsigned a = zc - s;
    for (unsigned z = 0; z < a; z++)
        dst[z + s] += v[z];
    for (unsigned z = a; z < zc; z++)
        dst[z - a] += v[z];
}

// dst[(z + s) mod Z] = u[z] + v[z].
static inline void scatter_sum(float *restrict dst, const float *restrict u, const float *restrict v,
                               unsigned s, unsigned zc)
{
    const unsigned a = zc - s;
    for (unsigned z = 0; z < a; z++)
        dst[z + s] = u[z] + v[z];
    for (unsigned z = a; z < zc; z++)
        dst[z - a] = u[z] + v[z];
}

// 1 if the hard decisions of app satisfy every used check.
static int syndrome_ok(const ldpc5g_code *c, const float *app)
{
    const ldpc5g_priv *p = c->priv;
    const unsigned zc = c->zc;
    unsigned char par[LANES_MAX];
    for (unsigned r = 0; r < c->rows; r++) {
        memset(par, 0, zc);
        for (unsigned e = p->row_start[r]; e < p->row_start[r + 1]; e++) {
            const float *v = app + (size_t)p->edges[e].col * zc;
            const unsigned s = p->edges[e].shift, a = zc - s;
            for (unsigned z = 0; z < a; z++)
                par[z] ^= (unsigned char)(v[z + s] < 0.0f);
            for (unsigned z = a; z < zc; z++)
                par[z] ^= (unsigned char)(v[z - a] < 0.0f);
        }
        unsigned char any = 0;
        for (unsigned z = 0; z < zc; z++)
            any |= par[z];
        if (any)
            return 0;
    }
    return 1;
}

static void iterate_flooding(ldpc5g_decoder *dec)
{
    const ldpc5g_code *c = dec->c;
    const ldpc5g_priv *p = c->priv;
    const unsigned zc = c->zc;
    float *in[64], *out[64];
    memcpy(dec->app_next, dec->ch, dec->n_var * sizeof(float));
    for (unsigned r = 0; r < c->rows; r++) {
        const unsigned e0 = p->row_start[r], deg = p->row_start[r + 1] - e0;
        for (unsigned q = 0; q < deg; q++) {
            const ldpc5g_edge *g = &p->edges[e0 + q];
            in[q] = dec->in + (size_t)q * zc;
            out[q] = dec->c2v + (size_t)(e0 + q) * zc;
            gather(in[q], dec->app + (size_t)g->col * zc, out[q], g->shift, zc);
        }
        ldpc5g_check_update(&dec->d, (const float *const *)in, out, deg, zc);
        for (unsigned q = 0; q < deg; q++) {
            const ldpc5g_edge *g = &p->edges[e0 + q];
            scatter_add(dec->app_next + (size_t)g->col * zc, out[q], g->shift, zc);
        }
    }
    float *t = dec->app;
    dec->app = dec->app_next;
    dec->app_next = t;
}

static void iterate_layered(ldpc5g_decoder *dec)
{
    const ldpc5g_code *c = dec->c;
    const ldpc5g_priv *p = c->priv;
    const unsigned zc = c->zc;
    float *in[64], *out[64];
    for (unsigned r = 0; r < c->rows; r++) {
        const unsigned e0 = p->row_start[r], deg = p->row_start[r + 1] - e0;
        for (unsigned q = 0; q < deg; q++) {
            const ldpc5g_edge *g = &p->edges[e0 + q];
            in[q] = dec->in + (size_t)q * zc;
            out[q] = dec->c2v + (size_t)(e0 + q) * zc;
            gather(in[q], dec->app + (size_t)g->col * zc, out[q], g->shift, zc);
        }
        ldpc5g_check_update(&dec->d, (const float *const *)in, out, deg, zc);
        for (unsigned q = 0; q < deg; q++) {
            const ldpc5g_edge *g = &p->edges[e0 + q];
            scatter_sum(dec->app + (size_t)g->col * zc, in[q], out[q], g->shift, zc);
        }
    }
}

size_t ldpc5g_decode(ldpc5g_decoder *dec, const float *llr_cw, uint8_t *info_hat, unsigned *iterations_done,
                     size_t count)
{
    const ldpc5g_code *c = dec->c;
    const float clip = dec->d.llr_clip;
    const size_t nv = dec->n_var, ne = (size_t)c->n_edges * c->zc;
    size_t valid = 0;
    for (size_t w = 0; w < count; w++) {
        const float *l = llr_cw + w * nv;
        for (size_t v = 0; v < nv; v++) {
            const float x = l[v];
            // known bits (filler) stay known; the others are clipped
            dec->ch[v] = fabsf(x) >= LDPC5G_LLR_KNOWN ? x : x > clip ? clip : x < -clip ? -clip : x;
        }
        memcpy(dec->app, dec->ch, nv * sizeof(float));
        memset(dec->c2v, 0, ne * sizeof(float));
        unsigned it = 0;
        int ok = 0;
        while (it < dec->d.iterations) {
            if (dec->d.schedule == LDPC5G_LAYERED)
                iterate_layered(dec);
            else
                iterate_flooding(dec);
            it++;
            if (dec->d.early_stop && syndrome_ok(c, dec->app)) {
                ok = 1;
                break;
            }
        }
        if (!dec->d.early_stop)
            ok = syndrome_ok(c, dec->app);
        valid += (size_t)ok;
        if (iterations_done)
            iterations_done[w] = it;
        uint8_t *b = info_hat + w * c->k;
        for (unsigned j = 0; j < c->k; j++)
            b[j] = (uint8_t)(dec->app[j] < 0.0f);
    }
    return valid;
}

const float *ldpc5g_decoder_posterior(const ldpc5g_decoder *dec)
{
    return dec->app;
}
