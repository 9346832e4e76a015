// test_catalogue.c - the catalogue of bad input, each entry fed through the real `aesim` binary.
//
// Every entry checks (a) the exit code (2 for the user's input, 1 for a run failure), (b) that the
// message on stderr names the thing (file, line and key where there is one) and what was expected, and
// (c) that no earlier file changed: an output folder is first filled by a successful tiny run, every
// file in it is snapshotted, the bad command is pointed at it (with --restart where the
// other-experiment check would otherwise be what refuses it) and the folder must be byte-identical
// afterwards.
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "test_util.h"

// ---------------------------------------------------------------------------------------------
// helpers (the shared ones are in tests/test_util.h)

TestSuite(catalogue, .fini = test_cleanup);

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

#define expect_in(err, needle) cr_assert(strstr((err), (needle)), "stderr lacks '%s':\n%s", (needle), (err))

// ---------------------------------------------------------------------------------------------
// snapshots of a folder: every regular file's name and bytes

#define SNAP_MAX 64

typedef struct {
    char name[256];
    char *data;
    size_t len;
} snap_file;

typedef struct {
    char dir[256];
    snap_file files[SNAP_MAX];
    size_t n;
} snapshot;

static void snap_take(snapshot *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s", dir);
    for (struct dirent *e; (e = readdir(d));) {
        char path[600];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        // the lock file holds the id of the last process that locked the folder, not results
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || strcmp(e->d_name, ".aesim.lock") == 0)
            continue;
        cr_assert(s->n < SNAP_MAX, "too many files in %s", dir);
        snap_file *f = &s->files[s->n++];
        snprintf(f->name, sizeof f->name, "%s", e->d_name);
        f->data = read_bytes(path, &f->len);
        cr_assert(f->data, "cannot read %s", path);
    }
    closedir(d);
}

static const snap_file *snap_find(const snapshot *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->files[i].name, name) == 0)
            return &s->files[i];
    return NULL;
}

static void snap_free(snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->files[i].data);
    s->n = 0;
}

// The folder holds exactly the files of the snapshot, byte for byte.
static void snap_expect_unchanged(const snapshot *before, const char *what)
{
    snapshot now;
    snap_take(&now, before->dir);
    for (size_t i = 0; i < now.n; i++)
        cr_assert(snap_find(before, now.files[i].name), "%s: %s/%s appeared", what, before->dir,
                  now.files[i].name);
    for (size_t i = 0; i < before->n; i++) {
        const snap_file *b = &before->files[i], *a = snap_find(&now, b->name);
        cr_assert(a, "%s: %s/%s disappeared", what, before->dir, b->name);
        cr_assert(a->len == b->len && memcmp(a->data, b->data, b->len) == 0,
                  "%s: %s/%s changed (%zu -> %zu bytes)", what, before->dir, b->name, b->len, a->len);
    }
    snap_free(&now);
}

// One file is byte-identical to its snapshot entry.
static void snap_expect_file_unchanged(const snapshot *before, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", before->dir, name);
    const snap_file *b = snap_find(before, name);
    cr_assert(b, "no %s in the snapshot", path);
    size_t len;
    char *now = read_bytes(path, &len);
    cr_assert(now, "%s is gone", path);
    cr_assert(len == b->len && memcmp(now, b->data, len) == 0, "%s changed (%zu -> %zu bytes)", path, b->len,
              len);
    free(now);
}

// ---------------------------------------------------------------------------------------------
// the fixture: a folder filled by a successful tiny run

#define TINY_HEAD                                                                                            \
    "seed = 1;\n"                                                                                            \
    "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n"
#define TINY_SYSTEMS                                                                                         \
    "systems = (\n"                                                                                          \
    "  { name = \"bpsk\"; type = \"uncoded_bpsk\"; k = 2; },\n"                                              \
    "  { name = \"ham\"; type = \"hamming_7_4\"; decoder = \"hard\"; }\n"                                    \
    ");\n"

static const char *const tiny_cfg = TINY_HEAD TINY_SYSTEMS;

// A tiny autoencoder: n = 2, k = 2, 50 steps.
static const char *const ae_cfg =
    TINY_HEAD "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 2; k = 2;\n"
              "              train = { steps = 50; batch = 100; }; } );\n";

typedef struct {
    char dir[64];  // the test's temporary folder
    char cfg[128]; // dir/tiny.cfg
    char out[128]; // dir/out: results of the tiny run
    snapshot snap; // of out
} fixture;

static void fixture_setup(fixture *f)
{
    make_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->cfg, sizeof f->cfg, "%s/tiny.cfg", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    write_file(f->cfg, tiny_cfg);
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --threads 1 --quiet", test_bin(), f->cfg, f->out);
    cr_assert_eq(run_cmd(cmd, &err), 0, "the tiny run failed:\n%s", err);
    free(err);
    snap_take(&f->snap, f->out);
    const char *want[] = {"results.csv", "resolved.cfg", "bler.png"};
    for (int i = 0; i < 3; i++) {
        const snap_file *s = snap_find(&f->snap, want[i]);
        cr_assert(s && s->len > 0, "the tiny run left no %s/%s", f->out, want[i]);
    }
    // nothing was trained: no (header-only) loss.csv
    cr_assert(!snap_find(&f->snap, "loss.csv"), "a run without a learned system left %s/loss.csv", f->out);
}

static void fixture_teardown(fixture *f)
{
    snap_free(&f->snap);
    remove_tmpdir(f->dir);
}

// Write text to dir/name; the path goes to path.
static void put_cfg(const fixture *f, const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", f->dir, name);
    write_file(path, text);
}

// A bad config: `aesim run CFG --out <the tiny run's folder> --restart` must exit 2, its message must
// start with "CFG:LINE: KEY" (KEY may be NULL) and contain each of the NULL-terminated needles, and
// the folder must be unchanged.
static void expect_bad_config(const char *text, int line, const char *key, const char *const *needles)
{
    fixture f;
    fixture_setup(&f);
    char cfg[160], cmd[1024], where[512], *err;
    put_cfg(&f, "bad.cfg", text, cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --quiet", test_bin(), cfg, f.out);
    int rc = run_cmd(cmd, &err);
    cr_assert_eq(rc, 2, "exit %d for:\n%s\nstderr:\n%s", rc, text, err);
    if (key)
        snprintf(where, sizeof where, "aesim: %s:%d: %s", cfg, line, key);
    else
        snprintf(where, sizeof where, "aesim: %s:%d: ", cfg, line);
    expect_in(err, where);
    for (size_t i = 0; needles && needles[i]; i++)
        expect_in(err, needles[i]);
    free(err);
    snap_expect_unchanged(&f.snap, "a config that does not load");
    fixture_teardown(&f);
}

#define NEEDLES(...) ((const char *const[]){__VA_ARGS__, NULL})

// ---------------------------------------------------------------------------------------------
// configs

Test(catalogue, config_syntax_error)
{
    // '[0.0, 2.0;' leaves the list open: libconfig stops at line 2
    expect_bad_config("seed = 1;\n"
                      "eval = { ebno_db = [0.0, 2.0; max_blocks = 20000; };\n" TINY_SYSTEMS,
                      2, "syntax error", NULL);
}

Test(catalogue, config_misspelt_key_suggests_the_nearest)
{
    expect_bad_config("seed = 1;\n"
                      "eval = { ebno_db = [0.0, 2.0]; max_blokcs = 20000; };\n" TINY_SYSTEMS,
                      2, "eval.max_blokcs", NEEDLES("unknown key in eval", "did you mean 'max_blocks'?"));
}

Test(catalogue, config_wrong_type_string_for_n)
{
    expect_bad_config(TINY_HEAD
                      "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = \"seven\"; k = 2; } );\n",
                      3, "systems.[0].n", NEEDLES("expected an integer in 1..4096"));
}

Test(catalogue, config_ebno_not_finite)
{
    // libconfig reads 1e400 as inf (strtod's HUGE_VAL) rather than rejecting it; aesim refuses inf
    expect_bad_config("seed = 1;\n"
                      "eval = { ebno_db = [0.0, 1e400]; max_blocks = 20000; };\n" TINY_SYSTEMS,
                      2, "eval.ebno_db", NEEDLES("inf", "expected a finite Eb/N0 in dB, -100..100"));
}

Test(catalogue, config_ebno_out_of_range)
{
    expect_bad_config("seed = 1;\n"
                      "eval = { ebno_db = [0.0, 500.0]; max_blocks = 20000; };\n" TINY_SYSTEMS,
                      2, "eval.ebno_db", NEEDLES("500", "expected a finite Eb/N0 in dB, -100..100"));
}

Test(catalogue, config_k_too_large_for_memory)
{
    expect_bad_config(TINY_HEAD "memory_limit_mib = 64;\n"
                                "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 22; k = 22; } );\n",
                      4, "systems.[0].k",
                      NEEDLES("autoencoder k = 22 needs", "GiB of memory", "(limit 0.1 GiB)",
                              "reduce k or the hidden widths"));
}

Test(catalogue, config_n_below_1)
{
    expect_bad_config(TINY_HEAD "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 0; k = 2; } );\n",
                      3, "systems.[0].n", NEEDLES("value 0 out of range", "expected an integer in 1..4096"));
}

Test(catalogue, config_eval_batch_0)
{
    expect_bad_config("seed = 1;\n"
                      "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; batch = 0; };\n" TINY_SYSTEMS,
                      2, "eval.batch", NEEDLES("value 0 out of range", "expected an integer in 1..1000000"));
}

Test(catalogue, config_train_batch_0)
{
    expect_bad_config(TINY_HEAD "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 2; k = 2;\n"
                                "              train = { batch = 0; }; } );\n",
                      4, "systems.[0].train.batch",
                      NEEDLES("value 0 out of range", "expected an integer in 1..10000000"));
}

Test(catalogue, config_empty_ebno_grid)
{
    expect_bad_config("seed = 1;\n"
                      "eval = { ebno_db = []; max_blocks = 20000; };\n" TINY_SYSTEMS,
                      2, "eval.ebno_db", NEEDLES("empty grid", "expected at least one Eb/N0 value in dB"));
}

Test(catalogue, config_square_qam_not_power_of_4)
{
    expect_bad_config(TINY_HEAD "systems = ( { name = \"m\"; type = \"modem\"; scheme = \"qam8\"; } );\n", 3,
                      "systems.[0].scheme", NEEDLES("qam8", "square QAM needs M a power of 4, 4..256"));
}

Test(catalogue, config_ofdm_cp_longer_than_fft)
{
    // the message is placed at the channel group (line 3, key 'channel'), not at cp (line 5)
    expect_bad_config(TINY_HEAD "channel = { type = \"ofdm\";\n"
                                "  nfft = 16;\n"
                                "  cp = 32; };\n"
                                "systems = ( { name = \"m\"; type = \"modem\"; scheme = \"qpsk\"; } );\n",
                      3, "channel", NEEDLES("cp = 32", "expected 0..nfft (16)"));
}

Test(catalogue, config_coherence_0)
{
    expect_bad_config(TINY_HEAD "channel = { type = \"rayleigh\";\n"
                                "  coherence = 0; };\n"
                                "systems = ( { name = \"m\"; type = \"modem\"; scheme = \"qpsk\"; } );\n",
                      4, "channel.coherence",
                      NEEDLES("value 0 out of range", "expected an integer in 1..1000000000"));
}

Test(catalogue, config_odd_n_on_complex_channel)
{
    expect_bad_config(TINY_HEAD "channel = \"rayleigh\";\n"
                                "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 7; k = 4; } );\n",
                      4, "systems.[0]", NEEDLES("n = 7", "rayleigh channel needs an even n"));
}

Test(catalogue, config_interval_unknown_word)
{
    expect_bad_config(
        "seed = 1;\n"
        "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; interval = \"exact\"; };\n" TINY_SYSTEMS,
        2, "eval.interval", NEEDLES("unknown value 'exact'", "expected wilson or clopper_pearson"));
}

Test(catalogue, config_grid_step_below_the_resolution)
{
    // the bound is the real one (0.001 dB, the resolution of the noise seeds), not "> 0"
    expect_bad_config(
        "seed = 1;\n"
        "eval = { ebno_db = { start = 0.0; stop = 1.0; step = 1e-4; }; max_blocks = 20000; };\n" TINY_SYSTEMS,
        2, "eval.ebno_db.step", NEEDLES("value 0.0001 out of range", "expected a step in dB, 0.001..100"));
}

Test(catalogue, config_hex_seed_suffix_advice_holds)
{
    // the advice for a wide hexadecimal literal is one L, which is then accepted (no advice to add another)
    expect_bad_config(
        "seed = 0x7fffffffffffffff;\n"
        "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n" TINY_SYSTEMS,
        1, NULL,
        NEEDLES("integer 0x7fffffffffffffff does not fit in 32 bits", "write 0x7fffffffffffffffL (or"));
    fixture f;
    fixture_setup(&f);
    char cfg[160], cmd[1024], *err;
    put_cfg(&f, "hex.cfg",
            "seed = 0x7fffffffffffffffL;\n"
            "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n" TINY_SYSTEMS,
            cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s check %s", test_bin(), cfg);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    fixture_teardown(&f);
}

Test(catalogue, config_byte_order_mark)
{
    // a UTF-8 byte-order mark at the start of the config is skipped; in an included file, named
    fixture f;
    fixture_setup(&f);
    char cfg[160], inc[160], cmd[1024], want[512], *err;
    put_cfg(&f, "bom.cfg", "\xEF\xBB\xBF" TINY_HEAD TINY_SYSTEMS, cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s check %s", test_bin(), cfg);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    put_cfg(&f, "head.cfg", "\xEF\xBB\xBF" TINY_HEAD, inc, sizeof inc);
    put_cfg(&f, "main.cfg", "@include \"head.cfg\"\n" TINY_SYSTEMS, cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --quiet", test_bin(), cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    snprintf(want, sizeof want, "aesim: %s:1: starts with a UTF-8 byte-order mark (bytes EF BB BF)", inc);
    expect_in(err, want);
    expect_in(err, "save it as UTF-8 without a BOM");
    free(err);
    snap_expect_unchanged(&f.snap, "a byte-order mark in an included file");
    fixture_teardown(&f);
}

Test(catalogue, config_include_absolute_and_errors_in_included_files)
{
    // an absolute @include from a config given by an absolute path; an error inside an included file names
    // that file and its line
    fixture f;
    fixture_setup(&f);
    char cfg[160], inc[160], text[512], cmd[1024], want[512], *err;
    put_cfg(&f, "eval.cfg", "# shared evaluation\n\neval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n",
            inc, sizeof inc);
    snprintf(text, sizeof text, "seed = 1;\n@include \"%s\"\n" TINY_SYSTEMS, inc);
    put_cfg(&f, "abs.cfg", text, cfg, sizeof cfg);
    cr_assert(cfg[0] == '/');
    snprintf(cmd, sizeof cmd, "%s check %s", test_bin(), cfg);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    put_cfg(&f, "eval.cfg", "# shared evaluation\n\neval = { ebno_db = [0.0, 2.0]; max_blocks = 0; };\n", inc,
            sizeof inc);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --quiet", test_bin(), cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    snprintf(want, sizeof want, "aesim: %s:3: eval.max_blocks: value 0 out of range", inc);
    expect_in(err, want);
    free(err);
    // the same through a relative @include
    put_cfg(&f, "rel.cfg", "seed = 1;\n@include \"eval.cfg\"\n" TINY_SYSTEMS, cfg, sizeof cfg);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, want);
    free(err);
    snap_expect_unchanged(&f.snap, "an error in an included file");
    fixture_teardown(&f);
}

// A bad command line: `aesim run <the tiny config> --out <its folder> --restart --quiet EXTRA` must exit 2
// with each needle on stderr, and leave the folder unchanged.
static void expect_bad_run(const char *extra, const char *const *needles)
{
    fixture f;
    fixture_setup(&f);
    char cmd[2048], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --quiet %s", test_bin(), f.cfg, f.out, extra);
    int rc = run_cmd(cmd, &err);
    cr_assert_eq(rc, 2, "exit %d for %s:\n%s", rc, extra, err);
    for (size_t i = 0; needles[i]; i++)
        expect_in(err, needles[i]);
    free(err);
    snap_expect_unchanged(&f.snap, extra);
    fixture_teardown(&f);
}

Test(catalogue, cli_set_through_a_list_grid)
{
    expect_bad_run(
        "--set eval.ebno_db.start=2",
        NEEDLES("tiny.cfg: --set 'eval.ebno_db.start=2': eval.ebno_db is a list, not a group, so it has "
                "no key 'start'",
                "--set 'eval.ebno_db={ start = 2.0; stop = 10.0; step = 1.0; }'"));
}

Test(catalogue, cli_set_value_not_libconfig)
{
    expect_bad_run("--set 'eval.ebno_db=[0.0, 5.0'",
                   NEEDLES("--set 'eval.ebno_db=[0.0, 5.0': the value is not libconfig syntax (syntax error)",
                           "expected e.g. 5, 1e6, true"));
    expect_bad_run("--set 'eval.max_blocks=1; seed = 2'",
                   NEEDLES("expected one value, not further settings"));
}

Test(catalogue, cli_set_key_of_100000_characters)
{
    // the message keeps its reason: the key is quoted in part
    expect_bad_run(
        "--set \"$(head -c 100000 /dev/zero | tr '\\0' a)=1\"",
        NEEDLES("(100002 characters)': the key path is 100000 characters long, expected at most 511"));
}

Test(catalogue, cli_config_named_like_an_option)
{
    // a config whose name starts with '-' reads as options: the message says so and how to give it
    fixture f;
    fixture_setup(&f);
    char cfg[160], cmd[1024], *err;
    put_cfg(&f, "-dash.cfg", tiny_cfg, cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "(cd %s && %s run -dash.cfg --out out --restart --quiet)", f.dir, test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "aesim: unknown option '-d' in '-dash.cfg'; '-dash.cfg' is a file");
    expect_in(err, "write ./-dash.cfg, or put it after -- (aesim run [options] -- -dash.cfg)");
    free(err);
    snap_expect_unchanged(&f.snap, "a config named like an option");
    // and both ways work
    snprintf(cmd, sizeof cmd, "(cd %s && %s check -- -dash.cfg && %s check ./-dash.cfg)", f.dir, test_bin(),
             test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    fixture_teardown(&f);
}

// ---------------------------------------------------------------------------------------------
// paths

Test(catalogue, config_path_missing)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], want[256], *err;
    snprintf(cmd, sizeof cmd, "%s run %s/missing.cfg --out %s --restart --quiet", test_bin(), f.dir, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    snprintf(want, sizeof want,
             "aesim: %s/missing.cfg: cannot open the config file: No such file or directory", f.dir);
    expect_in(err, want);
    free(err);
    snap_expect_unchanged(&f.snap, "a missing config");
    fixture_teardown(&f);
}

Test(catalogue, config_path_is_a_folder)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], want[256], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --quiet", test_bin(), f.dir, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    snprintf(want, sizeof want, "aesim: %s: is a folder; expected a config file (.cfg)", f.dir);
    expect_in(err, want);
    free(err);
    snap_expect_unchanged(&f.snap, "a config path that is a folder");
    fixture_teardown(&f);
}

Test(catalogue, out_path_under_dev_null)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out /dev/null/x --quiet", test_bin(), f.cfg);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "cannot create folder /dev/null/x: /dev/null exists and is not a folder");
    free(err);
    cr_assert(!exists("/dev/null/x"));
    fixture_teardown(&f);
}

Test(catalogue, out_path_is_a_regular_file)
{
    fixture f;
    fixture_setup(&f);
    // --out at one of the tiny run's own files: it must stay as it was
    char file[160], cmd[1024], want[512], *err;
    snprintf(file, sizeof file, "%s/results.csv", f.out);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --quiet", test_bin(), f.cfg, file);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    snprintf(want, sizeof want, "cannot create folder %s: %s exists and is not a folder", file, file);
    expect_in(err, want);
    free(err);
    snap_expect_unchanged(&f.snap, "--out at a regular file");
    fixture_teardown(&f);
}

// ---------------------------------------------------------------------------------------------
// checkpoints: `aesim eval CONFIG --checkpoints DIR` with a bad DIR/ae.safetensors

typedef struct {
    fixture f;
    char ae[160];  // dir/ae.cfg
    char ck[160];  // dir/ck: a valid checkpoint from `aesim train`
    char bad[160]; // dir/bad: where the test puts its bad checkpoint
    char *good;    // the bytes of ck/ae.safetensors
    size_t good_len;
} ck_fixture;

static void ck_setup(ck_fixture *c)
{
    fixture_setup(&c->f);
    put_cfg(&c->f, "ae.cfg", ae_cfg, c->ae, sizeof c->ae);
    snprintf(c->ck, sizeof c->ck, "%s/ck", c->f.dir);
    snprintf(c->bad, sizeof c->bad, "%s/bad", c->f.dir);
    char cmd[1024], path[256], *err;
    snprintf(cmd, sizeof cmd, "%s train %s --out %s --quiet", test_bin(), c->ae, c->ck);
    cr_assert_eq(run_cmd(cmd, &err), 0, "training the tiny autoencoder failed:\n%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/ae.safetensors", c->ck);
    c->good = read_bytes(path, &c->good_len);
    cr_assert(c->good && c->good_len > 8, "no checkpoint %s", path);
    cr_assert_eq(mkdir(c->bad, 0755), 0);
}

static void ck_teardown(ck_fixture *c)
{
    free(c->good);
    fixture_teardown(&c->f);
}

// The safetensors header length (the first 8 bytes, little-endian).
static size_t header_len(const char *raw)
{
    size_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | (unsigned char)raw[i];
    return n;
}

// Evaluate with bad/ae.safetensors into the tiny run's folder (--restart: that folder holds another
// experiment); exit 2 naming the file and each needle, and neither the folder nor the bad checkpoint
// changes.
static void expect_bad_checkpoint(ck_fixture *c, const char *const *needles)
{
    snapshot bad;
    snap_take(&bad, c->bad);
    char cmd[1024], file[256], *err;
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s --out %s --restart --quiet", test_bin(), c->ae,
             c->bad, c->f.out);
    int rc = run_cmd(cmd, &err);
    cr_assert_eq(rc, 2, "exit %d, stderr:\n%s", rc, err);
    snprintf(file, sizeof file, "aesim: %s/ae.safetensors: ", c->bad);
    expect_in(err, file);
    for (size_t i = 0; needles && needles[i]; i++)
        expect_in(err, needles[i]);
    free(err);
    snap_expect_unchanged(&bad, "the bad checkpoint");
    snap_free(&bad);
    snap_expect_unchanged(&c->f.snap, "eval with a bad checkpoint");
}

Test(catalogue, checkpoint_truncated)
{
    ck_fixture c;
    ck_setup(&c);
    char path[256];
    snprintf(path, sizeof path, "%s/ae.safetensors", c.bad);
    // cut in the data section, as an interrupted copy would
    size_t hl = header_len(c.good);
    cr_assert(8 + hl < c.good_len);
    write_bytes(path, c.good, 8 + hl + (c.good_len - 8 - hl) / 2);
    expect_bad_checkpoint(&c, NEEDLES("out of range", "truncated"));
    // and cut in the JSON header
    write_bytes(path, c.good, 8 + hl / 2);
    expect_bad_checkpoint(&c, NEEDLES("truncated", "header length"));
    ck_teardown(&c);
}

Test(catalogue, checkpoint_corrupted_header)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    char path[256];
    snprintf(path, sizeof path, "%s/ae.safetensors", c.bad);
    // flip 4 bytes inside the JSON header
    char *raw = malloc(c.good_len);
    memcpy(raw, c.good, c.good_len);
    for (size_t i = 12; i < 16; i++)
        raw[i] = (char)(raw[i] ^ 0xff);
    write_bytes(path, raw, c.good_len);
    free(raw);
    expect_bad_checkpoint(&c, NEEDLES("the header is not valid JSON"));
    ck_teardown(&c);
}

Test(catalogue, checkpoint_mismatched_shapes)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    // a checkpoint of the same system name trained with n = 4
    char ae4[160], cmd[1024], *err;
    char *text = strdup(ae_cfg);
    char *p = strstr(text, "n = 2;");
    cr_assert(p);
    p[4] = '4';
    put_cfg(&c.f, "ae4.cfg", text, ae4, sizeof ae4);
    free(text);
    snprintf(cmd, sizeof cmd, "%s train %s --out %s --quiet", test_bin(), ae4, c.bad);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    expect_bad_checkpoint(&c, NEEDLES("tx.1.weight has shape [4, 4], the config needs [2, 4]"));
    ck_teardown(&c);
}

// ---------------------------------------------------------------------------------------------
// a results folder of another experiment

Test(catalogue, resume_folder_of_another_config)
{
    fixture f;
    fixture_setup(&f);
    char cfg[160], cmd[1024], want[512], *err;
    put_cfg(&f, "other.cfg",
            "seed = 2;\n"
            "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n" TINY_SYSTEMS,
            cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --quiet", test_bin(), cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    snprintf(want, sizeof want, "aesim: %s holds the results of a different experiment", f.out);
    expect_in(err, want);
    expect_in(err, "other.cfg");
    expect_in(err, "use --restart to overwrite them or --out for another folder");
    // and says where the two differ
    expect_in(err, "first difference:\n    folder: seed = 1L;\n    now:    seed = 2L;");
    free(err);
    snap_expect_unchanged(&f.snap, "a folder of another experiment");
    fixture_teardown(&f);
}

// ---------------------------------------------------------------------------------------------
// the command line

Test(catalogue, cli_unknown_command)
{
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s frobnicate", test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "aesim: unknown command 'frobnicate'");
    expect_in(err, "usage: aesim <command>");
    free(err);
}

Test(catalogue, cli_unknown_option)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --frob", test_bin(), f.cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "aesim: unknown option or missing value: '--frob'");
    expect_in(err, "see aesim --help");
    free(err);
    snap_expect_unchanged(&f.snap, "an unknown option");
    fixture_teardown(&f);
}

Test(catalogue, cli_threads_0)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --threads 0", test_bin(), f.cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "aesim: --threads '0': expected an integer 1..1024");
    free(err);
    snap_expect_unchanged(&f.snap, "--threads 0");
    fixture_teardown(&f);
}

Test(catalogue, cli_set_without_equals)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --set eval.max_blocks", test_bin(), f.cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "aesim: --set 'eval.max_blocks': expected path.to.key=value");
    free(err);
    snap_expect_unchanged(&f.snap, "--set without '='");
    fixture_teardown(&f);
}

Test(catalogue, cli_ber_bad_grid)
{
    const struct {
        const char *grid, *want;
    } cases[] = {
        {"0:x:5", "aesim: grid '0:x:5': expected START:STEP:STOP in dB (e.g. 0:1:10) or a list 0,2,4"},
        {"5:1:0", "aesim: grid '5:1:0': expected STEP > 0 and STOP >= START"},
        {"0:0.0001:1", "aesim: grid '0:0.0001:1': STEP 0.0001 dB, expected at least 0.001 dB"},
        {"0,500", "aesim: grid '0,500': value 2 is not a number in dB within -100..100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[1024], *err;
        snprintf(cmd, sizeof cmd, "%s ber --scheme bpsk --channel awgn --ebno '%s'", test_bin(),
                 cases[i].grid);
        cr_assert_eq(run_cmd(cmd, &err), 2, "%s: %s", cases[i].grid, err);
        expect_in(err, cases[i].want);
        free(err);
    }
}

// ---------------------------------------------------------------------------------------------
// names that reach the figure scripts: nothing in them runs

// s quoted for the shell: '...' with each ' as '\''.
static void shell_quote(char *buf, size_t len, const char *s)
{
    size_t o = 0;
    buf[o++] = '\'';
    for (; *s && o + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else {
            buf[o++] = *s;
        }
    }
    cr_assert(!*s, "name too long to quote");
    buf[o++] = '\'';
    buf[o] = '\0';
}

// Run `aesim run NAME.cfg --out out` inside a fresh folder for a config file of that name (under a
// time limit: a name that makes gnuplot call itself would never end) and expect it to finish, draw and
// leave no file named PWNED anywhere; a second run resumes it and `aesim plot out` redraws it.
static void expect_inert_name(const char *name)
{
    char dir[64], cfg[512], q[1200], cmd[4096], path[640], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", dir, name);
    write_file(cfg, tiny_cfg);
    shell_quote(q, sizeof q, strrchr(cfg, '/') + 1);
    snprintf(cmd, sizeof cmd, "cd %s && timeout 60 %s run %s --out out --threads 1 --quiet", dir, test_bin(),
             q);
    int rc = run_cmd(cmd, &err);
    cr_assert_eq(rc, 0, "exit %d for a config named '%s':\n%s", rc, name, err);
    free(err);
    const char *places[] = {"", "/out"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s/PWNED", dir, places[i]);
        cr_assert(!exists(path), "gnuplot ran a command from the config's name: %s", path);
    }
    cr_assert(!exists("PWNED"), "gnuplot ran a command from the config's name (in the test's folder)");
    snprintf(path, sizeof path, "%s/out/bler.png", dir);
    cr_assert(exists(path), "no %s", path);
    // the same config resumes (its resolved.cfg reads back), and the folder redraws
    cr_assert_eq(run_cmd(cmd, &err), 0, "resuming: %s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "cd %s && timeout 60 %s plot out", dir, test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 0, "aesim plot: %s", err);
    free(err);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s/PWNED", dir, places[i]);
        cr_assert(!exists(path), "gnuplot ran a command from the config's name: %s", path);
    }
    remove_tmpdir(dir);
}

Test(catalogue, name_with_newline_and_backquoted_command, .timeout = 200)
{
    expect_inert_name("inj\n`touch PWNED` #");
}

Test(catalogue, name_with_a_newline_alone, .timeout = 200)
{
    // the rest of a comment line became a command that ran gnuplot on its own script, endlessly
    expect_inert_name("a\nb");
}

Test(catalogue, name_with_quotes_macro_and_backslash, .timeout = 200)
{
    expect_inert_name("it's \"q\" @x `touch PWNED` \\");
}

// ---------------------------------------------------------------------------------------------
// figures that gnuplot could not write whole (a full disk): exit 1, the earlier figure intact

// dir/fake/gnuplot: runs the real gnuplot (next on PATH) with the same arguments, then the shell
// snippet `after` with $out the file it was told to write and $svg 1 for an SVG; exits 0 as gnuplot
// does on a full disk. Returns the PATH setting to put before the command.
static void fake_gnuplot(const char *dir, const char *after, char *env, size_t len)
{
    char fake[128], path[192];
    snprintf(fake, sizeof fake, "%s/fake", dir);
    cr_assert_eq(mkdir(fake, 0755), 0);
    snprintf(path, sizeof path, "%s/gnuplot", fake);
    char script[2048];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "out=$(printf '%%s\\n' \"$2\" | sed -n \"s/.*outfile='\\([^']*\\)'.*/\\1/p\")\n"
             "case \"$2\" in *svg=1*) svg=1 ;; *) svg=0 ;; esac\n"
             "PATH=${PATH#*:}\nexport PATH\n"
             "gnuplot \"$@\" || exit $?\n"
             "%s\n"
             "exit 0\n",
             after);
    write_file(path, script);
    cr_assert_eq(chmod(path, 0755), 0);
    snprintf(env, len, "PATH=%s:\"$PATH\"", fake);
}

// No temporary file is left in dir.
static void expect_no_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s", dir);
    for (struct dirent *e; (e = readdir(d));)
        cr_assert_null(strstr(e->d_name, ".tmp"), "a temporary file is left: %s/%s", dir, e->d_name);
    closedir(d);
}

// Redraw the fixture's folder (a --restart run) through a gnuplot that does `after`; expect exit 1
// with a message naming `figure` and holding `why`, the named files unchanged and no temporary file.
static void expect_figure_kept(const char *after, const char *figure, const char *why,
                               const char *const *kept)
{
    fixture f;
    fixture_setup(&f);
    char env[256], cmd[1024], want[256], *err;
    fake_gnuplot(f.dir, after, env, sizeof env);
    snprintf(cmd, sizeof cmd, "%s %s run %s --out %s --restart --threads 1 --quiet", env, test_bin(), f.cfg,
             f.out);
    cr_assert_eq(run_cmd(cmd, &err), 1, "%s", err);
    snprintf(want, sizeof want, "aesim: cannot save %s/%s", f.out, figure);
    expect_in(err, want);
    expect_in(err, why);
    expect_in(err, "the previous file is unchanged");
    free(err);
    for (const char *const *k = kept; *k; k++)
        snap_expect_file_unchanged(&f.snap, *k);
    expect_no_temporaries(f.out);
    fixture_teardown(&f);
}

Test(catalogue, figure_png_cut_short)
{
    const char *kept[] = {"bler.png", "bler.svg", "ber.png", "ber.svg", NULL};
    expect_figure_kept("if [ $svg = 0 ]; then truncate -s 1000 \"$out\"; fi", "bler.png",
                       "the PNG is cut short (no IEND chunk)", kept);
}

Test(catalogue, figure_svg_cut_short)
{
    // the PNG was whole, but the pair is replaced together or not at all
    const char *kept[] = {"bler.png", "bler.svg", NULL};
    expect_figure_kept("if [ $svg = 1 ]; then truncate -s 2000 \"$out\"; fi", "bler.svg",
                       "the SVG is cut short (no closing </svg>)", kept);
}

Test(catalogue, figure_empty_in_a_fresh_folder)
{
    char dir[64], env[256], cfg[128], cmd[1024], path[256], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/tiny.cfg", dir);
    write_file(cfg, tiny_cfg);
    fake_gnuplot(dir, "if [ $svg = 1 ]; then : > \"$out\"; fi", env, sizeof env);
    snprintf(cmd, sizeof cmd, "%s %s run %s --out %s/out --threads 1 --quiet", env, test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 1, "%s", err);
    expect_in(err, "bler.svg: gnuplot wrote nothing");
    free(err);
    snprintf(path, sizeof path, "%s/out/bler.svg", dir);
    cr_assert(!exists(path), "an empty %s was saved", path);
    snprintf(path, sizeof path, "%s/out/results.csv", dir);
    cr_assert(exists(path), "the results were not kept");
    snprintf(path, sizeof path, "%s/out", dir);
    expect_no_temporaries(path);
    remove_tmpdir(dir);
}

Test(catalogue, figure_temporaries_have_unique_names)
{
    // two runs drawing into one folder must not write the same temporary file: every name gnuplot is
    // given is BASE.EXT.tmp. and 6 random characters, different in each draw and in each run
    fixture f;
    fixture_setup(&f);
    char env[256], cmd[1024], log[160], after[256], *err;
    snprintf(log, sizeof log, "%s/names", f.dir);
    snprintf(after, sizeof after, "printf '%%s\\n' \"$out\" >> %s", log);
    fake_gnuplot(f.dir, after, env, sizeof env);
    for (int run = 0; run < 2; run++) {
        snprintf(cmd, sizeof cmd, "%s %s run %s --out %s --restart --threads 1 --quiet", env, test_bin(),
                 f.cfg, f.out);
        cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
        free(err);
    }
    size_t len;
    char *names = read_bytes(log, &len), *save = NULL;
    cr_assert(names, "gnuplot was not run");
    char seen[8][64];
    size_t n = 0;
    for (char *line = strtok_r(names, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cr_assert_lt(n, 8, "more draws than expected: %s", line);
        const char *t = strstr(line, ".tmp.");
        cr_assert(t && strlen(t + 5) == 6 &&
                      (strncmp(line, "bler.", 5) == 0 || strncmp(line, "ber.", 4) == 0),
                  "temporary name %s", line);
        for (size_t i = 0; i < n; i++)
            cr_assert_str_neq(seen[i], line, "the name %s was used twice", line);
        snprintf(seen[n++], sizeof seen[0], "%s", line);
    }
    cr_assert_eq(n, 8, "2 runs x 2 figures x PNG and SVG, got %zu", n);
    free(names);
    expect_no_temporaries(f.out);
    fixture_teardown(&f);
}

Test(catalogue, figure_gnuplot_error_with_status_0)
{
    const char *kept[] = {"bler.png", "bler.svg", NULL};
    fixture f;
    fixture_setup(&f);
    char env[256], cmd[1024], *err;
    fake_gnuplot(f.dir, "echo '\"bler.gp\" line 9: cannot open output file' >&2", env, sizeof env);
    snprintf(cmd, sizeof cmd, "%s %s run %s --out %s --restart --threads 1 --quiet", env, test_bin(), f.cfg,
             f.out);
    cr_assert_eq(run_cmd(cmd, &err), 1, "%s", err);
    expect_in(err, "gnuplot reported an error on");
    expect_in(err, "\"bler.gp\" line 9: cannot open output file");
    free(err);
    for (const char *const *k = kept; *k; k++)
        snap_expect_file_unchanged(&f.snap, *k);
    expect_no_temporaries(f.out);
    // a warning is no error
    char fake[160];
    snprintf(fake, sizeof fake, "%s/fake/gnuplot", f.dir);
    cr_assert_eq(remove(fake), 0);
    snprintf(fake, sizeof fake, "%s/fake", f.dir);
    cr_assert_eq(rmdir(fake), 0);
    fake_gnuplot(f.dir, "echo '\"bler.gp\" line 9: warning: Skipping data file with no valid points' >&2",
                 env, sizeof env);
    snprintf(cmd, sizeof cmd, "%s %s run %s --out %s --restart --threads 1 --quiet", env, test_bin(), f.cfg,
             f.out);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    fixture_teardown(&f);
}

// ---------------------------------------------------------------------------------------------
// run failures: exit 1, the earlier file intact

Test(catalogue, fault_write_results_csv)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], want[256], *err;
    snprintf(cmd, sizeof cmd, "AESIM_FAULT_WRITE=results.csv %s run %s --out %s --restart --quiet",
             test_bin(), f.cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 1, "%s", err);
    snprintf(want, sizeof want, "aesim: cannot save %s/results.csv", f.out);
    expect_in(err, want);
    expect_in(err, "No space left on device");
    expect_in(err, "the previous file is unchanged");
    free(err);
    snap_expect_file_unchanged(&f.snap, "results.csv");
    fixture_teardown(&f);
}

// adam.step of a checkpoint, or -1.
static long long checkpoint_step(const char *path)
{
    size_t len;
    char *raw = read_bytes(path, &len);
    if (!raw || len < 8)
        return free(raw), -1;
    size_t hl = header_len(raw);
    long long step = -1;
    json_error_t jerr;
    json_t *h = 8 + hl <= len ? json_loadb(raw + 8, hl, 0, &jerr) : NULL;
    json_t *t = h ? json_object_get(h, "adam.step") : NULL;
    json_t *off = t ? json_object_get(t, "data_offsets") : NULL;
    if (off && json_array_size(off) == 2) {
        size_t a = (size_t)json_integer_value(json_array_get(off, 0));
        size_t b = (size_t)json_integer_value(json_array_get(off, 1));
        if (b == a + 8 && 8 + hl + b <= len) {
            step = 0;
            for (int i = 7; i >= 0; i--)
                step = (long long)((unsigned long long)step << 8 | (unsigned char)raw[8 + hl + a + i]);
        }
    }
    json_decref(h);
    free(raw);
    return step;
}

Test(catalogue, fault_nan_in_training)
{
    char dir[64], cfg[128], out[128], ck[192], cmd[1024], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/nan.cfg", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_file(cfg, TINY_HEAD
               "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 2; k = 2;\n"
               "  train = { steps = 100; batch = 100; log_every = 10; checkpoint_every = 20; }; } );\n");
    snprintf(cmd, sizeof cmd, "AESIM_FAULT_NAN_STEP=30 %s run %s --out %s --quiet", test_bin(), cfg, out);
    cr_assert_eq(run_cmd(cmd, &err), 1, "%s", err);
    expect_in(err, "training loss is nan at step 30");
    expect_in(err, "the last good checkpoint (step 20) is kept");
    free(err);
    // the kept checkpoint is step 20's and loads
    snprintf(ck, sizeof ck, "%s/ae.safetensors", out);
    cr_assert(exists(ck), "no %s", ck);
    cr_assert_eq(checkpoint_step(ck), 20);
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s --out %s/ev --quiet", test_bin(), cfg, out, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "the kept checkpoint does not load:\n%s", err);
    free(err);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// hostile checkpoints: non-finite values, a FIFO; nothing is made before every input is checked

// Byte offset in raw (a whole safetensors file) of tensor name's data, or 0 if it is not found.
static size_t tensor_data_offset(const char *raw, size_t len, const char *name)
{
    size_t hl = header_len(raw), at = 0;
    json_error_t jerr;
    json_t *h = 8 + hl <= len ? json_loadb(raw + 8, hl, 0, &jerr) : NULL;
    json_t *t = h ? json_object_get(h, name) : NULL;
    json_t *off = t ? json_object_get(t, "data_offsets") : NULL;
    if (off && json_array_size(off) == 2)
        at = 8 + hl + (size_t)json_integer_value(json_array_get(off, 0));
    json_decref(h);
    return at;
}

// bad/ae.safetensors: the good checkpoint with float `index` of tensor `name` set to v.
static void put_checkpoint_with(ck_fixture *c, const char *name, size_t index, float v)
{
    char path[256];
    snprintf(path, sizeof path, "%s/ae.safetensors", c->bad);
    char *raw = malloc(c->good_len);
    memcpy(raw, c->good, c->good_len);
    size_t at = tensor_data_offset(raw, c->good_len, name);
    cr_assert(at > 0, "no tensor %s in the checkpoint", name);
    cr_assert(at + 4 * (index + 1) <= c->good_len);
    memcpy(raw + at + 4 * index, &v, sizeof v);
    write_bytes(path, raw, c->good_len);
    free(raw);
}

Test(catalogue, checkpoint_nan_weight)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    // rx.0.weight is [4, 2] for n = 2, k = 2 (hidden width M = 4): index 5 is [2, 1]
    put_checkpoint_with(&c, "rx.0.weight", 5, NAN);
    expect_bad_checkpoint(&c, NEEDLES("rx.0.weight[2, 1] is NaN", "finite"));
    ck_teardown(&c);
}

Test(catalogue, checkpoint_inf_weight_and_moment)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    put_checkpoint_with(&c, "tx.1.bias", 1, INFINITY);
    expect_bad_checkpoint(&c, NEEDLES("tx.1.bias[1] is +Inf", "finite"));
    // an Adam moment too: a resumed run would step with it
    put_checkpoint_with(&c, "adam.v.tx.0.weight", 0, -INFINITY);
    expect_bad_checkpoint(&c, NEEDLES("adam.v.tx.0.weight[0, 0] is -Inf"));
    ck_teardown(&c);
}

Test(catalogue, checkpoint_fifo_is_refused_without_waiting, .timeout = 60)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    char path[256];
    snprintf(path, sizeof path, "%s/ae.safetensors", c.bad);
    cr_assert_eq(mkfifo(path, 0644), 0);
    expect_bad_checkpoint(&c, NEEDLES("not a regular file", "FIFO"));
    ck_teardown(&c);
}

Test(catalogue, checkpoint_bad_makes_no_results_folder)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    put_checkpoint_with(&c, "rx.0.weight", 0, NAN);
    char cmd[1024], fresh[256], *err;
    snprintf(fresh, sizeof fresh, "%s/fresh/results", c.f.dir);
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s --out %s --quiet", test_bin(), c.ae, c.bad, fresh);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "is NaN");
    free(err);
    snprintf(fresh, sizeof fresh, "%s/fresh", c.f.dir);
    cr_assert(!exists(fresh), "a refused eval made %s", fresh);
    ck_teardown(&c);
}

// ---------------------------------------------------------------------------------------------
// one run per results folder

Test(catalogue, folder_locked_by_another_run)
{
    fixture f;
    fixture_setup(&f);
    // this process holds the folder's lock, as a running aesim would
    char lock[256], cmd[1024], want[512], *err;
    snprintf(lock, sizeof lock, "%s/.aesim.lock", f.out);
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    cr_assert_eq(ftruncate(fd, 0), 0);
    cr_assert_eq(pwrite(fd, pid, (size_t)n, 0), n);
    const char *modes[] = {"run", "eval"};
    for (int m = 0; m < 2; m++) {
        // (eval checks its checkpoints first: this experiment has no learned system, so none)
        snprintf(cmd, sizeof cmd, "%s %s %s --out %s --quiet%s", test_bin(), modes[m], f.cfg, f.out,
                 m ? " --checkpoints /nonexistent" : "");
        cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
        snprintf(want, sizeof want, "aesim: %s is in use by another aesim run (process %ld)", f.out,
                 (long)getpid());
        expect_in(err, want);
        free(err);
    }
    snprintf(cmd, sizeof cmd, "%s plot %s", test_bin(), f.out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "is in use by another aesim run");
    free(err);
    snap_expect_unchanged(&f.snap, "a locked folder");
    // released: the same command resumes
    close(fd);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --quiet", test_bin(), f.cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snap_expect_file_unchanged(&f.snap, "results.csv");
    fixture_teardown(&f);
}

// ---------------------------------------------------------------------------------------------
// keys that do not change results do not decide whether a folder holds the same experiment

Test(catalogue, resume_with_another_memory_limit)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], *err;
    // the same experiment on a machine with more memory, or with an explicit bound
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --quiet --set memory_limit_mib=123456", test_bin(), f.cfg,
             f.out);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snap_expect_file_unchanged(&f.snap, "results.csv");
    // a resolved.cfg that recorded the memory bound of the machine it was made on still resumes
    char path[256];
    snprintf(path, sizeof path, "%s/resolved.cfg", f.out);
    size_t len;
    char *text = read_bytes(path, &len);
    char *with = malloc(len + 64);
    snprintf(with, len + 64, "memory_limit_mib = 777.0;\n%s", text);
    write_file(path, with);
    free(text);
    free(with);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --quiet", test_bin(), f.cfg, f.out);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snap_expect_file_unchanged(&f.snap, "results.csv");
    // the default bound was not written: it belongs to the machine, not to the experiment
    const snap_file *resolved = snap_find(&f.snap, "resolved.cfg");
    cr_assert(resolved && !strstr(resolved->data, "memory_limit_mib"), "%s", resolved->data);
    fixture_teardown(&f);
}

// ---------------------------------------------------------------------------------------------
// training that diverges

#define DIVERGING_AE                                                                                         \
    TINY_HEAD "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 2; k = 2;\n"                         \
              "  train = { steps = 300; batch = 100; lr = 10.0; schedule = \"constant\"; }; } );\n"

Test(catalogue, diverged_training_warns_or_fails)
{
    SLOW_TEST();
    char dir[64], cfg[128], cmd[1024], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/diverge.cfg", dir);
    write_file(cfg, DIVERGING_AE);
    // lr = 10 ends above ln 4 nats (guessing among 4 messages): a warning, the run completes
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/warn --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    expect_in(err, "aesim: warning: training of ae diverged");
    expect_in(err, "above ln 4 = 1.386 nats");
    expect_in(err, "train.lr (now 10)");
    free(err);
    // with the key, an error (exit 1) that keeps the checkpoint
    snprintf(cmd, sizeof cmd,
             "%s run %s --out %s/fail --quiet --set systems.[0].train.fail_on_divergence=true", test_bin(),
             cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 1, "%s", err);
    expect_in(err, "aesim: training of ae diverged");
    free(err);
    char path[256];
    snprintf(path, sizeof path, "%s/fail/ae.safetensors", dir);
    cr_assert(exists(path));
    // a training that converges says nothing of the sort
    write_file(cfg, ae_cfg);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/ok --quiet --set systems.[0].train.fail_on_divergence=true",
             test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    cr_assert(!strstr(err, "diverged"), "%s", err);
    free(err);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// progress outside a terminal; no header-only files

Test(catalogue, progress_lines_outside_a_terminal)
{
    char dir[64], cfg[128], cmd[1024], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/ae.cfg", dir);
    write_file(cfg, ae_cfg);
    // stderr is a file here: without --progress nothing but the final line
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/a --threads 1", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    cr_assert(!strstr(err, "train ae"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/b --threads 1 --progress", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    expect_in(err, "  train ae: step 50/50  loss ");
    expect_in(err, "  ae                   Eb/N0   0.00 dB  blocks");
    expect_in(err, "  ae                   Eb/N0   2.00 dB  blocks");
    cr_assert(!strchr(err, '\r'), "a line redrawn in place outside a terminal:\n%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/c --quiet --progress", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "--quiet and --progress");
    free(err);
    remove_tmpdir(dir);
}

Test(catalogue, train_writes_no_results_csv)
{
    char dir[64], cfg[128], cmd[1024], path[256], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/ae.cfg", dir);
    write_file(cfg, ae_cfg);
    snprintf(cmd, sizeof cmd, "%s train %s --out %s/t --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/t/results.csv", dir);
    cr_assert(!exists(path), "aesim train left %s", path);
    snprintf(path, sizeof path, "%s/t/loss.csv", dir);
    cr_assert(exists(path), "aesim train left no %s", path);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// integers beyond 64 bits, long values, names that are not UTF-8

Test(catalogue, config_integer_beyond_64_bits)
{
    // libconfig clamps a decimal literal to 2^63 - 1 and wraps a hexadecimal one: refused, never clamped
    expect_bad_config("seed = 99999999999999999999L;\n"
                      "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n" TINY_SYSTEMS,
                      1, NULL, NEEDLES("integer 99999999999999999999L does not fit in 64 signed bits"));
    expect_bad_config("seed = 9223372036854775808L;\n"
                      "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n" TINY_SYSTEMS,
                      1, NULL, NEEDLES("expected at most 9223372036854775807L"));
    fixture f;
    fixture_setup(&f);
    char cmd[1024], *err;
    snprintf(cmd, sizeof cmd, "%s check %s --set seed=9223372036854775808", test_bin(), f.cfg);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "integer 9223372036854775808 does not fit in 64 signed bits");
    free(err);
    snprintf(cmd, sizeof cmd, "%s check %s --set seed=-1", test_bin(), f.cfg);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "expected an integer in 0..9223372036854775807");
    free(err);
    fixture_teardown(&f);
}

Test(catalogue, cli_set_long_value_keeps_its_reason)
{
    fixture f;
    fixture_setup(&f);
    // longer than any message buffer (the command line itself stays below run_cmd's)
    char *value = malloc(4001), *cmd = malloc(20200), *err;
    memset(value, 'k', 4000);
    value[4000] = '\0';
    snprintf(cmd, 20200, "%s check %s --set 'systems.[0].name=\"%s\"'", test_bin(), f.cfg, value);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%.300s", err);
    expect_in(err, "is not a valid system name; expected 1..63 characters");
    cr_assert(strlen(err) < 1200, "a message of %zu bytes", strlen(err));
    free(err);
    snprintf(cmd, 20200, "%s check %s --set 'eval.interval=\"%s\"'", test_bin(), f.cfg, value);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%.300s", err);
    expect_in(err, "expected wilson or clopper_pearson");
    free(err);
    free(cmd);
    free(value);
    fixture_teardown(&f);
}

Test(catalogue, config_name_not_utf8, .timeout = 120)
{
    char dir[64], cfg[160], cmd[1024], path[256], *err;
    make_tmpdir(dir, sizeof dir);
    // a name with a byte that is not UTF-8 (gnuplot refuses to convert it) and control characters
    snprintf(cfg, sizeof cfg, "%s/bad\xff\x7f\r.cfg", dir);
    write_file(cfg, tiny_cfg);
    snprintf(cmd, sizeof cmd, "%s run '%s' --out %s/out --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/out/bler.png", dir);
    cr_assert(exists(path), "no %s", path);
    snprintf(path, sizeof path, "%s/out/resolved.cfg", dir);
    char *text = read_bytes(path, NULL);
    cr_assert(strncmp(text, "# bad___: ", 10) == 0, "%.40s", text);
    free(text);
    // and valid UTF-8 stays as it is
    snprintf(cfg, sizeof cfg, "%s/gr\xc3\xbcn.cfg", dir);
    write_file(cfg, tiny_cfg);
    snprintf(cmd, sizeof cmd, "%s run '%s' --out %s/out2 --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/out2/resolved.cfg", dir);
    text = read_bytes(path, NULL);
    cr_assert(strncmp(text, "# gr\xc3\xbcn: ", 8) == 0, "%.40s", text);
    free(text);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// finite parameters that overflow; a folder never mixes the points of two models

Test(catalogue, checkpoint_overflowing_encoder)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    // finite, but the encoder's products overflow to infinity
    char path[256];
    snprintf(path, sizeof path, "%s/ae.safetensors", c.bad);
    char *raw = malloc(c.good_len);
    memcpy(raw, c.good, c.good_len);
    const char *names[] = {"tx.0.weight", "tx.1.weight", "tx.0.bias"};
    for (int t = 0; t < 3; t++) {
        size_t at = tensor_data_offset(raw, c.good_len, names[t]);
        cr_assert(at > 0);
        for (size_t i = 0; i < 4; i++) {
            float big = 3e38f;
            memcpy(raw + at + 4 * i, &big, sizeof big);
        }
    }
    write_bytes(path, raw, c.good_len);
    free(raw);
    expect_bad_checkpoint(&c, NEEDLES("the encoder of ae gives a non-finite symbol", "overflow"));
    ck_teardown(&c);
}

Test(catalogue, folder_of_other_parameters)
{
    SLOW_TEST();
    ck_fixture c;
    ck_setup(&c);
    char cmd[1024], out[256], other[256], *err;
    snprintf(out, sizeof out, "%s/ev", c.f.dir);
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s --out %s --quiet", test_bin(), c.ae, c.ck, out);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snapshot before;
    snap_take(&before, out);
    // the same checkpoints resume
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snap_expect_file_unchanged(&before, "results.csv");
    snap_free(&before);
    snap_take(&before, out);
    // other checkpoints of the same config: refused, naming the difference
    snprintf(other, sizeof other, "%s/ck2", c.f.dir);
    snprintf(cmd, sizeof cmd, "%s train %s --out %s --quiet --set systems.[0].train.seed=7", test_bin(), c.ae,
             other);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    char other_ae[256];
    snprintf(other_ae, sizeof other_ae, "%s/ck2/ae.safetensors", c.f.dir);
    char moved[256];
    snprintf(moved, sizeof moved, "%s/ae.safetensors", c.bad);
    cr_assert_eq(rename(other_ae, moved), 0);
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s --out %s --quiet", test_bin(), c.ae, c.bad, out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "holds the results of a different experiment");
    expect_in(err, "folder: # parameters: checkpoints ae fnv1a64 ");
    free(err);
    // training into a folder of evaluated checkpoints: refused too
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --quiet", test_bin(), c.ae, out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "now:    # parameters: trained");
    free(err);
    snap_expect_unchanged(&before, "a folder of other parameters");
    snap_free(&before);
    ck_teardown(&c);
}

// ---------------------------------------------------------------------------------------------
// aesim train without a learned system; aesim plot of a training folder

Test(catalogue, train_without_a_learned_system)
{
    fixture f;
    fixture_setup(&f);
    char cmd[1024], out[256], *err;
    snprintf(out, sizeof out, "%s/tr", f.dir);
    snprintf(cmd, sizeof cmd, "%s train %s --out %s --quiet", test_bin(), f.cfg, out);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "has no learned system");
    free(err);
    cr_assert(!exists(out), "aesim train made %s", out);
    fixture_teardown(&f);
}

Test(catalogue, plot_of_a_training_folder)
{
    char dir[64], cfg[128], cmd[1024], path[256], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/ae.cfg", dir);
    write_file(cfg, ae_cfg);
    snprintf(cmd, sizeof cmd, "%s train %s --out %s/t --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/t/loss.png", dir);
    cr_assert_eq(unlink(path), 0);
    snprintf(cmd, sizeof cmd, "%s plot %s/t", test_bin(), dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    expect_in(err, "redrawn");
    expect_in(err, "(loss; .png and .svg)");
    free(err);
    cr_assert(exists(path), "aesim plot did not redraw %s", path);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// channels from the registry: a new channel's keys are checked like any other

Test(catalogue, config_rapp_unknown_key)
{
    expect_bad_config(TINY_HEAD "channel = { type = \"rapp\"; p = 2.0;\n"
                                "  saturation = 1.0; };\n"
                                "systems = ( { name = \"m\"; type = \"modem\"; scheme = \"qpsk\"; } );\n",
                      4, "channel.saturation", NEEDLES("unknown key in a rapp channel", "ibo_db"));
}

Test(catalogue, config_rapp_p_out_of_range)
{
    expect_bad_config(TINY_HEAD "channel = { type = \"rapp\";\n"
                                "  p = -1.0; };\n"
                                "systems = ( { name = \"m\"; type = \"modem\"; scheme = \"qpsk\"; } );\n",
                      4, "channel.p", NEEDLES("value -1 out of range", "smoothness"));
}

// Training an autoencoder through a channel declared a black box: exit 2 before the folder is touched.
Test(catalogue, train_through_black_box_refused)
{
    fixture f;
    fixture_setup(&f);
    char cfg[160], cmd[1024], *err;
    put_cfg(&f, "bb.cfg",
            TINY_HEAD "systems = ( { name = \"ae\"; type = \"autoencoder\"; k = 2; n = 2;\n"
                      "  channel = { type = \"rapp\"; black_box = true; };\n"
                      "  train = { steps = 10; batch = 32; }; } );\n",
            cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s --restart --quiet", test_bin(), cfg, f.out);
    int rc = run_cmd(cmd, &err);
    cr_assert_eq(rc, 2, "exit %d; stderr:\n%s", rc, err);
    expect_in(err, "system 'ae' trains through the rapp channel, which is declared a black box");
    free(err);
    snap_expect_unchanged(&f.snap, "a refused training");
    fixture_teardown(&f);
}

// A failed constructor's own code sets the exit status: the engine of a classical system refuses a
// thread count out of 1..1024 (here from OMP_NUM_THREADS, the default of --threads) as the user's input.
Test(catalogue, engine_refuses_the_environment_s_thread_count)
{
    char dir[64], cfg[128], cmd[1024], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/tiny.cfg", dir);
    write_file(cfg, tiny_cfg);
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=2000 %s run %s --out %s/out --quiet", test_bin(), cfg, dir);
    int rc = run_cmd(cmd, &err);
    cr_assert_eq(rc, 2, "exit %d:\n%s", rc, err);
    expect_in(err, "aesim: threads = 2000, expected 1..1024");
    free(err);
    remove_tmpdir(dir);
}

// PAM on a complex channel: one rule, one message, from a config, aesim ber and aesim theory.
Test(catalogue, pam_on_a_complex_channel_has_one_message)
{
    char dir[64], cfg[128], cmd[1024], *err;
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/pam.cfg", dir);
    write_file(cfg, TINY_HEAD "systems = ( { name = \"p\"; type = \"modem\"; scheme = \"pam4\"; "
                              "channel = \"rayleigh\"; } );\n");
    const char *const want =
        "pam4 is real-valued and runs on AWGN only; use qam or psk on a rayleigh channel";
    snprintf(cmd, sizeof cmd, "%s check %s", test_bin(), cfg);
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    expect_in(err, "systems.[0].channel: system 'p': ");
    expect_in(err, want);
    free(err);
    const char *const links[] = {"ber", "theory"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s %s --scheme pam4 --channel rayleigh --ebno 0", test_bin(), links[i]);
        cr_assert_eq(run_cmd(cmd, &err), 2, "%s: %s", links[i], err);
        expect_in(err, "aesim: ");
        expect_in(err, want);
        free(err);
    }
    remove_tmpdir(dir);
}
