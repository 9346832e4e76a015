// results.c - results.csv and loss.csv: writers (every file is replaced atomically) and readers.
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "fileio.h"

// The columns of results.csv, in order: X(name, kind, member of sim_row, decimals, optional). Adding a
// column is one line here (at the end, optional = 1: files of earlier releases still read) and its
// member in sim_row or sim_point; the header, the writer, the reader and the figures follow. Eb/N0 and
// Es/N0 in dB; rates linear; *_lo/*_hi are 95% intervals.
#define RESULTS_COLUMNS(X)                                                                                   \
    X(system, TEXT, system, 0, 0)       /* the system's name */                                              \
    X(channel, TEXT, channel, 0, 0)     /* sim_channel_describe: "awgn", "rayleigh-csi_perfect", ... */      \
    X(ebno_db, FIXED, pt.ebno_db, 4, 0) /* Eb/N0 of the point */                                             \
    X(esno_db, FIXED, pt.esno_db, 4, 0) /* Es/N0 of a data symbol */                                         \
    X(blocks, COUNT, pt.blocks, 0, 0)                                                                        \
    X(block_errors, COUNT, pt.block_errors, 0, 0)                                                            \
    X(bler, RATE, pt.bler, 0, 0)                                                                             \
    X(bler_lo, RATE, pt.bler_lo, 0, 0) /* the interval bler_interval names */                                \
    X(bler_hi, RATE, pt.bler_hi, 0, 0)                                                                       \
    X(bits, COUNT, pt.bits, 0, 0)                                                                            \
    X(bit_errors, COUNT, pt.bit_errors, 0, 0)                                                                \
    X(ber, RATE, pt.ber, 0, 0)                                                                               \
    X(ber_lo, RATE, pt.ber_lo, 0, 0) /* normal, from per-block (per-realisation) bit-error counts */         \
    X(ber_hi, RATE, pt.ber_hi, 0, 0)                                                                         \
    X(theory_bler, RATE, theory_bler, 0, 0) /* closed forms; empty where there is none */                    \
    X(theory_ber, RATE, theory_ber, 0, 0)                                                                    \
    X(seconds, FIXED, pt.seconds, 3, 0) /* wall time of the point */                                         \
    X(stop, STOP, pt.stop, 0, 0)        /* why the point ended */                                            \
    X(bmi, RATE, pt.bmi, 0, 1) /* bitwise mutual information from the LLRs, bits per bit; empty: hard */     \
    X(eb_charges, TEXT, eb_charges, 0, 1)       /* OFDM: "data" or "data+cp+pilots"; empty otherwise */      \
    X(bler_interval, BLER_CI, pt.bler_ci, 0, 1) /* wilson, clopper_pearson (eval.interval, independent       \
                                                   blocks) or normal (blocks share a realisation) */         \
    X(uncoded_ber, RATE, pt.uncoded_ber, 0, 1) /* coded: BER of the code bits before decoding; else empty */ \
    X(mean_iterations, RATE, pt.mean_iterations, 0, 1)    /* coded: decoder iterations per codeword */       \
    X(coded_bits, COUNT, pt.coded_bits, 0, 1)             /* coded: code bits sent (0 uncoded) */            \
    X(coded_bit_errors, COUNT, pt.coded_bit_errors, 0, 1) /* coded: of those, wrong before decoding */

// the C type of a member of each kind (checked when the table is compiled)
#define MEMBER_TYPE_TEXT    char *
#define MEMBER_TYPE_COUNT   uint64_t
#define MEMBER_TYPE_FIXED   double
#define MEMBER_TYPE_RATE    double
#define MEMBER_TYPE_STOP    int
#define MEMBER_TYPE_BLER_CI int

// A member of the wrong type for its kind selects no association: a compile error.
#define COLUMN_ENTRY(name, kind, member, decimals, optional)                                                 \
    {#name,                                                                                                  \
     SIM_RESULTS_##kind,                                                                                     \
     _Generic(((sim_row *)0)->member, MEMBER_TYPE_##kind                                                     \
              : offsetof(sim_row, member)),                                                                  \
     sizeof(((sim_row *)0)->member),                                                                         \
     decimals,                                                                                               \
     optional},
#define COLUMN_NAME(name, kind, member, decimals, optional) "," #name

const sim_results_column sim_results_columns[] = {RESULTS_COLUMNS(COLUMN_ENTRY)};
enum { N_COLUMNS = sizeof sim_results_columns / sizeof sim_results_columns[0] };
const size_t sim_results_n_columns = N_COLUMNS;

// the names joined by commas, without the comma before the first
const char *const sim_results_header = &RESULTS_COLUMNS(COLUMN_NAME)[1];

int sim_results_column_index(const char *name)
{
    for (size_t i = 0; i < N_COLUMNS; i++)
        if (strcmp(sim_results_columns[i].name, name) == 0)
            return (int)i + 1;
    return 0;
}

// Column c's field of row r, after its separator.
static void put_field(FILE *f, const sim_results_column *c, const sim_row *r)
{
    const void *m = (const char *)r + c->offset;
    switch (c->kind) {
    case SIM_RESULTS_TEXT: fputs((const char *)m, f); break;
    case SIM_RESULTS_COUNT: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)m); break;
    case SIM_RESULTS_FIXED: fprintf(f, "%.*f", c->decimals, *(const double *)m); break;
    case SIM_RESULTS_RATE:
        // a rate with enough digits for tails; an empty field for NAN
        if (!isnan(*(const double *)m))
            fprintf(f, "%.6e", *(const double *)m);
        break;
    case SIM_RESULTS_STOP: fputs(sim_stop_name(*(const int *)m), f); break;
    case SIM_RESULTS_BLER_CI: fputs(sim_bler_ci_name(*(const int *)m), f); break;
    }
}

void sim_results_print_row(FILE *f, const sim_row *r)
{
    for (size_t i = 0; i < N_COLUMNS; i++) {
        if (i > 0)
            fputc(',', f);
        put_field(f, &sim_results_columns[i], r);
    }
    fputc('\n', f);
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

// Column c's field of row r from its text (empty when the file has no such column).
static void get_field(const sim_results_column *c, const char *text, sim_row *r)
{
    void *m = (char *)r + c->offset;
    switch (c->kind) {
    case SIM_RESULTS_TEXT: snprintf((char *)m, c->size, "%s", text); break;
    case SIM_RESULTS_COUNT: *(uint64_t *)m = field_count(text); break;
    case SIM_RESULTS_FIXED:
    case SIM_RESULTS_RATE: *(double *)m = field_rate(text); break;
    case SIM_RESULTS_STOP:
        *(int *)m = SIM_STOP_NONE;
        for (int st = SIM_STOP_TARGET_BIT_ERRORS; st <= SIM_STOP_MAX_BLOCKS; st++)
            if (strcmp(text, sim_stop_name(st)) == 0)
                *(int *)m = st;
        break;
    case SIM_RESULTS_BLER_CI: *(int *)m = sim_bler_ci_parse(text); break;
    }
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
    // the header: the columns that are not optional, then any number of the optional ones in order
    // (files of earlier releases end sooner), then perhaps columns of later releases
    size_t required = 0, fixed = 0;
    while (required < N_COLUMNS && !sim_results_columns[required].optional)
        fixed += strlen(sim_results_columns[required++].name) + 1;
    fixed = fixed ? fixed - 1 : 0; // no comma after the last
    size_t hlen = strcspn(text, "\n"), full = strlen(sim_results_header);
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
        // one more than the columns: the fields of later releases' columns stay together in the last
        char *f[N_COLUMNS + 1];
        size_t nf = split_csv(line, f, N_COLUMNS + 1);
        if (nf < required) {
            rc =
                AE_ERROR(AE_ECONFIG, "%s:%zu: %zu fields, expected at least %zu", path, lineno, nf, required);
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
        for (size_t i = 0; i < N_COLUMNS; i++)
            get_field(&sim_results_columns[i], i < nf ? f[i] : "", r);
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
