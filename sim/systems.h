// systems.h - from a configured system to a transceiver, and its closed-form curves (sim/).
#ifndef AESIM_SYSTEMS_H
#define AESIM_SYSTEMS_H

#include "ae.h"
#include "config.h"
#include "txrx.h"

// Build the classical transceiver of s (uncoded BPSK or Hamming). For an autoencoder, use
// ae_txrx_create on a trained model instead. NULL with AE_ERROR.
txrx *sim_system_classical(const sim_system_cfg *s);

// The closed forms of s at ebno_db (dB) on AWGN: *bler and *ber, NAN where aesim has no closed form
// (learned systems, soft ML decoding). Returns 1 if at least one is known.
int sim_system_theory(const sim_system_cfg *s, double ebno_db, double *bler, double *ber);

// Real channel uses and modulation symbols per block of s (for Es/N0): all systems of this release
// are real-valued, so both equal n.
size_t sim_system_symbols(const sim_system_cfg *s);

#endif
