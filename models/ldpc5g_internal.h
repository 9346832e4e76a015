// ldpc5g_internal.h - what the encoder (ldpc5g.c) and the decoder (ldpc5g_dec.c) share of a code object.
#ifndef AESIM_LDPC5G_INTERNAL_H
#define AESIM_LDPC5G_INTERNAL_H

#include <stdint.h>

#include "ldpc5g.h"

typedef struct ldpc5g_priv {
    ldpc5g_edge *edges;   // [n_edges], row-major, shifts mod Z_c
    uint32_t *row_start;  // [rows + 1]: the edges of row r are row_start[r] .. row_start[r + 1] - 1
    unsigned max_degree;  // largest row degree of the used rows
    uint32_t *sel, *perm; // [n] bit selection and interleaver (ldpc5g_code.sel / .perm)
    uint32_t *pos_f;      // [n]: position in c of transmitted bit f[t] = c[pos_f[t]]
    unsigned core_shift;  // P^core_shift p_0 = the sum of the 4 core rows' systematic parts
    uint32_t *core_order; // [6]: (row, edge) of the core parity columns 1..3 in the order they are solved
} ldpc5g_priv;

#endif
