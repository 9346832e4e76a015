// constellations.c - print the label table of every built-in modulation scheme as Markdown, read from
// the tables models/modem.c transmits (tools/).
//
//   constellations            the whole of docs/constellations.md: the layouts, then every point
//   constellations --layouts  the layouts alone (the block README.md holds between its markers)
//
// `make constellations` writes both. Labels are printed MSB first (b0 b1 .. b(m-1), the order of the
// LLRs); the layouts give each point as integer levels over the scheme's normalisation, the point
// tables as the unit-energy values themselves. Exit status 0, or 1 if a modem cannot be made (the
// library's message on stderr).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "modem.h"

static const char *const schemes[] = {"bpsk",  "qpsk", "qam16", "qam64", "qam256", "psk8",  "psk16", "psk32",
                                      "psk64", "pam2", "pam4",  "pam8",  "pam16",  "pam32", "pam64"};
#define N_SCHEMES (sizeof schemes / sizeof schemes[0])

// A scheme with more points than this is folded into a <details> block in the layouts.
#define FOLD_ABOVE 64u

// label -> "b0b1..b(m-1)" into buf [m + 1]
static const char *bits(uint32_t label, unsigned m, char *buf)
{
    for (unsigned j = 0; j < m; j++)
        buf[j] = (char)('0' + ((label >> (m - 1 - j)) & 1u));
    buf[m] = '\0';
    return buf;
}

// The label of the point nearest (re, im), exhaustively (the tables are small).
static uint32_t label_at(const mod_modem *q, double re, double im)
{
    uint32_t best = 0;
    double best_d = INFINITY;
    for (uint32_t l = 0; l < q->M; l++) {
        const double dr = q->points[2 * l] - re, di = q->points[2 * l + 1] - im;
        if (dr * dr + di * di < best_d) {
            best_d = dr * dr + di * di;
            best = l;
        }
    }
    return best;
}

// Square QAM (and QPSK): a grid with Q rows from the top, I columns from the left, integer levels over
// sqrt(2 (M - 1) / 3).
static void layout_qam(const mod_modem *q, const char *name)
{
    const unsigned side = 1u << (q->m / 2), norm = 2 * (q->M - 1) / 3;
    const double unit = 1.0 / sqrt((double)norm);
    char b[17];
    if (q->m == 2)
        printf("**%s**: (I + jQ) / sqrt(%u); labels b0 b1, the sign of I from b0, of Q from b1\n\n", name,
               norm);
    else
        printf("**%s**: (I + jQ) / sqrt(%u); labels b0..b%u, I from b0 b2 .., Q from b1 b3 ..\n\n", name,
               norm, q->m - 1);
    printf("| Q \\ I |");
    for (unsigned c = 0; c < side; c++)
        printf(" %+d |", -(int)side + 1 + 2 * (int)c);
    printf("\n|---:|");
    for (unsigned c = 0; c < side; c++)
        printf(":---:|");
    printf("\n");
    for (unsigned r = 0; r < side; r++) {
        const int qv = (int)side - 1 - 2 * (int)r;
        printf("| %+d |", qv);
        for (unsigned c = 0; c < side; c++) {
            const int iv = -(int)side + 1 + 2 * (int)c;
            printf(" %s |", bits(label_at(q, iv * unit, qv * unit), q->m, b));
        }
        printf("\n");
    }
    printf("\n");
}

// PAM: the labels from the most negative level up, integer levels over sqrt((M^2 - 1) / 3).
static void layout_pam(const mod_modem *q, const char *name)
{
    const unsigned norm = (q->M * q->M - 1) / 3;
    const double unit = 1.0 / sqrt((double)norm);
    char b[17];
    printf("**%s**: x / sqrt(%u), x = -%u .. +%u in steps of 2 (real); labels from x = -%u up:\n\n", name,
           norm, q->M - 1, q->M - 1, q->M - 1);
    for (unsigned i = 0; i < q->M; i++) {
        const int x = -(int)q->M + 1 + 2 * (int)i;
        printf("%s`%s`", i ? " " : "", bits(label_at(q, x * unit, 0.0), q->m, b));
    }
    printf("\n\n");
}

// M-PSK (M >= 8; BPSK apart): the labels counterclockwise from angle 0.
static void layout_psk(const mod_modem *q, const char *name)
{
    char b[17];
    if (q->M == 2) {
        printf("**%s**: `0` -> +1, `1` -> -1 (real axis)\n\n", name);
        return;
    }
    printf(
        "**%s**: exp(j 2 pi i / %u) for i = 0, 1, .., %u; labels from i = 0 (angle 0) counterclockwise:\n\n",
        name, q->M, q->M - 1);
    for (unsigned i = 0; i < q->M; i++) {
        const double a = 2.0 * M_PI * i / q->M;
        printf("%s`%s`", i ? " " : "", bits(label_at(q, cos(a), sin(a)), q->m, b));
    }
    printf("\n\n");
}

static mod_modem *make(const char *name)
{
    int family;
    unsigned M;
    mod_modem *q = NULL;
    if (mod_scheme_parse(name, &family, &M) == AE_OK)
        q = mod_modem_create(family, M);
    if (!q) {
        fprintf(stderr, "constellations: %s: %s\n", name, ae_err_message());
        exit(1);
    }
    return q;
}

static void layouts(void)
{
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = make(schemes[s]);
        const char *shown = strcmp(schemes[s], "qpsk") == 0 ? "qpsk = qam4" : schemes[s];
        const int fold = q->M > FOLD_ABOVE;
        if (fold)
            printf("<details><summary>%s</summary>\n\n", schemes[s]);
        if (q->family == MOD_QAM || (q->family == MOD_PSK && q->M == 4))
            layout_qam(q, shown);
        else if (q->family == MOD_PAM)
            layout_pam(q, shown);
        else
            layout_psk(q, shown);
        if (fold)
            printf("</details>\n\n");
        mod_modem_destroy(q);
    }
}

static void points(void)
{
    char b[17];
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = make(schemes[s]);
        printf("### %s\n\n| label | b0..b%u | I | Q |\n|---:|:---:|---:|---:|\n", schemes[s], q->m - 1);
        for (uint32_t l = 0; l < q->M; l++)
            printf("| %u | %s | %+.6f | %+.6f |\n", l, bits(l, q->m, b), q->points[2 * l],
                   q->points[2 * l + 1]);
        printf("\n");
        mod_modem_destroy(q);
    }
}

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--layouts") != 0)) {
        fprintf(stderr, "usage: constellations [--layouts]\n");
        return 2;
    }
    if (argc == 2) {
        layouts();
        return 0;
    }
    printf("<!-- Written by `make constellations` (tools/constellations.c) from the tables aesim transmits; "
           "do not edit. -->\n"
           "# Constellations and bit labels\n\n"
           "Every built-in modulation scheme of aesim with its bit labels, most significant bit first (b0 is "
           "the first bit of a symbol and the first of its LLRs). The rules behind them (3GPP TS 38.211 "
           "Sec. 5.1 for QPSK and QAM) are in README.md, \"Constellations and bit labels\". `qam4`, `psk4` "
           "and `qpsk` are one table, `psk2` is `bpsk`.\n\n"
           "## Layouts\n\n");
    layouts();
    printf("## Points\n\nEach label's point, normalised to unit average symbol energy (I, Q; Q = 0 for the "
           "real PAM and BPSK).\n\n");
    points();
    return 0;
}
