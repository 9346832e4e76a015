// plot.h - figures from results.csv with gnuplot (sim/).
#ifndef AESIM_PLOT_H
#define AESIM_PLOT_H

#include "config.h"

// Step of the closed-form curves in theory.csv, dB.
#define SIM_THEORY_STEP_DB 0.1

// In folder dir (which holds results.csv): write theory.csv (system,ebno_db,theory_bler,theory_ber: the
// closed forms of every system that has one, every SIM_THEORY_STEP_DB dB over the experiment's grid)
// and bler.gp, then run `gnuplot bler.gp` there to draw bler.png: BLER against Eb/N0 on a log axis,
// simulated points as markers with their 95% interval bars, closed forms as dashed lines.
// Returns AE_OK, AE_EIO if a file cannot be written, AE_ERUNTIME if gnuplot is missing or fails
// (results.csv is untouched either way).
int sim_plot_bler(const char *dir, const sim_experiment *ex);

#endif
