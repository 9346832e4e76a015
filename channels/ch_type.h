// ch_type.h - a channel as a type object and the registry that lists them (channels/).
//
// In the way GSL's gsl_rng_type describes a generator, one ch_type describes a channel: its config
// word, its keys (type, default, range, allowed words), how it checks and describes its parameters, and
// its runtime (create, per-thread workspace, forward and, unless it is a black box, backward). Each
// channel file exports one such object; ch_registry lists them. Adding a channel is one file and one
// line in channels/registry.c: the config parser, `aesim ber`'s options, `aesim list` and the engine
// all walk these tables.
//
// Parameters live in a ch_params: an aligned buffer that each type reads as its own struct (at most
// CH_PARAMS_MAX bytes, checked at compile time in the type's file). They are plain values: copying a
// ch_params copies the channel's configuration.
//
// Conventions: x and y are row-major float[batch][n]; for a complex channel consecutive pairs are one
// complex symbol (re, im), S = n / 2 symbols per block. sigma2 is the noise variance per real dimension
// (N0 / 2), linear.
#ifndef AESIM_CH_TYPE_H
#define AESIM_CH_TYPE_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

enum { CH_PARAMS_MAX = 2048 };

typedef union ch_params {
    long double align_ld;
    void *align_p;
    unsigned char bytes[CH_PARAMS_MAX];
} ch_params;

// How a key's value is stored at `offset` in the type's parameter struct.
typedef enum ch_key_kind {
    CH_KEY_DOUBLE = 0, // double, in [min, max]
    CH_KEY_SIZE = 1,   // size_t, an integer in [min, max]
    CH_KEY_BOOL = 2,   // int, 0 or 1 (true/false)
    CH_KEY_WORD = 3,   // int: the index of one of `words`
    CH_KEY_TEXT = 4    // parsed by `parse` from text (a config string, or a config list of numbers
                       // joined by commas) and written back by `format`
} ch_key_kind;

typedef struct ch_key {
    const char *name; // the config key and (with '_' as '-') the `aesim ber` option, e.g. "k_factor"
    ch_key_kind kind;
    size_t offset;            // of the value in the type's parameter struct
    double def;               // default (DOUBLE, SIZE, BOOL, WORD: the word's index)
    double min, max;          // DOUBLE, SIZE: the accepted range (inclusive)
    const char *const *words; // WORD: NULL-terminated words, e.g. {"perfect", "none", NULL}
    const char *help;         // what the value means, with its unit: "Rician K factor, linear"
    // TEXT: parse text into the parameters (AE_EINVAL with a message saying what was expected); format
    // writes the value so that parse reads it back ("" for a key that is not set).
    int (*parse)(const char *text, void *params);
    void (*format)(const void *params, char *buf, size_t len);
} ch_key;

// What the closed-form theory (sim/theory) can say of a channel: flat fading of one gain per `coherence`
// complex symbols with Rician factor k_factor (0: Rayleigh), or plain AWGN.
typedef enum ch_flat_kind {
    CH_FLAT_NONE = 0,
    CH_FLAT_AWGN = 1,
    CH_FLAT_RAYLEIGH = 2,
    CH_FLAT_RICIAN = 3
} ch_flat_kind;

typedef struct ch_flat {
    ch_flat_kind kind;
    double k_factor;  // Rician K, linear
    size_t coherence; // complex symbols per realisation
} ch_flat;

// What a channel's runtime is made for: n real channel uses per block, blocks per call up to max_batch,
// and whether the transceiver's imaginary parts carry nothing (real_only: AWGN may then skip their noise).
typedef struct ch_shape {
    size_t n;
    size_t max_batch;
    int real_only;
    double block_energy; // the transceiver's average energy per block (sum of x^2 over the n real uses)
} ch_shape;

typedef struct ch_type {
    const char *name;    // the config word, e.g. "rician"
    const char *summary; // one line for `aesim list`
    int is_complex;      // 1 if pairs of real channel uses form complex symbols (n must be even)
    const ch_key *keys;  // the keys of a channel group besides "type" and "black_box"
    size_t n_keys;
    // Optional: defaults beyond the keys' own (run after them by ch_params_default); NULL: none.
    void (*defaults)(void *params);
    // Optional: cross-key checks after each key is in range (AE_EINVAL with a message); NULL: none.
    int (*validate)(const void *params);
    // Canonical text for results.csv's channel column ("rician-k3-csi_perfect") and words for a figure's
    // legend ("Rician fading K = 3, perfect CSI").
    void (*describe)(const void *params, char *buf, size_t len);
    void (*label)(const void *params, char *buf, size_t len);
    // Optional: the eb_charges column ("data", "data+cp+pilots"); NULL: "".
    const char *(*eb_charges)(const void *params);
    // Optional: 0 if a coherent (classical) receiver cannot run over this configuration (e.g. fading
    // without CSI), with why set to the reason; NULL: always possible.
    int (*coherent_ok)(const void *params, char *why, size_t len);
    // Optional: the flat-channel description the closed forms use; NULL: CH_FLAT_NONE.
    void (*flat)(const void *params, ch_flat *out);

    // Runtime. create returns the state (NULL with AE_ERROR); it may round shape->max_batch up to its
    // quantum (blocks per call must be a multiple of it, reported by quantum(); NULL: 1).
    void *(*create)(const void *params, ch_shape *shape);
    void (*destroy)(void *st);
    size_t (*quantum)(const void *st);
    // Optional: blocks per independent realisation in a call of `batch` blocks; NULL: 1.
    size_t (*group)(const void *st, size_t batch);
    // Optional: the factor on the block energy in the Eb/N0 -> noise conversion; NULL: 1.
    double (*eb_factor)(const void *st);
    void *(*ws_create)(const void *st);
    void (*ws_destroy)(void *ws);
    // x [b][n] -> y [b][n] (no aliasing), noise of variance sigma2 per real dimension drawn from r_noise,
    // any fading from r_fade. *sigma2_sym is set to NULL, or to [b][S] (complex) / [b][n] (real) noise
    // variances per real dimension after the channel's equalisation, valid until the next call on ws.
    int (*forward)(const void *st, void *ws, gsl_rng *r_fade, gsl_rng *r_noise, const float *x, float *y,
                   size_t b, double sigma2, const float **sigma2_sym);
    // Backward of the last forward on ws: dy [b][n] -> dx [b][n], accumulated (dx += J^T dy). NULL for a
    // channel that has no gradient (a black box).
    int (*backward)(const void *st, void *ws, const float *dy, float *dx, size_t b, double sigma2);
} ch_type;

// The registry, in the order `aesim list` shows; NULL-terminated.
extern const ch_type *const ch_registry[];

// The type whose name is `name`, or NULL.
const ch_type *ch_type_find(const char *name);

// The words of every registered channel as a list into buf ("awgn, rayleigh, ..., ofdm or rapp").
const char *ch_type_names(char *buf, size_t len);

// The key of t named `name`, or NULL.
const ch_key *ch_type_key(const ch_type *t, const char *name);

// Every key of t at its default (TEXT keys: parsed from "" unless the type's file sets them otherwise).
void ch_params_default(const ch_type *t, ch_params *p);

// Store a number for key k (DOUBLE, SIZE, BOOL, WORD by index): AE_EINVAL saying the range if v is
// outside it or not an integer where one is expected.
int ch_key_set_number(const ch_key *k, void *params, double v);

// Store a word for a WORD key, or a text for a TEXT key; AE_EINVAL listing the words otherwise.
int ch_key_set_word(const ch_key *k, void *params, const char *text);

// Parse text for any key kind ("3.5", "true", "ls", "0.8,0.6j") and store it; AE_EINVAL naming the key
// and what was expected.
int ch_key_set_text(const ch_key *k, void *params, const char *text);

// The key's value as config text: a number, true/false, or a quoted word or text ("\"ls\"").
void ch_key_format(const ch_key *k, const void *params, char *buf, size_t len);

// What the key accepts, for messages and `aesim list`: "0..1e+06", "perfect or none", "true or false".
void ch_key_expect(const ch_key *k, char *buf, size_t len);

#endif
