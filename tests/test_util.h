// test_util.h - helpers shared by the Criterion tests (tests/test_util.c): the aesim binary and project
// root, temporary folders removed after each test, whole files, commands with their output captured,
// popcount, the 5-sigma rate check and the mark of a slow test.
//
// Criterion runs each test in a process of its own, so the list of a test's temporary folders is the
// process's. The folders are removed by test_cleanup(), the teardown of every suite that makes them
// (TestSuite(name, .fini = test_cleanup)); a test that removes a folder itself (remove_tmpdir) takes it
// off the list.
#ifndef AESIM_TEST_UTIL_H
#define AESIM_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

// The aesim binary: $AESIM_BIN (make test sets it) or "./aesim".
const char *test_bin(void);

// The project root: $AESIM_ROOT (make test sets it) or ".".
const char *test_root(void);

// The prefix of every temporary folder of the tests; remove_tmpdir refuses any other path.
#define TEST_TMP_PREFIX "/tmp/aesim-test-"

// Make a fresh folder TEST_TMP_PREFIX "XXXXXX" (mkdtemp) into buf (len >= 23 bytes) and put it on the
// list test_cleanup() removes. Fails the test if it cannot.
void make_tmpdir(char *buf, size_t len);

// Remove a folder made by make_tmpdir and everything in it (files, folders, fifos; symbolic links are
// removed, not followed) and take it off the list. Fails the test for a path that does not start with
// TEST_TMP_PREFIX or cannot be removed.
void remove_tmpdir(const char *dir);

// Teardown: remove every folder still on the list (those of a test that failed before removing them
// or that leaves them to the teardown). For TestSuite(..., .fini = test_cleanup).
void test_cleanup(void);

// Write len bytes to path (created or truncated); fails the test on any short write or close error.
void write_bytes(const char *path, const void *data, size_t len);

// Write the NUL-terminated text to path (its bytes, without the NUL), as write_bytes.
void write_file(const char *path, const char *text);

// The whole file at path, malloc'd (the caller frees) with a NUL appended after its bytes; its length
// (without that NUL) in *len if len != NULL. Binary-safe. NULL if the file cannot be opened.
char *read_bytes(const char *path, size_t *len);

// read_bytes(path, NULL): the whole file as a NUL-terminated string, or NULL.
char *read_file(const char *path);

// Run a shell command line with stdin from /dev/null and stdout and stderr captured; returns its exit
// status (-1 if it did not exit, e.g. killed by a signal). *err gets stderr and, if out != NULL, *out
// gets stdout, both malloc'd and NUL-terminated (the caller frees). The capture folder is removed
// before returning. cmdline must be shorter than 8 KiB.
int run_cmd_out(const char *cmdline, char **err, char **out);

// run_cmd_out(cmdline, err, NULL).
int run_cmd(const char *cmdline, char **err);

// The number of bits set in v.
unsigned popcount(uint64_t v);

// Assert that an observed rate (errors / n trials) is within 5 standard deviations of the probability
// p: |observed - p| < 5 sqrt(p (1 - p) / n) (the normal approximation to the binomial). The message
// is fmt (printf) followed by ": observed vs p (5 sigma ...)". Returns sigma = sqrt(p (1 - p) / n).
double assert_rate(double observed, double p, double n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Whether slow tests are to be skipped: $AESIM_TEST_FAST is "1" (make test-fast sets it; make test
// sets it to 0).
int test_fast(void);

// The first statement of a slow test (one taking more than about 2 s): under make test-fast it is
// skipped, and Criterion reports it as skipped; make test runs it.
#define SLOW_TEST()                                                                                          \
    do {                                                                                                     \
        if (test_fast())                                                                                     \
            cr_skip_test("slow test: skipped by AESIM_TEST_FAST=1 (make test-fast)");                        \
    } while (0)

#endif
