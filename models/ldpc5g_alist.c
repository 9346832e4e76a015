// ldpc5g_alist.c - the lifted parity-check matrix of a 5G NR LDPC code as an alist file (ldpc5g_alist.h).
#include "ldpc5g_alist.h"

#include <stdint.h>
#include <stdlib.h>

#include "ae_err.h"

// Counting sort of the entries by `key` (0 .. n_keys - 1), each list then increasing in `other`:
// start[n_keys + 1] the offsets, list[count] the `other` values per key. Entries arrive in an arbitrary
// order, so they are sorted by `other` first (pass 1 by other into tmp) and then stably by key.
static void group(size_t count, const uint32_t *key, const uint32_t *other, size_t n_keys, size_t n_other,
                  size_t *start, size_t *ostart, uint32_t *tmp_key, uint32_t *tmp_other, uint32_t *list)
{
    for (size_t i = 0; i <= n_other; i++)
        ostart[i] = 0;
    for (size_t e = 0; e < count; e++)
        ostart[other[e] + 1]++;
    for (size_t i = 0; i < n_other; i++)
        ostart[i + 1] += ostart[i];
    for (size_t e = 0; e < count; e++) {
        size_t at = ostart[other[e]]++;
        tmp_key[at] = key[e];
        tmp_other[at] = other[e];
    }
    for (size_t i = 0; i <= n_keys; i++)
        start[i] = 0;
    for (size_t e = 0; e < count; e++)
        start[tmp_key[e] + 1]++;
    for (size_t i = 0; i < n_keys; i++)
        start[i + 1] += start[i];
    for (size_t e = 0; e < count; e++)
        list[start[tmp_key[e]]++] = tmp_other[e];
    for (size_t i = n_keys; i > 0; i--) // back to the list starts
        start[i] = start[i - 1];
    start[0] = 0;
}

// One side of the file: the weights line was written; here the lists, `width` entries each, 1-based,
// padded with 0. -1 on a write error.
static int write_lists(FILE *f, size_t n_keys, const size_t *start, const uint32_t *list, size_t width)
{
    for (size_t i = 0; i < n_keys; i++) {
        size_t w = start[i + 1] - start[i];
        for (size_t t = 0; t < width; t++)
            if (fprintf(f, t ? " %lu" : "%lu", t < w ? (unsigned long)list[start[i] + t] + 1ul : 0ul) < 0)
                return -1;
        if (fputc('\n', f) == EOF)
            return -1;
    }
    return 0;
}

static size_t max_weight(size_t n_keys, const size_t *start)
{
    size_t m = 0;
    for (size_t i = 0; i < n_keys; i++)
        if (start[i + 1] - start[i] > m)
            m = start[i + 1] - start[i];
    return m;
}

static int write_weights(FILE *f, size_t n_keys, const size_t *start)
{
    for (size_t i = 0; i < n_keys; i++)
        if (fprintf(f, i ? " %lu" : "%lu", (unsigned long)(start[i + 1] - start[i])) < 0)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

int ldpc5g_write_alist(const ldpc5g_code *c, FILE *f)
{
    if (!c || !f)
        return AE_ERROR(AE_EINVAL, "ldpc5g_write_alist: the code and the file must not be NULL");
    size_t n_vars = 0;
    size_t n_checks = ldpc5g_lifted_edges(c, &n_vars, NULL, NULL);
    size_t count = (size_t)c->n_edges * c->zc;
    size_t big = n_vars > n_checks ? n_vars : n_checks;
    uint32_t *chk = malloc(sizeof *chk * (count ? count : 1)),
             *var = malloc(sizeof *var * (count ? count : 1));
    uint32_t *tk = malloc(sizeof *tk * (count ? count : 1)), *to = malloc(sizeof *to * (count ? count : 1));
    uint32_t *col_list = malloc(sizeof *col_list * (count ? count : 1));
    uint32_t *row_list = malloc(sizeof *row_list * (count ? count : 1));
    size_t *col_start = malloc(sizeof *col_start * (n_vars + 1)),
           *row_start = malloc(sizeof *row_start * (n_checks + 1));
    size_t *scratch = malloc(sizeof *scratch * (big + 1));
    int rc = AE_OK;
    if (!chk || !var || !tk || !to || !col_list || !row_list || !col_start || !row_start || !scratch) {
        rc = AE_ERROR(AE_ENOMEM, "ldpc5g_write_alist: no memory for %zu entries", count);
        goto done;
    }
    ldpc5g_lifted_edges(c, &n_vars, chk, var);
    for (size_t e = 0; e < count; e++)
        if (chk[e] >= n_checks || var[e] >= n_vars) {
            rc = AE_ERROR(AE_EINVAL, "ldpc5g_write_alist: entry (%lu, %lu) outside the %zu x %zu matrix",
                          (unsigned long)chk[e], (unsigned long)var[e], n_checks, n_vars);
            goto done;
        }
    group(count, var, chk, n_vars, n_checks, col_start, scratch, tk, to, col_list);
    group(count, chk, var, n_checks, n_vars, row_start, scratch, tk, to, row_list);
    for (size_t i = 0; i < n_checks; i++)
        for (size_t t = row_start[i] + 1; t < row_start[i + 1]; t++)
            if (row_list[t] == row_list[t - 1]) {
                rc = AE_ERROR(AE_EINVAL, "ldpc5g_write_alist: entry (%zu, %lu) listed twice", i,
                              (unsigned long)row_list[t]);
                goto done;
            }
    size_t max_col = max_weight(n_vars, col_start), max_row = max_weight(n_checks, row_start);
    if (fprintf(f, "%zu %zu\n%zu %zu\n", n_vars, n_checks, max_col, max_row) < 0 ||
        write_weights(f, n_vars, col_start) || write_weights(f, n_checks, row_start) ||
        write_lists(f, n_vars, col_start, col_list, max_col) ||
        write_lists(f, n_checks, row_start, row_list, max_row) || fflush(f) == EOF || ferror(f))
        rc = AE_ERROR(AE_EIO, "ldpc5g_write_alist: writing the alist file failed");
done:
    free(chk);
    free(var);
    free(tk);
    free(to);
    free(col_list);
    free(row_list);
    free(col_start);
    free(row_start);
    free(scratch);
    return rc;
}
