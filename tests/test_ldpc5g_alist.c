// test_ldpc5g_alist.c - the alist writer (models/ldpc5g_alist.h) against the lifted graph it writes.
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "ae_err.h"
#include "ldpc5g_alist.h"

// Read the whole alist back and compare it with ldpc5g_lifted_edges: sizes, weights, and every entry of
// every row and column list (1-based, increasing, 0-padded), for the (750, 1500) BG2 code.
Test(ldpc5g_alist, matches_lifted_edges)
{
    ldpc5g_code *c = ldpc5g_create(750, 1500, 1, 0);
    cr_assert_not_null(c, "%s", ae_err_message());
    size_t nv = 0, nc = ldpc5g_lifted_edges(c, &nv, NULL, NULL), ne = (size_t)c->n_edges * c->zc;
    uint32_t *chk = malloc(4 * ne), *var = malloc(4 * ne);
    ldpc5g_lifted_edges(c, &nv, chk, var);
    unsigned char *h = calloc(nc * nv, 1);
    for (size_t e = 0; e < ne; e++)
        h[chk[e] * nv + var[e]] = 1;
    FILE *f = tmpfile();
    cr_assert_eq(ldpc5g_write_alist(c, f), AE_OK, "%s", ae_err_message());
    rewind(f);
    size_t n, m, mc, mr;
    cr_assert_eq(fscanf(f, "%zu %zu %zu %zu", &n, &m, &mc, &mr), 4);
    cr_assert_eq(n, nv);
    cr_assert_eq(m, nc);
    cr_assert_eq(n, (size_t)c->cols * c->zc);
    size_t *cw = malloc(sizeof *cw * n), *rw = malloc(sizeof *rw * m), sum = 0;
    for (size_t j = 0; j < n; j++) {
        cr_assert_eq(fscanf(f, "%zu", &cw[j]), 1);
        sum += cw[j];
        cr_assert(cw[j] >= 1 && cw[j] <= mc, "column %zu weight %zu", j, cw[j]);
    }
    cr_assert_eq(sum, ne);
    sum = 0;
    for (size_t i = 0; i < m; i++) {
        cr_assert_eq(fscanf(f, "%zu", &rw[i]), 1);
        sum += rw[i];
    }
    cr_assert_eq(sum, ne);
    for (size_t j = 0; j < n; j++) {
        size_t prev = 0, v;
        for (size_t t = 0; t < mc; t++) {
            cr_assert_eq(fscanf(f, "%zu", &v), 1);
            if (t < cw[j]) {
                cr_assert(v > prev && v <= m && h[(v - 1) * nv + j], "column %zu entry %zu = %zu", j, t, v);
                prev = v;
            } else
                cr_assert_eq(v, 0);
        }
    }
    for (size_t i = 0; i < m; i++) {
        size_t prev = 0, v;
        for (size_t t = 0; t < mr; t++) {
            cr_assert_eq(fscanf(f, "%zu", &v), 1);
            if (t < rw[i]) {
                cr_assert(v > prev && v <= n && h[i * nv + v - 1], "row %zu entry %zu = %zu", i, t, v);
                prev = v;
            } else
                cr_assert_eq(v, 0);
        }
    }
    fclose(f);
    free(cw);
    free(rw);
    free(h);
    free(chk);
    free(var);
    ldpc5g_destroy(c);
}

Test(ldpc5g_alist, null_arguments)
{
    cr_assert_eq(ldpc5g_write_alist(NULL, stdout), AE_EINVAL);
    ldpc5g_code *c = ldpc5g_create(750, 1500, 1, 0);
    cr_assert_not_null(c);
    cr_assert_eq(ldpc5g_write_alist(c, NULL), AE_EINVAL);
    ldpc5g_destroy(c);
}
