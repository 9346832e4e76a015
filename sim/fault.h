// fault.h - the test-only fault switches, read from the environment in this one place (sim/).
//
//   AESIM_FAULT_WRITE=<part of a path>  the file writer (sim/fileio.c) fails with ENOSPC on every path
//                                       that contains it
//   AESIM_FAULT_NAN_STEP=<step>         training step <step> (1-based) gets a NaN loss
//
// The environment is read once, at the first call of either function (or again by sim_fault_reload).
#ifndef AESIM_FAULT_H
#define AESIM_FAULT_H

#include <stdint.h>

// The substring of AESIM_FAULT_WRITE, or NULL when it is unset or empty.
const char *sim_fault_write_path(void);

// The step of AESIM_FAULT_NAN_STEP (a decimal integer), or 0 when it is unset or not a number.
uint64_t sim_fault_nan_step(void);

// Read the switches from the environment again (tests that set them with setenv in their own process).
// Not thread-safe: call it while no other thread reads the switches.
void sim_fault_reload(void);

#endif
