// bench_ber.c - speed of the engine's classical BER loop: uncoded BPSK, QPSK and 16-QAM over AWGN with
// hard decisions, in bits per second, through the same sim_engine_point that `aesim ber` runs.
//
// usage: bench_ber SCHEME THREADS SECONDS [REPS] [EBNO_DB]
// First an untimed warm-up, which also sizes the repetitions: points of growing size until one lasts
// a quarter of SECONDS; then REPS (default 1) timed repetitions of SECONDS each on a fresh engine (made
// before the clock starts), each printing one line:
//   scheme=qpsk threads=1 bits=... errors=... seconds=... cpu_seconds=... page_faults=... bits_per_s=...
//   ber=... theory=... dev_sigma=...
// Every repetition first checks its result: the BER must lie within 5 sigma of the closed form.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "ae_err.h"
#include "blas.h"
#include "bench_util.h"
#include "engine.h"
#include "modem.h"
#include "theory.h"

// An engine for `blocks` blocks in chunks of 65536, batches of 4096, no error target.
static sim_engine *engine_for(const txrx *t, int threads, uint64_t blocks)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.chunk_blocks = 65536;
    cfg.batch = 4096;
    cfg.target_block_errors = 0;
    cfg.max_blocks = blocks;
    cfg.threads = threads;
    return sim_engine_create(t, &cfg);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_ber SCHEME THREADS SECONDS [REPS] [EBNO_DB]\n");
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
    double seconds = atof(argv[3]);
    int reps = argc > 4 ? atoi(argv[4]) : 1;
    double ebno_db = argc > 5 ? atof(argv[5]) : 6.0;
    mod_modem *q = mod_modem_create(family, M);
    txrx *t = q ? mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD) : NULL;
    if (!t || threads < 1 || !(seconds > 0.0 && seconds <= 600.0) || reps < 1) {
        fprintf(stderr, "bench_ber: %s\n",
                t ? "bad THREADS, SECONDS (expected 0 < SECONDS <= 600) or REPS" : ae_err_message());
        return 2;
    }
    // warm-up (generators, caches, OpenMP threads, the pages of the buffers) and sizing, untimed
    uint64_t blocks = 1u << 16;
    for (int i = 0;; i++) {
        sim_engine *w = engine_for(t, threads, blocks);
        sim_point p;
        double t0 = bench_now();
        if (!w || sim_engine_point(w, ebno_db - 1e-3 * (i + 1), &p, NULL) != AE_OK) {
            fprintf(stderr, "bench_ber: %s\n", ae_err_message());
            return 1;
        }
        double dt = bench_now() - t0;
        sim_engine_destroy(w);
        double grow = 0.25 * seconds / dt;
        if (grow <= 1.0 || i == 30) {
            blocks = (uint64_t)ceil((double)blocks * seconds / dt);
            break;
        }
        blocks = (uint64_t)ceil((double)blocks * (grow < 8.0 ? grow * 1.1 : 8.0));
    }
    sim_engine *e = engine_for(t, threads, blocks);
    if (!e) {
        fprintf(stderr, "bench_ber: %s\n", ae_err_message());
        return 2;
    }
    int status = 0;
    for (int r = 0; r < reps; r++) {
        sim_point p;
        // the engine is reused (its buffers are made once); each repetition draws other noise
        double eb = ebno_db + 1e-3 * r;
        bench_span sp;
        bench_span_start(&sp);
        int rc = sim_engine_point(e, eb, &p, NULL);
        bench_span_stop(&sp);
        if (rc != AE_OK) {
            fprintf(stderr, "bench_ber: %s\n", ae_err_message());
            return 1;
        }
        double ser, ber_th;
        theory_scheme(family, M, THEORY_AWGN, 0.0, eb + 10.0 * log10((double)t->k), &ser, &ber_th);
        double sd = sqrt(ber_th / (double)p.bits);
        double dev = (p.ber - ber_th) / sd;
        if (fabs(dev) > 5.0)
            status = 1;
        printf("scheme=%s threads=%d bits=%llu errors=%llu seconds=%.4f cpu_seconds=%.4f page_faults=%ld "
               "bits_per_s=%.0f ber=%.4e theory=%.4e dev_sigma=%+.2f\n",
               argv[1], threads, (unsigned long long)p.bits, (unsigned long long)p.bit_errors, sp.wall,
               sp.cpu, sp.flt, (double)p.bits / sp.wall, p.ber, ber_th, dev);
    }
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(q);
    if (status)
        fprintf(stderr, "bench_ber: BER outside 5 sigma of the closed form\n");
    return status;
}
