// ldpc5g_alist.h - the parity-check matrix of a 5G NR LDPC code (ldpc5g.h) in MacKay's "alist" text
// format, for decoders of other libraries that read it (models/).
//
// Format (D. J. C. MacKay, "Encyclopedia of Sparse Graph Codes", alist files), one line each:
//   N M                      columns (variable nodes) and rows (check nodes)
//   max_col_weight max_row_weight
//   N column weights
//   M row weights
//   N lines: the rows of column j (1-based, increasing), padded with 0 up to max_col_weight entries
//   M lines: the columns of row i (1-based, increasing), padded with 0 up to max_row_weight entries
//
// The matrix is the lifted graph the aesim decoder runs (ldpc5g_lifted_edges): M = rows Z_c checks of
// the used base-graph rows and N = cols Z_c variables, i.e. every variable that carries messages -
// including the punctured first 2 Z_c systematic bits, the filler bits and any parity bits that were not
// sent, which ldpc5g_rate_recover gives channel LLR 0 (punctured, unsent) or +LDPC5G_LLR_KNOWN (filler).
// Variable j of the file is position j of the codeword c (ldpc5g_encode) and of llr_cw
// (ldpc5g_rate_recover), so LLRs in that order decode on the same graph.
#ifndef AESIM_LDPC5G_ALIST_H
#define AESIM_LDPC5G_ALIST_H

#include <stdio.h>

#include "ldpc5g.h"

// Write the parity-check matrix of code c (rows Z_c x cols Z_c, from ldpc5g_lifted_edges) to f in the
// alist format above. Every (check, variable) pair of the lifted graph is one entry; a pair listed twice
// by the code (which a valid base graph never does) is an error rather than a silently cancelled entry.
// Returns AE_OK, AE_EINVAL (c or f NULL, or a repeated or out-of-range pair), AE_ENOMEM, or AE_EIO (a
// write to f failed; f is then left partly written, and the caller discards it).
int ldpc5g_write_alist(const ldpc5g_code *c, FILE *f);

#endif
