// txrx.h - the one interface every transceiver (learned or classical) offers the Monte Carlo engine.
//
// A transceiver maps a message index m in [0, 2^k) to a block of n real channel uses and back.
// Blocks are batch-major rows: x is float[batch][n] row-major; where a scheme is complex, consecutive
// pairs (x[2i], x[2i+1]) are the real and imaginary parts of one complex symbol.
//
// The object (`st`) is read-only during a simulation and shared by all threads; everything a call
// writes lives in a per-thread workspace made by ws_create for a maximum batch. Calls with a batch
// larger than that return AE_EBADLEN. Hot-path calls never allocate.
#ifndef AESIM_TXRX_H
#define AESIM_TXRX_H

#include <stddef.h>
#include <stdint.h>

// What the receiver knows of the noise (and, through equalisation, of the channel).
typedef struct txrx_noise {
    double sigma2;           // noise variance per real dimension of y, linear (AWGN: the channel's)
    const float *sigma2_sym; // NULL (sigma2 holds for every value of y), or [batch][symbols_per_block]: the
                             // noise variance per real dimension of each modulation symbol of y after the
                             // channel's equalisation (e.g. sigma2 / |h|^2 with perfect CSI)
} txrx_noise;

typedef struct txrx_vt {
    // Per-thread scratch for batches of up to max_batch blocks; NULL on allocation failure (with AE_ERROR).
    void *(*ws_create)(const void *st, size_t max_batch);
    void (*ws_destroy)(void *ws);
    // msg [batch] message indices < 2^k  ->  x [batch][n] real channel uses. Returns AE_OK or an error code.
    int (*transmit)(const void *st, void *ws, const uint32_t *msg, float *x, size_t batch);
    // y [batch][n] received channel uses (equalised where the channel gives CSI), noise as above
    //   -> msg_hat [batch] decided message indices. Returns AE_OK or an error code.
    int (*receive)(const void *st, void *ws, const float *y, const txrx_noise *noise, uint32_t *msg_hat,
                   size_t batch);
    // Optional soft output (NULL if the scheme has none): y, noise as for receive -> llr [batch][k], the
    // log-likelihood ratio of each message bit (MSB first), L = ln P(b = 0 | y) / P(b = 1 | y), so
    // L > 0 favours bit 0. Returns AE_OK or an error code.
    int (*receive_llr)(const void *st, void *ws, const float *y, const txrx_noise *noise, float *llr,
                       size_t batch);
    // Free the object state.
    void (*destroy)(void *st);
} txrx_vt;

typedef struct txrx {
    const txrx_vt *vt;
    void *st;                 // scheme state, owned
    unsigned k;               // information bits per block
    size_t n;                 // real channel uses per block
    size_t symbols_per_block; // modulation symbols per block: complex symbols (n/2) for complex schemes, n
                              // for real ones
    int is_complex;           // 1 if pairs of real channel uses form complex symbols
    double block_energy; // average energy per block, sum of x^2 over the n real uses (averaged over messages)
    int coherent;        // 1 if the receiver needs an equalised channel (classical schemes): on a fading
                         // channel it then requires perfect CSI; 0 for learned receivers
    int real_only; // 1 if a complex scheme's imaginary parts of x are all 0 and its receiver ignores the
                   // imaginary parts of (equalised) y, as BPSK's does: the engine then need not draw
                   // noise for them on AWGN (it would not change any decision or LLR)
} txrx;

// Destroy a transceiver made by any *_txrx_create function (NULL is a no-op).
void txrx_destroy(txrx *t);

#endif
