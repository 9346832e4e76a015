// plot.h - figures from results.csv with gnuplot (sim/).
//
// Every figure is drawn by a script written beside it (NAME.gp; `gnuplot NAME.gp` in the folder redraws
// NAME.png). Names from the config (the experiment's, the systems') and channel descriptions reach a
// script only as single-quoted gnuplot literals with control characters replaced, so nothing in them is
// run or expanded. gnuplot is started without a shell and draws into a temporary file of a unique name
// beside the figure; the figure is replaced only when gnuplot exited 0, wrote no error message and the
// file is whole (a PNG ends with its IEND chunk, an SVG with </svg>), so a full disk or a failing gnuplot
// keeps the previous figure and leaves no temporary file.
#ifndef AESIM_PLOT_H
#define AESIM_PLOT_H

#include <stddef.h>

#include "config.h"
#include "results.h"

// Step of the closed-form curves in theory.csv, dB.
#define SIM_THEORY_STEP_DB 0.1

// In folder dir (which holds results.csv, whose rows are rows [n_rows]): write theory.csv (system,ebno_db,
// esno_db,theory_bler,theory_ber: the closed forms of every system that has one, every SIM_THEORY_STEP_DB
// dB over the experiment's grid, widened by 0.5 dB either side when it spans less than 1 dB), then bler.gp
// and ber.gp, and run gnuplot there to draw bler.png/.svg and ber.png/.svg: the rate against Eb/N0 (or Es/N0
// for an Es/N0 grid) on a log axis. Each system's simulated points are markers with their 95% interval bars,
// joined by lines (open markers for learned systems, filled for classical ones); its closed form is a dashed
// line in its colour. Legend entries name the system and its channel in words ("qpsk_ls, OFDM 64 subcarriers,
// CP 16, 8-tap exp. PDP (-3 dB/tap), LS CSI (comb-4 pilots), ZF"); long entries put the legend below the
// plot. The y range is fitted to the data (sim_plot_rate_range) and the closed forms are cut at its bottom. A
// modem with one symbol per block (and uncoded BPSK with k = 1) has BLER = SER: when every system is one, the
// BLER figure says "symbol error rate (SER)"; beside other systems their legend entries say "(SER)". Returns
// AE_OK, AE_EIO if a file cannot be written or a figure is incomplete (the previous figure kept), AE_ERUNTIME
// if gnuplot is missing or fails (results.csv is untouched either way), AE_ENOMEM; AE_EINVAL if a column the
// figures read (by name, sim_results_column_index) is not in the results.csv table.
int sim_plot_figures(const char *dir, const sim_experiment *ex, const sim_row *rows, size_t n_rows);

// The y range of a rate figure (BLER for ber = 0, BER for ber = 1) fitted to the rows of ex's systems:
// *y0 is the power of ten at or below the lowest positive rate or lower interval bound, *y1 the power of
// ten at or above the highest rate or upper interval bound, at most 1, and *y1 >= 10 *y0. With no
// positive rate: [1e-6, 1].
void sim_plot_rate_range(const sim_experiment *ex, const sim_row *rows, size_t n_rows, int ber, double *y0,
                         double *y1);

// loss.gp -> loss.png from dir/loss.csv: the training loss (nats, log axis) against the step, one line per
// learned system. AE_OK (also when there is no learned system: nothing drawn), AE_EIO, AE_ERUNTIME.
int sim_plot_loss(const char *dir, const sim_experiment *ex);

// A learned constellation, codebook [M][n] (M = 2^k messages, n real channel uses; complex = 1 when the
// channel pairs the uses into n/2 complex symbols). Writes dir/constellation_<system>.csv: message, its
// bits MSB first, the n coordinates x0.., the plotted coordinates p1, p2, the complex symbol's index
// within the block (symbol) and the point's text label (label, possibly empty); and draws
// constellation_<system>.png/.svg:
//   - n <= 2: the plane itself (I/Q on a complex channel), beside the square {+-1}^2 of uncoded BPSK
//     (QPSK) at the same energy when M = 4;
//   - complex, n > 2: every complex symbol of every message in the I/Q plane, coloured by its index in
//     the block;
//   - real, n > 2: the M x M Euclidean distances between codewords as an image (values and bit labels
//     written in for M <= 16; dir/constellation_<system>_matrix.csv), or for M > 256 the projection on
//     the two principal components of the codewords.
// Point labels (in the planes, up to 1024 points) are placed only where they stay readable: coinciding points
// (within 2% of the frame) are one position labelled "xC" for C points, and a label that would overlap
// another is left out. For n > 2, M <= 4096 and M^2 n / 2 <= 2^30 the cumulative distance spectrum is
// drawn beside the view (the pairwise structure that sets the error rate on AWGN, which no 2-D
// projection keeps): the mean number of other codewords within each Euclidean distance of a codeword
// (log axis), with the minimum distance and the mean nearest-neighbour distance, beside the same for
// Hamming (7,4) in BPSK (n = 7, k = 4; weights 3, 4, 7 with 7, 7, 1 codewords) or uncoded BPSK/QPSK
// (n = k) at the learned code's mean block energy; its data is dir/constellation_<system>_distances.csv
// (kind,distance,within: "learned" rows at the edges of 1000 bins over [0, the largest distance],
// "reference" rows at the reference's distances). The image needs this spectrum too (and M <= 256).
// AE_OK, AE_ENOMEM, AE_EIO, AE_ERUNTIME.
int sim_plot_constellation(const char *dir, const char *system, const float *codebook, size_t M, size_t n,
                           unsigned k, int complex);

#endif
