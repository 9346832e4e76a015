// fileio.c - atomic file replacement and folder creation.
#include "fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_err.h"

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
    // test-only fault switch: AESIM_FAULT_WRITE=<substring of the path> makes the write fail with ENOSPC
    const char *fault = getenv("AESIM_FAULT_WRITE");
    if (fault && fault[0] && strstr(out->path, fault)) {
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
