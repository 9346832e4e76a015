// fileio.h - the one way aesim writes a result file: a temporary file beside the target, flushed,
// fsync'd and renamed over it, so a crash or a full disk never leaves a half-written file and the
// previous version stays intact until the new one is complete (sim/).
#ifndef AESIM_FILEIO_H
#define AESIM_FILEIO_H

#include <stdint.h>
#include <stdio.h>

typedef struct sim_file {
    FILE *f;             // write here between open and commit
    char path[4096];     // final path
    char tmp[4096 + 16]; // temporary path: path + ".tmp.<pid>"
} sim_file;

// Open a temporary file beside `path` for writing. AE_EIO with the path and the reason on failure.
int sim_file_open(sim_file *out, const char *path);

// Flush, fsync, close and rename the temporary file onto its final path. On any failure the temporary
// file is removed, the previous file at `path` is untouched, and AE_EIO names the path and reason.
int sim_file_commit(sim_file *out);

// Close and remove the temporary file without touching `path`.
void sim_file_abort(sim_file *out);

// Create a folder and its parents (mode 0777 before umask). AE_EIO naming the part that failed,
// for example when a parent is a regular file.
int sim_mkdir_p(const char *path);

// The 64-bit FNV-1a hash of the bytes of the file at path (Fowler, Noll and Vo; offset basis
// 14695981039346656037, prime 1099511628211) into *hash: a fingerprint that tells two files apart, not a
// cryptographic digest. AE_OK, or AE_EIO naming the file.
int sim_file_fnv1a(const char *path, uint64_t *hash);

// The lock file of a results folder (it holds the owner's process id).
#define SIM_LOCK_NAME ".aesim.lock"

// Take the folder's lock: an exclusive flock(2) on dir/SIM_LOCK_NAME, held until sim_dir_unlock or the
// process ends (also by a signal or a crash), so two runs never write one folder at once. *fd_out is
// the lock's descriptor (-1 on failure). Returns AE_OK; AE_EINVAL when another process holds the lock
// (the message names the folder and that process's id); AE_EIO when the lock file cannot be made.
int sim_dir_lock(const char *dir, int *fd_out);

// Release a lock taken by sim_dir_lock (fd < 0: nothing). The lock file is left in place.
void sim_dir_unlock(int fd);

#endif
