// rng.h - reproducible random streams for the engine and the training loop (sim/).
//
// Every stochastic piece of aesim draws from a gsl_rng it is handed. The streams are derived, not
// shared: a generator's whole state is filled from a 64-bit hash of (seed, a tag, an index, a stream),
// so two different derivations never start in the same state (GSL's own gsl_rng_set seeds most
// generators from 32 bits, where a million chunk seeds would collide about a hundred times).
#ifndef AESIM_RNG_H
#define AESIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

// Stream identifiers: changing how one is used never shifts the others.
enum sim_stream {
    SIM_STREAM_MESSAGES = 1,    // information bits of evaluation blocks
    SIM_STREAM_NOISE = 2,       // channel noise during evaluation
    SIM_STREAM_INIT = 3,        // weight initialisation
    SIM_STREAM_TRAIN_MSG = 4,   // training batches: messages
    SIM_STREAM_TRAIN_NOISE = 5, // training batches: channel noise
    SIM_STREAM_FADING = 6,      // fading gains during evaluation
    SIM_STREAM_TRAIN_FADING = 7 // fading gains during training
};

// The generator type aesim uses: GSL's taus2 (L'Ecuyer 1996 maximally equidistributed combined
// Tausworthe, period 2^88): as fast as gfsr4 for Gaussians and with a three-word state cheap to fill.
const gsl_rng_type *sim_rng_type(void);

// splitmix64 finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): a bijective 64-bit mix.
uint64_t sim_mix64(uint64_t x);

// Hash of (seed, tag, index, stream) to 64 bits; tag is for example an Eb/N0 in integer milli-dB.
uint64_t sim_stream_key(uint64_t seed, int64_t tag, uint64_t index, uint64_t stream);

// Allocate a generator of type sim_rng_type(), in a fixed default state. NULL with AE_ERROR
// (AE_ENOMEM, or AE_ERUNTIME if the GSL build's taus2 state is not the three words sim_rng_seed fills).
gsl_rng *sim_rng_alloc(void);

// Put r (which must be of type sim_rng_type()) into the state derived from key: the three taus2
// words are drawn from splitmix64 of key, forced into their valid ranges (s1 > 1, s2 > 7, s3 > 15),
// then the generator is warmed up as gsl_rng_set does. No allocation.
void sim_rng_seed(gsl_rng *r, uint64_t key);

// Integer milli-dB of an Eb/N0 or Es/N0 value in dB (rounded to nearest), the tag used for chunk seeds.
int64_t sim_mdb(double value_db);

#endif
