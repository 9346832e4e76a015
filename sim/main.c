// main.c - the aesim command line: the only place that prints for users and exits.
//
// Exit codes: 0 done; 2 the user's input is wrong (command line, config, a given file missing or
// malformed); 1 the run itself failed (write error, numerical failure); 130 / 143 interrupted by
// SIGINT / SIGTERM after saving what was done.
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "ae.h"
#include "ae_err.h"
#include "blas.h"
#include "config.h"
#include "ch.h"
#include "engine.h"
#include "coded.h"
#include "modem.h"
#include "checkpoint.h"
#include "fileio.h"
#include "metadata.h"
#include "ranks.h"
#include "rng.h"
#include "grid.h"
#include "plot.h"
#include "results.h"
#include "stats.h"
#include "systems.h"
#include "theory.h"
#include "train.h"
#include "version.h"

#ifndef AESIM_GIT_COMMIT
#define AESIM_GIT_COMMIT "unknown"
#endif

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
    "  run CONFIG [--out DIR] [--threads N] [--quiet | --progress]\n"
    "        train the learned systems of CONFIG, evaluate every system over its Eb/N0 grid and write\n"
    "        results.csv, resolved.cfg, loss.csv, theory.csv, bler.png and ber.png into DIR\n"
    "        (default: results/<CONFIG name without .cfg>/)\n"
    "  ber --scheme S --channel C (--ebno|--esno) GRID [options]\n"
    "        a one-off classical link: results.csv rows on stdout (see `aesim ber --help`)\n"
    "  theory --scheme S --channel C [--k-factor K] (--ebno|--esno) GRID\n"
    "        closed-form SER and BER as CSV on stdout\n"
    "  train CONFIG [--out DIR]            train the learned systems only (checkpoints, loss)\n"
    "  eval CONFIG --checkpoints DIR       evaluate with the parameters of DIR/<system>.safetensors\n"
    "  plot DIR                            redraw the figures of a results folder\n"
    "  check CONFIG                        validate; print the resolved config and the work it implies\n"
    "  list                                every config key with its default, range and allowed words\n"
    "                                      (a complete config)\n"
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

static const char *const usage_plot =
    "usage: aesim plot DIR\n"
    "\n"
    "Redraw bler.png, ber.png and loss.png of a results folder from its resolved.cfg,\n"
    "results.csv and loss.csv.\n";

static const char *const usage_check =
    "usage: aesim check CONFIG [--set path.to.key=value]...\n"
    "\n"
    "Validate CONFIG (with the overrides, as for aesim run: values in libconfig syntax), print the\n"
    "resolved experiment (every default filled in) and the work it implies: systems, points, parameters.\n"
    "Exit 0 if valid, 2 with the error otherwise.\n";

static const char *const usage_train =
    "usage: aesim train CONFIG [--out DIR] [--set path.to.key=value]... [--restart] [--quiet | --progress]\n"
    "\n"
    "Train the learned systems of CONFIG only: <system>.safetensors checkpoints (every\n"
    "train.checkpoint_every steps and at the end), loss.csv, loss.png, the learned constellations.\n"
    "Rerunning the same command resumes from the last checkpoint.\n";

static const char *const usage_eval =
    "usage: aesim eval CONFIG --checkpoints DIR [--out DIR] [--threads N] [--set ...] [--restart]\n"
    "                  [--quiet | --progress]\n"
    "\n"
    "Evaluate every system of CONFIG without training: each learned system's parameters come from\n"
    "DIR/<system>.safetensors (written by aesim run or aesim train, or by any tool with the same tensor\n"
    "names and shapes; a checkpoint that does not fit the config is an input error).\n";

static const char *const usage_run =
    "usage: aesim run CONFIG [--out DIR] [--threads N] [--set path.to.key=value]... [--restart]\n"
    "                 [--quiet | --progress]\n"
    "\n"
    "Train every learned system of CONFIG (a libconfig file; see experiments/ and `aesim list`), then\n"
    "simulate every system at every Eb/N0 of the grid until a stop rule ends the point.\n"
    "\n"
    "  -o, --out DIR      results folder (default results/<config name>/, created if missing)\n"
    "  -t, --threads N    worker threads for training and simulation (default: OMP_NUM_THREADS or all\n"
    "                     cores); trained models and counts are the same for any N with the same seed\n"
    "  -s, --set K=V      override a config key (several allowed); V is libconfig syntax, e.g.\n"
    "                     --set eval.max_blocks=1e6 --set systems.[0].train.ebno_db=5.0\n"
    "                     --set 'eval.ebno_db=[0.0, 5.0]' --set 'systems.[0].tx_hidden=[32, 32]'\n"
    "                     --set 'eval.esno_db={ start = 0.0; stop = 10.0; step = 2.0; }' (replaces ebno_db)\n"
    "  -r, --restart      start over in a folder that holds an earlier run of this experiment\n"
    "  -q, --quiet        no progress on stderr\n"
    "  -p, --progress     progress also when stderr is not a terminal (logs, nohup, batch jobs,\n"
    "                     notebooks): one flushed line per training log and per finished point\n"
    "                     (on a terminal, progress is shown anyway, redrawn in place)\n"
    "  -h, --help         this help\n"
    "\n"
    "writes: results.csv (one row per system and Eb/N0 point), loss.csv (training loss), resolved.cfg\n"
    "(the config with every default filled in), theory.csv, and the figures bler.png and ber.png\n"
    "(bler.gp and ber.gp redraw them).\n"
    "Files are replaced atomically; results.csv is rewritten after every finished point, and every\n"
    "learned system leaves <system>.safetensors. Rerunning the same command in the same folder resumes:\n"
    "finished points are kept and training continues from its last checkpoint, ending with the same\n"
    "counts as an uninterrupted run. A folder that holds another experiment is refused (exit 2), and\n"
    "so is a folder another aesim process is writing (it holds DIR/.aesim.lock). Keys that do not\n"
    "change results (memory_limit_mib, --threads, --progress) may differ when a run resumes.\n";

static int input_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "aesim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see aesim --help)\n");
    return EXIT_INPUT;
}

// input_error with several arguments (fmt is always a literal).
__attribute__((format(printf, 1, 2))) static int input_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "aesim: ");
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): ap is started just above (analyzer false positive)
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see aesim --help)\n");
    va_end(ap);
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
// aesim run / train / eval: one driver, resumable

enum run_mode { MODE_RUN = 0, MODE_TRAIN = 1, MODE_EVAL = 2 };

typedef struct run_opts {
    int mode;
    const char *config;
    const char *out;
    const char *checkpoints; // eval: folder of <system>.safetensors
    int threads;             // 0: OMP_NUM_THREADS or all cores
    int quiet, restart;
    int progress; // --progress: progress lines also when stderr is not a terminal
    const char *sets[64];
    size_t n_sets;
} run_opts;

// How progress is shown on stderr.
enum { PROGRESS_OFF = 0, PROGRESS_TERMINAL = 1, PROGRESS_LINES = 2 };

typedef struct run_ctx {
    const char *dir;
    int progress;       // PROGRESS_*: on a terminal one line redrawn in place; lines: one per event, flushed
    const char *system; // system being trained
    uint64_t steps;     // its training steps in all
    sim_loss_row *loss; // all loss rows so far
    size_t n_loss, cap_loss;
    int alloc_failed;
    const char *resolved; // resolved config text (checkpoint metadata)
    char ckpt_path[4200];
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
    if (cx->progress) {
        fprintf(stderr, "%s  train %s: step %llu/%llu  loss %.4f  lr %.2e%s",
                cx->progress == PROGRESS_LINES ? "" : "\r", cx->system, (unsigned long long)step,
                (unsigned long long)cx->steps, loss, lr, cx->progress == PROGRESS_LINES ? "\n" : "   ");
        fflush(stderr);
    }
}

// Tensor names of the training generators' states in checkpoints ("rng.<name>"), by SIM_TRAIN_RNG_*.
static const char *const train_rng_names[SIM_TRAIN_RNGS] = {"train_msg", "train_noise", "train_fade"};

// Checkpoint: the model and the training generators, then the loss rows logged up to this step.
static int on_train_checkpoint(void *p, const ae_model *ae, const sim_train_rng_state *rngs)
{
    run_ctx *cx = p;
    if (sim_mpi_rank() != 0)
        return AE_OK; // every rank trains the same model; rank 0 saves it
    sim_ckpt_rng r[SIM_TRAIN_RNGS];
    for (int i = 0; i < SIM_TRAIN_RNGS; i++)
        r[i] = (sim_ckpt_rng){train_rng_names[i], rngs->bytes[i], rngs->size[i]};
    int rc = sim_ckpt_save(cx->ckpt_path, ae, r, SIM_TRAIN_RNGS, cx->system, AESIM_VERSION, cx->resolved);
    if (rc != AE_OK)
        return rc;
    if (cx->alloc_failed)
        return AE_ERROR(AE_ENOMEM, "out of memory for the loss log");
    char path[4200];
    snprintf(path, sizeof path, "%s/loss.csv", cx->dir);
    return sim_loss_write(path, cx->loss, cx->n_loss);
}

// Progress of a point on a terminal: errors of the target, blocks, rate and an estimate of the time left
// (from whichever stop rule comes first at the current rates).
typedef struct point_progress {
    const char *system;
    double ebno_db;
    const sim_eval_cfg *cfg;
    double last;
} point_progress;

static void on_point_progress(void *p, const sim_point *so_far, double seconds)
{
    point_progress *pp = p;
    if (seconds - pp->last < 0.5)
        return;
    pp->last = seconds;
    const sim_eval_cfg *c = pp->cfg;
    double rate = (double)so_far->blocks / seconds,
           eta = ((double)c->max_blocks - (double)so_far->blocks) / rate;
    if (c->target_block_errors && so_far->block_errors > 0)
        eta = fmin(eta, ((double)c->target_block_errors - (double)so_far->block_errors) * seconds /
                            (double)so_far->block_errors);
    if (c->target_bit_errors && so_far->bit_errors > 0)
        eta = fmin(eta, ((double)c->target_bit_errors - (double)so_far->bit_errors) * seconds /
                            (double)so_far->bit_errors);
    fprintf(
        stderr, "\r  %-20s Eb/N0 %6.2f dB  block errors %llu/%llu  blocks %llu  %.3g blocks/s  ETA %.0f s   ",
        pp->system, pp->ebno_db, (unsigned long long)so_far->block_errors,
        (unsigned long long)c->target_block_errors, (unsigned long long)so_far->blocks, rate, fmax(eta, 0.0));
}

static int parse_threads(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || sim_threads_check(v) != AE_OK)
        return 0;
    *out = (int)v;
    return 1;
}

static double now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// The experiment a results folder holds, from its resolved.cfg at path, as sim_config_resolved_text
// gives it (so keys that do not change results, such as the memory limit, play no part); NULL when the
// folder has no resolved.cfg, "" (never equal to an experiment) when it cannot be read back.
// What a results folder's learned systems were made from, as resolved.cfg's "# parameters: " line
// says: "trained" (aesim run or train), "checkpoints ..." (aesim eval, with a fingerprint of each), ""
// without learned systems.
static const char *default_parameters(const sim_experiment *ex)
{
    for (size_t s = 0; s < ex->n_systems; s++)
        if (sim_system_learned(&ex->systems[s]))
            return "trained";
    return "";
}

// text (malloc'd, consumed) followed by "# parameters: P" when P is not empty; NULL if out of memory.
static char *with_parameters(char *text, const char *parameters)
{
    if (!text || !*parameters)
        return text;
    size_t len = strlen(text), more = strlen(parameters) + 32;
    char *out = realloc(text, len + more);
    if (!out) {
        free(text);
        return NULL;
    }
    snprintf(out + len, more, "# parameters: %s\n", parameters);
    return out;
}

// The experiment a results folder holds, from its resolved.cfg at path, as sim_config_resolved_text
// gives it (so keys that do not change results, such as the memory limit, play no part) followed by
// where its learned systems' parameters came from (a folder written before that line was recorded
// counts as trained); NULL when the folder has no resolved.cfg, "" (never equal to an experiment) when
// it cannot be read back.
static char *folder_experiment(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    sim_experiment old;
    char *text = sim_config_load(path, &old) == AE_OK ? sim_config_resolved_text(&old) : NULL;
    char parameters[1200];
    snprintf(parameters, sizeof parameters, "%s", default_parameters(&old));
    FILE *f = text ? fopen(path, "r") : NULL;
    char line[1200];
    while (f && fgets(line, sizeof line, f) && line[0] == '#')
        if (strncmp(line, "# parameters: ", 14) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(parameters, sizeof parameters, "%s", line + 14);
        }
    if (f)
        fclose(f);
    sim_experiment_free(&old);
    text = with_parameters(text, parameters);
    return text ? text : strdup("");
}

// The first line where the folder's experiment (was) and this one (now) differ, on stderr.
static void print_first_difference(const char *was, const char *now)
{
    if (!*was) {
        fprintf(stderr, "  (its resolved.cfg cannot be read back)\n");
        return;
    }
    while (*was && *now) {
        size_t a = strcspn(was, "\n"), b = strcspn(now, "\n");
        if (a != b || memcmp(was, now, a) != 0) {
            fprintf(stderr, "  first difference:\n    folder: %.*s\n    now:    %.*s\n",
                    (int)(a > 300 ? 300 : a), was, (int)(b > 300 ? 300 : b), now);
            return;
        }
        was += a + (was[a] == '\n');
        now += b + (now[b] == '\n');
    }
}

// A point of this system at this Eb/N0 in an earlier run's rows, or NULL.
static const sim_row *find_row(const sim_row *rows, size_t n, const char *system, double ebno_db)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].system, system) == 0 && fabs(rows[i].pt.ebno_db - ebno_db) < 5e-5)
            return &rows[i];
    return NULL;
}

// After training sys: warn on stderr when its logged loss ended above the loss of guessing (ln M) or
// rose over the run; with train.fail_on_divergence that is an error (AE_ERUNTIME).
static int check_divergence(const run_ctx *cx, const sim_system_cfg *sys)
{
    double *loss = malloc((cx->n_loss ? cx->n_loss : 1) * sizeof *loss);
    if (!loss)
        return AE_ERROR(AE_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < cx->n_loss; i++)
        if (strcmp(cx->loss[i].system, sys->name) == 0)
            loss[n++] = cx->loss[i].loss;
    double chance = log(ldexp(1.0, (int)sys->k)); // ln M, M = 2^k messages
    int d = sim_train_diverged(loss, n, chance);
    double first = n ? loss[0] : 0.0, last = n ? loss[n - 1] : 0.0;
    free(loss);
    char why[512] = "";
    if (d == SIM_TRAIN_ABOVE_CHANCE)
        snprintf(
            why, sizeof why,
            "its final loss %.4g nats is above ln %u = %.4g nats, the loss of guessing among %u messages",
            last, 1u << sys->k, chance, 1u << sys->k);
    else if (d == SIM_TRAIN_ROSE)
        snprintf(why, sizeof why, "its loss rose over the run, from %.4g to %.4g nats", first, last);
    if (d == SIM_TRAIN_CONVERGED)
        return AE_OK;
    if (sys->train.fail_on_divergence)
        return AE_ERROR(AE_ERUNTIME,
                        "training of %s diverged: %s; lower train.lr (now %g) or change the schedule "
                        "(an error because train.fail_on_divergence = true)",
                        sys->name, why, sys->train.lr);
    if (sim_mpi_rank() == 0)
        fprintf(stderr,
                "aesim: warning: training of %s diverged: %s; lower train.lr (now %g) or change the "
                "schedule (train.fail_on_divergence = true makes this an error)\n",
                sys->name, why, sys->train.lr);
    return AE_OK;
}

// The codebook of a loaded model must be finite: finite parameters can still overflow in the encoder
// (weights near FLT_MAX). AE_OK, AE_ECONFIG naming the checkpoint, message and channel use, or
// AE_ENOMEM.
static int check_codebook(ae_model *ae, const char *path, const char *system)
{
    int rc = ae_eval_prepare(ae);
    if (rc != AE_OK)
        return rc;
    for (size_t i = 0; i < ae->M * ae->cfg.n; i++)
        if (!isfinite(ae->codebook[i]))
            return AE_ERROR(AE_ECONFIG,
                            "%s: the encoder of %s gives a non-finite symbol (message %zu, channel use %zu: "
                            "%g); the checkpoint's parameters overflow",
                            path, system, i / ae->cfg.n, i % ae->cfg.n, (double)ae->codebook[i]);
    return AE_OK;
}

// Train, load or resume the learned system sys into *ae_out (prepared for evaluation).
static int learned_system(const run_opts *o, const sim_experiment *ex, const sim_system_cfg *sys, int resume,
                          run_ctx *cx, ae_model **ae_out)
{
    ae_model *ae = ae_create(&sys->ae);
    *ae_out = ae;
    if (!ae)
        return ae_err_failed();
    cx->system = sys->name;
    if (o->mode == MODE_EVAL) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.safetensors", o->checkpoints, sys->name);
        int rc = sim_ckpt_load(path, ae, NULL, 0, NULL);
        if (rc != AE_OK)
            return rc == AE_EIO ? ae_err_forward(AE_ECONFIG, ae_err_message()) : rc;
        return ae_eval_prepare(ae);
    }
    snprintf(cx->ckpt_path, sizeof cx->ckpt_path, "%s/%s.safetensors", cx->dir, sys->name);
    sim_train_hooks hooks = {.log = on_train_log, .checkpoint = on_train_checkpoint, .ctx = cx};
    uint8_t state[SIM_TRAIN_RNGS][64 * SIM_TRAIN_MAX_PIECES];
    struct stat st;
    if (resume && stat(cx->ckpt_path, &st) == 0) {
        // continue from the last checkpoint: the model, its Adam state and the training generators
        gsl_rng *probe = sim_rng_alloc();
        size_t size = probe ? gsl_rng_size(probe) : 0, found = 0;
        if (probe)
            gsl_rng_free(probe);
        if (size == 0 || size > 64)
            return AE_ERROR(AE_ERUNTIME, "unexpected generator state size %zu", size);
        // one message generator; noise and fading generators for every piece of the batch
        const size_t pieces = sim_train_pieces(sys->train.batch);
        const size_t sizes[SIM_TRAIN_RNGS] = {size, pieces * size, pieces * size};
        sim_ckpt_rng r[SIM_TRAIN_RNGS];
        for (int i = 0; i < SIM_TRAIN_RNGS; i++)
            r[i] = (sim_ckpt_rng){train_rng_names[i], state[i], sizes[i]};
        int rc = sim_ckpt_load(cx->ckpt_path, ae, r, SIM_TRAIN_RNGS, &found);
        if (rc == AE_ECONFIG) {
            // e.g. a checkpoint of an earlier aesim whose training batch was not cut into pieces
            char msg[1024];
            snprintf(msg, sizeof msg, "%s; it cannot be resumed: rerun with --restart", ae_err_message());
            return ae_err_forward(rc, msg);
        }
        if (rc != AE_OK)
            return rc;
        if (ae->adam_step >= sys->train.steps) {
            if (cx->progress)
                fprintf(stderr, "  train %s: done before (step %llu)\n", sys->name,
                        (unsigned long long)ae->adam_step);
            return ae_eval_prepare(ae);
        }
        if (found != SIM_TRAIN_RNGS)
            return AE_ERROR(AE_ECONFIG,
                            "%s: a checkpoint at step %llu without its training generators; rerun "
                            "with --restart",
                            cx->ckpt_path, (unsigned long long)ae->adam_step);
        // the loss rows logged after the checkpoint are logged again
        size_t keep = 0;
        for (size_t i = 0; i < cx->n_loss; i++)
            if (strcmp(cx->loss[i].system, sys->name) != 0 || cx->loss[i].step <= ae->adam_step)
                cx->loss[keep++] = cx->loss[i];
        cx->n_loss = keep;
        for (int i = 0; i < SIM_TRAIN_RNGS; i++) {
            hooks.resume.bytes[i] = state[i];
            hooks.resume.size[i] = sizes[i];
        }
        if (cx->progress)
            fprintf(stderr, "  train %s: resuming at step %llu\n", sys->name,
                    (unsigned long long)ae->adam_step);
    } else {
        // from scratch: drop this system's old loss rows
        size_t keep = 0;
        for (size_t i = 0; i < cx->n_loss; i++)
            if (strcmp(cx->loss[i].system, sys->name) != 0)
                cx->loss[keep++] = cx->loss[i];
        cx->n_loss = keep;
    }
    sim_mpi_any(0); // every rank has read the checkpoint before rank 0 writes the next one
    sim_train_cfg tc = sys->train;
    tc.threads = ex->eval.threads; // the trained model does not depend on it
    cx->steps = sys->train.steps;
    int rc = sim_train_ae_hooks(ae, &tc, &sys->channel, &hooks, &g_cancel);
    if (cx->progress == PROGRESS_TERMINAL)
        fputc('\n', stderr);
    if (rc == AE_ERUNTIME) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ae_err_message());
        rc = AE_ERROR(AE_ERUNTIME, "%s: %s (%s)", sys->name, why, cx->ckpt_path);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/loss.csv", cx->dir);
    int wrc = cx->alloc_failed      ? AE_ERROR(AE_ENOMEM, "out of memory for the loss log")
              : sim_mpi_rank() == 0 ? sim_loss_write(path, cx->loss, cx->n_loss)
                                    : AE_OK;
    return rc != AE_OK ? rc : wrc;
}

static int do_run(const run_opts *o)
{
    double t_start = now_unix();
    const int writer = sim_mpi_rank() == 0; // under MPI only rank 0 writes files and prints
    sim_experiment ex;
    int rc = sim_config_load_overrides(o->config, o->sets, o->n_sets, &ex);
    if (rc != AE_OK)
        return report(rc);
#ifdef _OPENMP
    ex.eval.threads = o->threads > 0 ? o->threads : omp_get_max_threads();
#else
    ex.eval.threads = 1;
#endif
    char dir[4096], path[4200];
    if (o->mode == MODE_TRAIN && !*default_parameters(&ex)) {
        fprintf(stderr, "aesim: %s has no learned system (type = \"autoencoder\") to train; use aesim run\n",
                o->config);
        sim_experiment_free(&ex);
        return EXIT_INPUT;
    }
    if (o->out && !*o->out) {
        sim_experiment_free(&ex);
        return input_error("--out: expected a folder name%s", "");
    }
    // conventional training needs the channel's gradient: refused before the results folder is touched
    for (size_t s = 0; s < ex.n_systems && o->mode != MODE_EVAL; s++) {
        const sim_system_cfg *sys = &ex.systems[s];
        if (sim_system_learned(sys) && !sim_channel_differentiable(&sys->channel)) {
            fprintf(stderr,
                    "aesim: %s: system '%s' trains through the %s channel, which is %s; conventional "
                    "training needs its gradient. Train over a differentiable channel and evaluate the "
                    "checkpoint through this one with aesim eval --checkpoints DIR\n",
                    o->config, sys->name, sim_channel_name(&sys->channel),
                    sys->channel.black_box ? "declared a black box (black_box = true)" : "a black box");
            sim_experiment_free(&ex);
            return EXIT_INPUT;
        }
    }
    if (o->out)
        snprintf(dir, sizeof dir, "%s", o->out);
    else
        snprintf(dir, sizeof dir, "results/%s", ex.name);
    if (o->mode == MODE_EVAL) {
        // every checkpoint must be readable, finite and fit before the results folder is touched
        for (size_t s = 0; s < ex.n_systems; s++) {
            if (!sim_system_learned(&ex.systems[s]))
                continue;
            ae_model *probe = ae_create(&ex.systems[s].ae);
            snprintf(path, sizeof path, "%s/%s.safetensors", o->checkpoints, ex.systems[s].name);
            int lrc = probe ? sim_ckpt_load(path, probe, NULL, 0, NULL) : ae_err_failed();
            if (lrc == AE_OK)
                lrc = check_codebook(probe, path, ex.systems[s].name);
            ae_destroy(probe);
            if (lrc != AE_OK) {
                sim_experiment_free(&ex);
                return report(lrc == AE_EIO ? ae_err_forward(AE_ECONFIG, ae_err_message()) : lrc);
            }
        }
    }
    if (writer && sim_mkdir_p(dir) != AE_OK) {
        sim_experiment_free(&ex);
        fprintf(stderr, "aesim: %s\n", ae_err_message());
        return EXIT_INPUT;
    }
    // one run per folder at a time: the lock is held until this process ends
    int lock_fd = -1, lrc = writer ? sim_dir_lock(dir, &lock_fd) : AE_OK;
    if (sim_mpi_any(lrc != AE_OK)) {
        sim_experiment_free(&ex);
        return report(lrc != AE_OK ? lrc : AE_ERROR(AE_EINVAL, "rank 0 could not lock %s", dir));
    }
    // where the learned systems' parameters come from: trained here, or the checkpoints evaluated
    // (told apart by their bytes), so that a folder never mixes the points of two models
    snprintf(ex.parameters, sizeof ex.parameters, "%s", default_parameters(&ex));
    if (o->mode == MODE_EVAL && *ex.parameters) {
        size_t used = (size_t)snprintf(ex.parameters, sizeof ex.parameters, "checkpoints");
        for (size_t s = 0; s < ex.n_systems && used < sizeof ex.parameters; s++) {
            uint64_t h = 0;
            if (!sim_system_learned(&ex.systems[s]))
                continue;
            snprintf(path, sizeof path, "%s/%s.safetensors", o->checkpoints, ex.systems[s].name);
            if ((rc = sim_file_fnv1a(path, &h)) != AE_OK) {
                sim_experiment_free(&ex);
                return report(rc);
            }
            used +=
                (size_t)snprintf(ex.parameters + used, sizeof ex.parameters - used, "%s %s fnv1a64 %016llx",
                                 used > 11 ? "," : "", ex.systems[s].name, (unsigned long long)h);
        }
    }
    char *resolved = with_parameters(sim_config_resolved_text(&ex), ex.parameters);
    if (!resolved) {
        sim_experiment_free(&ex);
        return report(AE_ENOMEM);
    }
    // the folder's owner: the same resolved config resumes, another one is refused
    snprintf(path, sizeof path, "%s/resolved.cfg", dir);
    int resume = 0;
    char *previous = o->restart ? NULL : folder_experiment(path);
    // rank 0 decides for every rank (the others must not see its new files)
    int decision = previous ? (strcmp(previous, resolved) == 0 ? 1 : 2) : 0, all[1024];
    if (sim_mpi_size() > 1 && sim_mpi_size() <= 1024 &&
        sim_mpi_allgather(&decision, all, sizeof decision) == AE_OK && all[0] != decision) {
        free(previous);
        previous = all[0] == 0 ? NULL : folder_experiment(path);
    }
    if (previous) {
        if (strcmp(previous, resolved) != 0) {
            fprintf(stderr,
                    "aesim: %s holds the results of a different experiment (its resolved.cfg differs from "
                    "%s's); use --restart to overwrite them or --out for another folder\n",
                    dir, o->config);
            print_first_difference(previous, resolved);
            free(previous);
            free(resolved);
            sim_experiment_free(&ex);
            return EXIT_INPUT;
        }
        resume = 1;
        free(previous);
    }
    run_ctx cx = {.dir = dir,
                  .progress = !writer || o->quiet     ? PROGRESS_OFF
                              : o->progress           ? PROGRESS_LINES
                              : isatty(STDERR_FILENO) ? PROGRESS_TERMINAL
                                                      : PROGRESS_OFF,
                  .resolved = resolved};
    sim_row *prev = NULL;
    size_t n_prev = 0;
    if (resume) {
        // what the earlier run finished: its points, and its loss rows (trimmed per system below)
        snprintf(path, sizeof path, "%s/results.csv", dir);
        if (sim_results_read(path, &prev, &n_prev) != AE_OK)
            n_prev = 0;
        snprintf(path, sizeof path, "%s/loss.csv", dir);
        if (sim_loss_read(path, &cx.loss, &cx.n_loss) == AE_OK)
            cx.cap_loss = cx.n_loss;
        if (cx.progress)
            fprintf(stderr, "aesim: resuming in %s (%zu points done)\n", dir, n_prev);
    } else if (writer) {
        rc = sim_config_write_resolved(&ex, path, AESIM_VERSION);
        // a fresh run starts its files afresh: results.csv when it evaluates, loss.csv when it trains
        // (stale ones of an earlier run are removed, never left beside the new experiment)
        int learned = 0;
        for (size_t s = 0; s < ex.n_systems; s++)
            learned += sim_system_learned(&ex.systems[s]);
        snprintf(path, sizeof path, "%s/results.csv", dir);
        if (rc == AE_OK && o->mode != MODE_TRAIN)
            rc = sim_results_write(path, NULL, 0);
        else if (rc == AE_OK)
            remove(path);
        snprintf(path, sizeof path, "%s/loss.csv", dir);
        if (rc == AE_OK && o->mode != MODE_EVAL && learned)
            rc = sim_loss_write(path, NULL, 0);
        else if (rc == AE_OK && o->mode != MODE_EVAL)
            remove(path);
        if (rc == AE_OK && o->mode != MODE_EVAL) {
            for (size_t s = 0; s < ex.n_systems; s++) {
                snprintf(path, sizeof path, "%s/%s.safetensors", dir, ex.systems[s].name);
                remove(path);
            }
        }
        if (rc != AE_OK) {
            free(resolved);
            sim_experiment_free(&ex);
            return report(rc);
        }
    }
    sim_row *rows = calloc(ex.n_systems * ex.n_ebno + 1, sizeof *rows);
    size_t n_rows = 0;
    if (!rows) {
        free(prev);
        free(resolved);
        sim_experiment_free(&ex);
        return report(AE_ERROR(AE_ENOMEM, "out of memory"));
    }
    sim_blas_single_thread();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    for (size_t s = 0; s < ex.n_systems && rc == AE_OK; s++) {
        const sim_system_cfg *sys = &ex.systems[s];
        ae_model *ae = NULL;
        mod_modem *modem = NULL;
        txrx *t = NULL;
        if (sim_system_learned(sys)) {
            rc = learned_system(o, &ex, sys, resume, &cx, &ae);
            if (rc == AE_OK && o->mode != MODE_EVAL)
                rc = check_divergence(&cx, sys);
            if (rc == AE_OK && writer)
                rc = sim_plot_constellation(dir, sys->name, ae->codebook, ae->M, sys->n, sys->k,
                                            sim_channel_is_complex(&sys->channel));
            if (rc == AE_OK && !(t = sim_system_build(sys, ae, &modem)))
                rc = ae_err_failed();
        } else if (o->mode != MODE_TRAIN && !(t = sim_system_build(sys, NULL, &modem))) {
            rc = ae_err_failed();
        }
        sim_engine *e = NULL;
        if (rc == AE_OK && o->mode != MODE_TRAIN) {
            sim_eval_cfg ecfg = ex.eval;
            ecfg.channel = sys->channel;
            ecfg.soft = sim_system_soft(sys);
            if (!(e = sim_engine_create(t, &ecfg)))
                rc = ae_err_failed();
        }
        for (size_t i = 0; e && i < ex.n_ebno && rc == AE_OK; i++) {
            sim_row *row = &rows[n_rows];
            double ebno_db = ex.grid_esno ? sim_engine_ebno_db(e, ex.ebno_db[i]) : ex.ebno_db[i];
            const sim_row *done = find_row(prev, n_prev, sys->name, ebno_db);
            if (done) {
                *row = *done; // finished by an earlier run of the same experiment
            } else {
                memset(row, 0, sizeof *row);
                snprintf(row->system, sizeof row->system, "%s", sys->name);
                sim_channel_describe(&sys->channel, row->channel, sizeof row->channel);
                snprintf(row->eb_charges, sizeof row->eb_charges, "%s",
                         sim_channel_eb_charges(&sys->channel));
                point_progress pp = {sys->name, ebno_db, &ex.eval, 0.0};
                sim_engine_set_progress(e, cx.progress == PROGRESS_TERMINAL ? on_point_progress : NULL, &pp);
                rc = sim_engine_point(e, ebno_db, &row->pt, &g_cancel);
                if (cx.progress == PROGRESS_TERMINAL)
                    fputc('\r', stderr);
                if (rc != AE_OK)
                    break;
                sim_system_theory(sys, ebno_db, &row->theory_bler, &row->theory_ber);
            }
            n_rows++;
            snprintf(path, sizeof path, "%s/results.csv", dir);
            if (writer)
                rc = sim_results_write(path, rows, n_rows);
            if (cx.progress)
                fprintf(stderr,
                        "  %-20s Eb/N0 %6.2f dB  blocks %12llu  block errors %8llu  BLER %.3e  BER %.3e  "
                        "%.1f s (%.3g blocks/s)%s%s\n",
                        sys->name, row->pt.ebno_db, (unsigned long long)row->pt.blocks,
                        (unsigned long long)row->pt.block_errors, row->pt.bler, row->pt.ber, row->pt.seconds,
                        row->pt.seconds > 0 ? (double)row->pt.blocks / row->pt.seconds : 0.0,
                        done ? " (earlier run)" : "",
                        cx.progress == PROGRESS_TERMINAL ? "        " : ""); // blanks over the redrawn line
            fflush(stderr);
            // early stop of the sweep: later points of this system get no row
            if ((ex.early_stop && row->pt.block_errors == 0) ||
                (ex.min_bler > 0 && row->pt.bler < ex.min_bler) ||
                (ex.min_ber > 0 && row->pt.ber < ex.min_ber))
                break;
        }
        sim_engine_destroy(e);
        txrx_destroy(t);
        mod_modem_destroy(modem);
        ae_destroy(ae);
    }
    if (rc == AE_OK && o->mode != MODE_TRAIN && writer) {
        snprintf(path, sizeof path, "%s/results.csv", dir);
        rc = sim_results_write(path, rows, n_rows); // also when no point finished: a header-only file
    }
    int drew = rc == AE_OK || (rc == AE_EINTR && n_rows > 0);
    if (drew && o->mode != MODE_TRAIN && writer) {
        int prc = sim_plot_figures(dir, &ex, rows, n_rows); // an interruption stays the outcome
        if (rc == AE_OK)
            rc = prc;
    }
    if ((rc == AE_OK || rc == AE_EINTR) && o->mode != MODE_EVAL && writer) {
        int prc = sim_plot_loss(dir, &ex);
        if (rc == AE_OK)
            rc = prc;
    }
    // how the folder was made, also after an interruption
    sim_run_info info = {AESIM_VERSION,  AESIM_GIT_COMMIT, o->config,  ex.eval.seed,   ex.eval.threads,
                         sim_mpi_size(), t_start,          now_unix(), rc == AE_EINTR, ex.eval.interval};
    snprintf(path, sizeof path, "%s/metadata.json", dir);
    int mrc = writer ? sim_metadata_write(path, &info, rows, n_rows) : AE_OK;
    if (rc == AE_OK)
        rc = mrc;
    if (rc == AE_OK && !o->quiet && writer)
        fprintf(stderr, "aesim: results in %s/\n", dir);
    free(rows);
    free(prev);
    free(cx.loss);
    free(resolved);
    sim_experiment_free(&ex);
    rc = report(rc);
    sim_dir_unlock(lock_fd);
    return rc;
}

// The message for an argument getopt refused: an unknown option, or a known one without its value. A
// config whose name starts with '-' is read as a cluster of short options, so that case says how to
// give one. optstring is getopt's.
static int bad_option(int argc, char **argv, const char *optstring)
{
    if (optopt && strchr(optstring, optopt)) // a known short option, or a long one, without its value
        return input_error("unknown option or missing value: '%s'", argv[optind - 1]);
    if (!optopt) // an unknown long option
        return input_error("unknown option or missing value: '%s'", argv[optind - 1]);
    // an unknown short option: getopt stays on its argument unless it was the argument's last letter
    const char *arg = optind < argc && argv[optind][0] == '-' && strchr(argv[optind] + 1, optopt)
                          ? argv[optind]
                          : argv[optind - 1];
    struct stat st;
    fprintf(stderr, "aesim: unknown option '-%c' in '%s'", optopt, arg);
    if (stat(arg, &st) == 0)
        fprintf(stderr,
                "; '%s' is a file, but a name that starts with '-' reads as options: write ./%s, or put it "
                "after -- (aesim %s [options] -- %s)",
                arg, arg, argv[0], arg);
    else
        fprintf(stderr, " (a CONFIG whose name starts with '-' goes after --: aesim %s [options] -- FILE)",
                argv[0]);
    fprintf(stderr, "\n(see aesim --help)\n");
    return EXIT_INPUT;
}

// Options of run, train and eval.
static int parse_run(int argc, char **argv, run_opts *o, const char *usage)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"set", required_argument, NULL, 's'},
                                         {"restart", no_argument, NULL, 'r'},
                                         {"checkpoints", required_argument, NULL, 'c'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"progress", no_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0; // aesim words the message itself
    while ((c = getopt_long(argc, argv, "o:t:s:rc:qph", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 't':
            if (!parse_threads(optarg, &o->threads))
                return input_errorf("--threads '%s': expected an integer 1..%d", optarg, SIM_THREADS_MAX);
            break;
        case 's':
            if (o->n_sets == sizeof o->sets / sizeof *o->sets)
                return input_error("too many --set options (at most 64)%s", "");
            o->sets[o->n_sets++] = optarg;
            break;
        case 'r': o->restart = 1; break;
        case 'c':
            if (o->mode != MODE_EVAL)
                return input_error("--checkpoints applies to `aesim eval`%s", "");
            o->checkpoints = optarg;
            break;
        case 'q': o->quiet = 1; break;
        case 'p': o->progress = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return bad_option(argc, argv, "o:t:s:rc:qh");
        }
    }
    if (o->quiet && o->progress)
        return input_error("--quiet and --progress contradict each other; give one%s", "");
    if (optind >= argc)
        return input_error("missing CONFIG%s (see --help)", "");
    if (optind < argc - 1) {
        if (strcmp(argv[optind - 1], "--") == 0 && argv[optind + 1][0] == '-')
            return input_error(
                "unexpected argument '%s' (after --, every argument is a name: put the options "
                "before --)",
                argv[optind + 1]);
        return input_error("unexpected argument '%s'", argv[optind + 1]);
    }
    o->config = argv[optind];
    if (o->mode == MODE_EVAL && !o->checkpoints)
        return input_error("aesim eval needs --checkpoints DIR%s", "");
    return EXIT_DONE;
}

static int cmd_run_mode(int argc, char **argv, int mode, const char *usage)
{
    run_opts o = {.mode = mode};
    int rc = parse_run(argc, argv, &o, usage);
    if (rc != EXIT_DONE)
        return rc < 0 ? EXIT_DONE : rc;
    return do_run(&o);
}

// The experiment's name in the header line resolved.cfg starts with ("# NAME: the resolved experiment
// ..."), else the folder's own name: the figures' titles say it.
static void experiment_name(const char *dir, const char *resolved, char *name, size_t len)
{
    static const char mark[] = ": the resolved experiment";
    char line[512] = "";
    FILE *f = fopen(resolved, "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    char *end = NULL;
    for (char *p = strstr(line, mark); p; p = strstr(p + 1, mark))
        end = p;
    if (strncmp(line, "# ", 2) == 0 && end && end > line + 2) {
        snprintf(name, len, "%.*s", (int)(end - line - 2), line + 2);
        return;
    }
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        l--;
    const char *b = dir + l;
    while (b > dir && b[-1] != '/')
        b--;
    snprintf(name, len, "%.*s", (int)(dir + l - b), b);
}

// aesim plot DIR: redraw the figures of a results folder from its resolved.cfg and results.csv.
static int cmd_plot(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage_plot, stdout);
        return EXIT_DONE;
    }
    if (argc != 2)
        return input_error("usage: aesim plot DIR%s", "");
    const char *dir = argv[1];
    char path[4200];
    snprintf(path, sizeof path, "%s/resolved.cfg", dir);
    sim_experiment ex;
    int rc = sim_config_load(path, &ex);
    if (rc != AE_OK)
        return report(rc);
    int lock_fd; // the figures are not redrawn while a run writes the folder
    if ((rc = sim_dir_lock(dir, &lock_fd)) != AE_OK) {
        sim_experiment_free(&ex);
        return report(rc);
    }
    experiment_name(dir, path, ex.name, sizeof ex.name);
    sim_row *rows = NULL;
    size_t n = 0;
    struct stat st;
    char loss_path[4200];
    snprintf(loss_path, sizeof loss_path, "%s/loss.csv", dir);
    int loss = 0;
    for (size_t s = 0; s < ex.n_systems; s++)
        loss |= sim_system_learned(&ex.systems[s]);
    loss &= stat(loss_path, &st) == 0;
    // a folder of `aesim train` has no results.csv: only its loss figure is redrawn
    snprintf(path, sizeof path, "%s/results.csv", dir);
    int rates = !loss || stat(path, &st) == 0;
    if (rates && (rc = sim_results_read(path, &rows, &n)) != AE_OK) {
        sim_experiment_free(&ex);
        sim_dir_unlock(lock_fd);
        return report(rc == AE_EIO ? AE_ECONFIG : rc);
    }
    if (rates)
        rc = sim_plot_figures(dir, &ex, rows, n);
    if (rc == AE_OK && loss)
        rc = sim_plot_loss(dir, &ex);
    if (rc == AE_OK)
        fprintf(stderr, "aesim: figures of %s redrawn in %s/ (%s%s%s; .png and .svg)\n", ex.name, dir,
                rates ? "bler, ber" : "", rates && loss ? ", " : "", loss ? "loss" : "");
    free(rows);
    sim_experiment_free(&ex);
    rc = report(rc);
    sim_dir_unlock(lock_fd);
    return rc;
}

// aesim check CONFIG: validate, print the resolved config and the work it implies.
static int cmd_check(int argc, char **argv)
{
    run_opts o = {.mode = MODE_RUN};
    int rc = parse_run(argc, argv, &o, usage_check);
    if (rc != EXIT_DONE)
        return rc < 0 ? EXIT_DONE : rc;
    sim_experiment ex;
    if ((rc = sim_config_load_overrides(o.config, o.sets, o.n_sets, &ex)) != AE_OK)
        return report(rc);
    char *text = sim_config_resolved_text(&ex);
    printf("# %s: valid. The resolved experiment:\n%s", o.config, text ? text : "");
    free(text);
    printf("# work: %zu systems x %zu points (%s %g..%g dB), at most %llu blocks per point\n", ex.n_systems,
           ex.n_ebno, ex.grid_esno ? "Es/N0" : "Eb/N0", ex.ebno_db[0], ex.ebno_db[ex.n_ebno - 1],
           (unsigned long long)ex.eval.max_blocks);
    for (size_t s = 0; s < ex.n_systems; s++) {
        const sim_system_cfg *sys = &ex.systems[s];
        char ch[96];
        sim_channel_describe(&sys->channel, ch, sizeof ch);
        printf("#   %-20s %-12s k = %2u  n = %3zu  %s", sys->name, sim_system_type_name(sys->type), sys->k,
               sys->n, ch);
        if (sim_system_learned(sys))
            printf("  %zu parameters, %llu training steps of %zu", ae_param_count(&sys->ae),
                   (unsigned long long)sys->train.steps, sys->train.batch);
        printf("\n");
    }
    sim_experiment_free(&ex);
    return EXIT_DONE;
}

// ---------------------------------------------------------------------------------------------
// aesim ber and aesim theory: one-off links from the command line

static const char *const usage_ber =
    "usage: aesim ber --scheme S --channel C (--ebno|--esno) GRID [options]\n"
    "\n"
    "Simulate one classical link (one modem symbol per block, or one codeword with --code) over a grid\n"
    "and print a header and\n"
    "results.csv rows on stdout, with the closed forms in the theory columns.\n"
    "\n"
    "  --scheme S              bpsk, qpsk, psk8..psk64, qam16, qam64, qam256, pam2..pam64\n"
    "  --channel C             awgn, rayleigh, rician, ofdm or rapp (aesim list: each one's keys)\n"
    "  --channel-key KEY=VALUE any key of the channel, e.g. ibo_db=6 or p=2 for rapp (repeatable)\n"
    "  --k-factor K            Rician K factor, linear (default 0)\n"
    "  --coherence L           complex symbols per fading realisation (rayleigh, rician; default 1)\n"
    "  --csi perfect|none      receiver CSI on fading channels (classical schemes need perfect);\n"
    "                          every symbol (block) fades independently\n"
    "  --ebno GRID | --esno GRID  START:STEP:STOP (inclusive) or a list 0,2.5,5, in dB\n"
    "  --demapper D            hard (nearest point, default), exact or maxlog (LLRs; adds the bmi column)\n"
    "coded link (a block is one codeword; BER and BLER on the K information bits):\n"
    "  --code ldpc5g:K:N       5G NR LDPC, K information bits (1..8448) in N code bits (> K, a multiple\n"
    "                          of the scheme's bits per symbol), interleaved; demapper exact (default)\n"
    "                          or maxlog; adds uncoded_ber and mean_iterations\n"
    "  --code hamming_7_4:K:N  K/4 Hamming (7,4) codewords per block, N = 7K/4; --decoder hard or ml\n"
    "                          (default ml)\n"
    "  --iterations N          decoder iterations, 1..1000 (default 20)\n"
    "  --decoder D             ldpc5g: sum_product (default), min_sum, offset_min_sum or\n"
    "                          normalized_min_sum\n"
    "  --schedule S            flooding (default) or layered\n"
    "  --early-stop            stop a codeword's decoding at a zero syndrome\n"
    "  --target-errors N       stop a point at N bit errors (default 1000; 0 = off)\n"
    "  --target-block-errors N stop a point at N block (symbol) errors (default 0 = off)\n"
    "  --max-bits N | --max-blocks N   stop a point after this many (default 10^8 bits)\n"
    "  --threads T             worker threads (same counts for any T)\n"
    "  --interval M            the 95% interval of bler_lo, bler_hi (the symbol error rate): wilson\n"
    "                          (default) or clopper_pearson (exact binomial); the bler_interval column\n"
    "                          names it\n"
    "OFDM link (--ofdm implies --channel ofdm):\n"
    "  --ofdm N:CP             N subcarriers, CP cyclic-prefix samples (unitary FFTs)\n"
    "  --taps \"0.8,0,0,0.6j\"  fixed complex taps, or --pdp exp:TAPS:DECAY_DB (or \"1,0.5,0.25\"): random\n"
    "                          taps drawn per OFDM symbol from that power delay profile (default: one tap "
    "1)\n"
    "  --csi perfect|ls        true response, or LS at the pilots with linear interpolation\n"
    "  --pilots comb:SPACING   comb pilots (needed by --csi ls)\n"
    "  --equalizer zf|mmse     one-tap equaliser (default zf)\n"
    "  --charge-cp             Eb pays for the CP and the pilots too (default: useful data energy only)\n"
    "  --seed S                master seed (default 1)\n"
    "\n"
    "A point with no error ends the sweep. Exit codes as for aesim run.\n";

static const char *const usage_theory =
    "usage: aesim theory --scheme S --channel C [--k-factor K] (--ebno|--esno) GRID\n"
    "\n"
    "Print closed-form SER and BER as CSV: scheme,channel,k_factor,ebno_db,esno_db,ser,ber.\n"
    "AWGN: exact Gray BER of PAM and square QAM (Cho & Yoon 2002), PSK SER (Craig 1991) and exact\n"
    "Gray PSK BER (Lassing et al. 2003); rayleigh and rician (perfect CSI): averaged over the fading.\n";

// Parse a non-negative integer option (accepts 1e6 style values).
static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= 0.0) || v > 9.0e18 || v != floor(v))
        return 0;
    *out = (uint64_t)v;
    return 1;
}

// A decimal integer 0..2^64-1, exactly (seeds must not be rounded through a double).
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

// Options shared by ber and theory.
enum { LINK_MAX_KEYS = 64 };

// One channel key given on the command line: the option as written (for messages), the key, its text.
typedef struct link_key {
    const char *option, *key, *text;
} link_key;

typedef struct link_opts {
    const char *scheme, *channel, *grid, *demapper;
    const char *code, *decoder, *schedule, *iterations; // ber only: --code ldpc5g:K:N and its decoder
    int esno, threads, demapper_set, early_stop;
    int interval;                 // enum sim_interval (ber only)
    link_key keys[LINK_MAX_KEYS]; // the channel's keys, in the order given
    size_t n_keys;
    char ofdm_size[2][32];             // --ofdm N:CP split into nfft and cp
    char key_names[LINK_MAX_KEYS][64]; // the keys of --channel-key KEY=VALUE
    uint64_t target_bits, target_blocks, max_bits, max_blocks, seed;
} link_opts;

// Record channel key `key` = text from option `option`; EXIT_DONE or EXIT_INPUT (after printing).
static int link_add_key(link_opts *o, const char *option, const char *key, const char *text)
{
    if (o->n_keys >= LINK_MAX_KEYS)
        return input_errorf("more than %d channel options", LINK_MAX_KEYS);
    o->keys[o->n_keys++] = (link_key){option, key, text};
    return EXIT_DONE;
}

static int parse_link(int argc, char **argv, link_opts *o, int with_sim, const char *usage)
{
    enum {
        O_SCHEME = 256,
        O_CHANNEL,
        O_K,
        O_CSI,
        O_COH,
        O_EBNO,
        O_ESNO,
        O_DEMAP,
        O_TE,
        O_TBE,
        O_MAXBITS,
        O_MAXBLOCKS,
        O_THREADS,
        O_SEED,
        O_OFDM,
        O_TAPS,
        O_PDP,
        O_PILOTS,
        O_EQ,
        O_CHARGE,
        O_INTERVAL,
        O_CHKEY,
        O_CODE,
        O_ITER,
        O_DECODER,
        O_SCHEDULE,
        O_EARLY
    };
    static const struct option opts[] = {{"scheme", required_argument, NULL, O_SCHEME},
                                         {"channel", required_argument, NULL, O_CHANNEL},
                                         {"k-factor", required_argument, NULL, O_K},
                                         {"csi", required_argument, NULL, O_CSI},
                                         {"ebno", required_argument, NULL, O_EBNO},
                                         {"esno", required_argument, NULL, O_ESNO},
                                         {"demapper", required_argument, NULL, O_DEMAP},
                                         {"ofdm", required_argument, NULL, O_OFDM},
                                         {"taps", required_argument, NULL, O_TAPS},
                                         {"pdp", required_argument, NULL, O_PDP},
                                         {"pilots", required_argument, NULL, O_PILOTS},
                                         {"equalizer", required_argument, NULL, O_EQ},
                                         {"charge-cp", no_argument, NULL, O_CHARGE},
                                         {"coherence", required_argument, NULL, O_COH},
                                         {"channel-key", required_argument, NULL, O_CHKEY},
                                         {"interval", required_argument, NULL, O_INTERVAL},
                                         {"code", required_argument, NULL, O_CODE},
                                         {"iterations", required_argument, NULL, O_ITER},
                                         {"decoder", required_argument, NULL, O_DECODER},
                                         {"schedule", required_argument, NULL, O_SCHEDULE},
                                         {"early-stop", no_argument, NULL, O_EARLY},
                                         {"target-errors", required_argument, NULL, O_TE},
                                         {"target-block-errors", required_argument, NULL, O_TBE},
                                         {"max-bits", required_argument, NULL, O_MAXBITS},
                                         {"max-blocks", required_argument, NULL, O_MAXBLOCKS},
                                         {"threads", required_argument, NULL, O_THREADS},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->demapper = "hard";
    o->target_bits = 1000;
    o->seed = 1;
    int c, grids = 0, rc = EXIT_DONE;
    optind = 1;
    while (rc == EXIT_DONE && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (!with_sim && c >= O_CSI && c != O_EBNO && c != O_ESNO && c != 'h' && c != '?') {
            const char *name = "?";
            for (const struct option *op = opts; op->name; op++)
                if (op->val == c)
                    name = op->name;
            return input_error("option --%s applies to `aesim ber` only", name);
        }
        switch (c) {
        case O_SCHEME: o->scheme = optarg; break;
        case O_CHANNEL: o->channel = optarg; break;
        case O_K: rc = link_add_key(o, "--k-factor", "k_factor", optarg); break;
        case O_CSI: rc = link_add_key(o, "--csi", "csi", optarg); break;
        case O_COH: rc = link_add_key(o, "--coherence", "coherence", optarg); break;
        case O_CHKEY: {
            // KEY=VALUE: any key of the channel's table
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || eq - optarg >= 64)
                return input_error("--channel-key '%s': expected KEY=VALUE, e.g. ibo_db=6", optarg);
            char *key = o->key_names[o->n_keys < LINK_MAX_KEYS ? o->n_keys : 0];
            snprintf(key, sizeof o->key_names[0], "%.*s", (int)(eq - optarg), optarg);
            rc = link_add_key(o, "--channel-key", key, eq + 1);
            break;
        }
        case O_EBNO:
        case O_ESNO:
            o->grid = optarg;
            o->esno = c == O_ESNO;
            grids++;
            break;
        case O_DEMAP:
            o->demapper = optarg;
            o->demapper_set = 1;
            break;
        case O_CODE: o->code = optarg; break;
        case O_ITER: o->iterations = optarg; break;
        case O_DECODER: o->decoder = optarg; break;
        case O_SCHEDULE: o->schedule = optarg; break;
        case O_EARLY: o->early_stop = 1; break;
        case O_OFDM: {
            // N:CP, the two keys nfft and cp
            const char *colon = strchr(optarg, ':');
            if (!colon || colon == optarg || !colon[1] || colon - optarg >= 31 || strlen(colon + 1) >= 31)
                return input_error("--ofdm '%s': expected N:CP, e.g. 64:16", optarg);
            snprintf(o->ofdm_size[0], sizeof o->ofdm_size[0], "%.*s", (int)(colon - optarg), optarg);
            snprintf(o->ofdm_size[1], sizeof o->ofdm_size[1], "%s", colon + 1);
            if (!o->channel)
                o->channel = "ofdm";
            if ((rc = link_add_key(o, "--ofdm", "nfft", o->ofdm_size[0])) == EXIT_DONE)
                rc = link_add_key(o, "--ofdm", "cp", o->ofdm_size[1]);
            break;
        }
        case O_TAPS: rc = link_add_key(o, "--taps", "taps", optarg); break;
        case O_PDP: rc = link_add_key(o, "--pdp", "pdp", optarg); break;
        case O_PILOTS: rc = link_add_key(o, "--pilots", "pilots", optarg); break;
        case O_EQ: rc = link_add_key(o, "--equalizer", "equalizer", optarg); break;
        case O_CHARGE: rc = link_add_key(o, "--charge-cp", "charge", "data+cp+pilots"); break;
        case O_INTERVAL:
            if ((o->interval = sim_interval_parse(optarg)) < 0)
                return input_error("--interval '%s': expected wilson or clopper_pearson", optarg);
            break;
        case O_TE:
            if (!parse_count(optarg, &o->target_bits))
                return input_error("--target-errors '%s': expected an integer >= 0", optarg);
            break;
        case O_TBE:
            if (!parse_count(optarg, &o->target_blocks))
                return input_error("--target-block-errors '%s': expected an integer >= 0", optarg);
            break;
        case O_MAXBITS:
            if (!parse_count(optarg, &o->max_bits) || o->max_bits < 1)
                return input_error("--max-bits '%s': expected an integer >= 1", optarg);
            break;
        case O_MAXBLOCKS:
            if (!parse_count(optarg, &o->max_blocks) || o->max_blocks < 1)
                return input_error("--max-blocks '%s': expected an integer >= 1", optarg);
            break;
        case O_THREADS:
            if (!parse_threads(optarg, &o->threads))
                return input_errorf("--threads '%s': expected an integer 1..%d", optarg, SIM_THREADS_MAX);
            break;
        case O_SEED:
            if (!parse_u64(optarg, &o->seed))
                return input_error("--seed '%s': expected an integer >= 0", optarg);
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: fputs(usage, stderr); return EXIT_INPUT;
        }
    }
    if (rc != EXIT_DONE)
        return rc;
    if (optind < argc)
        return input_error("unexpected argument '%s'", argv[optind]);
    if (!o->scheme)
        return input_error("missing --scheme%s (e.g. --scheme qam16)", "");
    if (!o->channel) {
        char names[256];
        return input_error("missing --channel (%s; or --ofdm N:CP)", ch_type_names(names, sizeof names));
    }
    if (grids != 1)
        return input_error("give exactly one of --ebno GRID or --esno GRID%s", "");
    if (o->max_bits && o->max_blocks)
        return input_error("give --max-bits or --max-blocks, not both%s", "");
    if (!o->code && (o->iterations || o->decoder || o->schedule || o->early_stop))
        return input_error("--iterations, --decoder, --schedule and --early-stop need --code%s "
                           "(e.g. --code ldpc5g:750:1500)",
                           "");
    return EXIT_DONE;
}

// The code of `aesim ber --code TYPE:K:N` and its decoder options into sys (a coded_modem system whose
// scheme is already set); EXIT_DONE or EXIT_INPUT (after printing). The ranges are the codec's
// (mod_code_cfg_validate).
static int link_code(const link_opts *o, sim_system_cfg *sys)
{
    mod_code_cfg *c = &sys->code;
    mod_code_cfg_default(c);
    char type[32];
    unsigned long long k, n;
    char tail;
    if (sscanf(o->code, "%31[a-z0-9_]:%llu:%llu%c", type, &k, &n, &tail) != 3 || strchr(o->code, '-') ||
        k > UINT32_MAX || n > UINT32_MAX)
        return input_error("--code '%s': expected TYPE:K:N, e.g. ldpc5g:750:1500", o->code);
    if ((c->type = mod_code_type_parse(type)) < 0)
        return input_errorf("--code '%s': unknown code type '%s', expected %s or %s", o->code, type,
                            mod_code_type_name(MOD_CODE_LDPC5G), mod_code_type_name(MOD_CODE_HAMMING74));
    c->k = (unsigned)k;
    c->n = (unsigned)n;
    if (c->type == MOD_CODE_HAMMING74) {
        if (o->iterations || o->schedule || o->early_stop)
            return input_error("--code '%s': --iterations, --schedule and --early-stop are for ldpc5g codes; "
                               "Hamming (7,4) takes --decoder hard or ml",
                               o->code);
        if (o->decoder && (c->hamming_decoder = mod_hamming_decoder_parse(o->decoder)) < 0)
            return input_error("--decoder '%s': expected hard or ml for a hamming_7_4 code", o->decoder);
    }
    if (o->iterations) {
        uint64_t it;
        if (!parse_count(o->iterations, &it) || it > UINT32_MAX)
            return input_error("--iterations '%s': expected an integer 1..1000", o->iterations);
        c->dec.iterations = (unsigned)it;
    }
    if (c->type == MOD_CODE_LDPC5G && o->decoder &&
        (c->dec.algorithm = ldpc5g_algorithm_parse(o->decoder)) < 0)
        return input_error("--decoder '%s': expected sum_product, min_sum, offset_min_sum or "
                           "normalized_min_sum",
                           o->decoder);
    if (o->schedule && (c->dec.schedule = ldpc5g_schedule_parse(o->schedule)) < 0)
        return input_error("--schedule '%s': expected flooding or layered", o->schedule);
    c->dec.early_stop = o->early_stop;
    unsigned m = 0;
    while ((1u << m) < sys->mod_M)
        m++;
    if (m == 0) // mod_scheme_parse gives M >= 2
        return input_error("--scheme %s: expected at least 2 points", sys->name);
    if (mod_code_cfg_validate(c, m) != AE_OK)
        return input_errorf("--code '%s' with --scheme %s (%u bits per symbol): %s", o->code, sys->name, m,
                            ae_err_message());
    sys->symbols = c->n / m;
    return EXIT_DONE;
}

// The channel of a link from its options, through the channel type's key table (the same table the
// config parser reads); EXIT_DONE or EXIT_INPUT (after printing).
static int link_channel(const link_opts *o, sim_channel_cfg *ch)
{
    char names[256];
    sim_channel_cfg_default(ch);
    const ch_type *t = ch_type_find(o->channel);
    if (!t)
        return input_errorf("--channel '%s': expected one of %s", o->channel,
                            ch_type_names(names, sizeof names));
    sim_channel_cfg_set_type(ch, t);
    for (size_t i = 0; i < o->n_keys; i++) {
        const link_key *lk = &o->keys[i];
        const ch_key *k = ch_type_key(t, lk->key);
        if (!k) {
            size_t used = 0;
            names[0] = '\0';
            for (size_t j = 0; j < t->n_keys && used < sizeof names; j++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                                         t->keys[j].name);
            return input_errorf("%s (key %s) does not apply to --channel %s (its keys: %s)", lk->option,
                                lk->key, t->name, t->n_keys ? names : "none");
        }
        if (ch_key_set_text(k, &ch->params, lk->text) != AE_OK)
            return input_errorf("%s: %s", lk->option, ae_err_message());
    }
    if (sim_channel_validate(ch) != AE_OK)
        return report(AE_EINVAL);
    return EXIT_DONE;
}

static int cmd_theory(int argc, char **argv)
{
    link_opts o;
    int rc = parse_link(argc, argv, &o, 0, usage_theory);
    if (rc != EXIT_DONE)
        return rc < 0 ? EXIT_DONE : rc;
    int family;
    unsigned M;
    sim_channel_cfg ch;
    if (mod_scheme_parse(o.scheme, &family, &M) != AE_OK)
        return report(AE_EINVAL);
    if ((rc = link_channel(&o, &ch)) != EXIT_DONE)
        return rc;
    ch_flat flat = sim_channel_flat(&ch);
    int th = sim_theory_channel(&flat);
    if (th < 0)
        return input_error("--channel %s has no closed form here (theory covers awgn, rayleigh and rician)",
                           ch.type->name);
    if (sim_system_check_channel(&(sim_system_cfg){
            .type = SIM_SYS_MODEM, .mod_family = family, .mod_M = M, .channel = ch}) != AE_OK)
        return input_errorf("%s", ae_err_message());
    double *grid;
    size_t n;
    if (sim_grid_parse(o.grid, &grid, &n) != AE_OK)
        return report(AE_EINVAL);
    unsigned m = 0;
    while ((1u << m) < M)
        m++;
    char name[32];
    mod_scheme_name(family, M, name, sizeof name);
    printf("scheme,channel,k_factor,ebno_db,esno_db,ser,ber\n");
    for (size_t i = 0; i < n; i++) {
        double esno = o.esno ? grid[i] : ch_esno_db_from_ebno(grid[i], m, 1);
        double ser, ber;
        if (theory_scheme(family, M, th, flat.k_factor, esno, &ser, &ber) != AE_OK) {
            free(grid);
            return report(AE_EINVAL);
        }
        printf("%s,%s,%g,%.4f,%.4f,%.6e,%.6e\n", name, sim_channel_name(&ch), flat.k_factor,
               ch_ebno_db_from_esno(esno, m, 1), esno, ser, ber);
    }
    free(grid);
    return EXIT_DONE;
}

static int cmd_ber(int argc, char **argv)
{
    link_opts o;
    int rc = parse_link(argc, argv, &o, 1, usage_ber);
    if (rc != EXIT_DONE)
        return rc < 0 ? EXIT_DONE : rc;
    sim_system_cfg sys;
    memset(&sys, 0, sizeof sys);
    sys.type = SIM_SYS_MODEM;
    sys.symbols = 1;
    if (mod_scheme_parse(o.scheme, &sys.mod_family, &sys.mod_M) != AE_OK)
        return report(AE_EINVAL);
    mod_scheme_name(sys.mod_family, sys.mod_M, sys.name, sizeof sys.name);
    if (strcmp(o.demapper, "hard") == 0)
        sys.demapper = MOD_DEMAP_HARD;
    else if (strcmp(o.demapper, "exact") == 0)
        sys.demapper = MOD_DEMAP_EXACT;
    else if (strcmp(o.demapper, "maxlog") == 0)
        sys.demapper = MOD_DEMAP_MAXLOG;
    else
        return input_error("--demapper '%s': expected hard, exact or maxlog", o.demapper);
    if (o.code) {
        // a coded link decodes from LLRs: exact unless --demapper maxlog
        if (sys.demapper == MOD_DEMAP_HARD && o.demapper_set)
            return input_error("--demapper hard: a coded link (--code) needs LLRs, expected exact or "
                               "maxlog%s",
                               "");
        if (sys.demapper == MOD_DEMAP_HARD)
            sys.demapper = MOD_DEMAP_EXACT;
        sys.type = SIM_SYS_CODED_MODEM;
        if ((rc = link_code(&o, &sys)) != EXIT_DONE)
            return rc;
    }
    if ((rc = link_channel(&o, &sys.channel)) != EXIT_DONE)
        return rc;
    if (sim_system_check_channel(&sys) != AE_OK)
        return input_errorf("%s", ae_err_message());
    double *grid;
    size_t n_grid;
    if (sim_grid_parse(o.grid, &grid, &n_grid) != AE_OK)
        return report(AE_EINVAL);
    mod_modem *modem = NULL;
    txrx *t = sim_system_classical(&sys, &modem);
    if (!t) {
        free(grid);
        return report(ae_err_failed());
    }
    sys.k = t->k;
    sys.n = t->n;
    int code = EXIT_DONE;
    if (sim_channel_check(&sys.channel, t, sys.name) != AE_OK) {
        code = report(AE_EINVAL);
        goto done;
    }
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = o.seed;
    cfg.chunk_blocks = 65536;
    cfg.batch = 4096;
    cfg.target_bit_errors = o.target_bits;
    cfg.target_block_errors = o.target_blocks;
    cfg.max_blocks =
        o.max_blocks ? o.max_blocks : ((o.max_bits ? o.max_bits : 100000000ULL) + t->k - 1) / t->k;
#ifdef _OPENMP
    cfg.threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#else
    cfg.threads = 1;
#endif
    cfg.channel = sys.channel;
    cfg.soft = sys.type == SIM_SYS_MODEM && sys.demapper != MOD_DEMAP_HARD; // a code decides itself
    cfg.interval = o.interval;
    sim_blas_single_thread();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    sim_engine *e = sim_engine_create(t, &cfg);
    if (!e) {
        code = report(ae_err_failed());
        goto done;
    }
    sim_row row;
    printf("%s\n", sim_results_header);
    for (size_t i = 0; i < n_grid; i++) {
        memset(&row, 0, sizeof row);
        double ebno = o.esno ? sim_engine_ebno_db(e, grid[i]) : grid[i];
        int prc = sim_engine_point(e, ebno, &row.pt, &g_cancel);
        if (prc != AE_OK) {
            code = report(prc);
            break;
        }
        snprintf(row.system, sizeof row.system, "%s", sys.name);
        sim_channel_describe(&sys.channel, row.channel, sizeof row.channel);
        snprintf(row.eb_charges, sizeof row.eb_charges, "%s", sim_channel_eb_charges(&sys.channel));
        sim_system_theory(&sys, ebno, &row.theory_bler, &row.theory_ber);
        sim_results_print_row(stdout, &row);
        fflush(stdout);
        if (row.pt.block_errors == 0)
            break; // no error at this point: higher points would see none either
    }
    sim_engine_destroy(e);
done:
    txrx_destroy(t);
    mod_modem_destroy(modem);
    free(grid);
    return code;
}

// ---------------------------------------------------------------------------------------------

static const char *const usage_list =
    "usage: aesim list\n"
    "\n"
    "Print every config key with its default, unit, range and the words it accepts, as a complete config\n"
    "(aesim check accepts it as it is): the top level, the channel (AWGN and fading, and an OFDM link with\n"
    "all its keys), eval, and one system of each type with its training keys.\n";

// aesim list: the config reference on stdout.
static int cmd_list(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage_list, stdout);
        return EXIT_DONE;
    }
    if (argc > 1) {
        fprintf(stderr, "aesim: list takes no argument, got '%s'\n", argv[1]);
        fputs(usage_list, stderr);
        return EXIT_INPUT;
    }
    sim_config_print_keys(stdout);
    return EXIT_DONE;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); // GSL reports through return codes; aesim never aborts inside GSL
    if (sim_mpi_init(&argc, &argv) != AE_OK) {
        fprintf(stderr, "aesim: %s\n", ae_err_message());
        return EXIT_FAILED;
    }
    int code = dispatch(argc, argv);
    sim_mpi_finalize();
    return code;
}

static int dispatch(int argc, char **argv)
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
        return cmd_run_mode(argc - 1, argv + 1, MODE_RUN, usage_run);
    if (strcmp(cmd, "train") == 0)
        return cmd_run_mode(argc - 1, argv + 1, MODE_TRAIN, usage_train);
    if (strcmp(cmd, "eval") == 0)
        return cmd_run_mode(argc - 1, argv + 1, MODE_EVAL, usage_eval);
    if (strcmp(cmd, "plot") == 0)
        return cmd_plot(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "ber") == 0)
        return cmd_ber(argc - 1, argv + 1);
    if (strcmp(cmd, "theory") == 0)
        return cmd_theory(argc - 1, argv + 1);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(argc - 1, argv + 1);
    fprintf(stderr, "aesim: unknown command '%s'\n", cmd);
    fputs(usage_main, stderr);
    return EXIT_INPUT;
}
