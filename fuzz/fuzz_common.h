// fuzz_common.h - the temporary input file shared by the libFuzzer harnesses (fuzz/).
//
// The parsers under test take a path, so each input is written to one file per process, created once
// and rewritten every iteration. It lives in a private folder, /tmp/aesim-fuzz-<pid>/, so that a fuzzed
// @include "name" resolves against an empty folder and not against whatever else is in /tmp.
#ifndef AESIM_FUZZ_COMMON_H
#define AESIM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[64], fuzz_path[96];

static void fuzz_cleanup(void)
{
    unlink(fuzz_path);
    rmdir(fuzz_dir);
}

// The per-process input path, made on first use; name is the file name inside the folder.
static const char *fuzz_input_path(const char *name)
{
    if (!fuzz_path[0]) {
        snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/aesim-fuzz-%ld", (long)getpid());
        if (mkdir(fuzz_dir, 0700) != 0 && access(fuzz_dir, W_OK) != 0) {
            perror(fuzz_dir);
            abort();
        }
        snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, name);
        atexit(fuzz_cleanup);
    }
    return fuzz_path;
}

// Replace the input file's contents by data[0..size).
static const char *fuzz_write_input(const char *name, const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

#endif
