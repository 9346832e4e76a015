// fileio.c - atomic file replacement and folder creation.
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_err.h"
#include "fault.h"

int sim_file_open(sim_file *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->path)
        return AE_ERROR(AE_EIO, "%s: path too long", path);
    snprintf(out->path, sizeof out->path, "%s", path);
    snprintf(out->tmp, sizeof out->tmp, "%s.tmp.%ld", path, (long)getpid());
    out->f = fopen(out->tmp, "w");
    if (!out->f)
        return AE_ERROR(AE_EIO, "cannot write %s: %s", out->tmp, strerror(errno));
    return AE_OK;
}

int sim_file_commit(sim_file *out)
{
    const char *why = NULL;
    int err = 0;
    // test-only fault switch (sim/fault.h): a path that contains it fails as if the disk were full
    const char *fault = sim_fault_write_path();
    if (fault && strstr(out->path, fault)) {
        why = "write";
        err = ENOSPC;
    } else if (ferror(out->f) || fflush(out->f) != 0) {
        why = "write";
        err = errno ? errno : EIO;
    } else if (fsync(fileno(out->f)) != 0) {
        why = "fsync";
        err = errno;
    }
    if (fclose(out->f) != 0 && !why) {
        why = "close";
        err = errno;
    }
    out->f = NULL;
    if (!why && rename(out->tmp, out->path) != 0) {
        why = "rename";
        err = errno;
    }
    if (why) {
        remove(out->tmp);
        return AE_ERROR(AE_EIO, "cannot save %s (%s: %s); the previous file is unchanged", out->path, why,
                        strerror(err));
    }
    return AE_OK;
}

void sim_file_abort(sim_file *out)
{
    if (out->f)
        fclose(out->f);
    out->f = NULL;
    if (out->tmp[0])
        remove(out->tmp);
}

int sim_mkdir_p(const char *path)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf)
        return AE_ERROR(AE_EIO, "%s: path too long", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return AE_ERROR(AE_EIO, "cannot create folder %s: %s", buf, strerror(errno));
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                return AE_ERROR(AE_EIO, "cannot create folder %s: %s exists and is not a folder", path, buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return AE_OK;
}

int sim_dir_lock(const char *dir, int *fd_out)
{
    *fd_out = -1;
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, SIM_LOCK_NAME) >= sizeof path)
        return AE_ERROR(AE_EIO, "%s: path too long", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return AE_ERROR(AE_EIO, "cannot lock %s: %s: %s", dir, path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char owner[32] = "";
        ssize_t got = pread(fd, owner, sizeof owner - 1, 0);
        close(fd);
        if (err != EWOULDBLOCK)
            return AE_ERROR(AE_EIO, "cannot lock %s: %s", path, strerror(err));
        long pid = got > 0 ? strtol(owner, NULL, 10) : 0;
        if (pid > 0)
            return AE_ERROR(
                AE_EINVAL,
                "%s is in use by another aesim run (process %ld); wait for it to finish, stop it, "
                "or use --out for another folder",
                dir, pid);
        return AE_ERROR(AE_EINVAL,
                        "%s is in use by another aesim run; wait for it to finish, stop it, or use --out for "
                        "another folder",
                        dir);
    }
    // the owner's process id, for the message of a second run (the lock itself is what counts)
    char mine[32];
    int len = snprintf(mine, sizeof mine, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, mine, (size_t)len, 0) != len) {
        int err = errno;
        close(fd);
        return AE_ERROR(AE_EIO, "cannot write %s: %s", path, strerror(err));
    }
    *fd_out = fd;
    return AE_OK;
}

void sim_dir_unlock(int fd)
{
    if (fd >= 0)
        close(fd); // releases the flock; the file stays (removing it would race with a waiting run)
}

int sim_file_fnv1a(const char *path, uint64_t *hash)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return AE_ERROR(AE_EIO, "cannot read %s: %s", path, strerror(errno));
    uint64_t h = 14695981039346656037ULL;
    unsigned char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < got; i++)
            h = (h ^ buf[i]) * 1099511628211ULL;
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return AE_ERROR(AE_EIO, "cannot read %s", path);
    *hash = h;
    return AE_OK;
}
