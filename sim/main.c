// main.c - the aesim command line: the only place that prints for users and exits.
//
// Exit codes: 0 done; 2 the user's input is wrong (command line, config, a given file missing or
// malformed); 1 the run itself failed (write error, numerical failure); 130 / 143 interrupted by
// SIGINT / SIGTERM after saving what was done.
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "ae.h"
#include "ae_err.h"
#include "blas.h"
#include "config.h"
#include "engine.h"
#include "fileio.h"
#include "plot.h"
#include "results.h"
#include "systems.h"
#include "train.h"
#include "version.h"

enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_INPUT = 2, EXIT_SIGINT = 130, EXIT_SIGTERM = 143 };

static volatile sig_atomic_t g_cancel = 0; // set by SIGINT/SIGTERM, polled by training and the engine
static volatile sig_atomic_t g_signal = 0;

static void on_signal(int sig)
{
    g_signal = sig;
    g_cancel = 1;
}

static const char *const usage_main =
    "usage: aesim <command> [options]\n"
    "\n"
    "aesim trains end-to-end learned transceivers (autoencoders) through differentiable channels and\n"
    "measures them like any link: BER and BLER against Eb/N0, beside classical baselines and theory.\n"
    "\n"
    "commands:\n"
    "  run CONFIG [--out DIR] [--threads N] [--quiet]\n"
    "        train the learned systems of CONFIG, evaluate every system over its Eb/N0 grid and write\n"
    "        results.csv, resolved.cfg, loss.csv, theory.csv and bler.png into DIR\n"
    "        (default: results/<CONFIG name without .cfg>/)\n"
    "  list  print every config key with its default (a complete example config)\n"
    "\n"
    "options:\n"
    "  -h, --help      this help (also `aesim run --help`)\n"
    "  -V, --version   print the version\n"
    "\n"
    "exit codes: 0 done; 2 wrong input (command line, config, a given file missing or malformed);\n"
    "            1 the run failed (write error, NaN in training); 130/143 interrupted by SIGINT/SIGTERM\n"
    "            after saving what was done.\n"
    "\n"
    "example: aesim run experiments/oshea_7_4.cfg --threads 2\n";

static const char *const usage_run =
    "usage: aesim run CONFIG [--out DIR] [--threads N] [--quiet]\n"
    "\n"
    "Train every learned system of CONFIG (a libconfig file; see experiments/ and `aesim list`), then\n"
    "simulate every system at every Eb/N0 of the grid until a stop rule ends the point.\n"
    "\n"
    "  -o, --out DIR      results folder (default results/<config name>/, created if missing)\n"
    "  -t, --threads N    worker threads (default: OMP_NUM_THREADS or all cores); the counts are the\n"
    "                     same for any N with the same seed\n"
    "  -q, --quiet        no progress on stderr (progress is shown only on a terminal anyway)\n"
    "  -h, --help         this help\n"
    "\n"
    "writes: results.csv (one row per system and Eb/N0 point), loss.csv (training loss), resolved.cfg\n"
    "(the config with every default filled in), theory.csv and bler.gp/bler.png (the figure).\n"
    "Files are replaced atomically; results.csv is rewritten after every finished point.\n";

static int input_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "aesim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see aesim --help)\n");
    return EXIT_INPUT;
}

// Exit code of a library status.
static int exit_code_of(int rc)
{
    switch (rc) {
    case AE_OK: return EXIT_DONE;
    case AE_EINVAL:
    case AE_ECONFIG: return EXIT_INPUT;
    case AE_EINTR: return g_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
    default: return EXIT_FAILED;
    }
}

static int report(int rc)
{
    if (rc == AE_EINTR)
        fprintf(stderr, "aesim: interrupted; finished points are saved\n");
    else if (rc != AE_OK)
        fprintf(stderr, "aesim: %s\n", ae_err_message());
    return exit_code_of(rc);
}

// ---------------------------------------------------------------------------------------------
// aesim run

typedef struct run_ctx {
    const char *dir;
    int progress;       // print progress on stderr
    const char *system; // system being trained
    sim_loss_row *loss; // all loss rows so far
    size_t n_loss, cap_loss;
    int alloc_failed;
} run_ctx;

static void on_train_log(void *p, uint64_t step, double loss, double lr)
{
    run_ctx *cx = p;
    if (cx->n_loss == cx->cap_loss) {
        size_t cap = cx->cap_loss ? 2 * cx->cap_loss : 256;
        sim_loss_row *rows = realloc(cx->loss, cap * sizeof *rows);
        if (!rows) {
            cx->alloc_failed = 1;
            return;
        }
        cx->loss = rows;
        cx->cap_loss = cap;
    }
    sim_loss_row *r = &cx->loss[cx->n_loss++];
    snprintf(r->system, sizeof r->system, "%s", cx->system);
    r->step = step;
    r->loss = loss;
    r->lr = lr;
    if (cx->progress)
        fprintf(stderr, "\r  train %s: step %llu  loss %.4f  lr %.2e   ", cx->system,
                (unsigned long long)step, loss, lr);
}

static int parse_threads(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 1 || v > 1024)
        return 0;
    *out = (int)v;
    return 1;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out_dir = NULL;
    int threads = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 't':
            if (!parse_threads(optarg, &threads))
                return input_error("--threads '%s': expected an integer 1..1024", optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_run, stdout); return EXIT_DONE;
        default: fputs(usage_run, stderr); return EXIT_INPUT;
        }
    }
    if (optind != argc - 1) {
        fputs(usage_run, stderr);
        return optind >= argc ? input_error("run: missing CONFIG%s", "")
                              : input_error("run: unexpected argument '%s'", argv[optind + 1]);
    }
    const char *cfg_path = argv[optind];
    sim_experiment ex;
    int rc = sim_config_load(cfg_path, &ex);
    if (rc != AE_OK)
        return report(rc);
#ifdef _OPENMP
    ex.eval.threads = threads > 0 ? threads : omp_get_max_threads();
#else
    ex.eval.threads = 1;
#endif
    char dir[4096];
    if (out_dir)
        snprintf(dir, sizeof dir, "%s", out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", ex.name);
    if (sim_mkdir_p(dir) != AE_OK) {
        sim_experiment_free(&ex);
        fprintf(stderr, "aesim: %s\n", ae_err_message());
        return EXIT_INPUT;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/resolved.cfg", dir);
    if ((rc = sim_config_write_resolved(&ex, path, AESIM_VERSION)) != AE_OK) {
        sim_experiment_free(&ex);
        return report(rc);
    }

    run_ctx cx = {.dir = dir, .progress = !quiet && isatty(STDERR_FILENO)};
    sim_row *rows = calloc(ex.n_systems * ex.n_ebno, sizeof *rows);
    size_t n_rows = 0;
    if (!rows) {
        sim_experiment_free(&ex);
        fprintf(stderr, "aesim: out of memory\n");
        return EXIT_FAILED;
    }
    sim_blas_single_thread();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    for (size_t s = 0; s < ex.n_systems && rc == AE_OK; s++) {
        const sim_system_cfg *sys = &ex.systems[s];
        ae_model *ae = NULL;
        txrx *t = NULL;
        if (sys->type == SIM_SYS_AUTOENCODER) {
            ae = ae_create(&sys->ae);
            if (!ae) {
                rc = AE_ENOMEM;
                break;
            }
            cx.system = sys->name;
            rc = sim_train_ae(ae, &sys->train, on_train_log, &cx, &g_cancel);
            if (cx.progress)
                fputc('\n', stderr);
            snprintf(path, sizeof path, "%s/loss.csv", dir);
            int wrc = cx.alloc_failed ? AE_ERROR(AE_ENOMEM, "out of memory for the loss log")
                                      : sim_loss_write(path, cx.loss, cx.n_loss);
            if (rc == AE_OK)
                rc = wrc;
            if (rc == AE_OK && !(t = ae_txrx_create(ae)))
                rc = AE_ENOMEM;
        } else if (!(t = sim_system_classical(sys))) {
            rc = AE_EINVAL;
        }
        sim_engine *e = rc == AE_OK ? sim_engine_create(t, &ex.eval) : NULL;
        if (rc == AE_OK && !e)
            rc = AE_ENOMEM;
        for (size_t i = 0; i < ex.n_ebno && rc == AE_OK; i++) {
            sim_row *row = &rows[n_rows];
            memset(row, 0, sizeof *row);
            snprintf(row->system, sizeof row->system, "%s", sys->name);
            snprintf(row->channel, sizeof row->channel, "%s", ex.channel);
            rc = sim_engine_point(e, ex.ebno_db[i], &row->pt, &g_cancel);
            if (rc != AE_OK)
                break;
            sim_system_theory(sys, ex.ebno_db[i], &row->theory_bler, &row->theory_ber);
            n_rows++;
            snprintf(path, sizeof path, "%s/results.csv", dir);
            rc = sim_results_write(path, rows, n_rows);
            if (cx.progress)
                fprintf(stderr,
                        "  %-20s Eb/N0 %6.2f dB  blocks %12llu  block errors %8llu  BLER %.3e  BER %.3e  "
                        "%.1f s\n",
                        sys->name, row->pt.ebno_db, (unsigned long long)row->pt.blocks,
                        (unsigned long long)row->pt.block_errors, row->pt.bler, row->pt.ber, row->pt.seconds);
            // early stop of the sweep: later points of this system get no row
            if ((ex.early_stop && row->pt.block_errors == 0) ||
                (ex.min_bler > 0 && row->pt.bler < ex.min_bler))
                break;
        }
        sim_engine_destroy(e);
        txrx_destroy(t);
        ae_destroy(ae);
    }
    if (rc == AE_OK) {
        snprintf(path, sizeof path, "%s/results.csv", dir);
        rc = sim_results_write(path, rows, n_rows); // also when no point finished: a header-only file
    }
    if (rc == AE_OK)
        rc = sim_plot_bler(dir, &ex);
    else if (rc == AE_EINTR && n_rows > 0)
        (void)sim_plot_bler(dir, &ex); // draw what was saved; the interruption stays the outcome
    if (rc == AE_OK && !quiet)
        fprintf(stderr, "aesim: results in %s/ (results.csv, bler.png)\n", dir);
    free(rows);
    free(cx.loss);
    sim_experiment_free(&ex);
    return report(rc);
}

// ---------------------------------------------------------------------------------------------

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return EXIT_DONE;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("aesim %s\n", AESIM_VERSION);
        return EXIT_DONE;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "list") == 0) {
        printf("# every config key with its default; see `aesim run --help`\n");
        sim_config_print_keys(stdout);
        return EXIT_DONE;
    }
    fprintf(stderr, "aesim: unknown command '%s'\n", cmd);
    fputs(usage_main, stderr);
    return EXIT_INPUT;
}
