// plot.c - gnuplot scripts for the BLER figure.
#include "plot.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ae_err.h"
#include "fileio.h"
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
    fprintf(out.f, "system,ebno_db,theory_bler,theory_ber\n");
    double lo = ex->ebno_db[0], hi = ex->ebno_db[ex->n_ebno - 1];
    size_t steps = (size_t)floor((hi - lo) / SIM_THEORY_STEP_DB + 1e-9);
    for (size_t s = 0; s < ex->n_systems; s++) {
        for (size_t i = 0; i <= steps; i++) {
            double e = lo + (double)i * SIM_THEORY_STEP_DB, bler, ber;
            if (!sim_system_theory(&ex->systems[s], e, &bler, &ber))
                break;
            fprintf(out.f, "%s,%.4f,%.6e,%.6e\n", ex->systems[s].name, e, bler, ber);
        }
    }
    return sim_file_commit(&out);
}

static int write_script(const char *path, const sim_experiment *ex)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    FILE *f = out.f;
    fprintf(f, "# bler.gp: BLER against Eb/N0 for %s; rerun with `gnuplot bler.gp` in this folder.\n",
            ex->name);
    fprintf(f, "set datafile separator ','\n");
    fprintf(f, "set terminal pngcairo size 960,680 enhanced font 'DejaVu Sans,11'\n");
    fprintf(f, "set output 'bler.png'\n");
    char channel[32];
    size_t i;
    for (i = 0; ex->channel[i] && i + 1 < sizeof channel; i++)
        channel[i] = (char)toupper((unsigned char)ex->channel[i]);
    channel[i] = '\0';
    fprintf(f,
            "set title '%s: block error rate on %s (markers: simulation with 95%% intervals; dashed: "
            "closed form)' noenhanced\n",
            ex->name, channel);
    fprintf(f, "set xlabel 'E_b/N_0 (dB)'\nset ylabel 'Block error rate (BLER)'\n");
    fprintf(f, "set logscale y\nset format y '10^{%%L}'\nset mytics 10\n");
    fprintf(f, "set xrange [%g:%g]\nset yrange [*:1]\n", ex->ebno_db[0], ex->ebno_db[ex->n_ebno - 1]);
    fprintf(f, "set grid xtics ytics mytics lc rgb '#d0d0d0'\nset key bottom left box opaque noenhanced\n");
    fprintf(f, "sel(name, col) = (strcol(1) eq name) ? column(col) : 1/0\n");
    fprintf(f, "plot \\\n");
    for (size_t s = 0; s < ex->n_systems; s++) {
        const char *nm = ex->systems[s].name;
        const char *c = colours[s % 8];
        double b, r;
        int learned = ex->systems[s].type == SIM_SYS_AUTOENCODER;
        fprintf(f,
                "  'results.csv' every ::1 using (sel('%s', 3)):7:8:9 with yerrorbars pt %d ps %s lw 1.5 "
                "lc rgb '%s' title '%s'",
                nm, learned ? points_open[s % 8] : points_filled[s % 8], learned ? "2.2" : "1.1", c, nm);
        if (sim_system_theory(&ex->systems[s], ex->ebno_db[0], &b, &r))
            fprintf(
                f,
                ", \\\n  'theory.csv' every ::1 using (sel('%s', 2)):3 with lines dt 2 lw 1.5 lc rgb '%s' "
                "title '%s, closed form'",
                nm, c, nm);
        fprintf(f, "%s\n", s + 1 < ex->n_systems ? ", \\" : "");
    }
    return sim_file_commit(&out);
}

int sim_plot_bler(const char *dir, const sim_experiment *ex)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/theory.csv", dir);
    int rc = write_theory(path, ex);
    if (rc != AE_OK)
        return rc;
    snprintf(path, sizeof path, "%s/bler.gp", dir);
    if ((rc = write_script(path, ex)) != AE_OK)
        return rc;
    pid_t pid = fork();
    if (pid < 0)
        return AE_ERROR(AE_ERUNTIME, "cannot start gnuplot: %s", strerror(errno));
    if (pid == 0) {
        // child: draw in the results folder, quietly
        if (chdir(dir) != 0)
            _exit(126);
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        execlp("gnuplot", "gnuplot", "bler.gp", (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return AE_ERROR(AE_ERUNTIME, "waiting for gnuplot: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return AE_ERROR(AE_ERUNTIME,
                        "gnuplot not found; install it (apt-get install gnuplot-nox) and run "
                        "`gnuplot bler.gp` in %s",
                        dir);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return AE_ERROR(AE_ERUNTIME, "gnuplot failed on %s/bler.gp (status %d)", dir, status);
    return AE_OK;
}
