// grid.c - command-line grids.
#include "grid.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"

// A finite number in dB within -100..100 spanning the whole of [s, end).
static int parse_db(const char *s, const char *end, double *out)
{
    char buf[64];
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *stop;
    errno = 0;
    double v = strtod(buf, &stop);
    if (errno || *stop != '\0' || !isfinite(v) || v < -100.0 || v > 100.0)
        return 0;
    *out = v;
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int sim_grid_parse(const char *text, double **values, size_t *count)
{
    *values = NULL;
    *count = 0;
    const char *c1 = strchr(text, ':');
    if (c1) {
        const char *c2 = strchr(c1 + 1, ':');
        double start, step, stop;
        if (!c2 || strchr(c2 + 1, ':') || !parse_db(text, c1, &start) || !parse_db(c1 + 1, c2, &step) ||
            !parse_db(c2 + 1, c2 + 1 + strlen(c2 + 1), &stop))
            return AE_ERROR(AE_EINVAL,
                            "grid '%s': expected START:STEP:STOP in dB (e.g. 0:1:10) or a list 0,2,4", text);
        if (!(step > 0.0) || stop < start)
            return AE_ERROR(AE_EINVAL, "grid '%s': expected STEP > 0 and STOP >= START", text);
        if (step < SIM_GRID_MIN_STEP)
            return AE_ERROR(AE_EINVAL,
                            "grid '%s': STEP %g dB, expected at least %g dB (points are told apart at that "
                            "resolution: they seed their noise by Eb/N0 in milli-dB)",
                            text, step, SIM_GRID_MIN_STEP);
        double span = (stop - start) / step;
        if (span + 1.0 > SIM_GRID_MAX)
            return AE_ERROR(AE_EINVAL, "grid '%s': %.0f points, expected at most %d", text, span + 1.0,
                            SIM_GRID_MAX);
        size_t n = (size_t)floor(span + 1e-9) + 1;
        double *v = malloc(n * sizeof *v);
        if (!v)
            return AE_ERROR(AE_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            v[i] = round((start + (double)i * step) * 1e6) / 1e6;
        *values = v;
        *count = n;
        return AE_OK;
    }
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if (n > SIM_GRID_MAX)
        return AE_ERROR(AE_EINVAL, "grid: %zu values, expected at most %d", n, SIM_GRID_MAX);
    double *v = malloc(n * sizeof *v);
    if (!v)
        return AE_ERROR(AE_ENOMEM, "out of memory");
    const char *s = text;
    for (size_t i = 0; i < n; i++) {
        const char *e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        if (!parse_db(s, e, &v[i])) {
            free(v);
            return AE_ERROR(AE_EINVAL, "grid '%s': value %zu is not a number in dB within -100..100", text,
                            i + 1);
        }
        s = e + 1;
    }
    qsort(v, n, sizeof *v, cmp_double);
    for (size_t i = 1; i < n; i++)
        if (llround(v[i] * 1000.0) == llround(v[i - 1] * 1000.0)) {
            double twice = v[i];
            free(v);
            return AE_ERROR(AE_EINVAL, "grid '%s': %g dB is listed twice", text, twice);
        }
    *values = v;
    *count = n;
    return AE_OK;
}
