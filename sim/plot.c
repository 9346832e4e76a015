// plot.c - gnuplot scripts for the figures of a results folder, and drawing them safely.
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

// ---------------------------------------------------------------------------------------------
// text that reaches a script

// Write s to f as a gnuplot string literal. Everything that does not come from aesim itself (the
// experiment's name, system names, channel descriptions, file names) reaches a script only through
// here, also in comments. Inside single quotes gnuplot 5.4 substitutes no backquoted command, expands
// no @macro and reads no backslash escape; a quote is written twice. Control characters become '?': a
// newline or carriage return would end the command (and a backslash before one would continue it).
static void gp_put(FILE *f, const char *s)
{
    fputc('\'', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'')
            fputs("''", f);
        else if (*p < 0x20 || *p == 0x7f)
            fputc('?', f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
}

// The channel in words, for legend entries (the type's label: "AWGN", "Rayleigh fading, perfect CSI",
// "OFDM 64 subcarriers, CP 16, 8-tap exp. PDP (-3 dB/tap), LS CSI (comb-4 pilots), ZF").
static void channel_label(const sim_channel_cfg *c, char *buf, size_t len)
{
    sim_channel_label(c, buf, len);
}

// A classical modulation with one symbol per block: its BLER is its symbol error rate.
static int one_symbol_modem(const sim_system_cfg *s)
{
    return (s->type == SIM_SYS_MODEM && s->symbols == 1) || (s->type == SIM_SYS_UNCODED_BPSK && s->k == 1);
}

// ---------------------------------------------------------------------------------------------
// drawing: gnuplot into a checked temporary file

// Run `gnuplot -e "[svg=1; ]outfile='OUT'" SCRIPT` in dir with stdout on /dev/null and stderr captured:
// the first line gnuplot wrote that is not a warning goes to why (empty if none). AE_OK if gnuplot exited
// 0 and wrote no such line; AE_ERUNTIME otherwise (missing gnuplot, a failure, an error message).
static int run_gnuplot(const char *dir, const char *script, const char *out, int svg, char *why, size_t wlen)
{
    why[0] = '\0';
    char define[1200];
    FILE *m = fmemopen(define, sizeof define, "w");
    if (!m)
        return AE_ERROR(AE_ERUNTIME, "cannot start gnuplot: %s", strerror(errno));
    fputs(svg ? "svg=1; outfile=" : "outfile=", m);
    gp_put(m, out);
    fputc('\0', m);
    int bad = ferror(m) || ftell(m) >= (long)sizeof define;
    fclose(m);
    if (bad)
        return AE_ERROR(AE_ERUNTIME, "gnuplot output name too long: %s", out);
    int fd[2];
    if (pipe(fd) != 0)
        return AE_ERROR(AE_ERUNTIME, "cannot start gnuplot: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return AE_ERROR(AE_ERUNTIME, "cannot start gnuplot: %s", strerror(errno));
    }
    if (pid == 0) {
        // child: draw in the results folder; no shell is involved
        close(fd[0]);
        int null = open("/dev/null", O_RDWR);
        if (chdir(dir) != 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            dup2(fd[1], STDERR_FILENO) < 0)
            _exit(126);
        if (null > STDERR_FILENO)
            close(null);
        if (fd[1] > STDERR_FILENO)
            close(fd[1]);
        execlp("gnuplot", "gnuplot", "-e", define, script, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    // gnuplot's messages: the whole stream is read (so gnuplot never blocks on a full pipe), the first
    // 4 KiB kept
    char err[4096];
    size_t used = 0;
    for (;;) {
        char chunk[512];
        ssize_t got = read(fd[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        size_t take = (size_t)got < sizeof err - 1 - used ? (size_t)got : sizeof err - 1 - used;
        memcpy(err + used, chunk, take);
        used += take;
    }
    err[used] = '\0';
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return AE_ERROR(AE_ERUNTIME, "waiting for gnuplot: %s", strerror(errno));
    // the first line that is not a warning ('"bler.gp" line 30: warning: ...', a library's WARNING)
    for (char *line = err; *line;) {
        char *end = strchr(line, '\n');
        size_t l = end ? (size_t)(end - line) : strlen(line);
        int warning = 0, blank = 1;
        for (size_t i = 0; i < l; i++) {
            blank &= line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
            warning |= i + 7 <= l && strncasecmp(line + i, "warning", 7) == 0;
        }
        if (!blank && !warning) {
            snprintf(why, wlen, "%.*s", (int)l, line);
            break;
        }
        line += l + (end ? 1 : 0);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return AE_ERROR(
            AE_ERUNTIME,
            "gnuplot not found; install it (apt-get install gnuplot-nox) and run `gnuplot %s` in %s", script,
            dir);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return AE_ERROR(AE_ERUNTIME, "gnuplot failed on %s/%s (%s %d)%s%s", dir, script,
                        WIFSIGNALED(status) ? "signal" : "exit status",
                        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), why[0] ? ": " : "",
                        why);
    if (why[0])
        return AE_ERROR(AE_ERUNTIME, "gnuplot reported an error on %s/%s: %s", dir, script, why);
    return AE_OK;
}

// Is the figure gnuplot wrote to path whole? A PNG must start with the PNG signature and end with the
// IEND chunk, an SVG must end with "</svg>" (and white space): a full disk leaves a file cut short or
// empty, and gnuplot still exits 0. The file is fsync'd. AE_OK, or AE_EIO naming the figure.
static int figure_complete(const char *path, const char *fig, int svg)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return AE_ERROR(AE_EIO, "cannot save %s: %s; the previous file is unchanged", fig, strerror(errno));
    struct stat st;
    unsigned char head[8], tail[64];
    const char *why = NULL;
    if (fstat(fd, &st) != 0 || st.st_size == 0) {
        why = "gnuplot wrote nothing";
    } else {
        size_t n_tail = st.st_size < (off_t)sizeof tail ? (size_t)st.st_size : sizeof tail;
        if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head && !svg)
            why = "the file is cut short";
        else if (pread(fd, tail, n_tail, st.st_size - (off_t)n_tail) != (ssize_t)n_tail)
            why = "cannot read it back";
        else if (!svg) {
            static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
            static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
            if (memcmp(head, sig, sizeof sig) != 0 || n_tail < sizeof iend ||
                memcmp(tail + n_tail - sizeof iend, iend, sizeof iend) != 0)
                why = "the PNG is cut short (no IEND chunk)";
        } else {
            size_t e = n_tail;
            while (e > 0 &&
                   (tail[e - 1] == '\n' || tail[e - 1] == ' ' || tail[e - 1] == '\r' || tail[e - 1] == '\t'))
                e--;
            if (e < 6 || memcmp(tail + e - 6, "</svg>", 6) != 0)
                why = "the SVG is cut short (no closing </svg>)";
        }
        if (!why && fsync(fd) != 0)
            why = strerror(errno);
    }
    close(fd);
    if (why)
        return AE_ERROR(AE_EIO, "cannot save %s: %s (is the disk full?); the previous file is unchanged", fig,
                        why);
    return AE_OK;
}

// Draw dir/BASE.gp into BASE.png and BASE.svg. gnuplot writes each into a temporary file of a unique
// name beside the figure (BASE.png.tmp.XXXXXX); both are checked (gnuplot's exit status and messages,
// figure_complete) and only then renamed over the figures, so a failure leaves the previous figures and
// no temporary file.
static int draw(const char *dir, const char *base)
{
    char script[320], tmp[2][4400], fig[2][4400];
    snprintf(script, sizeof script, "%s.gp", base);
    int made[2] = {0, 0}, rc = AE_OK;
    for (int svg = 0; svg <= 1 && rc == AE_OK; svg++) {
        const char *ext = svg ? "svg" : "png";
        snprintf(fig[svg], sizeof fig[svg], "%s/%s.%s", dir, base, ext);
        snprintf(tmp[svg], sizeof tmp[svg], "%s/%s.%s.tmp.XXXXXX", dir, base, ext);
        int fd = mkstemp(tmp[svg]);
        if (fd < 0) {
            rc = AE_ERROR(AE_EIO, "cannot save %s: %s; the previous file is unchanged", fig[svg],
                          strerror(errno));
            break;
        }
        // mkstemp makes the file 0600; a figure gets the usual mode (0666 less the umask)
        mode_t mask = umask(0);
        umask(mask);
        int mrc = fchmod(fd, 0666 & ~mask);
        close(fd);
        made[svg] = 1;
        if (mrc != 0) {
            rc = AE_ERROR(AE_EIO, "cannot save %s: %s; the previous file is unchanged", fig[svg],
                          strerror(errno));
            break;
        }
        char why[512];
        const char *name = strrchr(tmp[svg], '/') + 1; // gnuplot runs in dir
        rc = run_gnuplot(dir, script, name, svg, why, sizeof why);
        if (rc == AE_OK)
            rc = figure_complete(tmp[svg], fig[svg], svg);
    }
    for (int svg = 0; svg <= 1 && rc == AE_OK; svg++) {
        if (rename(tmp[svg], fig[svg]) != 0)
            rc = AE_ERROR(AE_EIO, "cannot save %s (rename: %s); the previous file is unchanged", fig[svg],
                          strerror(errno));
        else
            made[svg] = 0;
    }
    for (int svg = 0; svg <= 1; svg++)
        if (made[svg])
            remove(tmp[svg]);
    return rc;
}

// The head of every script: a comment naming it (the experiment's name or system as a quoted literal)
// and the terminals; gnuplot -e sets svg and outfile (a temporary name) when aesim draws.
static void script_head(FILE *f, const char *base, const char *what, const char *whose, int w, int h)
{
    fprintf(f, "# %s.gp: the %s ", base, what);
    gp_put(f, whose);
    fprintf(f, ". Redraw with: gnuplot %s.gp (in this folder)\n", base);
    fprintf(f, "set datafile separator ','\n");
    fprintf(f, "set terminal pngcairo size %d,%d enhanced font 'DejaVu Sans,11'\n", w, h);
    fprintf(f, "if (exists('svg')) set terminal svg size %d,%d dynamic enhanced font 'DejaVu Sans,11'\n", w,
            h);
    fprintf(f, "if (!exists('outfile')) outfile = '%s.png'\nset output outfile\n", base);
}

// ---------------------------------------------------------------------------------------------
// error-rate figures

static int write_theory(const char *path, const sim_experiment *ex)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    fprintf(out.f, "system,ebno_db,esno_db,theory_bler,theory_ber\n");
    double lo = ex->ebno_db[0], hi = ex->ebno_db[ex->n_ebno - 1];
    if (hi - lo < 1.0) {
        lo -= 0.5; // a one-point grid: the figure's x range, so the closed form is a line
        hi += 0.5;
    }
    size_t steps = (size_t)floor((hi - lo) / SIM_THEORY_STEP_DB + 1e-9);
    for (size_t s = 0; s < ex->n_systems; s++) {
        const sim_system_cfg *sys = &ex->systems[s];
        size_t sym = sim_system_symbols(sys);
        double factor = sim_system_eb_factor(sys);
        for (size_t i = 0; i <= steps; i++) {
            // the grid's own quantity steps evenly; the other follows from k, the symbols per block and
            // the Eb bookkeeping of the channel, as in results.csv
            double g = lo + (double)i * SIM_THEORY_STEP_DB, bler, ber;
            double ebno = ex->grid_esno ? ch_ebno_db_from_esno_charged(g, sys->k, sym, factor) : g;
            if (!sim_system_theory(sys, ebno, &bler, &ber))
                break;
            fprintf(out.f, "%s,%.4f,%.4f", sys->name, ebno,
                    ch_esno_db_from_ebno_charged(ebno, sys->k, sym, factor));
            fprintf(out.f, isnan(bler) ? ",," : ",%.6e,", bler);
            fprintf(out.f, isnan(ber) ? "\n" : "%.6e\n", ber);
        }
    }
    return sim_file_commit(&out);
}

void sim_plot_rate_range(const sim_experiment *ex, const sim_row *rows, size_t n_rows, int ber, double *y0,
                         double *y1)
{
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < n_rows; i++) {
        int ours = 0;
        for (size_t s = 0; s < ex->n_systems && !ours; s++)
            ours = strcmp(rows[i].system, ex->systems[s].name) == 0;
        const sim_point *p = &rows[i].pt;
        double r = ber ? p->ber : p->bler, rl = ber ? p->ber_lo : p->bler_lo,
               rh = ber ? p->ber_hi : p->bler_hi;
        if (!ours || !(r > 0.0) || !isfinite(r))
            continue;
        lo = fmin(lo, rl > 0.0 && rl < r ? rl : r);
        hi = fmax(hi, rh > r && isfinite(rh) ? rh : r);
    }
    if (!(hi > 0.0)) {
        *y0 = 1e-6; // no error anywhere: an empty axis of the usual span
        *y1 = 1.0;
        return;
    }
    *y0 = pow(10.0, floor(log10(lo) + 1e-9));
    *y1 = fmin(1.0, pow(10.0, ceil(log10(hi) - 1e-9)));
    if (*y1 <= *y0)
        *y0 = *y1 / 10.0;
}

// One figure: BLER (ber = 0) or BER (ber = 1) against the grid's quantity, y from y0 to y1.
static int write_script(const char *path, const sim_experiment *ex, int ber, double y0, double y1)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    FILE *f = out.f;
    const char *what = ber ? "ber" : "bler";
    // results.csv columns (found by name) of the grid's quantity, the rate and its interval; theory.csv
    // column of the closed form
    int xcol = sim_results_column_index(ex->grid_esno ? "esno_db" : "ebno_db");
    int col = sim_results_column_index(what), th_col = ber ? 5 : 4;
    int lo_col = sim_results_column_index(ber ? "ber_lo" : "bler_lo");
    int hi_col = sim_results_column_index(ber ? "ber_hi" : "bler_hi");
    if (!xcol || !col || !lo_col || !hi_col) {
        sim_file_abort(&out);
        return AE_ERROR(AE_EINVAL, "results.csv has no column for the %s figure", what);
    }
    // the legend entries: system and channel in words; with one-symbol modems beside other systems
    // their entries say that their BLER is a symbol error rate
    size_t ones = 0, widest = 0;
    for (size_t s = 0; s < ex->n_systems; s++)
        ones += one_symbol_modem(&ex->systems[s]);
    int all_ser = !ber && ones == ex->n_systems, mark_ser = !ber && ones > 0 && !all_ser;
    char(*entry)[352] = calloc(ex->n_systems ? ex->n_systems : 1, sizeof *entry);
    if (!entry) {
        sim_file_abort(&out);
        return AE_ERROR(AE_ENOMEM, "out of memory");
    }
    for (size_t s = 0; s < ex->n_systems; s++) {
        char ch[256];
        channel_label(&ex->systems[s].channel, ch, sizeof ch);
        int mark = mark_ser && one_symbol_modem(&ex->systems[s]);
        snprintf(entry[s], sizeof entry[s], "%s%s, %s", ex->systems[s].name, mark ? " (SER)" : "", ch);
        widest = strlen(entry[s]) > widest ? strlen(entry[s]) : widest;
    }
    // short entries fit beside the plot; long ones (OFDM channels) go below it, one per line
    int below = widest > 40;
    int height = below ? 600 + 20 * (int)(ex->n_systems + 1) : 680;
    char axis[16];
    snprintf(axis, sizeof axis, "%s", ex->grid_esno ? "Es/N0" : "Eb/N0");
    script_head(f, what,
                ber       ? "BER figure of the experiment"
                : all_ser ? "SER figure of the experiment"
                          : "BLER figure of the experiment",
                ex->name, 1180, height);
    const char *rate = ber ? "bit error rate" : all_ser ? "symbol error rate" : "block error rate";
    fprintf(f, "set title ");
    gp_put(f, ex->name);
    fprintf(
        f,
        " . \": %s against %s\\n(markers: simulation with 95%% intervals, joined by lines; dashed: closed "
        "form)\" noenhanced\n",
        rate, axis);
    fprintf(f, "set xlabel '%s (dB)'\nset ylabel '%s'\n", ex->grid_esno ? "E_s/N_0" : "E_b/N_0",
            ber       ? "Bit error rate (BER)"
            : all_ser ? "Symbol error rate (SER)"
            : ones    ? "Block error rate (BLER); SER for one-symbol modems"
                      : "Block error rate (BLER)");
    fprintf(f, "set logscale y\nset format y '10^{%%L}'\nset mytics 10\n");
    // a one-point grid still gets an x range; the end points' markers and bars stay off the border
    double x0 = ex->ebno_db[0], x1 = ex->ebno_db[ex->n_ebno - 1];
    if (x1 - x0 < 1.0) {
        x0 -= 0.5;
        x1 += 0.5;
    }
    double pad = 0.015 * (x1 - x0);
    x0 -= pad;
    x1 += pad;
    fprintf(f, "set xrange [%g:%g]\nset yrange [%g:%g]\n", x0, x1, y0, y1);
    // closed forms are cut at the axis; an interval reaching 0 (few errors) is drawn down to the axis,
    // which a log scale cannot show
    fprintf(f, "cut(y) = y >= %g ? y : 1/0\n", y0);
    fprintf(f, "low(y) = y > 0 ? y : %g\n", y0);
    fprintf(f, "set grid xtics ytics mytics lc rgb '#d0d0d0'\n");
    if (below)
        fprintf(f, "set key outside below left Left reverse vertical maxcols 1 box noenhanced\n");
    else
        fprintf(f, "set key outside right top box noenhanced\n");
    // system is column 1 of results.csv and of theory.csv
    fprintf(f, "sel(name, col) = (strcol(1) eq name) ? column(col) : 1/0\n");
    int any_theory = 0;
    fprintf(f, "plot \\\n");
    for (size_t s = 0; s < ex->n_systems; s++) {
        const char *nm = ex->systems[s].name;
        const char *c = colours[s % 8];
        int learned = sim_system_learned(&ex->systems[s]);
        fprintf(f, "  'results.csv' every ::1 using (sel(");
        gp_put(f, nm);
        fprintf(f, ", %d)):%d:(low(column(%d))):%d with yerrorlines pt %d ps %s lw 1.2 lc rgb '%s' title ",
                xcol, col, lo_col, hi_col, learned ? points_open[s % 8] : points_filled[s % 8],
                learned ? "2.2" : "1.1", c);
        gp_put(f, entry[s]);
        double b, r;
        if (sim_system_theory(&ex->systems[s], ex->ebno_db[0], &b, &r) && !isnan(ber ? r : b)) {
            fprintf(f, ", \\\n  'theory.csv' every ::1 using (sel(");
            gp_put(f, nm);
            fprintf(f, ", %d)):(cut(column(%d))) with lines dt 2 lw 1.5 lc rgb '%s' notitle",
                    ex->grid_esno ? 3 : 2, th_col, c);
            any_theory = 1;
        }
        fprintf(f, ", \\\n");
    }
    free(entry);
    if (any_theory)
        fprintf(f, "  keyentry with lines dt 2 lw 1.5 lc rgb '#505050' title 'closed forms (dashed)', \\\n");
    // a constant below the axis: draws nothing, but keeps gnuplot from failing when no system has a
    // positive rate to show (no error at any point)
    fprintf(f, "  1e-300 notitle\n");
    return sim_file_commit(&out);
}

int sim_plot_figures(const char *dir, const sim_experiment *ex, const sim_row *rows, size_t n_rows)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/theory.csv", dir);
    int rc = write_theory(path, ex);
    if (rc != AE_OK)
        return rc;
    for (int ber = 0; ber <= 1; ber++) {
        const char *script = ber ? "ber.gp" : "bler.gp";
        double y0, y1;
        sim_plot_rate_range(ex, rows, n_rows, ber, &y0, &y1);
        snprintf(path, sizeof path, "%s/%s", dir, script);
        if ((rc = write_script(path, ex, ber, y0, y1)) != AE_OK ||
            (rc = draw(dir, ber ? "ber" : "bler")) != AE_OK)
            return rc;
    }
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// training loss

int sim_plot_loss(const char *dir, const sim_experiment *ex)
{
    int learned = 0;
    for (size_t s = 0; s < ex->n_systems; s++)
        learned += sim_system_learned(&ex->systems[s]);
    if (!learned)
        return AE_OK;
    char path[4200];
    snprintf(path, sizeof path, "%s/loss.gp", dir);
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    FILE *f = out.f;
    script_head(f, "loss", "training-loss figure of the experiment", ex->name, 960, 600);
    fprintf(f, "set title ");
    gp_put(f, ex->name);
    fprintf(f, " . \": training loss (softmax cross-entropy, mean over the steps since the previous point)\" "
               "noenhanced\n");
    fprintf(f, "set xlabel 'Adam step'\nset ylabel 'Loss (nats)'\nset logscale y\nset format y '10^{%%L}'\n");
    fprintf(f, "set grid lc rgb '#d0d0d0'\nset key outside right top box noenhanced\n");
    fprintf(f, "sel(name, col) = (strcol(1) eq name) ? column(col) : 1/0\nplot \\\n");
    int i = 0;
    for (size_t s = 0; s < ex->n_systems; s++) {
        if (!sim_system_learned(&ex->systems[s]))
            continue;
        fprintf(f, "%s  'loss.csv' every ::1 using (sel(", i ? ", \\\n" : "");
        gp_put(f, ex->systems[s].name);
        fprintf(f, ", 2)):3 with lines lw 1.5 lc rgb '%s' title ", colours[i % 8]);
        gp_put(f, ex->systems[s].name);
        i++;
    }
    fprintf(f, "\n");
    if ((rc = sim_file_commit(&out)) != AE_OK)
        return rc;
    return draw(dir, "loss");
}

// ---------------------------------------------------------------------------------------------
// constellations

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

// Euclidean distance between codewords a and b [n].
static double cw_distance(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        s += d * d;
    }
    return sqrt(s);
}

// The distance spectrum of a classical code at the learned code's mean block energy E, for comparison:
// Hamming (7,4) in BPSK (n = 7, k = 4: 7 neighbours at Hamming distance 3, 7 at 4, 1 at 7; Lin &
// Costello, Error Control Coding, 2nd ed., Sec. 3.1) or uncoded BPSK, which for pairs of uses is Gray
// QPSK (n = k: C(k, w) neighbours at Hamming distance w). BPSK symbols +-sqrt(E/n) differ by
// 2 sqrt(E/n) in each position, so Hamming distance w is Euclidean distance 2 sqrt(w E / n). Fills
// dist[] and mult[] (up to AE_MAX_K entries, ascending distance) and returns the count, 0 without a
// reference; *name describes it.
static size_t reference_spectrum(size_t n, unsigned k, int complex, double energy, double *dist, double *mult,
                                 const char **name)
{
    double scale = 2.0 * sqrt(energy / (double)n);
    if (n == 7 && k == 4 && !complex) {
        static const double w[3] = {3, 4, 7}, c[3] = {7, 7, 1};
        for (int i = 0; i < 3; i++) {
            dist[i] = scale * sqrt(w[i]);
            mult[i] = c[i];
        }
        *name = "Hamming (7,4) in BPSK";
        return 3;
    }
    if (n == k && k <= AE_MAX_K) {
        double binom = 1.0;
        for (unsigned w = 1; w <= k; w++) {
            binom = binom * (double)(k - w + 1) / (double)w;
            dist[w - 1] = scale * sqrt((double)w);
            mult[w - 1] = binom;
        }
        *name = complex ? "uncoded Gray QPSK" : "uncoded BPSK";
        return k;
    }
    *name = NULL;
    return 0;
}

// The greatest M whose M(M-1)/2 pairwise distances are computed (the distance spectrum; also at most
// SPECTRUM_MAX_WORK = M^2 n / 2 operations), and whose distance matrix is drawn as an image; the most
// points that get labels; resolution of the learned spectrum (bins over [0, dmax]).
enum { SPECTRUM_MAX_M = 4096, MATRIX_MAX_M = 256, LABELS_MAX_POINTS = 1024, SPECTRUM_BINS = 1000 };
#define SPECTRUM_MAX_WORK 1073741824.0

typedef struct spectrum {
    double dmin;     // minimum distance between two codewords
    double dnn;      // mean over messages of the distance to the nearest other codeword
    double dmax;     // largest distance
    double energy;   // mean block energy of the codebook
    double ref_dmin; // the reference's minimum distance (0: no reference)
    double lowest;   // the smallest positive count of either spectrum (the log axis starts below it)
    const char *ref; // the reference's description, or NULL
} spectrum;

// dir/NAME_distances.csv: kind,distance,within: the cumulative distance spectrum, the mean number of
// other codewords per message within each distance (reaching M - 1 at the largest): "learned" rows at
// the upper edges of the bins of width dmax / SPECTRUM_BINS where it grows, "reference" rows at the
// reference's distances (reference_spectrum); for matrix = 1 also dir/NAME_matrix.csv, the M x M
// distances. cb [M][n]. AE_OK, AE_ENOMEM, AE_EIO.
static int write_distances(const char *dir, const char *name, const float *cb, size_t M, size_t n, unsigned k,
                           int complex, int matrix, spectrum *sp)
{
    double *nearest = malloc(M * sizeof *nearest), *hist = calloc(SPECTRUM_BINS, sizeof *hist);
    if (!nearest || !hist) {
        free(nearest);
        free(hist);
        return AE_ERROR(AE_ENOMEM, "out of memory for the constellation's distances");
    }
    memset(sp, 0, sizeof *sp);
    sp->dmin = INFINITY;
    for (size_t m = 0; m < M; m++) {
        nearest[m] = INFINITY;
        for (size_t i = 0; i < n; i++)
            sp->energy += (double)cb[m * n + i] * cb[m * n + i] / (double)M;
    }
    for (size_t a = 0; a < M; a++)
        for (size_t b = a + 1; b < M; b++) {
            double d = cw_distance(cb + a * n, cb + b * n, n);
            sp->dmax = fmax(sp->dmax, d);
            nearest[a] = fmin(nearest[a], d);
            nearest[b] = fmin(nearest[b], d);
        }
    for (size_t m = 0; m < M; m++) {
        sp->dmin = fmin(sp->dmin, nearest[m]);
        sp->dnn += nearest[m] / (double)M;
    }
    free(nearest);
    double width = sp->dmax > 0.0 ? sp->dmax / SPECTRUM_BINS : 1.0;
    for (size_t a = 0; a < M; a++)
        for (size_t b = a + 1; b < M; b++) {
            size_t bin = (size_t)(cw_distance(cb + a * n, cb + b * n, n) / width);
            hist[bin < SPECTRUM_BINS ? bin : SPECTRUM_BINS - 1] += 2.0 / (double)M; // each pair counts twice
        }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s_distances.csv", dir, name);
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK) {
        free(hist);
        return rc;
    }
    fprintf(out.f, "kind,distance,within\n");
    double within = 0.0;
    for (size_t i = 0; i < SPECTRUM_BINS; i++) {
        if (hist[i] <= 0.0)
            continue;
        within += hist[i];
        if (sp->lowest == 0.0)
            sp->lowest = within;
        fprintf(out.f, "learned,%.6g,%.6g\n", (double)(i + 1) * width, within);
    }
    free(hist);
    double rd[AE_MAX_K], rm[AE_MAX_K];
    size_t nr = reference_spectrum(n, k, complex, sp->energy, rd, rm, &sp->ref);
    sp->ref_dmin = nr ? rd[0] : 0.0;
    within = 0.0;
    for (size_t i = 0; i < nr; i++) {
        within += rm[i];
        fprintf(out.f, "reference,%.6g,%.6g\n", rd[i], within);
    }
    if (nr)
        sp->lowest = fmin(sp->lowest > 0.0 ? sp->lowest : rm[0], rm[0]);
    if ((rc = sim_file_commit(&out)) != AE_OK || !matrix)
        return rc;
    snprintf(path, sizeof path, "%s/%s_matrix.csv", dir, name);
    if ((rc = sim_file_open(&out, path)) != AE_OK)
        return rc;
    for (size_t a = 0; a < M; a++)
        for (size_t b = 0; b < M; b++)
            fprintf(out.f, "%.4g%c", cw_distance(cb + a * n, cb + b * n, n), b + 1 < M ? ',' : '\n');
    return sim_file_commit(&out);
}

// The labels of the points p [count][2] (of messages msg [count]) in a square frame [-r, r]^2 drawn
// about px pixels wide: points closer than 2% of r form one position, labelled with the message's k
// bits when it is alone and "xC" for C coinciding points; a position whose label (drawn above it,
// taken as 7 x 14 pixels a character) would overlap a label placed earlier gets none. label [count][32]
// ("" for no label). AE_OK or AE_ENOMEM.
static int place_labels(const double *p, const size_t *msg, size_t count, unsigned k, double r, double px,
                        char (*label)[32])
{
    double unit = 2.0 * r / px, near = 0.02 * r, lw = 7.0 * (k + 1) * unit, lh = 14.0 * unit;
    size_t *placed = malloc((count ? count : 1) * sizeof *placed), n_placed = 0;
    if (!placed)
        return AE_ERROR(AE_ENOMEM, "out of memory for the constellation's labels");
    for (size_t i = 0; i < count; i++) {
        label[i][0] = '\0';
        size_t same = 0;
        int first = 1;
        for (size_t j = 0; j < count; j++)
            if (hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1]) < near) {
                same++;
                first &= j >= i; // an earlier point at the same position carries the label
            }
        int clash = !first;
        for (size_t q = 0; q < n_placed && !clash; q++)
            clash = fabs(p[2 * i] - p[2 * placed[q]]) < lw && fabs(p[2 * i + 1] - p[2 * placed[q] + 1]) < lh;
        if (clash)
            continue;
        placed[n_placed++] = i;
        if (same > 1) {
            snprintf(label[i], sizeof label[i], "x%zu", same);
        } else {
            for (unsigned b = 0; b < k && b < sizeof label[i] - 1; b++)
                label[i][b] = (char)('0' + (int)((msg[i] >> (k - 1 - b)) & 1u));
            label[i][k < sizeof label[i] - 1 ? k : sizeof label[i] - 1] = '\0';
        }
    }
    free(placed);
    return AE_OK;
}

// The palette of the distance image (viridis-like, dark = near).
static const char *const distance_palette =
    "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n";

int sim_plot_constellation(const char *dir, const char *system, const float *codebook, size_t M, size_t n,
                           unsigned k, int complex)
{
    // the view: 0 the plane (n <= 2), 1 the complex symbols overlaid in the I/Q plane, 2 the distance
    // image (real channel, n > 2; principal components beyond MATRIX_MAX_M messages); beside views 1
    // and 2 the distance spectrum (up to SPECTRUM_MAX_M messages and SPECTRUM_MAX_WORK)
    int view = n <= 2 ? 0 : complex ? 1 : 2;
    int spec =
        view != 0 && M <= SPECTRUM_MAX_M && 0.5 * (double)M * (double)M * (double)n <= SPECTRUM_MAX_WORK;
    int image = view == 2 && spec && M <= MATRIX_MAX_M;
    size_t per = view == 1 ? n / 2 : 1, count = M * per; // plotted points: one per complex symbol in view 1
    char path[4200], name[256];
    snprintf(name, sizeof name, "constellation_%s", system);
    double *e1 = calloc(n, sizeof *e1), *e2 = calloc(n, sizeof *e2), *pts = malloc(2 * count * sizeof *pts);
    size_t *msg = malloc(count * sizeof *msg);
    // labels in the planes only: in a projection, distinct codewords may fall on one point
    int labelled = view != 2 && count <= LABELS_MAX_POINTS;
    char(*label)[32] = malloc((labelled ? count : 1) * sizeof *label);
    if (!e1 || !e2 || !pts || !msg || !label) {
        free(e1);
        free(e2);
        free(pts);
        free(msg);
        free(label);
        return AE_ERROR(AE_ENOMEM, "out of memory for the constellation");
    }
    int rc = view == 2 ? principal_axes(codebook, M, n, e1, e2) : AE_OK;
    double r = 0.0; // the frame [-r, r]^2 of the point views
    for (size_t m = 0; rc == AE_OK && m < M; m++) {
        const float *x = codebook + m * n;
        for (size_t s = 0; s < per; s++) {
            double *q = pts + 2 * (m * per + s);
            msg[m * per + s] = m;
            q[0] = q[1] = 0.0;
            if (view == 0) {
                q[0] = x[0];
                q[1] = n > 1 ? x[1] : 0.0;
            } else if (view == 1) {
                q[0] = x[2 * s];
                q[1] = x[2 * s + 1];
            } else {
                for (size_t i = 0; i < n; i++) {
                    q[0] += e1[i] * x[i];
                    q[1] += e2[i] * x[i];
                }
            }
            r = fmax(r, fmax(fabs(q[0]), fabs(q[1])));
        }
    }
    r = r > 0.0 ? 1.25 * r : 1.0;
    double panel_px = view == 0 ? 560.0 : 470.0;
    if (rc == AE_OK && labelled)
        rc = place_labels(pts, msg, count, k, r, panel_px, label);
    sim_file out;
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    if (rc == AE_OK)
        rc = sim_file_open(&out, path);
    if (rc == AE_OK) {
        FILE *f = out.f;
        fprintf(f, "message,bits");
        for (size_t i = 0; i < n; i++)
            fprintf(f, ",x%zu", i);
        fprintf(f, ",p1,p2,symbol,label\n");
        for (size_t j = 0; j < count; j++) {
            size_t m = msg[j];
            fprintf(f, "%zu,", m);
            for (unsigned b = 0; b < k; b++)
                fputc('0' + (int)((m >> (k - 1 - b)) & 1u), f);
            for (size_t i = 0; i < n; i++)
                fprintf(f, ",%.6g", codebook[m * n + i]);
            // the label quoted: gnuplot 5.4 can misread an empty last field
            fprintf(f, ",%.6g,%.6g,%zu,\"%s\"\n", pts[2 * j], pts[2 * j + 1], j % per,
                    labelled ? label[j] : "");
        }
        rc = sim_file_commit(&out);
    }
    free(e1);
    free(e2);
    free(pts);
    free(msg);
    free(label);
    spectrum sp = {0};
    if (rc == AE_OK && spec)
        rc = write_distances(dir, name, codebook, M, n, k, complex, image, &sp);
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    if (rc != AE_OK || (rc = sim_file_open(&out, path)) != AE_OK)
        return rc;
    FILE *f = out.f;
    script_head(f, name, "constellation of the learned system", system, spec ? 1320 : 720, spec ? 680 : 720);
    // the figure's title
    char what[200];
    snprintf(what, sizeof what, ": learned constellation (%zu messages, %zu real channel uses%s)", M, n,
             complex ? " as complex symbols" : "");
    if (spec) {
        fprintf(f, "set multiplot layout 1,2 title ");
        gp_put(f, system);
        fprintf(f, " . ");
        gp_put(f, what);
        fprintf(f, " noenhanced\n");
    }
    fprintf(
        f, "set grid lc rgb '#d0d0d0'\nset key outside bottom center horizontal noenhanced\nset bmargin 5\n");
    if (image) {
        // every pairwise distance as a colour; with up to 16 messages the values and bit labels too
        fprintf(f, "set title 'Euclidean distance between codewords' noenhanced\nset size square\n");
        fprintf(f, "set xrange [-0.5:%g]\nset yrange [%g:-0.5]\nunset grid\n", (double)M - 0.5,
                (double)M - 0.5);
        if (M <= 16) {
            for (int axis = 0; axis < 2; axis++) {
                fprintf(f, "set %s (", axis ? "ytics" : "xtics");
                for (size_t m = 0; m < M; m++) {
                    fprintf(f, "%s'", m ? ", " : "");
                    for (unsigned b = 0; b < k; b++)
                        fputc('0' + (int)((m >> (k - 1 - b)) & 1u), f);
                    fprintf(f, "' %zu", m);
                }
                fprintf(f, ")%s\n", axis ? "" : " rotate by 90 right");
            }
        }
        const char *axis_name = M <= 16 ? "message (bits)" : "message";
        fprintf(f, "set xlabel '%s'\nset ylabel '%s'\nset cblabel 'distance'\n%s", axis_name, axis_name,
                distance_palette);
        // the colours span the off-diagonal distances (the diagonal's 0 takes the darkest)
        double c0 = 0.9 * sp.dmin, c1 = sp.dmax > c0 ? sp.dmax : c0 + 1.0;
        fprintf(f, "set cbrange [%g:%g]\n", c0, c1);
        fprintf(f, "plot '%s_matrix.csv' matrix with image notitle", name);
        if (M <= 16)
            fprintf(f,
                    ", \\\n  '' matrix using 1:2:(sprintf('%%.1f', $3)):($3 > %g ? 0x000000 : 0xffffff) with "
                    "labels "
                    "tc rgb variable font ',7' notitle",
                    0.5 * (c0 + c1));
        fprintf(f, "\n");
    } else {
        const char *const subtitle[] = {complex ? "its complex symbol in the I/Q plane"
                                                : "the plane of its channel uses",
                                        "every complex symbol of every message in the I/Q plane",
                                        "projection on the two principal components of the codewords"};
        int iq = complex && n >= 2;
        const char *xl = view == 2 ? "Principal component 1" : iq ? "In-phase" : "x_0";
        const char *yl = view == 2 ? "Principal component 2" : iq ? "Quadrature" : n > 1 ? "x_1" : "";
        if (spec) {
            fprintf(f, "set title '%s' noenhanced\n", subtitle[view]);
        } else {
            fprintf(f, "set title ");
            gp_put(f, system);
            fprintf(f, " . ");
            gp_put(f, what);
            fprintf(f, " . \"\\n%s\" noenhanced\n", subtitle[view]);
        }
        fprintf(f, "set xlabel '%s'\nset ylabel '%s'\nset size square\n", xl, yl);
        fprintf(f, "set xrange [%g:%g]\nset yrange [%g:%g]\n", -r, r, -r, r);
        // column names: gnuplot takes the header line as names, so no row is skipped
        if (view == 1 && per <= 8) {
            fprintf(f, "plot ");
            for (size_t s = 0; s < per; s++)
                fprintf(f,
                        "%s'%s.csv' using (column('symbol') == %zu ? column('p1') : 1/0):(column('p2')) with "
                        "points "
                        "pt 7 ps 1.3 lc rgb '%s' title 'symbol %zu of %zu'",
                        s ? ", \\\n  " : "", name, s, colours[s % 8], s + 1, per);
        } else {
            fprintf(
                f,
                "plot '%s.csv' using (column('p1')):(column('p2')) with points pt 7 ps 1.5 lc rgb '#0072B2' "
                "title 'learned'",
                name);
        }
        fprintf(
            f,
            ", \\\n  '%s.csv' using (column('p1')):(column('p2')):(strcol('label')) with labels offset 0,1 "
            "font ',9' notitle",
            name);
        if (view == 0 && M == 4 && n == 2)
            fprintf(f,
                    ", \\\n  '-' using 1:2 with points pt 6 ps 2.5 lc rgb '#D55E00' title '%s, same energy'\n"
                    "1,1\n1,-1\n-1,1\n-1,-1\ne",
                    complex ? "QPSK" : "uncoded BPSK (2,2)");
        fprintf(f, "\n");
    }
    if (spec) {
        // the distance spectrum beside the view, and the reference code's
        fprintf(f, "reset\nset datafile separator ','\n");
        // three title lines: what it is, the minimum distances, the mean nearest-neighbour distance
        char dmin[160], dnn[80];
        if (sp.ref)
            snprintf(dmin, sizeof dmin, "minimum distance %.3g (%s: %.3g)", sp.dmin, sp.ref, sp.ref_dmin);
        else
            snprintf(dmin, sizeof dmin, "minimum distance %.3g", sp.dmin);
        snprintf(dnn, sizeof dnn, "mean nearest-neighbour distance %.3g", sp.dnn);
        fprintf(f, "set title 'Cumulative distance spectrum' . \"\\n\" . ");
        gp_put(f, dmin);
        fprintf(f, " . \"\\n\" . ");
        gp_put(f, dnn);
        fprintf(f, " noenhanced\n");
        fprintf(f,
                "set xlabel 'Euclidean distance (mean block energy %.3g)'\n"
                "set ylabel 'Other codewords within that distance (mean per message)'\n",
                sp.energy);
        fprintf(f, "set xrange [0:%g]\nset logscale y\nset yrange [%g:%g]\n", 1.08 * sp.dmax, 0.5 * sp.lowest,
                1.5 * (double)(M - 1));
        fprintf(f, "set grid xtics ytics lc rgb '#d0d0d0'\nset key inside right bottom box noenhanced\n");
        fprintf(
            f,
            "plot '%s_distances.csv' every ::1 using (strcol(1) eq 'learned' ? column(2) : 1/0):3 with steps "
            "lw 2 lc rgb '#0072B2' title 'learned'",
            name);
        if (sp.ref) {
            char key[96];
            snprintf(key, sizeof key, "%s, same energy", sp.ref);
            fprintf(
                f,
                ", \\\n  '' every ::1 using (strcol(1) eq 'reference' ? column(2) : 1/0):3 with steps lw 1.5 "
                "dt 2 lc rgb '#D55E00' notitle, \\\n  '' every ::1 using (strcol(1) eq 'reference' ? "
                "column(2) : "
                "1/0):3 with points pt 7 ps 1.1 lc rgb '#D55E00' title ");
            gp_put(f, key);
        }
        fprintf(f, "\nunset multiplot\n");
    }
    if ((rc = sim_file_commit(&out)) != AE_OK)
        return rc;
    return draw(dir, name);
}
