// modem.h - the classical modem family: M-PSK, square M-QAM, M-PAM and custom constellations, all
// held as one constellation table with Gray labels (models/).
//
// Conventions (the same for every family and for learned constellations demapped here):
//   * a symbol carries m = log2 M bits; its label's bit j (j = 0..m-1) is (label >> (m-1-j)) & 1 (MSB
//     first, as for messages everywhere in aesim), and LLR j of a symbol belongs to that bit;
//   * the labelling of QPSK and 4/16/64/256-QAM is that of 3GPP TS 38.211 Sec. 5.1.3-5.1.6 (as Sionna's
//     and MATLAB 5G Toolbox's mappers): the label's even bits b0 b2 .. choose the I level, its odd bits
//     b1 b3 .. the Q level, b0 and b1 being the signs (0 positive), so LLRs come out in the spec's bit
//     order; qpsk and qam4 are the same table. PAM is one QAM axis. BPSK keeps the spec's sign rule
//     (0 -> +1) on the real axis instead of 38.211 Sec. 5.1.2's (1+j)/sqrt2. modem.c gives the rules and
//     README.md the tables;
//   * points[label] is the constellation point of that label, interleaved (re, im) float pairs; real
//     families (PAM) have dims = 1 and use one real channel use per symbol, complex ones dims = 2;
//   * built-in constellations have unit average symbol energy (Es = 1, points equally likely);
//   * LLR sign: L = ln P(b = 0 | y) / P(b = 1 | y), so L > 0 favours bit 0. For BPSK (+1 for bit 0,
//     -1 for bit 1) on AWGN with noise variance sigma2 per real dimension, L = 2 y / sigma2.
#ifndef AESIM_MODEM_H
#define AESIM_MODEM_H

#include <stddef.h>
#include <stdint.h>

#include "txrx.h"

enum mod_family {
    MOD_PSK = 0,   // M-PSK, M = 2..64 (power of 2): M = 2 BPSK on the real axis (label 0 -> +1), M = 4 QPSK
                   // (= qam4, 38.211), M >= 8 index i at exp(j 2 pi i / M) carries gray(i) (counterclockwise)
    MOD_QAM = 1,   // square M-QAM, M = 4..256 (power of 4), 38.211 Sec. 5.1 labels (I on even bits, Q on odd)
    MOD_PAM = 2,   // M-PAM, M = 2..64 (power of 2), real, Gray along the line (one 38.211 QAM axis)
    MOD_CUSTOM = 3 // points and labels given by the caller (e.g. a learned constellation)
};

typedef struct mod_modem {
    int family;    // enum mod_family
    unsigned M;    // points
    unsigned m;    // bits per symbol, log2 M
    unsigned dims; // real channel uses per symbol: 2 (complex) or 1 (PAM)
    float *points; // [M][2] (re, im) by label; im = 0 for PAM
    double es;     // average symbol energy (1 for the built-in families)
    void *impl;    // family-specific tables (private)
} mod_modem;

// Parse a scheme name: "bpsk" (= psk2), "qpsk" (= psk4, the table of qam4), "pskM", "qamM", "pamM".
// Returns AE_OK and sets *family and *M, or AE_EINVAL with a message listing what is valid (for example
// "qam8: square QAM needs M a power of 4, 4..256").
int mod_scheme_parse(const char *name, int *family, unsigned *M);

// The canonical name of a built-in scheme ("bpsk", "qpsk", "psk8", "qam16", "pam4", ...).
const char *mod_scheme_name(int family, unsigned M, char *buf, size_t len);

// Create a built-in modem. NULL with AE_ERROR (AE_EINVAL naming the expected range, AE_ENOMEM).
mod_modem *mod_modem_create(int family, unsigned M);

// Create a custom modem from points [M][dims] (interleaved (re, im) when dims = 2) and labels [M] (a
// permutation of 0..M-1: points[i] carries label labels[i]). M a power of 2, 2..65536. The points are
// used as given (not normalised; es is their mean energy). NULL with AE_ERROR.
mod_modem *mod_modem_create_table(const float *points, const uint32_t *labels, unsigned M, unsigned dims);

void mod_modem_destroy(mod_modem *q);

// labels [n_sym] (< M) -> x [n_sym][dims] real channel uses.
void mod_modulate(const mod_modem *q, const uint32_t *labels, float *x, size_t n_sym);

// Hard decision, nearest point in Euclidean distance (ML on AWGN for equally likely points):
// y [n_sym][dims] -> labels [n_sym]. Ties go to the lower label.
void mod_demod_hard(const mod_modem *q, const float *y, uint32_t *labels, size_t n_sym);

// Soft demapping on AWGN: y [n_sym][dims], sigma2 the noise variance per real dimension, either one
// value for all symbols (sigma2_sym == NULL) or per symbol (sigma2_sym [n_sym]) -> llr [n_sym][m] with
// the sign convention above. exact = 1: log-sum-exp over all points (the exact LLR); exact = 0: max-log
// (the difference of the two nearest-point metrics). Allocation-free.
void mod_demod_llr(const mod_modem *q, const float *y, double sigma2, const float *sigma2_sym, int exact,
                   float *llr, size_t n_sym);

enum mod_demapper {
    MOD_DEMAP_HARD = 0,  // nearest point
    MOD_DEMAP_EXACT = 1, // exact LLRs, bit decisions from their signs
    MOD_DEMAP_MAXLOG = 2 // max-log LLRs, bit decisions from their signs
};

// A transceiver of `symbols` modem symbols per block (k = m * symbols bits, n = dims * symbols real
// channel uses, symbols_per_block = symbols, block_energy = es * symbols). The block's bits (txrx.h
// layout) are split in order into the symbols' labels: symbol i carries bits i m .. i m + m - 1, bit i m
// as its label's MSB. receive decides by `demapper` (soft demappers: bit = 1 where the LLR is < 0);
// receive_llr gives the LLRs (exact or max-log as demapper says; max-log for MOD_DEMAP_HARD). The txrx
// BORROWS q. NULL with AE_ERROR (m * symbols must be <= TXRX_K_MAX, 65536).
txrx *mod_modem_txrx_create(const mod_modem *q, size_t symbols, int demapper);

#endif
