// results.c - CSV writers; every file is replaced atomically.
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "fileio.h"

// the 18 columns every results.csv has, then the ones added since (a reader accepts files without them)
#define FIXED_COLUMNS                                                                                        \
    "system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,"                               \
    "bits,bit_errors,ber,ber_lo,ber_hi,theory_bler,theory_ber,seconds,stop"

const char *const sim_results_header = FIXED_COLUMNS ",bmi,eb_charges,bler_interval";

// A rate with enough digits for tails; an empty field for NAN.
static void put_rate(FILE *f, double v)
{
    if (isnan(v))
        fputc(',', f);
    else
        fprintf(f, ",%.6e", v);
}

void sim_results_print_row(FILE *f, const sim_row *r)
{
    const sim_point *p = &r->pt;
    fprintf(f, "%s,%s,%.4f,%.4f,%llu,%llu", r->system, r->channel, p->ebno_db, p->esno_db,
            (unsigned long long)p->blocks, (unsigned long long)p->block_errors);
    put_rate(f, p->bler);
    put_rate(f, p->bler_lo);
    put_rate(f, p->bler_hi);
    fprintf(f, ",%llu,%llu", (unsigned long long)p->bits, (unsigned long long)p->bit_errors);
    put_rate(f, p->ber);
    put_rate(f, p->ber_lo);
    put_rate(f, p->ber_hi);
    put_rate(f, r->theory_bler);
    put_rate(f, r->theory_ber);
    fprintf(f, ",%.3f,%s", p->seconds, sim_stop_name(p->stop));
    put_rate(f, p->bmi);
    fprintf(f, ",%s,%s\n", r->eb_charges, sim_bler_ci_name(p->bler_ci));
}

int sim_results_write(const char *path, const sim_row *rows, size_t n)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    FILE *f = out.f;
    fprintf(f, "%s\n", sim_results_header);
    for (size_t i = 0; i < n; i++)
        sim_results_print_row(f, &rows[i]);
    return sim_file_commit(&out);
}

int sim_loss_write(const char *path, const sim_loss_row *rows, size_t n)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    fprintf(out.f, "system,step,loss,lr\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out.f, "%s,%llu,%.6e,%.6e\n", rows[i].system, (unsigned long long)rows[i].step, rows[i].loss,
                rows[i].lr);
    return sim_file_commit(&out);
}

// Split line (modified in place) at commas into at most max fields; returns the count.
static size_t split_csv(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static double field_rate(const char *f)
{
    return *f ? strtod(f, NULL) : NAN;
}

static uint64_t field_count(const char *f)
{
    return *f ? strtoull(f, NULL, 10) : 0;
}

// The whole file as a NUL-terminated string (malloc'd), or NULL with AE_ERROR.
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        AE_ERROR(AE_EIO, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len + 1 < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf) {
        AE_ERROR(AE_ENOMEM, "out of memory reading %s", path);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int sim_results_read(const char *path, sim_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    char *text = slurp(path);
    if (!text)
        return ae_err_forward(AE_EIO, ae_err_message());
    size_t cap = 0;
    int rc = AE_OK;
    // the header: the 18 fixed columns, then any number of the later ones in order (files of earlier
    // releases end sooner), then perhaps columns of later releases
    size_t hlen = strcspn(text, "\n"), full = strlen(sim_results_header), fixed = strlen(FIXED_COLUMNS);
    size_t common = 0;
    while (common < hlen && common < full && text[common] == sim_results_header[common])
        common++;
    int boundary =
        (common == hlen || text[common] == ',') && (common == full || sim_results_header[common] == ',');
    if (common < fixed || !boundary) {
        free(text);
        return AE_ERROR(AE_ECONFIG, "%s:1: not an aesim results.csv (header differs)", path);
    }
    char *save = NULL;
    (void)strtok_r(text, "\n", &save); // the header
    size_t lineno = 1;
    char *line;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        lineno++;
        char *f[32];
        size_t nf = split_csv(line, f, 32);
        if (nf < 18) {
            rc = AE_ERROR(AE_ECONFIG, "%s:%zu: %zu fields, expected at least 18", path, lineno, nf);
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            sim_row *bigger = realloc(*rows, cap * sizeof **rows);
            if (!bigger) {
                rc = AE_ERROR(AE_ENOMEM, "out of memory reading %s", path);
                break;
            }
            *rows = bigger;
        }
        sim_row *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        snprintf(r->system, sizeof r->system, "%s", f[0]);
        snprintf(r->channel, sizeof r->channel, "%s", f[1]);
        sim_point *p = &r->pt;
        p->ebno_db = strtod(f[2], NULL);
        p->esno_db = strtod(f[3], NULL);
        p->blocks = field_count(f[4]);
        p->block_errors = field_count(f[5]);
        p->bler = field_rate(f[6]);
        p->bler_lo = field_rate(f[7]);
        p->bler_hi = field_rate(f[8]);
        p->bits = field_count(f[9]);
        p->bit_errors = field_count(f[10]);
        p->ber = field_rate(f[11]);
        p->ber_lo = field_rate(f[12]);
        p->ber_hi = field_rate(f[13]);
        r->theory_bler = field_rate(f[14]);
        r->theory_ber = field_rate(f[15]);
        p->seconds = field_rate(f[16]);
        p->stop = SIM_STOP_NONE;
        for (int st = SIM_STOP_TARGET_BIT_ERRORS; st <= SIM_STOP_MAX_BLOCKS; st++)
            if (strcmp(f[17], sim_stop_name(st)) == 0)
                p->stop = st;
        p->bmi = nf > 18 ? field_rate(f[18]) : NAN;
        if (nf > 19)
            snprintf(r->eb_charges, sizeof r->eb_charges, "%s", f[19]);
        p->bler_ci = nf > 20 ? sim_bler_ci_parse(f[20]) : SIM_BLER_CI_UNKNOWN;
    }
    free(text);
    if (rc != AE_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int sim_loss_read(const char *path, sim_loss_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    char *text = slurp(path);
    if (!text)
        return ae_err_forward(AE_EIO, ae_err_message());
    if (strncmp(text, "system,step,loss,lr\n", 20) != 0 && strcmp(text, "system,step,loss,lr") != 0) {
        free(text);
        return AE_ERROR(AE_ECONFIG, "%s:1: not an aesim loss.csv (header differs)", path);
    }
    size_t cap = 0, lineno = 1;
    int rc = AE_OK;
    char *save = NULL, *line;
    (void)strtok_r(text, "\n", &save); // the header
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        lineno++;
        char *f[4];
        if (split_csv(line, f, 4) != 4) {
            rc = AE_ERROR(AE_ECONFIG, "%s:%zu: expected 4 fields", path, lineno);
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            sim_loss_row *bigger = realloc(*rows, cap * sizeof **rows);
            if (!bigger) {
                rc = AE_ERROR(AE_ENOMEM, "out of memory reading %s", path);
                break;
            }
            *rows = bigger;
        }
        sim_loss_row *r = &(*rows)[(*n)++];
        snprintf(r->system, sizeof r->system, "%s", f[0]);
        r->step = field_count(f[1]);
        r->loss = strtod(f[2], NULL);
        r->lr = strtod(f[3], NULL);
    }
    free(text);
    if (rc != AE_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}
