// ldpc5g_tables.h - the 5G NR LDPC base graphs as compiled tables (models/ldpc5g_tables.c, generated
// from data/ldpc5g/ by tools/ldpc5g_tables.sh; 3GPP TS 38.212 Tables 5.3.2-2 and 5.3.2-3).
#ifndef AESIM_LDPC5G_TABLES_H
#define AESIM_LDPC5G_TABLES_H

#include <stdint.h>

// One non-zero entry: base-graph row and column, and V(i, j) for the lifting-size sets 0..7.
typedef struct ldpc5g_bg_entry {
    uint16_t row, col;
    uint16_t v[8];
} ldpc5g_bg_entry;

// Entries in row-major order (by row, then column): 316 for BG1, 197 for BG2.
extern const ldpc5g_bg_entry ldpc5g_bg1[316];
extern const ldpc5g_bg_entry ldpc5g_bg2[197];
extern const unsigned ldpc5g_bg1_entries, ldpc5g_bg2_entries;

#endif
