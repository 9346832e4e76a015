// bench_ae.c - autoencoder speed with the settings of ../shared/peers/torch_ae.py: training steps/s
// (Adam, lr 1e-3 constant, trained at 7 dB; warm-up steps, then timed steps) and evaluation blocks/s
// at 6 dB through the engine, for one (n, k), batch and thread count. The evaluation is timed after an
// untimed warm-up point of EVAL_BLOCKS / 8 blocks on an engine of its own.
//
// usage: bench_ae N K BATCH THREADS [STEPS] [WARMUP] [EVAL_BLOCKS]
// prints bench-results.csv lines (case,implementation,threads,value,unit) after checking the result
// (and, as implementation gsl_gaussians, the rate at which GSL alone draws the evaluation's Gaussians):
// the loss must fall and the evaluation BLER must beat uncoded BPSK with k bits at 6 dB.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "ae.h"
#include "ae_err.h"
#include "bench_util.h"
#include "blas.h"
#include "engine.h"
#include "rng.h"
#include "theory.h"
#include "train.h"

// What GSL alone does for the evaluation: draw the n Gaussians of each of `blocks` blocks (taus2 and
// the ziggurat, as the engine draws them), on `threads` OpenMP threads with one generator each, summed
// so that nothing is optimised away. Returns blocks/s.
static double gsl_gaussian_blocks_per_s(size_t n, uint64_t blocks, int threads)
{
    double sink = 0.0, t0 = bench_now();
#pragma omp parallel for num_threads(threads) reduction(+ : sink) schedule(static)
    for (int i = 0; i < threads; i++) {
        gsl_rng *r = sim_rng_alloc();
        if (!r)
            continue;
        sim_rng_seed(r, sim_stream_key(7, 0, (uint64_t)i, SIM_STREAM_NOISE));
        const uint64_t draws = blocks / (uint64_t)threads * n;
        double s = 0.0;
        for (uint64_t j = 0; j < draws; j++)
            s += gsl_ran_gaussian_ziggurat(r, 1.0);
        sink += s;
        gsl_rng_free(r);
    }
    double dt = bench_now() - t0;
    if (sink == 0.12345)
        fprintf(stderr, "(unlikely sum)\n");
    return (double)(blocks / (uint64_t)threads * (uint64_t)threads) / dt;
}

typedef struct timing {
    uint64_t warmup;
    double t_warm, first_loss, last_loss;
} timing;

static void on_log(void *p, uint64_t step, double loss, double lr)
{
    timing *t = p;
    (void)lr;
    if (t->first_loss == 0.0)
        t->first_loss = loss;
    t->last_loss = loss;
    if (step == t->warmup)
        t->t_warm = bench_now();
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_ae N K BATCH THREADS [STEPS] [WARMUP] [EVAL_BLOCKS]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    size_t n = (size_t)atoi(argv[1]), batch = (size_t)atoi(argv[3]);
    unsigned k = (unsigned)atoi(argv[2]);
    int threads = atoi(argv[4]);
    uint64_t steps = argc > 5 ? (uint64_t)atof(argv[5]) : 3000,
             warmup = argc > 6 ? (uint64_t)atof(argv[6]) : 200;
    uint64_t eval_blocks = argc > 7 ? (uint64_t)atof(argv[7]) : 2000000;
    // training and evaluation both run OpenMP threads with single-threaded OpenBLAS inside
    sim_blas_single_thread();
    ae_cfg c;
    ae_cfg_default(&c, k, n);
    ae_model *ae = ae_create(&c);
    sim_train_cfg tc;
    sim_train_cfg_default(&tc);
    tc.steps = warmup + steps;
    tc.batch = batch;
    tc.lr = 1e-3;
    tc.schedule = SIM_LR_CONSTANT;
    tc.ebno_db = 7.0;
    tc.log_every = warmup > 0 ? warmup : 1;
    tc.checkpoint_every = 0;
    tc.threads = threads;
    timing tm = {warmup, 0.0, 0.0, 0.0};
    double t0 = bench_now();
    if (!ae || sim_train_ae(ae, &tc, NULL, on_log, &tm, NULL) != AE_OK) {
        fprintf(stderr, "bench_ae: %s\n", ae_err_message());
        return 1;
    }
    double t_end = bench_now(), t_start = warmup > 0 ? tm.t_warm : t0;
    double steps_per_s = (double)steps / (t_end - t_start);
    txrx *t = ae_txrx_create(ae);
    sim_eval_cfg ec;
    sim_eval_cfg_default(&ec);
    ec.chunk_blocks = 100000;
    ec.batch = 10000;
    ec.target_block_errors = 0;
    ec.max_blocks = eval_blocks;
    ec.threads = threads;
    // warm-up: the threads, the decoder's pages and caches, on an engine of its own
    sim_eval_cfg wc = ec;
    wc.max_blocks = eval_blocks / 8 > 0 ? eval_blocks / 8 : 1;
    sim_engine *w = t ? sim_engine_create(t, &wc) : NULL;
    sim_point p;
    if (!w || sim_engine_point(w, 5.9, &p, NULL) != AE_OK) {
        fprintf(stderr, "bench_ae: %s\n", ae_err_message());
        return 1;
    }
    sim_engine_destroy(w);
    sim_engine *e = sim_engine_create(t, &ec);
    double e0 = bench_now();
    if (!e || sim_engine_point(e, 6.0, &p, NULL) != AE_OK) {
        fprintf(stderr, "bench_ae: %s\n", ae_err_message());
        return 1;
    }
    double blocks_per_s = (double)p.blocks / (bench_now() - e0);
    // the checks first: learning happened, and the code beats uncoded BPSK at the same Eb/N0
    double bpsk = theory_block_error(theory_bpsk_ber(6.0), k);
    int ok = tm.last_loss < 0.5 * tm.first_loss && p.bler < bpsk;
    fprintf(stderr,
            "bench_ae (%zu,%u) batch %zu threads %d: loss %.4f -> %.4f, BLER %.3e (uncoded %.3e) %s\n", n, k,
            batch, threads, tm.first_loss, tm.last_loss, p.bler, bpsk, ok ? "ok" : "FAILED");
    printf("ae_%zu_%u_train_b%zu,aesim,%d,%.1f,steps/s\n", n, k, batch, threads, steps_per_s);
    printf("ae_%zu_%u_eval,aesim,%d,%.0f,blocks/s\n", n, k, threads, blocks_per_s);
    printf("ae_%zu_%u_eval,gsl_gaussians,%d,%.0f,blocks/s\n", n, k, threads,
           gsl_gaussian_blocks_per_s(n, eval_blocks, threads));
    sim_engine_destroy(e);
    txrx_destroy(t);
    ae_destroy(ae);
    return ok ? 0 : 1;
}
