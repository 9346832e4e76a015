// txrx.h - the one interface every transceiver (learned or classical) offers the Monte Carlo engine.
//
// A transceiver maps a block of k information bits to a block of n real channel uses and back.
// Blocks are batch-major rows: x is float[batch][n] row-major; where a scheme is complex, consecutive
// pairs (x[2i], x[2i+1]) are the real and imaginary parts of one complex symbol.
//
// Bit layout (the one definition; every transceiver, the engine and the tests use it): the information
// bits of a batch are uint64_t bits[batch][W], W = txrx_words(k) = ceil(k / 64) words per block. Bit j
// (0-based, j < k) of a block is bit (63 - j % 64) of word j / 64: MSB first, so for k <= 64 the first
// word read as an integer and shifted right by 64 - k is the message index m with bit 0 as its MSB (bit j
// of m is (m >> (k-1-j)) & 1), the same bit order as the LLRs of receive_llr. The unused low bits of the
// last word (64 W - k of them) are 0 in what transmit reads and are written as 0 by receive. Message-level
// systems (one-hot autoencoder, Hamming) take the message index m = the first k bits (txrx_index).
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

// What a coded scheme's receiver adds up beyond the information bits (code_counts below): the hard
// decisions of the channel LLRs on the transmitted code bits against the code bits sent (the uncoded,
// pre-decoding error rate) and the decoder iterations run. Integers, so sums are exact in any order.
typedef struct txrx_code_counts {
    uint64_t coded_bits;       // transmitted code bits (blocks * code bits per block)
    uint64_t coded_bit_errors; // of those, hard decisions of the channel LLRs (L < 0 -> 1) that differ
    uint64_t codewords;        // codewords decoded
    uint64_t iterations;       // decoder iterations summed over the codewords
} txrx_code_counts;

typedef struct txrx_vt {
    // Per-thread scratch for batches of up to max_batch blocks; NULL on allocation failure (with AE_ERROR).
    void *(*ws_create)(const void *st, size_t max_batch);
    void (*ws_destroy)(void *ws);
    // bits [batch][txrx_words(k)] information bits (layout above)  ->  x [batch][n] real channel uses.
    // Returns AE_OK, AE_EBADLEN (batch too large), AE_EINVAL (a block with bits set beyond k) or another
    // error code.
    int (*transmit)(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch);
    // y [batch][n] received channel uses (equalised where the channel gives CSI), noise as above
    //   -> bits_hat [batch][txrx_words(k)] decided information bits (every word written, the bits beyond
    //   k as 0). Returns AE_OK or an error code.
    int (*receive)(const void *st, void *ws, const float *y, const txrx_noise *noise, uint64_t *bits_hat,
                   size_t batch);
    // Optional soft output (NULL if the scheme has none): y, noise as for receive -> llr [batch][k], the
    // log-likelihood ratio of each message bit (MSB first), L = ln P(b = 0 | y) / P(b = 1 | y), so
    // L > 0 favours bit 0. Returns AE_OK or an error code.
    int (*receive_llr)(const void *st, void *ws, const float *y, const txrx_noise *noise, float *llr,
                       size_t batch);
    // Optional (NULL if the scheme has no inner code): the coded-link counts of the workspace's last
    // transmit + receive (or receive_llr) pair, added to *acc. See txrx_code_counts.
    void (*code_counts)(const void *st, const void *ws, struct txrx_code_counts *acc);
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

// ---------------------------------------------------------------------------------------------------
// bit helpers (the layout above)

// Largest k the packed layout is tested for; schemes may allow less (one-hot messages, fixed codes).
#define TXRX_K_MAX 65536u

// Words per block of k bits: ceil(k / 64).
static inline size_t txrx_words(size_t k)
{
    return (k + 63) / 64;
}

// Mask of the bits of the last word of a k-bit block (k >= 1) that hold information: its top
// ((k - 1) % 64) + 1 bits.
static inline uint64_t txrx_tail_mask(size_t k)
{
    const unsigned r = (unsigned)(k & 63u);
    return r ? ~UINT64_C(0) << (64 - r) : ~UINT64_C(0);
}

// Bit j (j < k) of a block, 0 or 1.
static inline unsigned txrx_get_bit(const uint64_t *block, size_t j)
{
    return (unsigned)(block[j >> 6] >> (63 - (j & 63))) & 1u;
}

// Set bit j of a block to v (0 or nonzero = 1).
static inline void txrx_set_bit(uint64_t *block, size_t j, unsigned v)
{
    const uint64_t m = UINT64_C(1) << (63 - (j & 63));
    block[j >> 6] = v ? block[j >> 6] | m : block[j >> 6] & ~m;
}

// Bits j .. j + width - 1 (width 1..32, j + width <= k) as an integer, bit j its MSB (a modem label).
static inline uint32_t txrx_get_bits(const uint64_t *block, size_t j, unsigned width)
{
    const size_t w = j >> 6;
    const unsigned o = (unsigned)(j & 63u);
    uint64_t top = block[w] << o; // bit j at bit 63
    if (o + width > 64)           // o > 0 here
        top |= block[w + 1] >> (64 - o);
    return (uint32_t)(top >> (64 - width));
}

// OR the width (1..32) low bits of v into bits j .. j + width - 1 (bit j gets v's bit width - 1); the
// target bits must be 0 (start from a zeroed block).
static inline void txrx_or_bits(uint64_t *block, size_t j, unsigned width, uint32_t v)
{
    const size_t w = j >> 6;
    const unsigned o = (unsigned)(j & 63u);
    const uint64_t top = (uint64_t)v << (64 - width); // v's bit width - 1 at bit 63
    block[w] |= top >> o;
    if (o + width > 64) // o > 0 here
        block[w + 1] |= top << (64 - o);
}

// The message index of a block of k <= 32 bits: its first k bits, bit 0 the MSB.
static inline uint32_t txrx_index(const uint64_t *block, unsigned k)
{
    return (uint32_t)(block[0] >> (64 - k));
}

// Write message index m (< 2^k, k <= 32) as the block's one word (k <= 32 bits fill one word).
static inline void txrx_set_index(uint64_t *block, unsigned k, uint32_t m)
{
    block[0] = (uint64_t)m << (64 - k);
}

// Hard decisions from soft values: bit j of the k-bit block is 1 where llr[j] < 0 and 0 otherwise (L >= 0,
// or NaN); every word of the block is written, the bits beyond k as 0. llr [k], MSB first as receive_llr
// gives them (BPSK's y itself decides this way).
static inline void txrx_bits_from_llr(const float *llr, size_t k, uint64_t *block)
{
    const size_t W = txrx_words(k);
    for (size_t i = 0; i < W; i++) {
        const size_t j0 = 64 * i, nj = k - j0 < 64 ? k - j0 : 64;
        uint64_t v = 0;
        for (size_t j = 0; j < nj; j++)
            v |= (uint64_t)(llr[j0 + j] < 0.0f) << (63 - j);
        block[i] = v;
    }
}

// 1 if a block has a bit set beyond k (in the unused low bits of its last word), else 0.
static inline int txrx_tail_dirty(const uint64_t *block, size_t k)
{
    return (block[txrx_words(k) - 1] & ~txrx_tail_mask(k)) != 0;
}

#endif
