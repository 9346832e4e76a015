// test_plot.c - the figures: names that cannot reach gnuplot as commands, the fitted y range, legend
// entries in words, and the constellation views (labels, distance spectrum against Hamming (7,4)).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ae_err.h"
#include "config.h"
#include "plot.h"
#include "results.h"

#include "test_util.h"

TestSuite(plot, .fini = test_cleanup);

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

// An experiment from config text (written to dir/NAME.cfg).
static void load(const char *dir, const char *name, const char *text, sim_experiment *ex)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, name);
    write_file(path, text);
    cr_assert_eq(sim_config_load(path, ex), AE_OK, "%s", ae_err_message());
}

// A row of system sys at Eb/N0 e with the given BLER and its interval (BER half of it).
static sim_row row(const char *sys, double e, double bler, double lo, double hi)
{
    sim_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.system, sizeof r.system, "%s", sys);
    snprintf(r.channel, sizeof r.channel, "awgn");
    r.pt.ebno_db = e;
    r.pt.esno_db = e;
    r.pt.blocks = 100000;
    r.pt.block_errors = (uint64_t)(bler * 1e5);
    r.pt.bler = bler;
    r.pt.bler_lo = lo;
    r.pt.bler_hi = hi;
    r.pt.bits = 200000;
    r.pt.ber = bler / 2;
    r.pt.ber_lo = lo / 2;
    r.pt.ber_hi = hi / 2;
    r.theory_bler = NAN;
    r.theory_ber = NAN;
    return r;
}

static const char *const two_systems = "eval = { ebno_db = [0.0, 2.0, 4.0]; };\n"
                                       "systems = ( { name = \"bpsk\"; type = \"uncoded_bpsk\"; k = 2; },\n"
                                       "  { name = \"q\"; type = \"modem\"; scheme = \"qpsk\"; } );\n";

Test(plot, the_y_range_is_fitted_to_the_points_and_their_intervals)
{
    char dir[64];
    make_tmpdir(dir, sizeof dir);
    sim_experiment ex;
    load(dir, "r", two_systems, &ex);
    double y0, y1;
    sim_row rows[4] = {row("bpsk", 0, 0.3, 0.28, 0.32), row("bpsk", 2, 0.07, 0.06, 0.08),
                       row("q", 0, 5e-6, 9e-7, 1.2e-5), row("other", 0, 1e-9, 1e-10, 1e-8)};
    // BLER: from the decade of q's lower bound 9e-7 to 1 (rows of other systems do not count)
    sim_plot_rate_range(&ex, rows, 4, 0, &y0, &y1);
    cr_assert_float_eq(y0, 1e-7, 1e-20);
    cr_assert_float_eq(y1, 1.0, 1e-12);
    // bpsk alone: [0.01, 1], not the fixed decade below the lowest rate and up to 1 as before
    sim_plot_rate_range(&ex, rows, 2, 0, &y0, &y1);
    cr_assert_float_eq(y0, 1e-2, 1e-15);
    cr_assert_float_eq(y1, 1.0, 1e-12);
    // BER of bpsk: rates 0.15 and 0.035, bounds 0.03..0.16
    sim_plot_rate_range(&ex, rows, 2, 1, &y0, &y1);
    cr_assert_float_eq(y0, 1e-2, 1e-15);
    cr_assert_float_eq(y1, 1.0, 1e-12);
    // all within one decade: the top is fitted too
    sim_row low[2] = {row("bpsk", 0, 4e-3, 3e-3, 5e-3), row("q", 0, 2e-3, 1.5e-3, 2.5e-3)};
    sim_plot_rate_range(&ex, low, 2, 0, &y0, &y1);
    cr_assert_float_eq(y0, 1e-3, 1e-16);
    cr_assert_float_eq(y1, 1e-2, 1e-15);
    // no error anywhere
    sim_row none[1] = {row("bpsk", 0, 0.0, 0.0, 3e-5)};
    sim_plot_rate_range(&ex, none, 1, 0, &y0, &y1);
    cr_assert_float_eq(y0, 1e-6, 1e-18);
    cr_assert_float_eq(y1, 1.0, 1e-12);
    sim_experiment_free(&ex);
    remove_tmpdir(dir);
}

// Draw the rate figures of ex into dir from rows (results.csv written first).
static int draw_rates(const char *dir, const sim_experiment *ex, const sim_row *rows, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    cr_assert_eq(sim_results_write(path, rows, n), AE_OK);
    return sim_plot_figures(dir, ex, rows, n);
}

Test(plot, an_experiment_name_reaches_the_scripts_as_an_inert_literal)
{
    char dir[64], path[256];
    make_tmpdir(dir, sizeof dir);
    sim_experiment ex;
    load(dir, "n", two_systems, &ex);
    // what a file name may hold: a quote, a backquoted command, a macro, a backslash, a newline
    snprintf(ex.name, sizeof ex.name, "it's `touch PWNED` @ex \\\n`touch PWNED2` # \"x\\n\"");
    sim_row rows[2] = {row("bpsk", 0, 0.3, 0.28, 0.32), row("q", 0, 0.15, 0.14, 0.16)};
    cr_assert_eq(draw_rates(dir, &ex, rows, 2), AE_OK, "%s", ae_err_message());
    snprintf(path, sizeof path, "%s/bler.png", dir);
    cr_assert_gt(file_size(path), 1000);
    snprintf(path, sizeof path, "%s/PWNED", dir);
    cr_assert_eq(file_size(path), -1, "gnuplot ran a command from the name");
    snprintf(path, sizeof path, "%s/PWNED2", dir);
    cr_assert_eq(file_size(path), -1, "gnuplot ran a command from the name");
    snprintf(path, sizeof path, "%s/bler.gp", dir);
    char *gp = read_file(path);
    cr_assert(gp);
    // the name once as a single-quoted literal, the quote doubled, the newline replaced
    cr_assert(strstr(gp, "set title 'it''s `touch PWNED` @ex \\?`touch PWNED2` # \"x\\n\"'"), "%s", gp);
    cr_assert(strstr(gp, "# bler.gp: the BLER figure of the experiment 'it''s `touch PWNED`"), "%s", gp);
    free(gp);
    // the folder itself may hold any character: gnuplot runs inside it
    sim_experiment_free(&ex);
    remove_tmpdir(dir);
}

Test(plot, legend_entries_name_the_channel_and_say_ser_for_one_symbol_modems)
{
    char dir[64], path[256];
    make_tmpdir(dir, sizeof dir);
    sim_experiment ex;
    load(dir, "l",
         "eval = { ebno_db = [0.0, 2.0]; };\n"
         "systems = ( { name = \"bpsk\"; type = \"uncoded_bpsk\"; k = 2; },\n"
         "  { name = \"q\"; type = \"modem\"; scheme = \"qpsk\";\n"
         "    channel = { type = \"ofdm\"; nfft = 64; cp = 16; pdp = \"exp:8:3\"; pilots = \"comb:4\"; csi = "
         "\"ls\"; "
         "}; } );\n",
         &ex);
    sim_row rows[4] = {row("bpsk", 0, 0.3, 0.28, 0.32), row("bpsk", 2, 0.1, 0.09, 0.11),
                       row("q", 0, 0.2, 0.19, 0.21), row("q", 2, 0.15, 0.14, 0.16)};
    cr_assert_eq(draw_rates(dir, &ex, rows, 4), AE_OK, "%s", ae_err_message());
    snprintf(path, sizeof path, "%s/bler.gp", dir);
    char *gp = read_file(path);
    cr_assert(gp);
    // simulated points joined by lines, each entry naming the system and its channel in words
    cr_assert(strstr(gp, "with yerrorlines"), "%s", gp);
    cr_assert(strstr(gp, "title 'bpsk, AWGN'"), "%s", gp);
    cr_assert(strstr(gp, "title 'q (SER), OFDM 64 subcarriers, CP 16, 8-tap exp. PDP (-3 dB/tap), LS CSI "
                         "(comb-4 pilots), ZF'"),
              "%s", gp);
    cr_assert(strstr(gp, "SER for one-symbol modems"), "%s", gp);
    cr_assert_null(strstr(gp, "ofdm-n64"), "a channel id in the figure:\n%s", gp);
    cr_assert(strstr(gp, "set yrange [0.01:1]"), "%s", gp);
    free(gp);
    snprintf(path, sizeof path, "%s/bler.svg", dir);
    cr_assert_gt(file_size(path), 1000);
    sim_experiment_free(&ex);
    // only one-symbol modems: the figure is a symbol error rate
    make_tmpdir(dir, sizeof dir);
    load(dir, "s",
         "eval = { ebno_db = [0.0, 2.0]; };\n"
         "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qpsk\"; },\n"
         "  { name = \"b\"; type = \"uncoded_bpsk\"; k = 1; } );\n",
         &ex);
    sim_row r2[2] = {row("q", 0, 0.2, 0.19, 0.21), row("b", 0, 0.08, 0.07, 0.09)};
    cr_assert_eq(draw_rates(dir, &ex, r2, 2), AE_OK, "%s", ae_err_message());
    snprintf(path, sizeof path, "%s/bler.gp", dir);
    gp = read_file(path);
    cr_assert(strstr(gp, "set ylabel 'Symbol error rate (SER)'") &&
                  strstr(gp, "symbol error rate against Eb/N0"),
              "%s", gp);
    cr_assert(strstr(gp, "title 'q, AWGN'"), "%s", gp);
    free(gp);
    snprintf(path, sizeof path, "%s/ber.gp", dir);
    gp = read_file(path);
    cr_assert(strstr(gp, "set ylabel 'Bit error rate (BER)'"), "%s", gp);
    free(gp);
    sim_experiment_free(&ex);
    remove_tmpdir(dir);
}

// Name of column col (1-based) of the header line that starts text (written to name, at most len).
static void header_column(const char *text, int col, char *name, size_t len)
{
    const char *p = text;
    for (int i = 1; i < col && p; i++) {
        p = strpbrk(p, ",\n");
        p = p && *p == ',' ? p + 1 : NULL;
    }
    cr_assert(p, "results.csv has no column %d", col);
    size_t n = strcspn(p, ",\n");
    cr_assert_lt(n, len);
    memcpy(name, p, n);
    name[n] = '\0';
}

// The results.csv columns a rate script reads are the ones its header names: the grid's quantity, the
// rate and its interval, and the system (sel's strcol) - whatever the order of the column table.
static void expect_script_columns(const char *dir, const char *rate, const char *x)
{
    char path[256], name[64], want[64];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *csv = read_file(path);
    cr_assert(csv);
    snprintf(path, sizeof path, "%s/%s.gp", dir, rate);
    char *gp = read_file(path);
    cr_assert(gp);
    int sys;
    const char *s = strstr(gp, "sel(name, col) = (strcol(");
    cr_assert(s && sscanf(s, "sel(name, col) = (strcol(%d)", &sys) == 1, "%s", gp);
    header_column(csv, sys, name, sizeof name);
    cr_assert_str_eq(name, "system");
    int lines = 0;
    for (const char *p = gp; (p = strstr(p, "'results.csv' every ::1 using (sel('")) != NULL; p++) {
        int xc, c, lo, hi;
        cr_assert_eq(sscanf(p, "'results.csv' every ::1 using (sel('%*[^']', %d)):%d:(low(column(%d))):%d",
                            &xc, &c, &lo, &hi),
                     4, "%s", p);
        header_column(csv, xc, name, sizeof name);
        cr_assert_str_eq(name, x);
        header_column(csv, c, name, sizeof name);
        cr_assert_str_eq(name, rate);
        header_column(csv, lo, name, sizeof name);
        snprintf(want, sizeof want, "%s_lo", rate);
        cr_assert_str_eq(name, want);
        header_column(csv, hi, name, sizeof name);
        snprintf(want, sizeof want, "%s_hi", rate);
        cr_assert_str_eq(name, want);
        lines++;
    }
    cr_assert_eq(lines, 2, "%s", gp);
    free(gp);
    free(csv);
}

Test(plot, the_scripts_read_the_results_columns_their_header_names)
{
    char dir[64];
    make_tmpdir(dir, sizeof dir);
    sim_experiment ex;
    load(dir, "c", two_systems, &ex);
    sim_row rows[2] = {row("bpsk", 0, 0.3, 0.28, 0.32), row("q", 0, 0.15, 0.14, 0.16)};
    cr_assert_eq(draw_rates(dir, &ex, rows, 2), AE_OK, "%s", ae_err_message());
    expect_script_columns(dir, "bler", "ebno_db");
    expect_script_columns(dir, "ber", "ebno_db");
    sim_experiment_free(&ex);
    remove_tmpdir(dir);
    // an Es/N0 grid: its quantity on the x axis
    make_tmpdir(dir, sizeof dir);
    load(dir, "e",
         "eval = { esno_db = [0.0, 2.0]; };\n"
         "systems = ( { name = \"bpsk\"; type = \"uncoded_bpsk\"; k = 2; },\n"
         "  { name = \"q\"; type = \"modem\"; scheme = \"qpsk\"; } );\n",
         &ex);
    cr_assert(ex.grid_esno);
    cr_assert_eq(draw_rates(dir, &ex, rows, 2), AE_OK, "%s", ae_err_message());
    expect_script_columns(dir, "bler", "esno_db");
    expect_script_columns(dir, "ber", "esno_db");
    sim_experiment_free(&ex);
    remove_tmpdir(dir);
}

// The 16 codewords of the systematic Hamming (7,4) code (parity d1+d2+d4, d1+d3+d4, d2+d3+d4) in
// BPSK (0 -> +1, 1 -> -1): cb [16][7], block energy 7.
static void hamming_bpsk(float *cb)
{
    for (unsigned m = 0; m < 16; m++) {
        unsigned d[4] = {m >> 3 & 1u, m >> 2 & 1u, m >> 1 & 1u, m & 1u};
        unsigned c[7] = {d[0], d[1], d[2], d[3], d[0] ^ d[1] ^ d[3], d[0] ^ d[2] ^ d[3], d[1] ^ d[2] ^ d[3]};
        for (int i = 0; i < 7; i++)
            cb[m * 7 + i] = c[i] ? -1.0f : 1.0f;
    }
}

Test(plot, the_distance_spectrum_of_hamming_7_4_is_its_weight_distribution)
{
    char dir[64], path[256];
    make_tmpdir(dir, sizeof dir);
    float cb[16 * 7];
    hamming_bpsk(cb);
    cr_assert_eq(sim_plot_constellation(dir, "h", cb, 16, 7, 4, 0), AE_OK, "%s", ae_err_message());
    snprintf(path, sizeof path, "%s/constellation_h.png", dir);
    cr_assert_gt(file_size(path), 1000);
    // weights 3, 4, 7 (7, 7, 1 codewords) at Euclidean distances 2 sqrt(w): within 2 sqrt(3) 7 others,
    // within 4 14, within 2 sqrt(7) all 15; the learned rows sit at bin edges just above
    snprintf(path, sizeof path, "%s/constellation_h_distances.csv", dir);
    char *csv = read_file(path);
    cr_assert(csv);
    cr_assert(strncmp(csv, "kind,distance,within\n", 21) == 0, "%s", csv);
    double want_d[3] = {2 * sqrt(3.0), 4.0, 2 * sqrt(7.0)}, want_c[3] = {7, 14, 15};
    size_t n_learned = 0, n_ref = 0;
    char *save = NULL;
    for (char *line = strtok_r(csv + 21, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char kind[16];
        double d, c;
        cr_assert_eq(sscanf(line, "%15[a-z],%lf,%lf", kind, &d, &c), 3, "%s", line);
        if (strcmp(kind, "learned") == 0) {
            cr_assert_lt(n_learned, 3, "more than 3 distances: %s", line);
            cr_assert(d >= want_d[n_learned] - 1e-4 && d <= want_d[n_learned] + 2 * sqrt(7.0) / 1000 + 1e-4,
                      "%s", line);
            cr_assert_float_eq(c, want_c[n_learned], 1e-9, "%s", line);
            n_learned++;
        } else {
            cr_assert_str_eq(kind, "reference");
            cr_assert_lt(n_ref, 3);
            cr_assert_float_eq(d, want_d[n_ref], 1e-4, "%s", line);
            cr_assert_float_eq(c, want_c[n_ref], 1e-9, "%s", line);
            n_ref++;
        }
    }
    cr_assert_eq(n_learned, 3);
    cr_assert_eq(n_ref, 3);
    free(csv);
    // the distance matrix: 16 x 16, symmetric, 0 on the diagonal
    snprintf(path, sizeof path, "%s/constellation_h_matrix.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f);
    double m[16][16];
    for (int a = 0; a < 16; a++)
        for (int b = 0; b < 16; b++)
            cr_assert_eq(fscanf(f, b ? ",%lf" : "%lf", &m[a][b]), 1);
    fclose(f);
    for (int a = 0; a < 16; a++)
        for (int b = 0; b < 16; b++)
            cr_assert_float_eq(m[a][b], m[b][a], 1e-12);
    cr_assert_float_eq(m[5][5], 0.0, 1e-12);
    cr_assert_float_eq(m[0][8], 2 * sqrt(3.0), 1e-3); // 1000 -> 1000110, weight 3
    cr_assert_float_eq(m[0][1], 4.0, 1e-3);           // 0001 -> 0001111, weight 4
    cr_assert_float_eq(m[0][15], 2 * sqrt(7.0), 1e-3);
    // the script names the reference and its minimum distance
    snprintf(path, sizeof path, "%s/constellation_h.gp", dir);
    char *gp = read_file(path);
    cr_assert(
        strstr(gp,
               "'minimum distance 3.46 (Hamming (7,4) in BPSK: 3.46)' . \"\\n\" . 'mean nearest-neighbour "
               "distance 3.46'"),
        "%s", gp);
    free(gp);
    remove_tmpdir(dir);
}

// The label column (last, quoted) of row i (0-based, after the header) of a constellation CSV.
static void label_of(const char *csv, size_t i, char *out, size_t len)
{
    const char *p = strchr(csv, '\n');
    for (size_t r = 0; p && r < i; r++)
        p = strchr(p + 1, '\n');
    cr_assert(p, "no row %zu", i);
    const char *end = strchr(p + 1, '\n');
    cr_assert(end);
    const char *q = end - 1;
    cr_assert_eq(*q, '"');
    const char *open = q - 1;
    while (open > p && *open != '"')
        open--;
    snprintf(out, len, "%.*s", (int)(q - open - 1), open + 1);
}

Test(plot, labels_go_only_to_distinct_positions)
{
    char dir[64], path[256];
    make_tmpdir(dir, sizeof dir);
    // 4 messages in the plane: 00 and 01 at the same point, 10 just beside 11 (their labels would
    // overlap), 11 apart
    float cb[4 * 2] = {1.0f, 1.0f, 1.0f, 1.0f, -1.0f, -1.0f, -1.0f + 0.05f, -1.0f};
    cr_assert_eq(sim_plot_constellation(dir, "p", cb, 4, 2, 2, 0), AE_OK, "%s", ae_err_message());
    snprintf(path, sizeof path, "%s/constellation_p.csv", dir);
    char *csv = read_file(path);
    cr_assert(csv);
    cr_assert(strncmp(csv, "message,bits,x0,x1,p1,p2,symbol,label\n", 38) == 0, "%s", csv);
    char l[32];
    label_of(csv, 0, l, sizeof l);
    cr_assert_str_eq(l, "x2", "two messages at one position: %s", csv);
    label_of(csv, 1, l, sizeof l);
    cr_assert_str_eq(l, "", "%s", csv);
    label_of(csv, 2, l, sizeof l);
    cr_assert_str_eq(l, "10", "%s", csv);
    label_of(csv, 3, l, sizeof l);
    cr_assert_str_eq(l, "", "an overlapping label: %s", csv);
    free(csv);
    snprintf(path, sizeof path, "%s/constellation_p.png", dir);
    cr_assert_gt(file_size(path), 1000);
    // n > 2 on a complex channel: the I/Q view coloured by symbol, with the spectrum of uncoded QPSK
    float cq[16 * 4];
    for (unsigned m = 0; m < 16; m++)
        for (int i = 0; i < 4; i++)
            cq[m * 4 + i] = (m >> (3 - i) & 1u) ? -1.0f : 1.0f;
    cr_assert_eq(sim_plot_constellation(dir, "q", cq, 16, 4, 4, 1), AE_OK, "%s", ae_err_message());
    snprintf(path, sizeof path, "%s/constellation_q.gp", dir);
    char *gp = read_file(path);
    cr_assert(strstr(gp, "title 'symbol 2 of 2'") && strstr(gp, "uncoded Gray QPSK, same energy"), "%s", gp);
    free(gp);
    // each of the 4 QPSK points carries 4 messages in each of the 2 symbols: 8 points at one position
    snprintf(path, sizeof path, "%s/constellation_q.csv", dir);
    csv = read_file(path);
    cr_assert(strstr(csv, "\"x8\""), "%s", csv);
    free(csv);
    remove_tmpdir(dir);
}
