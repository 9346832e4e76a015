// hamming.c - Hamming (7,4) with BPSK behind the txrx interface (models/).
//
// Systematic code, codeword c = d0 d1 d2 d3 p0 p1 p2 (bit j at (cw >> (6-j)) & 1, MSB first) with
//   p0 = d0 ^ d1 ^ d3,   p1 = d0 ^ d2 ^ d3,   p2 = d1 ^ d2 ^ d3,
// i.e. P = [110; 101; 011; 111] (row i = the parity bits of d_i). The parity check matrix H = [P^T | I3]
// has the 7 distinct nonzero columns 110 101 011 111 100 010 001, so it is a Hamming code (minimum
// distance 3, perfect: every nonzero syndrome is one single-bit error). Lin & Costello, Error Control
// Coding, 2nd ed., Sec. 4.1.
#include "classical.h"

#include <stdlib.h>

#include "ae_err.h"

#define HAM_N 7u  // code length
#define HAM_K 4u  // data bits
#define HAM_M 16u // codewords, 2^HAM_K

// Rows of G = [I4 | P], as 7-bit masks (MSB = c0).
const uint8_t mod_hamming74_generator[HAM_K] = {
    0x46, // 1000 110
    0x25, // 0100 101
    0x13, // 0010 011
    0x0F, // 0001 111
};

// Syndrome s = s0 s1 s2 (s0 MSB) -> codeword bit position j of the single error; -1 for s = 0.
// Entry s is the position whose column of H equals s.
static const int syndrome_to_pos[8] = {-1, 6, 5, 2, 4, 1, 0, 3};

uint8_t mod_hamming74_encode(uint8_t data)
{
    uint8_t cw = 0;
    for (unsigned i = 0; i < HAM_K; i++)
        if ((data >> (HAM_K - 1 - i)) & 1u)
            cw ^= mod_hamming74_generator[i];
    return cw;
}

// H r: the received parity bits XOR the parity recomputed from the received data bits.
uint8_t mod_hamming74_syndrome(uint8_t r)
{
    r &= 0x7F;
    return (uint8_t)((mod_hamming74_encode((uint8_t)(r >> 3)) ^ r) & 0x7);
}

uint8_t mod_hamming74_decode_hard(uint8_t r)
{
    r &= 0x7F;
    const int pos = syndrome_to_pos[mod_hamming74_syndrome(r)];
    if (pos >= 0)
        r ^= (uint8_t)(1u << (HAM_N - 1 - (unsigned)pos));
    return (uint8_t)(r >> 3);
}

static unsigned popcount7(uint8_t v)
{
    unsigned c = 0;
    for (; v; v &= (uint8_t)(v - 1))
        c++;
    return c;
}

// For a linear code the minimum distance is the minimum weight of a nonzero codeword.
unsigned mod_hamming74_min_distance(void)
{
    unsigned dmin = HAM_N;
    for (uint8_t d = 1; d < HAM_M; d++) {
        const unsigned w = popcount7(mod_hamming74_encode(d));
        if (w < dmin)
            dmin = w;
    }
    return dmin;
}

// ---------------------------------------------------------------------------------------------------
// transceiver

typedef struct ham_st {
    int decoder;               // enum mod_hamming_decoder
    float cw_pm[HAM_M][HAM_N]; // codeword m as BPSK amplitudes 1 - 2c_j, for transmit and ML
} ham_st;

// No scratch is needed; the workspace only remembers the batch it was made for.
typedef struct ham_ws {
    size_t max_batch;
} ham_ws;

static void *ham_ws_create(const void *st, size_t max_batch)
{
    (void)st;
    if (max_batch == 0) {
        AE_ERROR(AE_EINVAL, "hamming74: max_batch = 0, expected >= 1");
        return NULL;
    }
    ham_ws *w = malloc(sizeof *w);
    if (!w) {
        AE_ERROR(AE_ENOMEM, "hamming74: cannot allocate the workspace");
        return NULL;
    }
    w->max_batch = max_batch;
    return w;
}

static void ham_ws_destroy(void *ws)
{
    free(ws);
}

// bits [batch][1]: the message is the block's 4 bits (txrx_index), its codeword goes out as BPSK.
static int ham_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    const ham_st *s = st;
    const ham_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "hamming74: batch %zu > max_batch %zu", batch, w->max_batch);
    for (size_t b = 0; b < batch; b++) { // one word per block (k = 4)
        if (txrx_tail_dirty(bits + b, HAM_K))
            return AE_ERROR(AE_EINVAL, "hamming74: block %zu has bits set beyond k = 4", b);
        const float *c = s->cw_pm[txrx_index(bits + b, HAM_K)];
        float *xb = x + b * HAM_N; // (7)
        for (unsigned j = 0; j < HAM_N; j++)
            xb[j] = c[j];
    }
    return AE_OK;
}

// Hard: sign decisions (y < 0 -> 1) into a 7-bit word, then syndrome decoding.
static uint32_t ham_rx_hard(const float *y)
{
    uint8_t r = 0;
    for (unsigned j = 0; j < HAM_N; j++)
        r = (uint8_t)((r << 1) | (y[j] < 0.0f ? 1u : 0u));
    return mod_hamming74_decode_hard(r);
}

// ML on AWGN with equal-energy codewords: maximise the correlation sum_j y_j c_j; ties go to the
// lowest index (strict >).
static uint32_t ham_rx_ml(const ham_st *s, const float *y)
{
    uint32_t best = 0;
    float best_corr = 0.0f;
    for (uint32_t m = 0; m < HAM_M; m++) {
        float corr = 0.0f;
        for (unsigned j = 0; j < HAM_N; j++)
            corr += y[j] * s->cw_pm[m][j];
        if (m == 0 || corr > best_corr) {
            best = m;
            best_corr = corr;
        }
    }
    return best;
}

static int ham_receive(const void *st, void *ws, const float *y, const txrx_noise *noise, uint64_t *bits_hat,
                       size_t batch)
{
    (void)noise; // neither decoder needs the noise level on AWGN
    const ham_st *s = st;
    const ham_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "hamming74: batch %zu > max_batch %zu", batch, w->max_batch);
    for (size_t b = 0; b < batch; b++) {
        const float *yb = y + b * HAM_N; // (7)
        txrx_set_index(bits_hat + b, HAM_K,
                       s->decoder == MOD_HAMMING_ML ? ham_rx_ml(s, yb) : ham_rx_hard(yb));
    }
    return AE_OK;
}

static void ham_destroy(void *st)
{
    free(st);
}

static const txrx_vt ham_vt = {
    .ws_create = ham_ws_create,
    .ws_destroy = ham_ws_destroy,
    .transmit = ham_transmit,
    .receive = ham_receive,
    .destroy = ham_destroy,
};

txrx *mod_hamming74_txrx_create(int decoder)
{
    if (decoder != MOD_HAMMING_HARD && decoder != MOD_HAMMING_ML) {
        AE_ERROR(AE_EINVAL, "hamming74: decoder = %d, expected %d (hard) or %d (ml)", decoder,
                 MOD_HAMMING_HARD, MOD_HAMMING_ML);
        return NULL;
    }
    txrx *t = malloc(sizeof *t);
    ham_st *s = malloc(sizeof *s);
    if (!t || !s) {
        free(t);
        free(s);
        AE_ERROR(AE_ENOMEM, "hamming74: cannot allocate the transceiver");
        return NULL;
    }
    s->decoder = decoder;
    for (uint8_t m = 0; m < HAM_M; m++) {
        const uint8_t cw = mod_hamming74_encode(m);
        for (unsigned j = 0; j < HAM_N; j++)
            s->cw_pm[m][j] = ((cw >> (HAM_N - 1 - j)) & 1u) ? -1.0f : 1.0f;
    }
    *t = (txrx){.vt = &ham_vt,
                .st = s,
                .k = HAM_K,
                .n = HAM_N,
                .symbols_per_block = HAM_N,
                .is_complex = 0,
                .block_energy = (double)HAM_N,
                .coherent = 1};
    return t;
}
