// config.h - experiment files (libconfig) and their typed, validated form (sim/).
//
// An experiment names a channel, an evaluation (an Eb/N0 grid and stop rules) and a list of systems;
// learned systems carry a training block. Every key has a default; `aesim list` prints them, and
// resolved.cfg (written beside the results) holds the experiment with every default filled in.
//
//   seed = 1;                       # master seed of evaluation streams
//   channel = "awgn";               # or { type = "rician"; k_factor = 3.0; coherence = 1; csi = "perfect"; }
//   eval = {
//     ebno_db = { start = -4.0; stop = 10.0; step = 1.0; };   # or a list [0.0, 2.5], or esno_db = ...
//     target_block_errors = 1000;   # 0 disables the rule
//     target_bit_errors = 0;        # 0 disables the rule
//     max_blocks = 10000000;
//     chunk_blocks = 10000;         # blocks per reproducible chunk
//     batch = 1000;                 # blocks per transmit/receive call
//     early_stop = true;            # end a system's sweep after a point with no block error
//     min_bler = 0.0;               # end a system's sweep after a point below this BLER (0 = off)
//     min_ber = 0.0;                # end a system's sweep after a point below this BER (0 = off)
//     interval = "wilson";          # BLER interval of independent blocks, or "clopper_pearson"
//   };
//   systems = (
//     { name = "ae_7_4"; type = "autoencoder"; n = 7; k = 4; norm = "energy";
//       tx_hidden = [16]; rx_hidden = [16];
//       train = { steps = 10000; batch = 1000; lr = 1e-2; lr_final = 1e-4; schedule = "cosine";
//                 ebno_db = 4.0; seed = 1; log_every = 100; }; },
//     { name = "uncoded_bpsk_4_4"; type = "uncoded_bpsk"; k = 4; },
//     { name = "hamming_7_4_ml"; type = "hamming_7_4"; decoder = "ml"; },  # or "hard"
//     { name = "qam16"; type = "modem"; scheme = "qam16"; symbols = 1; demapper = "exact";
//       channel = { type = "rayleigh"; csi = "perfect"; }; },         # any system may override the channel
//     { name = "ldpc_qam16"; type = "coded_modem"; scheme = "qam16"; demapper = "exact";
//       code = { type = "ldpc5g"; k = 750; n = 1500; rv = 0; interleave = true; iterations = 20;
//                decoder = "sum_product"; schedule = "flooding"; early_stop = false;
//                llr_clip = 20.0; offset = 0.5; scale = 0.75; }; }    # 5G NR LDPC + modem (BICM)
//   );
#ifndef AESIM_CONFIG_H
#define AESIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ae.h"
#include "coded.h"
#include "engine.h"
#include "train.h"

enum sim_system_type {
    SIM_SYS_AUTOENCODER = 0,  // learned (n,k) transceiver, models/ae.h
    SIM_SYS_UNCODED_BPSK = 1, // k bits in k BPSK channel uses
    SIM_SYS_HAMMING74 = 2,    // Hamming (7,4) + BPSK, hard or ML decoding
    SIM_SYS_MODEM = 3,        // `symbols` symbols of a PSK/QAM/PAM modem per block (models/modem.h)
    SIM_SYS_CODED_MODEM = 4   // a binary code in front of a modem, bit-interleaved (models/coded.h)
};

enum { SIM_NAME_MAX = 64 };

typedef struct sim_system_cfg {
    char name[SIM_NAME_MAX]; // filename-safe: [a-z0-9_.=+-]
    int type;                // enum sim_system_type
    unsigned k;              // information bits per block
    size_t n;                // real channel uses per block
    ae_cfg ae;               // autoencoder only
    sim_train_cfg train;     // autoencoder only
    int decoder;             // Hamming only: enum mod_hamming_decoder
    int mod_family;          // modem and coded_modem: enum mod_family
    unsigned mod_M;          // modem and coded_modem: constellation size
    size_t symbols;          // modem and coded_modem: modem symbols per block (coded: code.n / bits per
                             // symbol)
    int demapper;            // modem and coded_modem: enum mod_demapper (coded: exact or maxlog)
    mod_code_cfg code;       // coded_modem only: the code, its rate matching and its decoder
    sim_channel_cfg channel; // the channel this system runs over (the experiment's unless overridden)
    int line;                // line of the system's entry in the config file
} sim_system_cfg;

typedef struct sim_experiment {
    char path[4096];         // config file as given
    char name[256];          // config file name without directory and .cfg
    sim_channel_cfg channel; // default channel of the systems
    int grid_esno;           // 1: the grid holds Es/N0 values (eval.esno_db), 0: Eb/N0 (eval.ebno_db)
    double min_ber;          // a point with BER below this ends the system's sweep (0 = off)
    sim_eval_cfg eval;       // seed, stop rules, chunking (threads come from the command line)
    double *ebno_db;         // [n_ebno] Eb/N0 grid, dB, ascending
    size_t n_ebno;
    int early_stop;          // 1: a point with no block error ends the system's sweep
    double min_bler;         // a point with BLER below this ends the system's sweep (0 = off)
    double memory_limit_mib; // bound on the memory a learned system may need (MiB)
    int memory_limit_set;    // 1: memory_limit_mib was given by the config (0: half this machine's memory)
    char parameters[1024];   // where the learned systems' parameters come from (set by the command line;
                             // resolved.cfg records it as a "# parameters: " comment line when not empty)
    sim_system_cfg *systems; // [n_systems]
    size_t n_systems;
} sim_experiment;

// The type's word in configs ("autoencoder", "uncoded_bpsk", "hamming_7_4", "modem", "coded_modem"), and
// back (-1 if unknown).
const char *sim_system_type_name(int type);
int sim_system_type_parse(const char *name);

// Read and validate an experiment file. Returns AE_OK, or AE_ECONFIG (the user's input is wrong) for a
// file that is missing, a folder or unreadable, and with "FILE:LINE: KEY: what was expected" for syntax
// errors, unknown keys (with the nearest valid key suggested), wrong types and out-of-range values. On error
// *ex is left empty (nothing to free).
int sim_config_load(const char *path, sim_experiment *ex);

// As sim_config_load, with overrides applied to the file's settings before validation: each of
// sets[0..n_sets-1] is "path.to.key=value" (libconfig paths; list elements as "systems.[0].train.lr";
// missing groups along the path are created). The value is libconfig syntax, so it may be a number,
// true/false, a quoted string, a list ([0.0, 5.0], [32, 32]) or a group ({ start = 0.0; stop = 5.0; });
// a decimal integer needs no L suffix, and a value that does not start like a list, group or quoted
// string and is not a number is a bare string (qam16). Setting eval.ebno_db replaces eval.esno_db and
// the other way round. AE_ECONFIG naming the config file and the override (quoted in part when long)
// when the override is malformed, its value is not libconfig syntax, or its path runs through a value
// that is not a group (with a hint such as setting a whole grid); the usual checks (unknown keys, types,
// ranges) then apply.
int sim_config_load_overrides(const char *path, const char *const *sets, size_t n_sets, sim_experiment *ex);

// Write the experiment with every default filled in, as a config file sim_config_load reads back to
// the same experiment (temporary file, then rename). memory_limit_mib is written only when the config
// set it: its default depends on the machine, not on the experiment. AE_EIO on failure.
int sim_config_write_resolved(const sim_experiment *ex, const char *path, const char *version);

// The resolved experiment as config text, without the comment header and without the keys that do not
// change results (memory_limit_mib; threads and progress are not config keys) (malloc'd; NULL with
// AE_ERROR): what two runs compare to tell whether a results folder belongs to the same experiment, so
// that a folder made on one machine resumes on another.
char *sim_config_resolved_text(const sim_experiment *ex);

// Free what sim_config_load allocated (safe on a zeroed or freed experiment).
void sim_experiment_free(sim_experiment *ex);

// The valid keys of a group of the config (NULL-terminated), by the group's name: "top", "channel",
// "ofdm" (an OFDM channel group), "eval", "grid" (an Eb/N0 range group), "train", or a system type
// ("autoencoder", "uncoded_bpsk", "hamming_7_4", "modem", "coded_modem"), or "code" (a coded_modem's code
// group). NULL for another name.
const char *const *sim_config_schema(const char *group);

// Print every key with its default, unit, range and allowed words as a complete config that
// sim_config_load accepts (used by `aesim list`): the top level, the channel, eval, one system of each
// type, the training keys and an OFDM link with all its keys. The defaults come from the same functions
// the loader starts from.
void sim_config_print_keys(FILE *f);

#endif
