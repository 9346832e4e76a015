// plot.c - gnuplot scripts for the BLER figure.
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ae_err.h"
#include "fileio.h"
#include "ch.h"
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include "systems.h"

// Distinct colours (colour-blind-safe Okabe-Ito palette) and point types, one per system.
static const char *const colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
// Filled point types for classical systems; open ones (drawn larger) for learned systems, so a
// learned curve lying on a classical one stays visible around it.
static const int points_filled[] = {7, 5, 9, 13, 11, 15, 7, 5};
static const int points_open[] = {6, 4, 8, 12, 10, 14, 6, 4};

static int write_theory(const char *path, const sim_experiment *ex)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    fprintf(out.f, "system,ebno_db,esno_db,theory_bler,theory_ber\n");
    double lo = ex->ebno_db[0], hi = ex->ebno_db[ex->n_ebno - 1];
    size_t steps = (size_t)floor((hi - lo) / SIM_THEORY_STEP_DB + 1e-9);
    for (size_t s = 0; s < ex->n_systems; s++) {
        const sim_system_cfg *sys = &ex->systems[s];
        size_t sym = sim_system_symbols(sys);
        for (size_t i = 0; i <= steps; i++) {
            // the grid's own quantity steps evenly; the other follows from k and the symbols per block
            double g = lo + (double)i * SIM_THEORY_STEP_DB, bler, ber;
            double ebno = ex->grid_esno ? ch_ebno_db_from_esno(g, sys->k, sym) : g;
            if (!sim_system_theory(sys, ebno, &bler, &ber))
                break;
            fprintf(out.f, "%s,%.4f,%.4f", sys->name, ebno, ch_esno_db_from_ebno(ebno, sys->k, sym));
            fprintf(out.f, isnan(bler) ? ",," : ",%.6e,", bler);
            fprintf(out.f, isnan(ber) ? "\n" : "%.6e\n", ber);
        }
    }
    return sim_file_commit(&out);
}

// One figure: BLER (ber = 0) or BER (ber = 1) against the grid's quantity.
static int write_script(const char *path, const sim_experiment *ex, int ber, double ymin)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    FILE *f = out.f;
    const char *what = ber ? "ber" : "bler";
    // results.csv columns of the rate and its interval; theory.csv column of the closed form
    int col = ber ? 12 : 7, th_col = ber ? 5 : 4;
    fprintf(f, "# %s.gp: %s against %s for %s; rerun with `gnuplot %s.gp` in this folder.\n", what,
            ber ? "BER" : "BLER", ex->grid_esno ? "Es/N0" : "Eb/N0", ex->name, what);
    fprintf(f, "set datafile separator ','\n");
    fprintf(f, "set terminal pngcairo size 1180,680 enhanced font 'DejaVu Sans,11'\n");
    fprintf(f, "if (exists('svg')) set terminal svg size 1180,680 dynamic enhanced font 'DejaVu Sans,11'\n");
    // aesim passes outfile (a temporary name, renamed over the figure once gnuplot succeeded)
    fprintf(f, "if (!exists('outfile')) outfile = '%s.png'\nset output outfile\n", what);
    // the channel of every system, or "several channels"
    char channel[96], other[96];
    sim_channel_describe(&ex->systems[0].channel, channel, sizeof channel);
    for (size_t s = 1; s < ex->n_systems; s++)
        if (strcmp(sim_channel_describe(&ex->systems[s].channel, other, sizeof other), channel) != 0)
            snprintf(channel, sizeof channel, "the channels of the legend");
    if (strcmp(channel, "awgn") == 0)
        snprintf(channel, sizeof channel, "AWGN");
    fprintf(f,
            "set title \"%s: %s on %s\\n(markers: simulation with 95%% intervals; dashed: closed form)\" "
            "noenhanced\n",
            ex->name, ber ? "bit error rate" : "block error rate", channel);
    fprintf(f, "set xlabel '%s (dB)'\nset ylabel '%s'\n", ex->grid_esno ? "E_s/N_0" : "E_b/N_0",
            ber ? "Bit error rate (BER)" : "Block error rate (BLER)");
    fprintf(f, "set logscale y\nset format y '10^{%%L}'\nset mytics 10\n");
    // the y axis reaches a decade below the lowest simulated rate; closed forms are cut there
    double floor_y = ymin > 0.0 ? pow(10.0, floor(log10(ymin)) - 1.0) : 1e-6;
    // a one-point grid still gets an x range
    double x0 = ex->ebno_db[0], x1 = ex->ebno_db[ex->n_ebno - 1];
    if (x1 - x0 < 1.0) {
        x0 -= 0.5;
        x1 += 0.5;
    }
    fprintf(f, "set xrange [%g:%g]\nset yrange [%g:1]\n", x0, x1, floor_y);
    fprintf(f, "cut(y) = y >= %g ? y : 1/0\n", floor_y);
    // an interval reaching 0 (few errors) is drawn down to the axis, which a log scale cannot show
    fprintf(f, "low(y) = y > 0 ? y : %g\n", floor_y);
    fprintf(f, "set grid xtics ytics mytics lc rgb '#d0d0d0'\nset key outside right top box noenhanced\n");
    fprintf(f, "sel(name, col) = (strcol(1) eq name) ? column(col) : 1/0\n");
    int xcol = ex->grid_esno ? 4 : 3; // results.csv: ebno_db is column 3, esno_db column 4
    fprintf(f, "plot \\\n");
    for (size_t s = 0; s < ex->n_systems; s++) {
        const char *nm = ex->systems[s].name;
        const char *c = colours[s % 8];
        double b, r;
        int learned = ex->systems[s].type == SIM_SYS_AUTOENCODER;
        fprintf(f,
                "  'results.csv' every ::1 using (sel('%s', %d)):%d:(low(column(%d))):%d with yerrorbars pt "
                "%d ps %s lw 1.5 "
                "lc rgb '%s' title '%s'",
                nm, xcol, col, col + 1, col + 2, learned ? points_open[s % 8] : points_filled[s % 8],
                learned ? "2.2" : "1.1", c, nm);
        if (sim_system_theory(&ex->systems[s], ex->ebno_db[0], &b, &r) && !isnan(ber ? r : b))
            fprintf(f,
                    ", \\\n  'theory.csv' every ::1 using (sel('%s', %d)):(cut(column(%d))) with lines dt 2 "
                    "lw 1.5 lc rgb '%s' "
                    "title '%s, closed form'",
                    nm, ex->grid_esno ? 3 : 2, th_col, c, nm);
        fprintf(f, ", \\\n");
    }
    // a constant below the axis: draws nothing, but keeps gnuplot from failing when no system has a
    // positive rate to show (no error at any point)
    fprintf(f, "  1e-300 notitle\n");
    return sim_file_commit(&out);
}

// Run `gnuplot -e "[svg=1; ]outfile='OUT'" SCRIPT` in dir, quietly.
static int run_gnuplot(const char *dir, const char *script, const char *out, int svg)
{
    char define[400];
    snprintf(define, sizeof define, "%soutfile='%s'", svg ? "svg=1; " : "", out);
    pid_t pid = fork();
    if (pid < 0)
        return AE_ERROR(AE_ERUNTIME, "cannot start gnuplot: %s", strerror(errno));
    if (pid == 0) {
        // child: draw in the results folder
        if (chdir(dir) != 0)
            _exit(126);
        // quiet: gnuplot's warnings (an empty x range for a one-point grid, ...) are not aesim's output;
        // a failure is reported by its exit status, and `gnuplot NAME.gp` in the folder shows the details
        FILE *devnull = freopen("/dev/null", "w", stdout);
        FILE *devnull2 = freopen("/dev/null", "w", stderr);
        (void)devnull;
        (void)devnull2;
        execlp("gnuplot", "gnuplot", "-e", define, script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return AE_ERROR(AE_ERUNTIME, "waiting for gnuplot: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return AE_ERROR(
            AE_ERUNTIME,
            "gnuplot not found; install it (apt-get install gnuplot-nox) and run `gnuplot %s` in %s", script,
            dir);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return AE_ERROR(AE_ERUNTIME, "gnuplot failed on %s/%s (status %d)", dir, script, status);
    return AE_OK;
}

// Draw dir/BASE.gp into BASE.png and BASE.svg, each through a temporary file renamed over the figure once
// gnuplot succeeded (a failure leaves the previous figure).
static int draw(const char *dir, const char *base)
{
    char script[320];
    snprintf(script, sizeof script, "%s.gp", base);
    for (int svg = 0; svg <= 1; svg++) {
        char tmp_name[320], tmp[4400], fig[4400];
        snprintf(tmp_name, sizeof tmp_name, "%s.%s.tmp", base, svg ? "svg" : "png");
        snprintf(tmp, sizeof tmp, "%s/%s", dir, tmp_name);
        snprintf(fig, sizeof fig, "%s/%s.%s", dir, base, svg ? "svg" : "png");
        int rc = run_gnuplot(dir, script, tmp_name, svg);
        if (rc != AE_OK) {
            remove(tmp);
            return rc;
        }
        if (rename(tmp, fig) != 0)
            return AE_ERROR(AE_EIO, "cannot save %s: %s", fig, strerror(errno));
    }
    return AE_OK;
}

int sim_plot_figures(const char *dir, const sim_experiment *ex, double ymin_bler, double ymin_ber)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/theory.csv", dir);
    int rc = write_theory(path, ex);
    if (rc != AE_OK)
        return rc;
    for (int ber = 0; ber <= 1; ber++) {
        const char *script = ber ? "ber.gp" : "bler.gp";
        snprintf(path, sizeof path, "%s/%s", dir, script);
        if ((rc = write_script(path, ex, ber, ber ? ymin_ber : ymin_bler)) != AE_OK ||
            (rc = draw(dir, ber ? "ber" : "bler")) != AE_OK)
            return rc;
    }
    return AE_OK;
}

int sim_plot_loss(const char *dir, const sim_experiment *ex)
{
    int learned = 0;
    for (size_t s = 0; s < ex->n_systems; s++)
        learned += ex->systems[s].type == SIM_SYS_AUTOENCODER;
    if (!learned)
        return AE_OK;
    char path[4200];
    snprintf(path, sizeof path, "%s/loss.gp", dir);
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    FILE *f = out.f;
    fprintf(f, "# loss.gp: training loss of %s; rerun with `gnuplot loss.gp` in this folder.\n", ex->name);
    fprintf(f,
            "set datafile separator ','\nset terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11'\n"
            "if (exists('svg')) set terminal svg size 960,600 dynamic enhanced font 'DejaVu Sans,11'\n");
    fprintf(f, "if (!exists('outfile')) outfile = 'loss.png'\nset output outfile\n");
    fprintf(f,
            "set title \"%s: training loss (softmax cross-entropy, mean over the steps since the previous "
            "point)\" noenhanced\n",
            ex->name);
    fprintf(f, "set xlabel 'Adam step'\nset ylabel 'Loss (nats)'\nset logscale y\nset format y '10^{%%L}'\n");
    fprintf(f, "set grid lc rgb '#d0d0d0'\nset key outside right top box noenhanced\n");
    fprintf(f, "sel(name, col) = (strcol(1) eq name) ? column(col) : 1/0\nplot \\\n");
    int i = 0;
    for (size_t s = 0; s < ex->n_systems; s++) {
        if (ex->systems[s].type != SIM_SYS_AUTOENCODER)
            continue;
        fprintf(f, "%s  'loss.csv' every ::1 using (sel('%s', 2)):3 with lines lw 1.5 lc rgb '%s' title '%s'",
                i ? ", \\\n" : "", ex->systems[s].name, colours[i % 8], ex->systems[s].name);
        i++;
    }
    fprintf(f, "\n");
    if ((rc = sim_file_commit(&out)) != AE_OK)
        return rc;
    return draw(dir, "loss");
}

// The two leading principal axes of the M codewords: e1, e2 [n] (unit vectors). AE_OK or AE_ENOMEM.
static int principal_axes(const float *cb, size_t M, size_t n, double *e1, double *e2)
{
    gsl_matrix *cov = gsl_matrix_calloc(n, n), *vec = gsl_matrix_alloc(n, n);
    gsl_vector *val = gsl_vector_alloc(n), *mean = gsl_vector_calloc(n);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
    int rc = AE_OK;
    if (!cov || !vec || !val || !mean || !w) {
        rc = AE_ERROR(AE_ENOMEM, "out of memory for the constellation projection");
    } else {
        for (size_t m = 0; m < M; m++)
            for (size_t i = 0; i < n; i++)
                gsl_vector_set(mean, i, gsl_vector_get(mean, i) + cb[m * n + i] / (double)M);
        for (size_t m = 0; m < M; m++)
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                    double a = cb[m * n + i] - gsl_vector_get(mean, i),
                           b = cb[m * n + j] - gsl_vector_get(mean, j);
                    gsl_matrix_set(cov, i, j, gsl_matrix_get(cov, i, j) + a * b);
                }
        gsl_eigen_symmv(cov, val, vec, w);
        gsl_eigen_symmv_sort(val, vec, GSL_EIGEN_SORT_VAL_DESC);
        for (size_t i = 0; i < n; i++) {
            e1[i] = gsl_matrix_get(vec, i, 0);
            e2[i] = n > 1 ? gsl_matrix_get(vec, i, 1) : 0.0;
        }
    }
    gsl_eigen_symmv_free(w);
    gsl_vector_free(mean);
    gsl_vector_free(val);
    gsl_matrix_free(vec);
    gsl_matrix_free(cov);
    return rc;
}

int sim_plot_constellation(const char *dir, const char *system, const float *codebook, size_t M, size_t n,
                           unsigned k, int complex)
{
    char path[4200], name[256];
    snprintf(name, sizeof name, "constellation_%s", system);
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    double *e1 = calloc(n, sizeof *e1), *e2 = calloc(n, sizeof *e2);
    if (!e1 || !e2) {
        free(e1);
        free(e2);
        return AE_ERROR(AE_ENOMEM, "out of memory");
    }
    int mode = n == 2 ? 0 : complex ? 1 : 2; // plane, I/Q overlay, principal components
    int rc = mode == 2 ? principal_axes(codebook, M, n, e1, e2) : AE_OK;
    sim_file out;
    if (rc == AE_OK)
        rc = sim_file_open(&out, path);
    if (rc != AE_OK) {
        free(e1);
        free(e2);
        return rc;
    }
    FILE *f = out.f;
    fprintf(f, "message,bits");
    for (size_t i = 0; i < n; i++)
        fprintf(f, ",x%zu", i);
    fprintf(f, ",p1,p2\n");
    for (size_t m = 0; m < M; m++) {
        const float *x = codebook + m * n;
        size_t rows = mode == 1 ? n / 2 : 1; // I/Q overlay: one row per complex symbol
        for (size_t r = 0; r < rows; r++) {
            fprintf(f, "%zu,", m);
            for (unsigned b = 0; b < k; b++)
                fputc('0' + (int)((m >> (k - 1 - b)) & 1u), f);
            for (size_t i = 0; i < n; i++)
                fprintf(f, ",%.6g", x[i]);
            double p1 = 0.0, p2 = 0.0;
            if (mode == 0) {
                p1 = x[0];
                p2 = x[1];
            } else if (mode == 1) {
                p1 = x[2 * r];
                p2 = x[2 * r + 1];
            } else {
                for (size_t i = 0; i < n; i++) {
                    p1 += e1[i] * x[i];
                    p2 += e2[i] * x[i];
                }
            }
            fprintf(f, ",%.6g,%.6g\n", p1, p2);
        }
    }
    free(e1);
    free(e2);
    if ((rc = sim_file_commit(&out)) != AE_OK)
        return rc;
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    if ((rc = sim_file_open(&out, path)) != AE_OK)
        return rc;
    f = out.f;
    static const char *const titles[] = {"the plane of its 2 real channel uses",
                                         "every complex symbol of every message in the I/Q plane",
                                         "projection on the two principal components of the codewords"};
    static const char *const xl[] = {"x_0", "In-phase", "Principal component 1"};
    static const char *const yl[] = {"x_1", "Quadrature", "Principal component 2"};
    fprintf(f, "# %s.gp: the learned constellation of %s; rerun with `gnuplot %s.gp` in this folder.\n", name,
            system, name);
    fprintf(f,
            "set datafile separator ','\nset terminal pngcairo size 720,720 enhanced font 'DejaVu Sans,11'\n"
            "if (exists('svg')) set terminal svg size 720,720 dynamic enhanced font 'DejaVu Sans,11'\n");
    fprintf(f, "if (!exists('outfile')) outfile = '%s.png'\nset output outfile\n", name);
    fprintf(f, "set title \"%s: learned constellation (%zu messages)\\n%s\" noenhanced\n", system, M,
            titles[mode]);
    fprintf(f, "set xlabel '%s'\nset ylabel '%s'\nset size square\nset grid lc rgb '#d0d0d0'\n", xl[mode],
            yl[mode]);
    // a symmetric square frame around the points
    fprintf(
        f,
        "set key outside bottom center horizontal noenhanced\nstats '%s.csv' using "
        "(column('p1')):(column('p2')) "
        "nooutput\nr = 1.25 * ((abs(STATS_min_x) > abs(STATS_max_x) ? abs(STATS_min_x) : abs(STATS_max_x)) > "
        "(abs(STATS_min_y) > abs(STATS_max_y) ? abs(STATS_min_y) : abs(STATS_max_y)) ? (abs(STATS_min_x) > "
        "abs(STATS_max_x) ? abs(STATS_min_x) : abs(STATS_max_x)) : (abs(STATS_min_y) > abs(STATS_max_y) ? "
        "abs(STATS_min_y) : abs(STATS_max_y)))\nset xrange [-r:r]\nset yrange [-r:r]\n",
        name);
    // column names: gnuplot takes the header line as names, so no row is skipped
    fprintf(f,
            "plot '%s.csv' using (column('p1')):(column('p2')) with points pt 7 ps 1.5 lc rgb '#0072B2' "
            "title 'learned'",
            name);
    if (M <= 64)
        fprintf(f,
                ", \\\n  '%s.csv' using (column('p1')):(column('p2')):2 with labels offset 0,1 "
                "font ',9' notitle",
                name);
    if (mode == 0 && M == 4)
        fprintf(f,
                ", \\\n  '-' using 1:2 with points pt 6 ps 2.5 lc rgb '#D55E00' title 'uncoded BPSK (2,2), "
                "same energy'\n1,1\n1,-1\n-1,1\n-1,-1\ne");
    fprintf(f, "\n");
    if ((rc = sim_file_commit(&out)) != AE_OK)
        return rc;
    return draw(dir, name);
}
