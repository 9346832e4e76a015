// test_fuzz_regress.c - the fuzzers' seed corpora (fuzz/corpus/) and their findings as regression tests.
//
// Every file of fuzz/corpus/config goes through sim_config_load and every file of fuzz/corpus/checkpoint
// through sim_ckpt_load and sim_ckpt_metadata, as the harnesses in fuzz/ do. A file whose name starts
// with "invalid_" must be rejected with AE_ECONFIG (and leave the model unchanged); every other file must
// load with AE_OK. Inputs the fuzzers found are kept in the corpus under "invalid_<finding>" names and
// also get a test of their own below. The corpus is read from $AESIM_ROOT (make test sets it) or ".".
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ae.h"
#include "ae_err.h"
#include "checkpoint.h"
#include "config.h"

#include "test_util.h"

// ---------------------------------------------------------------------------------------------
// helpers

static void corpus_path(char *buf, size_t len, const char *kind, const char *file)
{
    snprintf(buf, len, "%s/fuzz/corpus/%s%s%s", test_root(), kind, file ? "/" : "", file ? file : "");
}

static int is_invalid(const char *file)
{
    return strncmp(file, "invalid_", 8) == 0;
}

// The regular files of fuzz/corpus/<kind>, sorted (malloc'd names; *n of them).
static char **corpus_files(const char *kind, size_t *n)
{
    char dir[1024];
    corpus_path(dir, sizeof dir, kind, NULL);
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s (run from the project root or set AESIM_ROOT)", dir);
    char **names = NULL;
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (*n + 1) * sizeof *names);
        cr_assert(names);
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++) // insertion sort: a stable order for the messages
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    return names;
}

static void free_files(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

// sim_config_load on one corpus file as fuzz/fuzz_config.c calls it; the status. A loaded file must
// resolve to text that reads back to the same text.
static int load_config(const char *file)
{
    char path[1024];
    corpus_path(path, sizeof path, "config", file);
    sim_experiment ex;
    int rc = sim_config_load(path, &ex);
    if (rc != AE_OK)
        return rc;
    char *text = sim_config_resolved_text(&ex);
    sim_experiment_free(&ex);
    cr_assert(text, "%s: sim_config_resolved_text: %s", file, ae_err_message());
    char again[] = "/tmp/aesim_fuzz_regress_XXXXXX";
    int fd = mkstemp(again);
    cr_assert(fd >= 0, "mkstemp failed");
    FILE *f = fdopen(fd, "w");
    cr_assert(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
    int rc2 = sim_config_load(again, &ex);
    unlink(again);
    cr_assert_eq(rc2, AE_OK, "%s: its resolved text does not load: %s", file, ae_err_message());
    char *text2 = sim_config_resolved_text(&ex);
    sim_experiment_free(&ex);
    cr_assert(text2);
    cr_expect_str_eq(text2, text, "%s: the resolved text does not read back to itself", file);
    free(text2);
    free(text);
    return rc;
}

// The model and generator request of fuzz/fuzz_checkpoint.c.
static ae_model *fuzz_model(void)
{
    ae_cfg c;
    ae_cfg_default(&c, 3, 4);
    ae_model *ae = ae_create(&c);
    cr_assert(ae, "ae_create: %s", ae_err_message());
    for (size_t i = 0; i < ae->n_params; i++)
        ae->params[i] = -1.0f; // a value no corpus file stores
    return ae;
}

// sim_ckpt_load and sim_ckpt_metadata on one corpus file; the load status. A rejected file must leave
// the model unchanged.
static int load_checkpoint(ae_model *ae, const char *file, size_t *found)
{
    char path[1024];
    corpus_path(path, sizeof path, "checkpoint", file);
    float *before = malloc(ae->n_params * sizeof *before);
    cr_assert(before);
    memcpy(before, ae->params, ae->n_params * sizeof *before);
    unsigned char state[16];
    sim_ckpt_rng rng = {"train_msg", state, sizeof state};
    *found = 0;
    int rc = sim_ckpt_load(path, ae, &rng, 1, found);
    if (rc != AE_OK)
        cr_expect(memcmp(before, ae->params, ae->n_params * sizeof *before) == 0,
                  "%s: rejected (%s) but the model changed", file, ae_err_message());
    free(before);
    char buf[64];
    int mrc = sim_ckpt_metadata(path, "system", buf, sizeof buf);
    cr_expect(mrc == AE_OK || mrc == AE_ECONFIG, "%s: sim_ckpt_metadata returned %d (%s)", file, mrc,
              ae_err_message());
    return rc;
}

// ---------------------------------------------------------------------------------------------
// the seed corpora

Test(fuzz_regress, config_seed_corpus)
{
    size_t n;
    char **files = corpus_files("config", &n);
    cr_assert_geq(n, 10, "the config corpus has %zu files", n);
    for (size_t i = 0; i < n; i++) {
        int rc = load_config(files[i]);
        if (is_invalid(files[i]))
            cr_expect_eq(rc, AE_ECONFIG, "%s: expected AE_ECONFIG, got %d", files[i], rc);
        else
            cr_expect_eq(rc, AE_OK, "%s: expected AE_OK, got %d (%s)", files[i], rc, ae_err_message());
    }
    free_files(files, n);
}

Test(fuzz_regress, checkpoint_seed_corpus)
{
    size_t n;
    char **files = corpus_files("checkpoint", &n);
    cr_assert_geq(n, 10, "the checkpoint corpus has %zu files", n);
    ae_model *ae = fuzz_model();
    for (size_t i = 0; i < n; i++) {
        size_t found;
        int rc = load_checkpoint(ae, files[i], &found);
        if (is_invalid(files[i])) {
            cr_expect_eq(rc, AE_ECONFIG, "%s: expected AE_ECONFIG, got %d", files[i], rc);
        } else {
            cr_expect_eq(rc, AE_OK, "%s: expected AE_OK, got %d (%s)", files[i], rc, ae_err_message());
            cr_expect_leq(found, 1, "%s: %zu generator states for one request", files[i], found);
        }
    }
    ae_destroy(ae);
    free_files(files, n);
}

// ---------------------------------------------------------------------------------------------
// findings

// fuzz_config, leaks: a string literal the parser rejects as the next token (`{ s "common.cfg"`, or an
// empty "" among others) leaks inside libconfig 1.5 (see fuzz/lsan.supp); aesim must still reject the
// file as a syntax error with its line.
Test(fuzz_regress, config_rejected_string_literal)
{
    cr_expect_eq(load_config("invalid_leak_string_token.cfg"), AE_ECONFIG);
    cr_expect(strstr(ae_err_message(), "invalid_leak_string_token.cfg:1: syntax error"), "message: %s",
              ae_err_message());
    cr_expect_eq(load_config("invalid_leak_empty_string_token.cfg"), AE_ECONFIG);
    cr_expect(strstr(ae_err_message(), "syntax error"), "message: %s", ae_err_message());
}

// fuzz_config, round trip: a pdp given as "exp:16:1.5" resolved to a list of powers that sum to 1 only up
// to rounding; reading the list divided by that sum again, so the resolved text of the resolved config
// differed in the last digits (channels/multipath.c now keeps a profile that already sums to 1).
Test(fuzz_regress, config_resolved_pdp_reads_back)
{
    cr_expect_eq(load_config("roundtrip_pdp_renormalised.cfg"), AE_OK, "%s", ae_err_message());
    cr_expect_eq(load_config("ofdm_qam.cfg"), AE_OK, "%s", ae_err_message());
}
