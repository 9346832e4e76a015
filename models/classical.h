// classical.h - the classical transceivers aesim compares learned ones with (models/).
//
// Bit conventions, shared by every classical scheme and by the engine's bit counting:
//   * blocks of bits are packed as txrx.h defines (bit j of a block at bit 63 - j % 64 of word j / 64);
//     a message index m of k bits holds bit j (j = 0..k-1) at (m >> (k-1-j)) & 1 (MSB first, the same
//     order: m = txrx_index(block, k));
//   * BPSK maps bit b to the real amplitude 1 - 2b (0 -> +1, 1 -> -1), energy 1 per real channel use.
#ifndef AESIM_CLASSICAL_H
#define AESIM_CLASSICAL_H

#include <stdint.h>

#include "txrx.h"

// Uncoded BPSK: k information bits in k real channel uses (n = k, block energy k), hard decision per
// bit (sign of y). k in 1..TXRX_K_MAX (65536). NULL with AE_ERROR (AE_EINVAL, AE_ENOMEM) on failure.
txrx *mod_bpsk_txrx_create(unsigned k);

enum mod_hamming_decoder {
    MOD_HAMMING_HARD = 0, // BPSK hard decisions, then syndrome decoding (corrects any single bit error)
    MOD_HAMMING_ML = 1    // soft maximum likelihood on AWGN: the codeword of largest correlation with y
};

// Hamming (7,4) with BPSK: 4 bits in 7 real channel uses (block energy 7, code rate 4/7).
// The code is systematic: codeword bits c0..c6 = d0 d1 d2 d3 p0 p1 p2 with d = message bits (MSB
// first) and p = d * P (mod 2) for the parity part P of mod_hamming74_generator. NULL with AE_ERROR.
txrx *mod_hamming74_txrx_create(int decoder);

// Generator matrix rows: row i (i = 0..3) is the 7-bit codeword of data bit d_i alone, written as a
// bit mask with codeword bit j at (row >> (6-j)) & 1 (MSB first, as for messages).
extern const uint8_t mod_hamming74_generator[4];

// Encode 4 data bits (MSB first in the low nibble) into the 7-bit codeword (MSB first).
uint8_t mod_hamming74_encode(uint8_t data);

// Syndrome (3 bits) of a 7-bit received word r; 0 for codewords.
uint8_t mod_hamming74_syndrome(uint8_t r);

// Hard-decision syndrome decoding: flip the bit the syndrome points to (if any) and return the 4 data
// bits (MSB first).
uint8_t mod_hamming74_decode_hard(uint8_t r);

// Minimum Hamming distance over all pairs of distinct codewords (3 for this code).
unsigned mod_hamming74_min_distance(void);

#endif
