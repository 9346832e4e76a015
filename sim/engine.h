// engine.h - the Monte Carlo BER/BLER engine (sim/).
//
// One point = one transceiver at one Eb/N0 over its channel. Blocks are simulated in fixed-size chunks;
// chunk c
// draws its messages and noise from generators derived from (seed, Eb/N0 in integer milli-dB, c,
// stream) - values, not grid indices, and not the system's name, so systems with the same block shape
// see the same messages and the same noise. Chunks run in parallel (OpenMP) in waves of 4 chunks per
// thread, each thread taking the next chunk of the wave as it comes free; their counts are added in
// chunk order and the stop rule is checked after each chunk, so the counts include exactly the chunks
// up to the one where a target is met, whatever the thread count or which thread ran which chunk.
#ifndef AESIM_ENGINE_H
#define AESIM_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "txrx.h"

enum sim_stop {
    SIM_STOP_NONE = 0,
    SIM_STOP_TARGET_BIT_ERRORS,   // bit errors reached target_bit_errors
    SIM_STOP_TARGET_BLOCK_ERRORS, // block errors reached target_block_errors
    SIM_STOP_MAX_BLOCKS           // max_blocks simulated
};

// The `stop` column's word for a stop reason ("target_bit_errors", ...; "" for SIM_STOP_NONE).
const char *sim_stop_name(int stop);

struct sim_point; // below

// What a point's bler_lo / bler_hi hold (the results.csv column `bler_interval`).
enum sim_bler_ci {
    SIM_BLER_CI_UNKNOWN = 0,         // not recorded (a row read from an older results.csv)
    SIM_BLER_CI_WILSON = 1,          // Wilson score on independent blocks
    SIM_BLER_CI_CLOPPER_PEARSON = 2, // Clopper-Pearson on independent blocks
    SIM_BLER_CI_NORMAL = 3           // normal from per-realisation block errors (blocks share a realisation)
};

// The column's word for a sim_bler_ci ("wilson", "clopper_pearson", "normal"; "" for unknown), and back
// (SIM_BLER_CI_UNKNOWN for anything else).
const char *sim_bler_ci_name(int ci);
int sim_bler_ci_parse(const char *word);

// The most worker threads an engine or a training run takes (and aesim's --threads).
#define SIM_THREADS_MAX 1024

// The one rule for a thread count (sim_eval_cfg.threads, sim_train_cfg.threads, --threads):
// 1..SIM_THREADS_MAX. AE_OK, or AE_EINVAL with "threads = N, expected 1..1024".
int sim_threads_check(long threads);

typedef struct sim_eval_cfg {
    uint64_t seed;                // master seed (default 1)
    size_t chunk_blocks;          // blocks per chunk, >= 1 (default 10000)
    size_t batch;                 // blocks per transmit/receive call inside a chunk (default 1000)
    uint64_t target_block_errors; // stop a point at this many block errors; 0 = no such rule (default 1000)
    uint64_t target_bit_errors;   // stop a point at this many bit errors; 0 = no such rule (default 0)
    uint64_t max_blocks;          // stop a point after this many blocks, >= 1 (default 10^7)
    int threads;                  // OpenMP threads, 1..SIM_THREADS_MAX (default 1)
    int soft;                     // 1: decide from the transceiver's LLRs (receive_llr) and estimate the BMI
    int interval;                 // BLER interval of independent blocks: enum sim_interval (sim/stats.h;
                                  // default SIM_INTERVAL_WILSON)
    sim_channel_cfg channel;      // the channel (default AWGN)
    // called from the calling thread after every wave with the counts so far and the seconds spent
    // (progress display; may be NULL)
    void (*progress)(void *ctx, const struct sim_point *so_far, double seconds);
    void *progress_ctx;
} sim_eval_cfg;

// Fill the defaults above.
void sim_eval_cfg_default(sim_eval_cfg *c);

// Check ranges; AE_EINVAL naming the field otherwise.
int sim_eval_cfg_validate(const sim_eval_cfg *c);

typedef struct sim_point {
    double ebno_db;                // Eb/N0 of the point, dB
    double esno_db;                // Es/N0 of a data symbol, dB: ch_esno_db_from_ebno_charged
                                   // (Eb/N0 + 10 log10(k / symbols_per_block) - 10 log10(Eb factor))
    double sigma2;                 // noise variance per real dimension, linear
    uint64_t blocks;               // blocks simulated
    uint64_t block_errors;         // blocks with any decided bit differing from the sent one
    uint64_t bits;                 // blocks * k
    uint64_t bit_errors;           // sum over blocks of popcount(sent ^ decided) over the block's k bits
    uint64_t bit_errors_sq;        // sum over blocks of (bit errors of the block)^2
    uint64_t groups;               // independent channel realisation groups (blocks, or OFDM symbols/frames)
    uint64_t group_blocks;         // blocks per group (1 unless blocks share a realisation)
    uint64_t group_bit_sq;         // sum over groups of (bit errors of the group)^2, for the BER interval
    uint64_t group_block_sq;       // sum over groups of (block errors of the group)^2, for the BLER interval
    double bler, bler_lo, bler_hi; // block error rate and its 95% interval: the configured binomial interval
                                   // (Wilson or Clopper-Pearson) on blocks when blocks are independent, else
                                   // normal from the per-group block errors
    int bler_ci;                   // which of these bler_lo / bler_hi hold: enum sim_bler_ci
    double ber, ber_lo, ber_hi;    // bit error rate and its 95% normal interval from the per-group bit errors
    double bmi; // bitwise mutual information per bit from the LLRs (NAN without soft output)
    // coded schemes (txrx_vt.code_counts; 0 and NAN for the others):
    uint64_t coded_bits;       // transmitted code bits
    uint64_t coded_bit_errors; // of those, hard decisions of the channel LLRs that differ from the sent bits
    uint64_t codewords;        // codewords decoded
    uint64_t iterations;       // decoder iterations summed over the codewords
    double uncoded_ber;        // coded_bit_errors / coded_bits: the BER before decoding (NAN without a code)
    double mean_iterations;    // iterations / codewords (NAN without a code)
    double seconds;            // wall time of the point
    int stop;                  // enum sim_stop
} sim_point;

// Per-chunk counts (exposed so that tests and MPI can sum them in chunk order).
typedef struct sim_counts {
    uint64_t blocks, block_errors, bit_errors, bit_errors_sq;
    uint64_t groups, group_bit_sq, group_block_sq; // as in sim_point
    double info_sum;       // sum over bits of 1 - log2(1 + exp(-(1 - 2b) L)) (soft output only)
    txrx_code_counts code; // coded schemes: txrx_vt.code_counts summed over the chunk's calls (else 0)
} sim_counts;

typedef struct sim_engine sim_engine;

// An engine for one transceiver: the channel runtime and per-thread workspaces (transceiver and channel
// scratch, packed bits sent and decided, signal buffers, LLRs when soft, generators) made once here. The
// batch and the chunk size are rounded up to multiples of the channel's quantum (whole OFDM symbols), and so
// is max_blocks. The engine borrows t. NULL with AE_ERROR.
sim_engine *sim_engine_create(const txrx *t, const sim_eval_cfg *cfg);
void sim_engine_destroy(sim_engine *e);

// Simulate one point at ebno_db (dB, finite). The noise variance is ch_sigma2_from_ebno with the
// transceiver's block energy (E|h|^2 = 1, so fading keeps the average received energy). `cancel`, if not
// NULL, is polled between waves of chunks: when it becomes nonzero the point stops and AE_EINTR is returned
// (out is then incomplete). Returns AE_OK, AE_EINVAL (bad Eb/N0), AE_EINTR, or the transceiver's error.
int sim_engine_point(sim_engine *e, double ebno_db, sim_point *out, volatile sig_atomic_t *cancel);

// The Eb/N0 (dB) of a point given by its Es/N0 (dB) for this engine's transceiver and channel:
// ch_ebno_db_from_esno_charged with the transceiver's k and symbols per block and the channel's Eb
// bookkeeping factor (so an OFDM link that charges its CP and pilots is converted as sim_point.esno_db
// is written).
double sim_engine_ebno_db(const sim_engine *e, double esno_db);

// Set (or clear, fn = NULL) the progress callback of the engine's later points.
void sim_engine_set_progress(sim_engine *e,
                             void (*fn)(void *ctx, const struct sim_point *so_far, double seconds),
                             void *ctx);

// Simulate chunk c at sigma2 into *counts with the workspace of thread slot `slot` (< threads): the
// unit of work of sim_engine_point, deterministic in (seed, ebno_db, c). ebno_db only tags the streams.
int sim_engine_chunk(sim_engine *e, size_t slot, double ebno_db, double sigma2, uint64_t c,
                     sim_counts *counts);

#endif
