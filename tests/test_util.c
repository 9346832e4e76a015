// test_util.c - helpers shared by the Criterion tests; see test_util.h.
#define _XOPEN_SOURCE 700 // nftw
#include "test_util.h"

#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

const char *test_bin(void)
{
    const char *b = getenv("AESIM_BIN");
    return b ? b : "./aesim";
}

const char *test_root(void)
{
    const char *r = getenv("AESIM_ROOT");
    return r ? r : ".";
}

// ---------------------------------------------------------------------------------------------
// temporary folders: the list of this test process's, removed by test_cleanup()

static char **tmp_list;
static size_t tmp_n, tmp_cap;

void make_tmpdir(char *buf, size_t len)
{
    const int w = snprintf(buf, len, "%sXXXXXX", TEST_TMP_PREFIX);
    cr_assert(w > 0 && (size_t)w < len, "make_tmpdir: a buffer of %zu bytes is too short", len);
    cr_assert(mkdtemp(buf), "mkdtemp %s failed", buf);
    if (tmp_n == tmp_cap) {
        tmp_cap = tmp_cap ? 2 * tmp_cap : 16;
        tmp_list = realloc(tmp_list, tmp_cap * sizeof *tmp_list);
        cr_assert(tmp_list);
    }
    tmp_list[tmp_n] = strdup(buf);
    cr_assert(tmp_list[tmp_n]);
    tmp_n++;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

// Remove dir and its contents; 0 on success (a folder already gone counts as removed).
static int remove_tree(const char *dir)
{
    if (access(dir, F_OK) != 0)
        return 0;
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int is_test_tmp(const char *dir)
{
    return strncmp(dir, TEST_TMP_PREFIX, strlen(TEST_TMP_PREFIX)) == 0 && !strstr(dir, "/..") &&
           strlen(dir) > strlen(TEST_TMP_PREFIX);
}

void remove_tmpdir(const char *dir)
{
    cr_assert(is_test_tmp(dir), "remove_tmpdir: %s is not a folder of make_tmpdir", dir);
    cr_assert_eq(remove_tree(dir), 0, "cannot remove %s", dir);
    for (size_t i = 0; i < tmp_n; i++)
        if (strcmp(tmp_list[i], dir) == 0) {
            free(tmp_list[i]);
            tmp_list[i] = tmp_list[--tmp_n];
            break;
        }
}

void test_cleanup(void)
{
    // the list is emptied first, so a failure while removing cannot run this twice on the same folder
    char **list = tmp_list;
    size_t n = tmp_n;
    tmp_list = NULL;
    tmp_n = tmp_cap = 0;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_test_tmp(list[i]) && remove_tree(list[i]) != 0) {
            fprintf(stderr, "test_cleanup: cannot remove %s\n", list[i]);
            failed = 1;
        }
        free(list[i]);
    }
    free(list);
    cr_assert(!failed, "test_cleanup: a temporary folder could not be removed");
}

// ---------------------------------------------------------------------------------------------
// whole files

void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len, "short write to %s", path);
    cr_assert_eq(fclose(f), 0, "cannot close %s", path);
}

void write_file(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    // read to the end rather than trusting a size: pipes, fifos and files still growing read whole
    size_t cap = 4096, got = 0;
    char *s = malloc(cap);
    cr_assert(s);
    for (size_t r; (r = fread(s + got, 1, cap - got - 1, f)) > 0;) {
        got += r;
        if (cap - got - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
            cr_assert(s);
        }
    }
    cr_assert(!ferror(f), "error reading %s", path);
    fclose(f);
    s[got] = '\0';
    if (len)
        *len = got;
    return s;
}

char *read_file(const char *path)
{
    return read_bytes(path, NULL);
}

// ---------------------------------------------------------------------------------------------
// commands

int run_cmd_out(const char *cmdline, char **err, char **out)
{
    char dir[64], errpath[128], outpath[128], full[8400];
    make_tmpdir(dir, sizeof dir);
    snprintf(errpath, sizeof errpath, "%s/stderr", dir);
    snprintf(outpath, sizeof outpath, "%s/stdout", dir);
    const int w = snprintf(full, sizeof full, "%s 2>%s >%s </dev/null", cmdline, errpath, outpath);
    cr_assert(w > 0 && (size_t)w < sizeof full, "run_cmd: command line too long (%d bytes)", w);
    const int st = system(full);
    *err = read_file(errpath);
    cr_assert(*err, "no stderr file for: %s", cmdline);
    if (out) {
        *out = read_file(outpath);
        cr_assert(*out, "no stdout file for: %s", cmdline);
    }
    remove_tmpdir(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int run_cmd(const char *cmdline, char **err)
{
    return run_cmd_out(cmdline, err, NULL);
}

// ---------------------------------------------------------------------------------------------
// counts and rates

unsigned popcount(uint64_t v)
{
    unsigned c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

double assert_rate(double observed, double p, double n, const char *fmt, ...)
{
    const double sd = sqrt(p * (1.0 - p) / n);
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cr_assert(fabs(observed - p) < 5.0 * sd, "%s: %g vs %g (5 sigma %g)", what, observed, p, 5.0 * sd);
    return sd;
}

int test_fast(void)
{
    const char *f = getenv("AESIM_TEST_FAST");
    return f && strcmp(f, "1") == 0;
}
