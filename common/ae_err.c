// ae_err.c - per-thread error message storage for AE_ERROR.
#include "ae_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { AE_ERR_MSG_LEN = 1024 };

static _Thread_local char err_msg[AE_ERR_MSG_LEN];
static _Thread_local char err_where[256];
static _Thread_local int err_code = AE_OK;

int ae_err_set(int code, const char *file, int line, const char *fmt, ...)
{
    // format into a local buffer first: an argument may be the previous message itself
    char buf[AE_ERR_MSG_LEN];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int len = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *whole = len >= (int)sizeof buf ? malloc((size_t)len + 1) : NULL;
    if (whole) {
        // too long (a hostile value quoted in it): keep the head and the tail, where the reason and
        // what was expected are, and cut the middle
        vsnprintf(whole, (size_t)len + 1, fmt, again);
        static const char cut[] = " [...] ";
        const size_t head = 240, tail = sizeof buf - head - (sizeof cut - 1) - 1;
        memcpy(buf, whole, head);
        memcpy(buf + head, cut, sizeof cut - 1);
        memcpy(buf + head + sizeof cut - 1, whole + (size_t)len - tail, tail + 1);
        free(whole);
    }
    va_end(again);
    memcpy(err_msg, buf, sizeof err_msg);
    const char *base = strrchr(file, '/');
    snprintf(err_where, sizeof err_where, "%s:%d", base ? base + 1 : file, line);
    err_code = code;
    return code;
}

const char *ae_err_message(void)
{
    return err_msg;
}

int ae_err_code(void)
{
    return err_code;
}

const char *ae_err_where(void)
{
    return err_where;
}

void ae_err_clear(void)
{
    err_msg[0] = '\0';
    err_where[0] = '\0';
    err_code = AE_OK;
}

int ae_err_forward(int code, const char *message)
{
    if (message != err_msg)
        snprintf(err_msg, sizeof err_msg, "%s", message);
    err_code = code;
    return code;
}

const char *ae_err_name(int code)
{
    switch (code) {
    case AE_OK: return "success";
    case AE_EINVAL: return "invalid argument";
    case AE_ENOMEM: return "out of memory";
    case AE_EBADLEN: return "batch larger than workspace";
    case AE_EIO: return "input/output error";
    case AE_ECONFIG: return "configuration error";
    case AE_ERUNTIME: return "numerical failure";
    case AE_EINTR: return "interrupted";
    default: return "unknown error";
    }
}
