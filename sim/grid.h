// grid.h - Eb/N0 or Es/N0 grids given on the command line (sim/).
#ifndef AESIM_GRID_H
#define AESIM_GRID_H

#include <stddef.h>

enum { SIM_GRID_MAX = 10000 };

// The finest grid step, dB: points are told apart (and seed their noise) by Eb/N0 in integer milli-dB.
#define SIM_GRID_MIN_STEP 0.001

// Parse "START:STEP:STOP" (inclusive, STEP >= SIM_GRID_MIN_STEP, STOP >= START; STOP is included when it is
// within 1e-9 steps of a grid point) or a comma-separated list "0,2.5,5" into values (dB, at most
// SIM_GRID_MAX, sorted ascending, no duplicates at milli-dB resolution). *values is malloc'd (free it).
// Returns AE_OK or AE_EINVAL with a message naming the grid and what was expected.
int sim_grid_parse(const char *text, double **values, size_t *count);

#endif
