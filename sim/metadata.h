// metadata.h - metadata.json: how a results folder was made (sim/).
#ifndef AESIM_METADATA_H
#define AESIM_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "results.h"

typedef struct sim_run_info {
    const char *version;    // aesim version
    const char *git_commit; // commit the binary was built from ("unknown" outside a checkout)
    const char *config;     // config file as given
    uint64_t seed;          // master seed
    int threads;            // worker threads
    int ranks;              // MPI ranks (1 without MPI)
    double start_unix;      // start of the run, seconds since the epoch
    double end_unix;        // end of the run
    int interrupted;        // 1 if a signal ended the run early
    int interval;           // BLER interval of independent blocks: enum sim_interval (0: Wilson)
} sim_run_info;

// Write path (atomically) as a JSON object: aesim_version, git_commit, config, host, seed, generator
// ("taus2, 64-bit-hash-derived state per (seed, Eb/N0 in milli-dB, chunk, stream)"), the interval
// methods (bler_interval names info->interval; results.csv's bler_interval column says which one each
// row holds), threads, ranks, start and end times (ISO 8601 UTC) and wall seconds, interrupted, and one
// entry per point (system, ebno_db, blocks, seconds). AE_OK or AE_EIO / AE_ENOMEM.
int sim_metadata_write(const char *path, const sim_run_info *info, const sim_row *rows, size_t n);

#endif
