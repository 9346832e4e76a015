// coded.h - coded modulation (BICM): an outer binary code, its rate matching and bit interleaver, and a
// modem, as one transceiver for the engine (models/).
//
// Transmit: k information bits -> code -> n code bits (rate-matched and interleaved, ldpc5g.h) -> n / q_m
// modem labels, bit i q_m of the code bits the label's MSB (modem.h) -> n / q_m complex (or real, PAM)
// symbols. Receive: the modem's LLRs of the n code bits (exact or max-log demapping, with the per-symbol
// post-equalisation noise on fading channels) -> rate recovery -> decoder -> k information bits.
// Code rate R = k / n; Eb/N0 counts energy per information bit, so Es/N0 = Eb/N0 + 10 log10(R q_m)
// follows from the txrx's k and symbols_per_block as for every scheme.
#ifndef AESIM_CODED_H
#define AESIM_CODED_H

#include "classical.h"
#include "ldpc5g.h"
#include "modem.h"
#include "txrx.h"

enum mod_code_type {
    MOD_CODE_LDPC5G = 0,   // 5G NR LDPC, ldpc5g.h
    MOD_CODE_HAMMING74 = 1 // k / 4 Hamming (7,4) codewords side by side (classical.h), n = 7 k / 4
};

typedef struct mod_code_cfg {
    int type;            // enum mod_code_type (default MOD_CODE_LDPC5G)
    unsigned k;          // information bits per codeword (default 750)
    unsigned n;          // transmitted code bits per codeword (default 1500), a multiple of the modem's q_m
    unsigned rv;         // redundancy version 0..3 (default 0)
    int interleave;      // 1: the bit interleaver of 38.212 Sec. 5.4.2.2 for the modem's q_m (default 1)
    ldpc5g_dec_cfg dec;  // LDPC decoder settings (ldpc5g_dec_cfg_default)
    int hamming_decoder; // Hamming (7,4): enum mod_hamming_decoder applied to the channel LLRs,
                         // MOD_HAMMING_HARD (syndrome decoding of their signs) or MOD_HAMMING_ML (the
                         // codeword of largest correlation sum_j (1 - 2 c_j) L_j, maximum likelihood for
                         // independent bits; default)
} mod_code_cfg;

// Fill the defaults above.
void mod_code_cfg_default(mod_code_cfg *c);

// The config word of a code type ("ldpc5g", "hamming_7_4") and back (-1 for another word).
const char *mod_code_type_name(int type);
int mod_code_type_parse(const char *word);

// The word of a Hamming decoder ("hard", "ml") and back (-1 for another word).
const char *mod_hamming_decoder_name(int decoder);
int mod_hamming_decoder_parse(const char *word);

// Check c for a modem with q_m bits per symbol: k, n in the code's ranges (LDPC as ldpc5g.h says;
// Hamming: k a multiple of 4 up to 65536 and n = 7 k / 4), n a multiple of q_m, the decoder settings. AE_OK
// or AE_EINVAL with a message naming the key ("code.n = 1501 is not a multiple of 2, the bits per symbol of
// qpsk", ...).
int mod_code_cfg_validate(const mod_code_cfg *c, unsigned q_m);

// A coded-modulation transceiver: code c in front of modem q (borrowed: destroy the txrx first), demapper
// enum mod_demapper (exact or max-log). k = c->k, n = 2 * (c->n / q_m) real channel uses for complex
// schemes (c->n / q_m for PAM), block energy = symbols * the modem's mean symbol energy, coherent = 1.
// receive and receive_llr (posterior LLRs of the information bits) both decode; code_counts reports the
// pre-decoding BER on the code bits and the iterations (none for Hamming: its codewords are counted with 0
// iterations). For Hamming, code bit 7 i + j is bit j of codeword i (MSB first, mod_hamming74_encode of
// information bits 4 i .. 4 i + 3) and receive_llr gives max-log LLRs of the information bits over the 16
// codewords (ML) or +-1 from the syndrome decoder's decisions (hard). NULL with AE_ERROR.
txrx *mod_coded_txrx_create(const mod_modem *q, const mod_code_cfg *c, int demapper);

#endif
