// systems.h - from a configured system to a transceiver, and its closed-form curves (sim/).
#ifndef AESIM_SYSTEMS_H
#define AESIM_SYSTEMS_H

#include "ae.h"
#include "config.h"
#include "txrx.h"

#include "modem.h"

// A system type as a table row: what a config's `type = "..."` names, its keys, and how it becomes a
// transceiver (tx + rx) over its channel. sim_system_cfg.type indexes sim_system_types.
typedef struct sim_system_class {
    const char *name;        // the config word, e.g. "modem"
    const char *summary;     // one line for messages and `aesim list`
    const char *const *keys; // the keys of its config group, NULL-terminated
    int learned;             // 1: trained (its parameters come from training or a checkpoint)
    int real_only;           // 1: a real-valued baseline that runs on real channels (AWGN) only
    // Build tx + rx for s; ae: the trained model of a learned type (NULL otherwise); *modem: a modem the
    // txrx borrows (destroy the txrx first), NULL if none. NULL with AE_ERROR.
    txrx *(*build)(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem);
    // Optional: the closed forms (see sim_system_theory); NULL: none.
    int (*theory)(const sim_system_cfg *s, double ebno_db, double *bler, double *ber);
    // Optional: 1 if the engine should decide from the receiver's LLRs; NULL: never.
    int (*soft)(const sim_system_cfg *s);
} sim_system_class;

// The registry, indexed by enum sim_system_type; NULL-terminated.
extern const sim_system_class *const sim_system_types[];

// The type of s (its row of sim_system_types).
const sim_system_class *sim_system_type_of(const sim_system_cfg *s);

// The type named `name`, and its index in *index; NULL if none.
const sim_system_class *sim_system_type_find(const char *name, int *index);

// The registered system words as a list ("autoencoder, uncoded_bpsk, hamming_7_4, modem or coded_modem").
const char *sim_system_type_names(char *buf, size_t len);

// 1 if s is a learned (trained) system.
int sim_system_learned(const sim_system_cfg *s);

// 1 if the engine decides s's bits from its receiver's LLRs.
int sim_system_soft(const sim_system_cfg *s);

// The transceiver of s over its channel: the type's build, with the modulation-symbol bookkeeping of
// the channel (on a complex channel the n real uses of a real-valued learned block are n/2 complex
// symbols). ae: the trained model for a learned system, else NULL. NULL with AE_ERROR.
txrx *sim_system_build(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem);

// Build the classical transceiver of s (uncoded BPSK, Hamming, modem, coded modem). A modem or coded modem
// system also creates the
// modem, returned in *modem (NULL otherwise), which the txrx borrows: destroy the txrx first, then
// mod_modem_destroy(*modem). For an autoencoder, use ae_txrx_create on a trained model instead.
// NULL with AE_ERROR.
txrx *sim_system_classical(const sim_system_cfg *s, mod_modem **modem);

// The one check of a system against its channel s->channel: the real-valued systems (PAM modems and coded
// modems, uncoded
// BPSK, Hamming (7,4)) run on real channels only (AWGN), never on a complex one (fading, OFDM, ...).
// Used by the config (parse_system), aesim ber and aesim theory (a modem system with no name there).
// AE_OK, or AE_EINVAL with the message, e.g. "pam4 is real-valued and runs on AWGN only; use qam or
// psk on a rayleigh channel" (prefixed by "system 'NAME': " when the name differs from the scheme's).
int sim_system_check_channel(const sim_system_cfg *s);

// The closed forms of s at ebno_db (dB) over its channel: *bler and *ber, NAN where aesim has no
// closed form (learned systems, soft ML decoding, classical binary codes on fading, modem blocks whose
// symbols share a fading realisation). Returns 1 if at least one is known.
int sim_system_theory(const sim_system_cfg *s, double ebno_db, double *bler, double *ber);

// The THEORY_* channel of theory_scheme for a flat channel description, or -1 when it has none.
int sim_theory_channel(const ch_flat *f);

// Modulation symbols per block of s, for Es/N0 = Eb/N0 + 10 log10(k / symbols): complex symbols for
// modems of complex constellations and for any system on a fading channel (n/2), real ones otherwise.
size_t sim_system_symbols(const sim_system_cfg *s);

// The Eb bookkeeping factor of s's channel (linear, >= 1): ch_ofdm_link_eb_factor of its OFDM link, 1
// on every other channel or when the link cannot be made. Es/N0 of s at an Eb/N0 is
// ch_esno_db_from_ebno_charged(ebno_db, s->k, sim_system_symbols(s), sim_system_eb_factor(s)).
double sim_system_eb_factor(const sim_system_cfg *s);

#endif
