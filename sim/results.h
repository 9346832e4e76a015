// results.h - results.csv and loss.csv (sim/).
//
// results.csv has a header and one row per point; its columns are those of sim_results_columns (results.c),
// in that order, empty where not applicable (later releases may append columns, never rename or reorder
// them). That table holds each column's name, how it is written and read and where its value lives in a
// sim_row; the header, the writer, the reader and the figures' column numbers all come from it, and the
// meaning of each column is written beside it there.
#ifndef AESIM_RESULTS_H
#define AESIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "engine.h"

// The header line of results.csv (no newline): the names of sim_results_columns joined by commas.
extern const char *const sim_results_header;

typedef struct sim_row {
    char system[SIM_NAME_MAX];
    char channel[96];
    sim_point pt;
    double theory_bler;  // NAN: no closed form (empty field)
    double theory_ber;   // NAN: no closed form (empty field)
    char eb_charges[16]; // "", "data" or "data+cp+pilots"
} sim_row;

// How a results.csv field is written and read, and the C type of its sim_row member.
typedef enum sim_results_kind {
    SIM_RESULTS_TEXT,    // char[]: written as is (never holds a comma or a newline); empty reads ""
    SIM_RESULTS_COUNT,   // uint64_t: decimal; empty reads 0
    SIM_RESULTS_FIXED,   // double: fixed point with `decimals` digits after it; empty reads NAN
    SIM_RESULTS_RATE,    // double: %.6e, empty for NAN; empty reads NAN
    SIM_RESULTS_STOP,    // int, enum sim_stop: sim_stop_name's word; anything else reads SIM_STOP_NONE
    SIM_RESULTS_BLER_CI, // int, enum sim_bler_ci: sim_bler_ci_name's word; else SIM_BLER_CI_UNKNOWN
} sim_results_kind;

// One results.csv column.
typedef struct sim_results_column {
    const char *name;      // its name in the header
    sim_results_kind kind; // how it is written and read
    size_t offset;         // of its member in sim_row (bytes; offsetof)
    size_t size;           // of that member (bytes; the buffer for SIM_RESULTS_TEXT)
    int decimals;          // SIM_RESULTS_FIXED: digits after the point (0 otherwise)
    int optional;          // 0: in every results.csv aesim ever wrote (these come first); 1: appended
                           // since, so a file may end before it (its field then reads as if empty)
} sim_results_column;

// The columns of results.csv in order (sim_results_n_columns of them).
extern const sim_results_column sim_results_columns[];
extern const size_t sim_results_n_columns;

// The 1-based position of the column called name (gnuplot's column number in results.csv), or 0 when
// there is no such column.
int sim_results_column_index(const char *name);

// Print one results.csv row (no header) to f.
void sim_results_print_row(FILE *f, const sim_row *r);

// Rewrite results.csv whole from rows (temporary file and rename). AE_EIO on failure.
int sim_results_write(const char *path, const sim_row *rows, size_t n);

// Read a results.csv written by aesim: its header must start with the columns that are not optional, in
// order, then hold any number of the optional ones in order (files of earlier releases end sooner; their
// missing fields read as if empty: bmi NAN, eb_charges "", bler_interval SIM_BLER_CI_UNKNOWN), then
// perhaps columns of later releases, which are ignored. *rows is malloc'd (free it); fields read as
// sim_results_kind says, members that are no column (sim_point's sigma2, counts of groups) are 0.
// Returns AE_OK, AE_EIO if the file cannot be read, AE_ECONFIG naming the line for a malformed one.
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
