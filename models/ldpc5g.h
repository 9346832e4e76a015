// ldpc5g.h - 5G NR LDPC codes: base graphs, lifting, encoding, rate matching and belief-propagation
// decoding (models/).
//
// References: 3GPP TS 38.212 V16 (Sec. 5.2.2 code block segmentation and filler bits, Sec. 5.3.2 LDPC
// encoding with Tables 5.3.2-1 (lifting sizes), 5.3.2-2 (BG1) and 5.3.2-3 (BG2), Sec. 5.4.2.1 bit
// selection, Sec. 5.4.2.2 bit interleaving, Sec. 6.2.2 / 7.2.2 base graph selection); for decoding,
// W. E. Ryan and S. Lin, "Channel Codes: Classical and Modern", Cambridge 2009, Sec. 5.4 (sum-product in
// the log domain, phi function) and Sec. 5.5 (min-sum and its offset/normalised corrections).
//
// A code is defined by (k, n, q_m, rv) alone, as LDPC5GEncoder(k, n, num_bits_per_symbol) in Sionna:
//   * k information bits (no CRC here: a CRC, if any, is part of the k bits), 1 <= k <= 8448;
//   * base graph: BG2 if k <= 292, or k <= 3824 and R = k / n <= 0.67, or R <= 0.25; BG1 otherwise
//     (Sec. 7.2.2 with the payload read as k); k <= 3840 for BG2;
//   * K_b (BG1: 22; BG2: 10 if k > 640, 9 if k > 560, 8 if k > 192, else 6) and the lifting size Z_c, the
//     smallest of Table 5.3.2-1 with K_b Z_c >= k; K = 22 Z_c (BG1) or 10 Z_c (BG2) systematic positions, of
//     which the last F = K - k are filler bits (value 0, Sec. 5.2.2);
//   * the codeword c has N_full = 68 Z_c (BG1) or 52 Z_c (BG2) bits; the first 2 Z_c are never sent, the
//     circular buffer d of Sec. 5.4.2.1 is c[2 Z_c ...], N_cb = 66 Z_c or 50 Z_c (no limited-buffer rate
//     matching);
//   * n transmitted bits e: bit selection from d starting at k0(rv) (Table 5.4.2.1-2), wrapping round the
//     buffer, skipping filler bits; k < n, n a multiple of q_m;
//   * the bit interleaver of Sec. 5.4.2.2 (f[i + j q_m] = e[i n / q_m + j]) for the modulation order q_m
//     (1 = no interleaving).
//
// Bits are uint8_t values 0/1, one per byte, unless a function says otherwise. LLRs are float,
// L = ln P(b = 0) / P(b = 1) (aesim's convention: L > 0 favours 0).
//
// The code object is read-only after creation and may be shared by threads; the decoder's message
// memory lives in a separate workspace (one per thread).
#ifndef AESIM_LDPC5G_H
#define AESIM_LDPC5G_H

#include <stddef.h>
#include <stdint.h>

#define LDPC5G_K_MAX     8448u  // largest k (BG1, Z_c = 384)
#define LDPC5G_K_MAX_BG2 3840u  // largest k of BG2 (Z_c = 384)
#define LDPC5G_N_MAX     26112u // largest n accepted (68 Z_c at Z_c = 384, i.e. more than the buffer)

// One entry of a base graph: row i, column j, shift P(i, j) = V(i, j) mod Z_c for the code's Z_c.
typedef struct ldpc5g_edge {
    uint16_t row, col, shift;
} ldpc5g_edge;

typedef struct ldpc5g_code {
    unsigned bg;      // base graph, 1 or 2
    unsigned zc;      // lifting size Z_c
    unsigned i_ls;    // set index of Z_c in Table 5.3.2-1, 0..7
    unsigned k;       // information bits
    unsigned n;       // transmitted bits (E of Sec. 5.4.2.1)
    unsigned q_m;     // modulation order of the bit interleaver (1: none)
    unsigned rv;      // redundancy version, 0..3
    unsigned kb_cols; // systematic columns of the base graph: 22 (BG1) or 10 (BG2)
    unsigned K;       // systematic positions kb_cols Z_c (k information + F filler bits)
    unsigned F;       // filler bits K - k
    unsigned n_cb;    // circular buffer length 66 Z_c or 50 Z_c
    unsigned k0;      // start of bit selection in the buffer for rv (Table 5.4.2.1-2)
    unsigned rows;    // base-graph rows used: the 4 core rows and the extension rows up to the last parity
                      // block the selected bits touch (4..46 for BG1, 4..42 for BG2)
    unsigned cols;    // columns used: kb_cols + rows (variable nodes cols Z_c)
    unsigned n_edges; // base-graph entries in the used rows
    const ldpc5g_edge *edges; // [n_edges], row-major (by row, then column), shifts already mod Z_c
    const uint32_t *sel;      // [n]: position in c (0 .. cols Z_c - 1) of transmitted bit e[t], before
                              // interleaving (bit selection of Sec. 5.4.2.1 read as positions of c)
    const uint32_t *perm;     // [n]: f[t] = e[perm[t]] (the interleaver of Sec. 5.4.2.2)
    void *priv;               // owned internals
} ldpc5g_code;

// Base-graph selection and lifting size for (k, n): *bg (1 or 2), *zc and *i_ls as described above.
// AE_OK, or AE_EINVAL (k outside 1..8448, n <= k) with a message naming the range.
int ldpc5g_select(unsigned k, unsigned n, unsigned *bg, unsigned *zc, unsigned *i_ls);

// The lifting sizes of Table 5.3.2-1 in increasing order (51 values, 2..384), and each one's set index.
extern const uint16_t ldpc5g_lifting_sizes[51];
unsigned ldpc5g_set_index(unsigned zc); // 0..7, or 8 if zc is not a lifting size

// The base graph's entries (BG 1: 316, BG 2: 197) as tabulated: V(i, j) for set index i_ls (before the
// mod Z_c). *count receives the number of entries; rows[e], cols[e] and values[e] for e < count are
// written when the arrays are not NULL. Returns AE_OK or AE_EINVAL (bg or i_ls out of range).
int ldpc5g_base_graph(unsigned bg, unsigned i_ls, size_t *count, uint16_t *rows, uint16_t *cols,
                      uint16_t *values);

// The code of (k, n) with bit interleaving for q_m (1..10; 1 = none) and redundancy version rv (0..3).
// n must be a multiple of q_m, k < n <= LDPC5G_N_MAX. NULL with AE_ERROR (AE_EINVAL naming the key and
// its range, AE_ENOMEM).
ldpc5g_code *ldpc5g_create(unsigned k, unsigned n, unsigned q_m, unsigned rv);

// The same for an explicit base graph and lifting size (tests: every lifting size of both graphs);
// k <= kb_cols * zc where kb_cols = 22 or 10. NULL with AE_ERROR.
ldpc5g_code *ldpc5g_create_lifted(unsigned bg, unsigned zc, unsigned k, unsigned n, unsigned q_m,
                                  unsigned rv);

void ldpc5g_destroy(ldpc5g_code *c);

// Systematic encoding, Sec. 5.3.2, with the double-diagonal core solved block by block (no generator
// matrix): info [k] bits -> cw [cols Z_c] codeword bits c (positions 0..K-1 the information bits then
// F filler zeros, then the parity bits of the used rows). Every row of H cw = 0 (mod 2) over the used rows.
void ldpc5g_encode(const ldpc5g_code *c, const uint8_t *info, uint8_t *cw);

// Rate matching: codeword cw [cols Z_c] -> f [n] transmitted bits (bit selection then interleaving).
void ldpc5g_rate_match(const ldpc5g_code *c, const uint8_t *cw, uint8_t *f);

// Rate recovery: llr_f [n] channel LLRs of the transmitted bits (in transmission order) -> llr_cw
// [cols Z_c] channel LLRs of the codeword: de-interleaved, repeated bits (n larger than the buffer, or
// rv wrapping) added, 0 for the punctured first 2 Z_c bits and for bits not sent, +LDPC5G_LLR_KNOWN for the
// filler bits.
void ldpc5g_rate_recover(const ldpc5g_code *c, const float *llr_f, float *llr_cw);
#define LDPC5G_LLR_KNOWN 1.0e4f // channel LLR of a bit known to be 0 (filler bit)

// The parity-check matrix entry list of the used rows as (check, variable) pairs of the lifted graph:
// check i Z_c + z is connected to variable j Z_c + (z + P(i, j)) mod Z_c for every edge (i, j) and
// z < Z_c (the cyclic shift of 38.212 Sec. 5.3.2). Returns rows Z_c checks; *n_vars = cols Z_c.
// checks/vars [n_edges Z_c] are written when not NULL. Used by alist export and tests.
size_t ldpc5g_lifted_edges(const ldpc5g_code *c, size_t *n_vars, uint32_t *checks, uint32_t *vars);

enum ldpc5g_algorithm {
    LDPC5G_SUM_PRODUCT = 0,       // exact check update: 2 atanh(prod tanh(L/2)), in the phi form
    LDPC5G_MIN_SUM = 1,           // sign product times the smallest magnitude
    LDPC5G_OFFSET_MIN_SUM = 2,    // max(min - beta, 0)
    LDPC5G_NORMALIZED_MIN_SUM = 3 // alpha * min
};

enum ldpc5g_schedule {
    LDPC5G_FLOODING = 0, // every check, then every variable, per iteration
    LDPC5G_LAYERED = 1   // row by row of the base graph, posteriors updated after each row
};

typedef struct ldpc5g_dec_cfg {
    int algorithm;       // enum ldpc5g_algorithm (default LDPC5G_SUM_PRODUCT)
    int schedule;        // enum ldpc5g_schedule (default LDPC5G_FLOODING)
    unsigned iterations; // iterations, 1..1000 (default 20)
    int early_stop;      // 1: stop a codeword at the first iteration whose hard decisions have zero syndrome
                         // (default 0: always `iterations`)
    float llr_clip;      // |L| bound on channel LLRs and messages, > 0 (default 20)
    float offset;        // beta of offset min-sum, >= 0 (default 0.5)
    float scale;         // alpha of normalised min-sum, in (0, 1] (default 0.75)
} ldpc5g_dec_cfg;

void ldpc5g_dec_cfg_default(ldpc5g_dec_cfg *d);

// The words of the algorithm / schedule ("sum_product", "min_sum", "offset_min_sum",
// "normalized_min_sum"; "flooding", "layered") and back (-1 for another word).
const char *ldpc5g_algorithm_name(int algorithm);
int ldpc5g_algorithm_parse(const char *word);
const char *ldpc5g_schedule_name(int schedule);
int ldpc5g_schedule_parse(const char *word);

// AE_OK, or AE_EINVAL with a message naming the field and its range.
int ldpc5g_dec_cfg_validate(const ldpc5g_dec_cfg *d);

typedef struct ldpc5g_decoder ldpc5g_decoder;

// A decoder workspace for code c (borrowed) with settings d: message memory for one codeword at a time,
// made once. NULL with AE_ERROR.
ldpc5g_decoder *ldpc5g_decoder_create(const ldpc5g_code *c, const ldpc5g_dec_cfg *d);
void ldpc5g_decoder_destroy(ldpc5g_decoder *dec);

// Decode `count` codewords: llr_cw [count][cols Z_c] codeword channel LLRs (from ldpc5g_rate_recover)
// -> info_hat [count][k] decided information bits (0/1), iterations_done [count] (may be NULL) the
// iterations each codeword ran (== iterations without early stop). Returns the number of codewords whose
// final hard decisions satisfy every used check (0..count). Never allocates.
size_t ldpc5g_decode(ldpc5g_decoder *dec, const float *llr_cw, uint8_t *info_hat, unsigned *iterations_done,
                     size_t count);

// The check-node update the decoder runs, exposed for tests: for a check of degree deg (2..32) replicated
// over `lanes` independent checks, in[e][z] (e < deg, z < lanes) are the incoming variable-to-check
// messages (already clipped to |L| <= d->llr_clip) and out[e][z] receives the extrinsic message to
// variable e: for LLR_SUM_PRODUCT 2 atanh(prod_{e' != e} tanh(in[e'][z] / 2)) computed as
// sign * phi(sum phi(|in|)), phi(x) = -ln tanh(x / 2) (Ryan & Lin eq. 5.38), bounded by d->llr_clip; for
// the min-sum family the sign product times the smallest other magnitude (with the offset or scale of
// d->algorithm). in and out must not alias.
void ldpc5g_check_update(const ldpc5g_dec_cfg *d, const float *const *in, float *const *out, unsigned deg,
                         size_t lanes);

// The last decoded codeword's posterior LLRs [cols Z_c] (inside the decoder's memory; valid until the next
// call). For tests.
const float *ldpc5g_decoder_posterior(const ldpc5g_decoder *dec);

#endif
