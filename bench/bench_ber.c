// bench_ber.c - speed of the engine's classical BER loop: uncoded BPSK, QPSK and 16-QAM over AWGN with
// hard decisions, in bits per second, through the same sim_engine_point that `aesim ber` runs.
//
// usage: bench_ber SCHEME THREADS BITS [REPS]   prints one line per repetition:
//   scheme=qpsk threads=1 bits=... errors=... seconds=... bits_per_s=... ber=... theory=... dev_sigma=...
// Every repetition first checks its result: the BER must lie within 5 sigma of the closed form.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "ae_err.h"
#include "blas.h"
#include "engine.h"
#include "modem.h"
#include "theory.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_ber SCHEME THREADS BITS [REPS] [EBNO_DB]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    sim_blas_single_thread();
    int family;
    unsigned M;
    if (mod_scheme_parse(argv[1], &family, &M) != AE_OK) {
        fprintf(stderr, "bench_ber: %s\n", ae_err_message());
        return 2;
    }
    int threads = atoi(argv[2]);
    double bits = atof(argv[3]);
    int reps = argc > 4 ? atoi(argv[4]) : 1;
    double ebno_db = argc > 5 ? atof(argv[5]) : 6.0;
    mod_modem *q = mod_modem_create(family, M);
    txrx *t = q ? mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD) : NULL;
    if (!t || threads < 1 || bits < 1) {
        fprintf(stderr, "bench_ber: %s\n", t ? "bad THREADS or BITS" : ae_err_message());
        return 2;
    }
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.chunk_blocks = 65536;
    cfg.batch = 4096;
    cfg.target_block_errors = 0;
    cfg.max_blocks = (uint64_t)(bits / t->k);
    cfg.threads = threads;
    sim_engine *e = sim_engine_create(t, &cfg);
    if (!e) {
        fprintf(stderr, "bench_ber: %s\n", ae_err_message());
        return 2;
    }
    double ser, ber_th;
    theory_scheme(family, M, THEORY_AWGN, 0.0, ebno_db + 10.0 * log10((double)t->k), &ser, &ber_th);
    int status = 0;
    for (int r = 0; r < reps; r++) {
        sim_point p;
        double t0 = now();
        // the engine is reused (its buffers are made once); each repetition draws other noise
        int rc = sim_engine_point(e, ebno_db + 1e-3 * r, &p, NULL);
        double dt = now() - t0;
        if (rc != AE_OK) {
            fprintf(stderr, "bench_ber: %s\n", ae_err_message());
            return 1;
        }
        double sd = sqrt(ber_th / (double)p.bits);
        double dev = (p.ber - ber_th) / sd;
        if (fabs(dev) > 5.0)
            status = 1;
        printf("scheme=%s threads=%d bits=%llu errors=%llu seconds=%.4f bits_per_s=%.0f ber=%.4e theory=%.4e "
               "dev_sigma=%+.2f\n",
               argv[1], threads, (unsigned long long)p.bits, (unsigned long long)p.bit_errors, dt,
               (double)p.bits / dt, p.ber, ber_th, dev);
    }
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(q);
    if (status)
        fprintf(stderr, "bench_ber: BER outside 5 sigma of the closed form\n");
    return status;
}
