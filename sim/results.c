// results.c - CSV writers; every file is replaced atomically.
#include "results.h"

#include <math.h>
#include <stdio.h>

#include "ae_err.h"
#include "fileio.h"

const char *const sim_results_header =
    "system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,"
    "bits,bit_errors,ber,ber_lo,ber_hi,theory_bler,theory_ber,seconds,stop,bmi,eb_charges";

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
    fprintf(f, ",%s\n", r->eb_charges);
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
