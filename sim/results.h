// results.h - results.csv and loss.csv (sim/).
//
// results.csv has a header and these columns, in this order, empty where not applicable (later releases
// may append columns, never rename or reorder them):
//   system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,bits,bit_errors,ber,ber_lo,
//   ber_hi,theory_bler,theory_ber,seconds,stop,bmi,eb_charges,bler_interval
// Eb/N0 and Es/N0 in dB; rates linear; *_lo/*_hi are 95% intervals (for BLER the one bler_interval names,
// normal from per-block bit-error counts for BER); seconds is wall time; stop is why the point ended; bmi
// is the bitwise mutual information estimated from the LLRs (bits per bit; empty for hard decisions);
// eb_charges says what Eb pays for on an OFDM link ("data" or "data+cp+pilots"; empty otherwise);
// bler_interval is "wilson" or "clopper_pearson" (the eval.interval key, on independent blocks) or
// "normal" (from per-realisation block errors, when blocks share a channel realisation).
#ifndef AESIM_RESULTS_H
#define AESIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "engine.h"

extern const char *const sim_results_header;

typedef struct sim_row {
    char system[SIM_NAME_MAX];
    char channel[96];
    sim_point pt;
    double theory_bler;  // NAN: no closed form (empty field)
    double theory_ber;   // NAN: no closed form (empty field)
    char eb_charges[16]; // "", "data" or "data+cp+pilots"
} sim_row;

// Print one results.csv row (no header) to f.
void sim_results_print_row(FILE *f, const sim_row *r);

// Rewrite results.csv whole from rows (temporary file and rename). AE_EIO on failure.
int sim_results_write(const char *path, const sim_row *rows, size_t n);

// Read a results.csv written by aesim (its header must start with the 18 columns above, in order; the
// later ones are optional, so files of earlier releases read, with bler_interval SIM_BLER_CI_UNKNOWN). *rows
// is malloc'd (free it); empty fields read as NAN (rates) or "" (text). Returns AE_OK, AE_EIO if the file
// cannot be read, AE_ECONFIG naming the line for a malformed one.
int sim_results_read(const char *path, sim_row **rows, size_t *n);

typedef struct sim_loss_row {
    char system[SIM_NAME_MAX];
    uint64_t step; // Adam updates done
    double loss;   // mean cross-entropy (nats) over the steps since the previous row
    double lr;     // learning rate of the last step
} sim_loss_row;

// Rewrite loss.csv (header system,step,loss,lr) whole from rows. AE_EIO on failure.
int sim_loss_write(const char *path, const sim_loss_row *rows, size_t n);

// Read a loss.csv written by aesim. *rows is malloc'd. AE_OK, AE_EIO, or AE_ECONFIG naming the line.
int sim_loss_read(const char *path, sim_loss_row **rows, size_t *n);

#endif
