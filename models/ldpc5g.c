// ldpc5g.c - 5G NR LDPC: code construction, encoding and rate matching (3GPP TS 38.212); the decoder
// is in ldpc5g_dec.c.
#include "ldpc5g.h"

#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "ldpc5g_internal.h"
#include "ldpc5g_tables.h"

// Table 5.3.2-1: Z = a 2^j for a in {2, 3, 5, 7, 9, 11, 13, 15} (set index 0..7), Z <= 384.
const uint16_t ldpc5g_lifting_sizes[51] = {2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,
                                           15,  16,  18,  20,  22,  24,  26,  28,  30,  32,  36,  40,  44,
                                           48,  52,  56,  60,  64,  72,  80,  88,  96,  104, 112, 120, 128,
                                           144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384};

unsigned ldpc5g_set_index(unsigned zc)
{
    static const unsigned a[8] = {2, 3, 5, 7, 9, 11, 13, 15};
    for (unsigned i = 0; i < 8; i++)
        for (unsigned z = a[i]; z <= 384; z *= 2)
            if (z == zc)
                return i;
    return 8;
}

static const ldpc5g_bg_entry *bg_table(unsigned bg, unsigned *count)
{
    *count = bg == 1 ? ldpc5g_bg1_entries : ldpc5g_bg2_entries;
    return bg == 1 ? ldpc5g_bg1 : ldpc5g_bg2;
}

int ldpc5g_base_graph(unsigned bg, unsigned i_ls, size_t *count, uint16_t *rows, uint16_t *cols,
                      uint16_t *values)
{
    if (bg != 1 && bg != 2)
        return AE_ERROR(AE_EINVAL, "base graph %u, expected 1 or 2", bg);
    if (i_ls > 7)
        return AE_ERROR(AE_EINVAL, "lifting-size set index %u, expected 0..7", i_ls);
    unsigned n;
    const ldpc5g_bg_entry *t = bg_table(bg, &n);
    *count = n;
    for (unsigned e = 0; e < n; e++) {
        if (rows)
            rows[e] = t[e].row;
        if (cols)
            cols[e] = t[e].col;
        if (values)
            values[e] = t[e].v[i_ls];
    }
    return AE_OK;
}

// K_b of Sec. 5.3.2 for BG2 (BG1: 22).
static unsigned kb_of(unsigned bg, unsigned k)
{
    if (bg == 1)
        return 22;
    return k > 640 ? 10 : k > 560 ? 9 : k > 192 ? 8 : 6;
}

int ldpc5g_select(unsigned k, unsigned n, unsigned *bg, unsigned *zc, unsigned *i_ls)
{
    if (k < 1 || k > LDPC5G_K_MAX)
        return AE_ERROR(AE_EINVAL, "code.k = %u, expected 1..%u", k, LDPC5G_K_MAX);
    if (n <= k)
        return AE_ERROR(AE_EINVAL, "code.n = %u, expected n > k = %u (a code rate below 1)", n, k);
    if (n > LDPC5G_N_MAX)
        return AE_ERROR(AE_EINVAL, "code.n = %u, expected at most %u", n, LDPC5G_N_MAX);
    // Sec. 7.2.2 (the same rule as 6.2.2), with the payload A read as k and R = k / n
    const double r = (double)k / n;
    const unsigned b = (k <= 292 || (k <= 3824 && r <= 0.67) || r <= 0.25) ? 2 : 1;
    if (b == 2 && k > LDPC5G_K_MAX_BG2)
        return AE_ERROR(AE_EINVAL,
                        "code.k = %u with code rate %.4f <= 0.25 needs base graph 2, which takes k <= %u", k,
                        r, LDPC5G_K_MAX_BG2);
    const unsigned kb = kb_of(b, k);
    unsigned z = 0;
    for (unsigned i = 0; i < 51; i++)
        if (kb * ldpc5g_lifting_sizes[i] >= k) {
            z = ldpc5g_lifting_sizes[i];
            break;
        }
    *bg = b;
    *zc = z;
    *i_ls = ldpc5g_set_index(z);
    return AE_OK;
}

// Table 5.4.2.1-2: the start k0 of bit selection for redundancy version rv.
static unsigned k0_of(unsigned bg, unsigned zc, unsigned n_cb, unsigned rv)
{
    static const unsigned num1[4] = {0, 17, 33, 56}, num2[4] = {0, 13, 25, 43};
    const unsigned den = bg == 1 ? 66 : 50, num = bg == 1 ? num1[rv] : num2[rv];
    return (unsigned)(((uint64_t)num * n_cb) / ((uint64_t)den * zc)) * zc;
}

ldpc5g_code *ldpc5g_create(unsigned k, unsigned n, unsigned q_m, unsigned rv)
{
    unsigned bg, zc, i_ls;
    if (ldpc5g_select(k, n, &bg, &zc, &i_ls) != AE_OK)
        return NULL;
    return ldpc5g_create_lifted(bg, zc, k, n, q_m, rv);
}

void ldpc5g_destroy(ldpc5g_code *c)
{
    if (!c)
        return;
    ldpc5g_priv *p = c->priv;
    if (p) {
        free(p->edges);
        free(p->sel);
        free(p->perm);
        free(p->pos_f);
        free(p->row_start);
        free(p->core_order);
        free(p);
    }
    free(c);
}

// Solve the double-diagonal core: the order in which its 4 parity columns are found, and how.
// p[0] comes from the sum of the 4 core rows (the other core parity columns appear twice with equal
// shifts and cancel; column kb_cols appears three times, two of them with equal shifts): core_shift is
// the shift that remains. Then each of the 3 others is the one unknown of some core row.
static int plan_core(const ldpc5g_code *c, ldpc5g_priv *p)
{
    const unsigned kb = c->kb_cols;
    // multiplicity mod 2 of each shift of column kb over the core rows
    unsigned odd = 0, n_odd = 0;
    for (unsigned e = 0; e < p->row_start[4]; e++) {
        if (p->edges[e].col != kb)
            continue;
        unsigned m = 0;
        for (unsigned f = 0; f < p->row_start[4]; f++)
            if (p->edges[f].col == kb && p->edges[f].shift == p->edges[e].shift)
                m++;
        if (m % 2 == 1 && (n_odd == 0 || odd != p->edges[e].shift)) {
            odd = p->edges[e].shift;
            n_odd++;
        }
    }
    // the other core parity columns must cancel in the sum: each an even number of times per shift
    for (unsigned e = 0; e < p->row_start[4]; e++) {
        const unsigned col = p->edges[e].col;
        if (col <= kb || col > kb + 3)
            continue;
        unsigned m = 0;
        for (unsigned f = 0; f < p->row_start[4]; f++)
            if (p->edges[f].col == col && p->edges[f].shift == p->edges[e].shift)
                m++;
        if (m % 2)
            n_odd = 2;
    }
    if (n_odd != 1)
        return AE_ERROR(AE_ERUNTIME, "base graph %u: the core is not double-diagonal", c->bg);
    p->core_shift = odd;
    // order of the remaining unknowns: repeatedly a core row with one unknown core parity column
    unsigned known = 1u; // bit b: parity column kb + b known
    for (unsigned step = 0; step < 3; step++) {
        int found = 0;
        for (unsigned r = 0; r < 4 && !found; r++) {
            unsigned unknown = 0, u = 0;
            for (unsigned e = p->row_start[r]; e < p->row_start[r + 1]; e++) {
                const unsigned col = p->edges[e].col;
                if (col >= kb && col <= kb + 3 && !(known >> (col - kb) & 1u)) {
                    unknown++;
                    u = e;
                }
            }
            if (unknown == 1) {
                p->core_order[2 * step] = r;
                p->core_order[2 * step + 1] = u;
                known |= 1u << (p->edges[u].col - kb);
                found = 1;
            }
        }
        if (!found)
            return AE_ERROR(AE_ERUNTIME, "base graph %u: the core cannot be solved row by row", c->bg);
    }
    return AE_OK;
}

ldpc5g_code *ldpc5g_create_lifted(unsigned bg, unsigned zc, unsigned k, unsigned n, unsigned q_m, unsigned rv)
{
    if (bg != 1 && bg != 2) {
        AE_ERROR(AE_EINVAL, "base graph %u, expected 1 or 2", bg);
        return NULL;
    }
    const unsigned i_ls = ldpc5g_set_index(zc);
    if (i_ls > 7) {
        AE_ERROR(AE_EINVAL, "lifting size Z_c = %u is not one of 38.212 Table 5.3.2-1 (2..384)", zc);
        return NULL;
    }
    const unsigned kb_cols = bg == 1 ? 22 : 10, K = kb_cols * zc;
    if (k < 1 || k > K) {
        AE_ERROR(AE_EINVAL, "code.k = %u, expected 1..%u for base graph %u with Z_c = %u", k, K, bg, zc);
        return NULL;
    }
    if (n <= k || n > LDPC5G_N_MAX) {
        AE_ERROR(AE_EINVAL, "code.n = %u, expected %u..%u (more than k = %u)", n, k + 1, LDPC5G_N_MAX, k);
        return NULL;
    }
    if (q_m < 1 || q_m > 10) {
        AE_ERROR(AE_EINVAL, "bits per symbol q_m = %u, expected 1..10", q_m);
        return NULL;
    }
    if (n % q_m) {
        AE_ERROR(AE_EINVAL, "code.n = %u is not a multiple of the %u bits per modulation symbol", n, q_m);
        return NULL;
    }
    if (rv > 3) {
        AE_ERROR(AE_EINVAL, "code.rv = %u, expected 0..3", rv);
        return NULL;
    }
    ldpc5g_code *c = calloc(1, sizeof *c);
    ldpc5g_priv *p = calloc(1, sizeof *p);
    if (!c || !p) {
        free(c);
        free(p);
        AE_ERROR(AE_ENOMEM, "out of memory for an LDPC code");
        return NULL;
    }
    c->priv = p;
    c->bg = bg;
    c->zc = zc;
    c->i_ls = i_ls;
    c->k = k;
    c->n = n;
    c->q_m = q_m;
    c->rv = rv;
    c->kb_cols = kb_cols;
    c->K = K;
    c->F = K - k;
    c->n_cb = (bg == 1 ? 66 : 50) * zc;
    c->k0 = k0_of(bg, zc, c->n_cb, rv);
    const unsigned n_filler_free = c->n_cb - c->F; // sendable bits of the buffer
    (void)n_filler_free;

    // bit selection (Sec. 5.4.2.1): positions of c, skipping filler bits, wrapping round the buffer
    p->sel = malloc(n * sizeof *p->sel);
    p->perm = malloc(n * sizeof *p->perm);
    p->pos_f = malloc(n * sizeof *p->pos_f);
    if (!p->sel || !p->perm || !p->pos_f)
        goto nomem;
    unsigned max_pos = 0;
    for (unsigned t = 0, j = 0; t < n; j++) {
        const unsigned pos = (c->k0 + j) % c->n_cb + 2 * zc;
        if (pos >= k && pos < K)
            continue; // filler bit
        p->sel[t++] = pos;
        if (pos > max_pos)
            max_pos = pos;
    }
    // interleaver (Sec. 5.4.2.2): f[i + j q_m] = e[i n / q_m + j]
    const unsigned per = n / q_m;
    for (unsigned i = 0; i < q_m; i++)
        for (unsigned j = 0; j < per; j++)
            p->perm[i + j * q_m] = i * per + j;
    for (unsigned t = 0; t < n; t++)
        p->pos_f[t] = p->sel[p->perm[t]];

    // rows used: the core and every extension row up to the last parity block sent
    const unsigned max_rows = bg == 1 ? 46 : 42;
    unsigned rows = 4;
    if (max_pos >= K) {
        const unsigned blk = max_pos / zc - kb_cols; // parity block, its row
        if (blk + 1 > rows)
            rows = blk + 1;
    }
    if (rows > max_rows)
        rows = max_rows;
    c->rows = rows;
    c->cols = kb_cols + rows;

    unsigned n_tab;
    const ldpc5g_bg_entry *tab = bg_table(bg, &n_tab);
    unsigned ne = 0;
    for (unsigned e = 0; e < n_tab; e++)
        ne += tab[e].row < rows;
    p->edges = malloc(ne * sizeof *p->edges);
    p->row_start = malloc((rows + 1) * sizeof *p->row_start);
    p->core_order = malloc(6 * sizeof *p->core_order);
    if (!p->edges || !p->row_start || !p->core_order)
        goto nomem;
    unsigned m = 0;
    for (unsigned r = 0; r < rows; r++) {
        p->row_start[r] = m;
        for (unsigned e = 0; e < n_tab; e++)
            if (tab[e].row == r) {
                p->edges[m].row = (uint16_t)r;
                p->edges[m].col = tab[e].col;
                p->edges[m].shift = (uint16_t)(tab[e].v[i_ls] % zc);
                m++;
            }
        const unsigned deg = m - p->row_start[r];
        if (deg > p->max_degree)
            p->max_degree = deg;
    }
    p->row_start[rows] = m;
    c->n_edges = ne;
    c->edges = p->edges;
    c->sel = p->sel;
    c->perm = p->perm;
    // the extension rows: one new parity column each, identity, no other column beyond the core
    for (unsigned r = 4; r < rows; r++) {
        unsigned own = 0;
        for (unsigned e = p->row_start[r]; e < p->row_start[r + 1]; e++) {
            const unsigned col = p->edges[e].col;
            if (col == kb_cols + r && p->edges[e].shift == 0)
                own++;
            else if (col >= kb_cols + 4) {
                own = 2;
                break;
            }
        }
        if (own != 1) {
            AE_ERROR(AE_ERUNTIME, "base graph %u row %u is not an extension row", bg, r);
            ldpc5g_destroy(c);
            return NULL;
        }
    }
    if (plan_core(c, p) != AE_OK) {
        ldpc5g_destroy(c);
        return NULL;
    }
    return c;
nomem:
    ldpc5g_destroy(c);
    AE_ERROR(AE_ENOMEM, "out of memory for an LDPC code of n = %u", n);
    return NULL;
}

// acc[z] ^= x[(z + s) mod Z] for z < Z: the product P^s x of Sec. 5.3.2's cyclic permutation.
static void xor_shifted(uint8_t *acc, const uint8_t *x, unsigned s, unsigned zc)
{
    const unsigned a = zc - s;
    for (unsigned z = 0; z < a; z++)
        acc[z] ^= x[z + s];
    for (unsigned z = a; z < zc; z++)
        acc[z] ^= x[z - a];
}

// x[(z + s) mod Z] = v[z]: solve P^s x = v.
static void unshift(uint8_t *x, const uint8_t *v, unsigned s, unsigned zc)
{
    for (unsigned z = 0; z < zc; z++) {
        const unsigned t = z + s;
        x[t >= zc ? t - zc : t] = v[z];
    }
}

void ldpc5g_encode(const ldpc5g_code *c, const uint8_t *info, uint8_t *cw)
{
    const ldpc5g_priv *p = c->priv;
    const unsigned zc = c->zc, kb = c->kb_cols;
    memcpy(cw, info, c->k);
    memset(cw + c->k, 0, (size_t)c->cols * zc - c->k);
    // lambda_r for the core rows: the systematic part of each row, accumulated into the parity
    // blocks' place of row r's right-hand side (kept in the blocks of columns kb+4.. as scratch is not
    // possible: they are extension parity), so in a small stack buffer of 4 Z bytes
    uint8_t lam[4 * 384];
    memset(lam, 0, 4 * (size_t)zc);
    for (unsigned r = 0; r < 4; r++)
        for (unsigned e = p->row_start[r]; e < p->row_start[r + 1]; e++)
            if (p->edges[e].col < kb)
                xor_shifted(lam + r * zc, cw + (size_t)p->edges[e].col * zc, p->edges[e].shift, zc);
    // p_0: P^core_shift p_0 = lambda_0 + lambda_1 + lambda_2 + lambda_3
    uint8_t sum[384];
    for (unsigned z = 0; z < zc; z++)
        sum[z] = lam[z] ^ lam[zc + z] ^ lam[2 * zc + z] ^ lam[3 * zc + z];
    unshift(cw + (size_t)kb * zc, sum, p->core_shift, zc);
    // the other three, each the one unknown of a core row
    for (unsigned step = 0; step < 3; step++) {
        const unsigned r = p->core_order[2 * step], u = p->core_order[2 * step + 1];
        memcpy(sum, lam + r * zc, zc);
        for (unsigned e = p->row_start[r]; e < p->row_start[r + 1]; e++) {
            const unsigned col = p->edges[e].col;
            if (e != u && col >= kb)
                xor_shifted(sum, cw + (size_t)col * zc, p->edges[e].shift, zc);
        }
        unshift(cw + (size_t)p->edges[u].col * zc, sum, p->edges[u].shift, zc);
    }
    // extension rows: parity block kb + r is the sum of the row's other columns
    for (unsigned r = 4; r < c->rows; r++) {
        uint8_t *out = cw + (size_t)(kb + r) * zc;
        for (unsigned e = p->row_start[r]; e < p->row_start[r + 1]; e++)
            if (p->edges[e].col != kb + r)
                xor_shifted(out, cw + (size_t)p->edges[e].col * zc, p->edges[e].shift, zc);
    }
}

void ldpc5g_rate_match(const ldpc5g_code *c, const uint8_t *cw, uint8_t *f)
{
    const uint32_t *pos = ((const ldpc5g_priv *)c->priv)->pos_f;
    for (unsigned t = 0; t < c->n; t++)
        f[t] = cw[pos[t]];
}

void ldpc5g_rate_recover(const ldpc5g_code *c, const float *llr_f, float *llr_cw)
{
    const uint32_t *pos = ((const ldpc5g_priv *)c->priv)->pos_f;
    const size_t v = (size_t)c->cols * c->zc;
    memset(llr_cw, 0, v * sizeof *llr_cw);
    for (unsigned j = c->k; j < c->K; j++)
        llr_cw[j] = LDPC5G_LLR_KNOWN;
    for (unsigned t = 0; t < c->n; t++)
        llr_cw[pos[t]] += llr_f[t];
}

size_t ldpc5g_lifted_edges(const ldpc5g_code *c, size_t *n_vars, uint32_t *checks, uint32_t *vars)
{
    const unsigned zc = c->zc;
    size_t m = 0;
    for (unsigned e = 0; e < c->n_edges; e++) {
        const ldpc5g_edge *g = &c->edges[e];
        for (unsigned z = 0; z < zc; z++, m++) {
            if (checks)
                checks[m] = g->row * zc + z;
            if (vars)
                vars[m] = g->col * zc + (z + g->shift) % zc;
        }
    }
    *n_vars = (size_t)c->cols * zc;
    return (size_t)c->rows * zc;
}
