// coded.c - coded modulation: 5G NR LDPC behind a modem as one transceiver (coded.h).
#include "coded.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"

void mod_code_cfg_default(mod_code_cfg *c)
{
    c->type = MOD_CODE_LDPC5G;
    c->k = 750;
    c->n = 1500;
    c->rv = 0;
    c->interleave = 1;
    ldpc5g_dec_cfg_default(&c->dec);
    c->hamming_decoder = MOD_HAMMING_ML;
}

const char *mod_code_type_name(int type)
{
    return type == MOD_CODE_LDPC5G ? "ldpc5g" : type == MOD_CODE_HAMMING74 ? "hamming_7_4" : "";
}

int mod_code_type_parse(const char *word)
{
    if (!word)
        return -1;
    return strcmp(word, "ldpc5g") == 0        ? MOD_CODE_LDPC5G
           : strcmp(word, "hamming_7_4") == 0 ? MOD_CODE_HAMMING74
                                              : -1;
}

const char *mod_hamming_decoder_name(int decoder)
{
    return decoder == MOD_HAMMING_HARD ? "hard" : decoder == MOD_HAMMING_ML ? "ml" : "";
}

int mod_hamming_decoder_parse(const char *word)
{
    if (!word)
        return -1;
    return strcmp(word, "hard") == 0 ? MOD_HAMMING_HARD : strcmp(word, "ml") == 0 ? MOD_HAMMING_ML : -1;
}

// The Hamming rules of mod_code_cfg_validate.
static int validate_hamming(const mod_code_cfg *c, unsigned q_m)
{
    if (c->k < 4 || c->k % 4 || c->k > TXRX_K_MAX)
        return AE_ERROR(AE_EINVAL,
                        "code.k = %u, expected a multiple of 4 (whole Hamming (7,4) codewords), 4..%u", c->k,
                        TXRX_K_MAX);
    if ((uint64_t)c->n * 4 != (uint64_t)c->k * 7)
        return AE_ERROR(AE_EINVAL, "code.n = %u, expected 7 k / 4 = %u for Hamming (7,4)", c->n,
                        c->k / 4 * 7);
    if (q_m < 1 || q_m > 10)
        return AE_ERROR(AE_EINVAL, "a coded modem needs 1..10 bits per symbol, not %u", q_m);
    if (c->n % q_m)
        return AE_ERROR(AE_EINVAL, "code.n = %u is not a multiple of %u, the bits per symbol of the scheme",
                        c->n, q_m);
    if (c->hamming_decoder != MOD_HAMMING_HARD && c->hamming_decoder != MOD_HAMMING_ML)
        return AE_ERROR(AE_EINVAL, "code.decoder = %d, expected hard or ml for Hamming (7,4)",
                        c->hamming_decoder);
    return AE_OK;
}

int mod_code_cfg_validate(const mod_code_cfg *c, unsigned q_m)
{
    if (c->type == MOD_CODE_HAMMING74)
        return validate_hamming(c, q_m);
    if (c->type != MOD_CODE_LDPC5G)
        return AE_ERROR(AE_EINVAL, "code.type = %d, expected ldpc5g or hamming_7_4", c->type);
    unsigned bg = 0, zc = 0, i_ls = 0;
    int rc = ldpc5g_select(c->k, c->n, &bg, &zc, &i_ls);
    if (rc != AE_OK)
        return rc;
    if (q_m < 1 || q_m > 10)
        return AE_ERROR(AE_EINVAL, "a coded modem needs 1..10 bits per symbol, not %u", q_m);
    if (c->n % q_m)
        return AE_ERROR(AE_EINVAL, "code.n = %u is not a multiple of %u, the bits per symbol of the scheme",
                        c->n, q_m);
    if (c->rv > 3)
        return AE_ERROR(AE_EINVAL, "code.rv = %u, expected 0..3", c->rv);
    return ldpc5g_dec_cfg_validate(&c->dec);
}

typedef struct coded_st {
    const mod_modem *q; // borrowed
    ldpc5g_code *code;  // owned (LDPC; NULL for Hamming)
    mod_code_cfg cfg;
    int demapper;   // MOD_DEMAP_EXACT or MOD_DEMAP_MAXLOG
    size_t symbols; // modem symbols per block, n / q_m
    size_t n_var;   // LDPC: codeword positions the decoder sees, cols Z_c; Hamming: n
} coded_st;

typedef struct coded_ws {
    size_t max_batch;
    ldpc5g_decoder *dec;
    uint8_t *info;     // [k] one block's information bits
    uint8_t *cw;       // [n_var] one codeword
    uint8_t *f;        // [max_batch][n] the transmitted code bits of the last transmit
    uint32_t *labels;  // [max_batch][symbols]
    float *llr_f;      // [max_batch][n] channel LLRs of the code bits
    float *llr_cw;     // [n_var] one codeword's recovered LLRs
    uint8_t *info_hat; // [k]
    size_t last_batch; // blocks of the last receive (0: none since the last transmit)
    txrx_code_counts last;
} coded_ws;

static void coded_ws_destroy(void *ws)
{
    coded_ws *w = ws;
    if (!w)
        return;
    ldpc5g_decoder_destroy(w->dec);
    free(w->info);
    free(w->cw);
    free(w->f);
    free(w->labels);
    free(w->llr_f);
    free(w->llr_cw);
    free(w->info_hat);
    free(w);
}

static void *coded_ws_create(const void *st, size_t max_batch)
{
    const coded_st *s = st;
    const size_t n = s->cfg.n;
    if (max_batch == 0) {
        AE_ERROR(AE_EINVAL, "coded modem: max_batch = 0, expected >= 1");
        return NULL;
    }
    if (max_batch > SIZE_MAX / sizeof(float) / n) {
        AE_ERROR(AE_ENOMEM, "coded modem: max_batch = %zu is too large", max_batch);
        return NULL;
    }
    coded_ws *w = calloc(1, sizeof *w);
    if (w) {
        w->dec = s->code ? ldpc5g_decoder_create(s->code, &s->cfg.dec) : NULL;
        w->info = malloc(s->cfg.k);
        w->cw = malloc(s->n_var);
        w->f = malloc(max_batch * n);
        w->labels = malloc(max_batch * s->symbols * sizeof *w->labels);
        w->llr_f = malloc(max_batch * n * sizeof *w->llr_f);
        w->llr_cw = malloc(s->n_var * sizeof *w->llr_cw);
        w->info_hat = malloc(s->cfg.k);
    }
    if (!w || (s->code && !w->dec) || !w->info || !w->cw || !w->f || !w->labels || !w->llr_f || !w->llr_cw ||
        !w->info_hat) {
        coded_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "coded modem: cannot allocate the workspace for %zu blocks", max_batch);
        return NULL;
    }
    w->max_batch = max_batch;
    return w;
}

static int coded_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    const coded_st *s = st;
    coded_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "coded modem: batch %zu > max_batch %zu", batch, w->max_batch);
    const unsigned k = s->cfg.k, n = s->cfg.n, m = s->q->m;
    const size_t W = txrx_words(k), ns = s->symbols;
    for (size_t b = 0; b < batch; b++) {
        const uint64_t *bb = bits + b * W; // (W)
        if (txrx_tail_dirty(bb, k))
            return AE_ERROR(AE_EINVAL, "coded modem: block %zu has bits set beyond k = %u", b, k);
        for (unsigned j = 0; j < k; j++)
            w->info[j] = (uint8_t)txrx_get_bit(bb, j);
        uint8_t *f = w->f + b * n; // (n)
        if (s->code) {
            ldpc5g_encode(s->code, w->info, w->cw);
            ldpc5g_rate_match(s->code, w->cw, f);
        } else {
            for (unsigned i = 0; i < k / 4; i++) {
                const uint8_t d = (uint8_t)(w->info[4 * i] << 3 | w->info[4 * i + 1] << 2 |
                                            w->info[4 * i + 2] << 1 | w->info[4 * i + 3]);
                const uint8_t cw = mod_hamming74_encode(d);
                for (unsigned j = 0; j < 7; j++)
                    f[7 * i + j] = (uint8_t)(cw >> (6 - j) & 1u);
            }
        }
        uint32_t *lb = w->labels + b * ns; // (symbols)
        for (size_t i = 0; i < ns; i++) {
            uint32_t v = 0;
            for (unsigned t = 0; t < m; t++)
                v = (v << 1) | f[i * m + t];
            lb[i] = v;
        }
    }
    mod_modulate(s->q, w->labels, x, batch * ns);
    w->last_batch = 0;
    return AE_OK;
}

// Hamming (7,4) decoding of one block's channel LLRs llr [n] -> info_hat [k], and when llr_info is not
// NULL the information bits' LLRs [k]: max-log over the 16 codewords for ML (half the difference of the best
// correlations with the bit at 0 and at 1: the log-likelihood of codeword c is sum_j (1 - 2 c_j) L_j / 2 up
// to a constant), +-1 from the decisions for hard decoding.
static void hamming_decode(const coded_st *s, const float *llr, uint8_t *info_hat, float *llr_info)
{
    const unsigned nw = s->cfg.k / 4;
    for (unsigned i = 0; i < nw; i++) {
        const float *l = llr + 7 * i;
        uint8_t d;
        float best0[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY},
              best1[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
        if (s->cfg.hamming_decoder == MOD_HAMMING_HARD) {
            uint8_t r = 0;
            for (unsigned j = 0; j < 7; j++)
                r = (uint8_t)(r << 1 | (l[j] < 0.0f));
            d = mod_hamming74_decode_hard(r);
        } else {
            float best = -INFINITY;
            d = 0;
            for (unsigned m = 0; m < 16; m++) {
                const uint8_t cw = mod_hamming74_encode((uint8_t)m);
                float corr = 0.0f;
                for (unsigned j = 0; j < 7; j++)
                    corr += (cw >> (6 - j) & 1u) ? -l[j] : l[j];
                if (corr > best) { // ties to the lower message
                    best = corr;
                    d = (uint8_t)m;
                }
                for (unsigned t = 0; t < 4; t++) {
                    float *bt = (m >> (3 - t) & 1u) ? &best1[t] : &best0[t];
                    if (corr > *bt)
                        *bt = corr;
                }
            }
        }
        for (unsigned t = 0; t < 4; t++) {
            const unsigned bit = d >> (3 - t) & 1u;
            info_hat[4 * i + t] = (uint8_t)bit;
            if (llr_info)
                llr_info[4 * i + t] = s->cfg.hamming_decoder == MOD_HAMMING_HARD
                                          ? (bit ? -1.0f : 1.0f)
                                          : 0.5f * (best0[t] - best1[t]);
        }
    }
}

// Demap, count the pre-decoding errors, decode: llr_out [batch][k] posteriors if not NULL, bits_hat
// [batch][W] if not NULL.
static int coded_decode(const coded_st *s, coded_ws *w, const float *y, const txrx_noise *noise,
                        uint64_t *bits_hat, float *llr_out, size_t batch)
{
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "coded modem: batch %zu > max_batch %zu", batch, w->max_batch);
    if (!noise)
        return AE_ERROR(AE_EINVAL, "coded modem: soft demapping needs the noise description");
    const unsigned k = s->cfg.k, n = s->cfg.n;
    const size_t W = txrx_words(k);
    mod_demod_llr(s->q, y, noise->sigma2, noise->sigma2_sym, s->demapper == MOD_DEMAP_EXACT, w->llr_f,
                  batch * s->symbols);
    txrx_code_counts cc = {0, 0, 0, 0};
    for (size_t b = 0; b < batch; b++) {
        const float *lf = w->llr_f + b * n; // (n)
        const uint8_t *f = w->f + b * n;    // (n) as last transmitted
        uint64_t raw = 0;
        for (unsigned t = 0; t < n; t++)
            raw += (uint64_t)((lf[t] < 0.0f) != f[t]);
        cc.coded_bit_errors += raw;
        if (s->code) {
            ldpc5g_rate_recover(s->code, lf, w->llr_cw);
            unsigned it = 0;
            ldpc5g_decode(w->dec, w->llr_cw, w->info_hat, &it, 1);
            cc.iterations += it;
            cc.codewords++;
        } else {
            hamming_decode(s, lf, w->info_hat, llr_out ? w->llr_cw : NULL);
            cc.codewords += k / 4;
        }
        if (bits_hat) {
            uint64_t *hb = bits_hat + b * W; // (W)
            memset(hb, 0, W * sizeof *hb);
            for (unsigned j = 0; j < k; j++)
                if (w->info_hat[j])
                    txrx_set_bit(hb, j, 1);
        }
        if (llr_out)
            memcpy(llr_out + b * k, s->code ? ldpc5g_decoder_posterior(w->dec) : w->llr_cw,
                   k * sizeof *llr_out);
    }
    cc.coded_bits = (uint64_t)batch * n;
    w->last = cc;
    w->last_batch = batch;
    return AE_OK;
}

static int coded_receive(const void *st, void *ws, const float *y, const txrx_noise *noise,
                         uint64_t *bits_hat, size_t batch)
{
    return coded_decode(st, ws, y, noise, bits_hat, NULL, batch);
}

static int coded_receive_llr(const void *st, void *ws, const float *y, const txrx_noise *noise, float *llr,
                             size_t batch)
{
    return coded_decode(st, ws, y, noise, NULL, llr, batch);
}

static void coded_code_counts(const void *st, const void *ws, txrx_code_counts *acc)
{
    (void)st;
    const coded_ws *w = ws;
    if (!w->last_batch)
        return;
    acc->coded_bits += w->last.coded_bits;
    acc->coded_bit_errors += w->last.coded_bit_errors;
    acc->codewords += w->last.codewords;
    acc->iterations += w->last.iterations;
}

static void coded_destroy(void *st)
{
    coded_st *s = st;
    if (s)
        ldpc5g_destroy(s->code);
    free(s);
}

static const txrx_vt coded_vt = {
    .ws_create = coded_ws_create,
    .ws_destroy = coded_ws_destroy,
    .transmit = coded_transmit,
    .receive = coded_receive,
    .receive_llr = coded_receive_llr,
    .code_counts = coded_code_counts,
    .destroy = coded_destroy,
};

txrx *mod_coded_txrx_create(const mod_modem *q, const mod_code_cfg *c, int demapper)
{
    if (!q || !c) {
        AE_ERROR(AE_EINVAL, "coded modem: no modem or no code given");
        return NULL;
    }
    if (demapper != MOD_DEMAP_EXACT && demapper != MOD_DEMAP_MAXLOG) {
        AE_ERROR(AE_EINVAL,
                 "coded modem: demapper %d, expected exact (1) or max-log (2): the decoder needs LLRs",
                 demapper);
        return NULL;
    }
    if (mod_code_cfg_validate(c, q->m) != AE_OK)
        return NULL;
    txrx *t = malloc(sizeof *t);
    coded_st *s = calloc(1, sizeof *s);
    if (!t || !s) {
        free(t);
        free(s);
        AE_ERROR(AE_ENOMEM, "coded modem: cannot allocate");
        return NULL;
    }
    if (c->type == MOD_CODE_LDPC5G) {
        s->code = ldpc5g_create(c->k, c->n, c->interleave ? q->m : 1, c->rv);
        if (!s->code) {
            free(t);
            free(s);
            return NULL;
        }
    }
    s->q = q;
    s->cfg = *c;
    s->demapper = demapper;
    s->symbols = c->n / q->m;
    s->n_var = s->code ? (size_t)s->code->cols * s->code->zc : c->n;
    *t = (txrx){.vt = &coded_vt,
                .st = s,
                .k = c->k,
                .n = q->dims * s->symbols,
                .symbols_per_block = s->symbols,
                .is_complex = q->dims == 2,
                .block_energy = q->es * (double)s->symbols,
                .coherent = 1,
                .real_only = 0};
    return t;
}
