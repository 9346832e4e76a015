// plot.h - figures from results.csv with gnuplot (sim/).
#ifndef AESIM_PLOT_H
#define AESIM_PLOT_H

#include "config.h"

// Step of the closed-form curves in theory.csv, dB.
#define SIM_THEORY_STEP_DB 0.1

// In folder dir (which holds results.csv): write theory.csv (system,ebno_db,esno_db,theory_bler,
// theory_ber: the closed forms of every system that has one, every SIM_THEORY_STEP_DB dB over the
// experiment's grid), then bler.gp and ber.gp, and run gnuplot there to draw bler.png and ber.png: the
// rate against Eb/N0 (or Es/N0 for an Es/N0 grid) on a log axis, simulated points as markers with their
// 95% interval bars, closed forms as dashed lines. Each y axis reaches one decade below ymin_bler or
// ymin_ber, the lowest positive simulated rate (0: none; the axis then ends at 1e-6), and the closed
// forms are cut there. Returns AE_OK, AE_EIO if a file cannot be written, AE_ERUNTIME if gnuplot is
// missing or fails (results.csv is untouched either way).
int sim_plot_figures(const char *dir, const sim_experiment *ex, double ymin_bler, double ymin_ber);

// loss.gp -> loss.png from dir/loss.csv: the training loss (nats, log axis) against the step, one line per
// learned system. AE_OK (also when there is no learned system: nothing drawn), AE_EIO, AE_ERUNTIME.
int sim_plot_loss(const char *dir, const sim_experiment *ex);

// A learned constellation: write dir/constellation_<system>.csv (message, its bits MSB first, the n
// coordinates, and the two plotted coordinates p1, p2) and draw constellation_<system>.png: for n = 2 the
// plane itself, beside the square {+-1}^2 of uncoded BPSK at the same energy; on a complex channel
// (complex = 1) every complex symbol of every message overlaid in the I/Q plane; otherwise the
// projection on the two principal components of the M codewords (the axis labels say so).
// codebook [M][n]. AE_OK, AE_EIO, AE_ERUNTIME.
int sim_plot_constellation(const char *dir, const char *system, const float *codebook, size_t M, size_t n,
                           unsigned k, int complex);

#endif
