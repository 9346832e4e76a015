// bpsk.c - uncoded BPSK behind the txrx interface (models/).
//
// k information bits (packed as txrx.h says) go on k real channel uses as 1 - 2b, bit j on use j; the
// receiver decides each bit by the sign of y (y < 0 -> 1, y >= 0 -> 0, so y == 0 reads as bit 0).
#include "classical.h"

#include <stdlib.h>

#include "ae_err.h"

#define BPSK_K_MAX TXRX_K_MAX // bits are packed words, no message index limits k

typedef struct bpsk_st {
    unsigned k;
} bpsk_st;

// No scratch is needed; the workspace only remembers the batch it was made for.
typedef struct bpsk_ws {
    size_t max_batch;
} bpsk_ws;

static void *bpsk_ws_create(const void *st, size_t max_batch)
{
    (void)st;
    if (max_batch == 0) {
        AE_ERROR(AE_EINVAL, "bpsk: max_batch = 0, expected >= 1");
        return NULL;
    }
    bpsk_ws *w = malloc(sizeof *w);
    if (!w) {
        AE_ERROR(AE_ENOMEM, "bpsk: cannot allocate the workspace");
        return NULL;
    }
    w->max_batch = max_batch;
    return w;
}

static void bpsk_ws_destroy(void *ws)
{
    free(ws);
}

static int bpsk_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    const bpsk_st *s = st;
    const bpsk_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "bpsk: batch %zu > max_batch %zu", batch, w->max_batch);
    const unsigned k = s->k;
    const size_t W = txrx_words(k);
    for (size_t b = 0; b < batch; b++) {
        const uint64_t *bb = bits + b * W; // (W)
        if (txrx_tail_dirty(bb, k))
            return AE_ERROR(AE_EINVAL, "bpsk: block %zu has bits set beyond k = %u", b, k);
        float *xb = x + b * k; // (k)
        for (size_t i = 0; i < W; i++) {
            const uint64_t v = bb[i];
            const unsigned nj = i + 1 < W ? 64u : k - 64u * (unsigned)i;
            for (unsigned j = 0; j < nj; j++)
                xb[64 * i + j] = ((v >> (63 - j)) & 1u) ? -1.0f : 1.0f;
        }
    }
    return AE_OK;
}

static int bpsk_receive(const void *st, void *ws, const float *y, const txrx_noise *noise, uint64_t *bits_hat,
                        size_t batch)
{
    (void)noise; // the sign decision does not depend on the noise level
    const bpsk_st *s = st;
    const bpsk_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "bpsk: batch %zu > max_batch %zu", batch, w->max_batch);
    const unsigned k = s->k;
    const size_t W = txrx_words(k);
    for (size_t b = 0; b < batch; b++) // y < 0 -> bit 1: the rule of hard decisions from LLRs
        txrx_bits_from_llr(y + b * k, k, bits_hat + b * W);
    return AE_OK;
}

static void bpsk_destroy(void *st)
{
    free(st);
}

static const txrx_vt bpsk_vt = {
    .ws_create = bpsk_ws_create,
    .ws_destroy = bpsk_ws_destroy,
    .transmit = bpsk_transmit,
    .receive = bpsk_receive,
    .destroy = bpsk_destroy,
};

txrx *mod_bpsk_txrx_create(unsigned k)
{
    if (k < 1 || k > BPSK_K_MAX) {
        AE_ERROR(AE_EINVAL, "bpsk: k = %u, expected 1..%u", k, BPSK_K_MAX);
        return NULL;
    }
    txrx *t = malloc(sizeof *t);
    bpsk_st *s = malloc(sizeof *s);
    if (!t || !s) {
        free(t);
        free(s);
        AE_ERROR(AE_ENOMEM, "bpsk: cannot allocate the transceiver");
        return NULL;
    }
    s->k = k;
    *t = (txrx){.vt = &bpsk_vt,
                .st = s,
                .k = k,
                .n = k,
                .symbols_per_block = k,
                .is_complex = 0,
                .block_energy = (double)k,
                .coherent = 1};
    return t;
}
