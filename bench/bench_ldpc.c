// bench_ldpc.c - 5G NR LDPC decoding throughput (ldpc5g_decode) in information bits per second, and the
// files the IT++ peer (bench/itpp_ldpc.cpp) decodes: the same graph and the same LLRs.
//
// usage: bench_ldpc K N ALGORITHM ITERATIONS THREADS SECONDS [FRAMES] [EBNO_DB]
//        bench_ldpc --export PREFIX K N [FRAMES] [EBNO_DB]
//
// The frames: FRAMES (default 64) codewords of the code (K, N) (ldpc5g_create(K, N, 1, 0): rv 0, no bit
// interleaving), each from random information bits (GSL taus2, seed 2024 and the frame's index through
// sim_stream_key, so any run draws the same frames), encoded, rate matched, sent as BPSK (0 -> +1) over
// real AWGN at EBNO_DB (default: ldpc_default_ebno below), y = x + w, w ~ N(0, sigma^2),
// sigma^2 = N / (2 K Eb/N0), channel LLRs 2 y / sigma^2, rate recovered to the codeword's cols Z_c LLRs.
// They are made before any clock starts.
//
// Timing: ALGORITHM (sum_product, offset_min_sum, ...) with ITERATIONS flooding iterations, early stop
// off (every codeword runs all iterations), THREADS OpenMP threads over codewords, one decoder each. An
// untimed warm-up decodes every frame once and counts the decoding errors (information bits against the
// sent ones); then batches of frames, cycling through them, until one repetition of about SECONDS, sized
// from the warm-up. One line:
//   case=ldpc_K_N algorithm=... iterations=... threads=... ebno_db=... frames=... seconds=...
//   cpu_seconds=... page_faults=... info_bits_per_s=... info_mbit_per_s=... pool_frames=...
//   block_errors=... bit_errors=... bler=... ber=... valid=...
// (block_errors etc. over the warm-up's pool_frames; valid = frames of the pool whose decisions satisfy
// every check).
//
// --export writes PREFIX.alist (ldpc5g_write_alist), PREFIX.llr (float32, cols Z_c per frame, in the
// decoder's variable order, native byte order) and PREFIX.bits (the sent codeword bits, one byte each,
// cols Z_c per frame) and prints case=... n_vars=... n_checks=... frames=... ebno_db=...
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "bench_util.h"
#include "ldpc5g.h"
#include "ldpc5g_alist.h"
#include "rng.h"

enum { SEED = 2024, BATCH = 8, MAX_THREADS = 64 };

// Eb/N0 of the benchmark: in the waterfall of 20 sum-product iterations (BLER about 1e-2 .. 1e-1).
static double ldpc_default_ebno(unsigned k)
{
    return k >= 4000 ? 1.1 : 1.5;
}

typedef struct frames {
    ldpc5g_code *code;
    size_t count, n_vars;
    float *llr;  // [count][n_vars]
    uint8_t *cw; // [count][n_vars] sent codeword bits
} frames;

static void frames_free(frames *f)
{
    ldpc5g_destroy(f->code);
    free(f->llr);
    free(f->cw);
}

// The frames described at the top. AE_OK or an error code (with AE_ERROR).
static int frames_make(frames *f, unsigned k, unsigned n, size_t count, double ebno_db)
{
    memset(f, 0, sizeof *f);
    f->code = ldpc5g_create(k, n, 1, 0);
    if (!f->code)
        return ae_err_failed();
    const ldpc5g_code *c = f->code;
    f->count = count;
    f->n_vars = (size_t)c->cols * c->zc;
    f->llr = malloc(sizeof *f->llr * count * f->n_vars);
    f->cw = malloc(count * f->n_vars);
    uint8_t *info = malloc(k), *tx = malloc(n);
    float *lf = malloc(sizeof *lf * n);
    gsl_rng *r = sim_rng_alloc();
    int rc = AE_OK;
    if (!f->llr || !f->cw || !info || !tx || !lf || !r) {
        rc = AE_ERROR(AE_ENOMEM, "bench_ldpc: no memory for %zu frames of %zu LLRs", count, f->n_vars);
        goto done;
    }
    double sigma2 = (double)n / (2.0 * k * pow(10.0, ebno_db / 10.0)), sigma = sqrt(sigma2);
    for (size_t i = 0; i < count; i++) {
        sim_rng_seed(r, sim_stream_key(SEED, (int64_t)k * 100000 + n, i, SIM_STREAM_MESSAGES));
        for (unsigned b = 0; b < k; b++)
            info[b] = (uint8_t)(gsl_rng_get(r) >> 16 & 1u);
        uint8_t *cw = f->cw + i * f->n_vars;
        ldpc5g_encode(c, info, cw);
        ldpc5g_rate_match(c, cw, tx);
        sim_rng_seed(r, sim_stream_key(SEED, (int64_t)k * 100000 + n, i, SIM_STREAM_NOISE));
        for (unsigned t = 0; t < n; t++) {
            double y = (tx[t] ? -1.0 : 1.0) + gsl_ran_gaussian_ziggurat(r, sigma);
            lf[t] = (float)(2.0 * y / sigma2);
        }
        ldpc5g_rate_recover(c, lf, f->llr + i * f->n_vars);
    }
done:
    free(info);
    free(tx);
    free(lf);
    gsl_rng_free(r);
    return rc;
}

// Write `bytes` bytes to PREFIX SUFFIX. AE_OK or AE_EIO.
static int write_file(const char *prefix, const char *suffix, const void *data, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s", prefix, suffix);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return AE_ERROR(AE_EIO, "bench_ldpc: cannot write %s", path);
    size_t w = fwrite(data, 1, bytes, fp);
    if (fclose(fp) != 0 || w != bytes)
        return AE_ERROR(AE_EIO, "bench_ldpc: writing %s failed", path);
    return AE_OK;
}

static int export_files(const char *prefix, const frames *f, double ebno_db)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.alist", prefix);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return AE_ERROR(AE_EIO, "bench_ldpc: cannot write %s", path);
    int rc = ldpc5g_write_alist(f->code, fp);
    if (fclose(fp) != 0 && rc == AE_OK)
        rc = AE_ERROR(AE_EIO, "bench_ldpc: writing %s failed", path);
    if (rc == AE_OK)
        rc = write_file(prefix, ".llr", f->llr, sizeof *f->llr * f->count * f->n_vars);
    if (rc == AE_OK)
        rc = write_file(prefix, ".bits", f->cw, f->count * f->n_vars);
    if (rc == AE_OK)
        printf("case=ldpc_%u_%u n_vars=%zu n_checks=%zu frames=%zu ebno_db=%.2f bg=%u zc=%u\n", f->code->k,
               f->code->n, f->n_vars, (size_t)f->code->rows * f->code->zc, f->count, ebno_db, f->code->bg,
               f->code->zc);
    return rc;
}

// Decode frames [first, first + total) of the pool (indices mod pool size) with `threads` decoders,
// contiguous shares per thread in batches of at most BATCH; decisions of frame j into
// info_hat[(j mod pool) k] when `keep` (the warm-up, total <= pool size), else into each thread's
// scratch. Returns the frames whose decisions satisfy every check.
static size_t decode_frames(ldpc5g_decoder *const *dec, int threads, const frames *f, size_t total, int keep,
                            uint8_t *info_hat, uint8_t *const *scratch)
{
    size_t valid = 0, k = f->code->k;
#pragma omp parallel num_threads(threads) reduction(+ : valid)
    {
        int t = omp_get_thread_num();
        size_t lo = total * (size_t)t / (size_t)threads, hi = total * (size_t)(t + 1) / (size_t)threads;
        for (size_t i = lo; i < hi;) {
            size_t j = i % f->count, m = hi - i;
            if (m > BATCH)
                m = BATCH;
            if (m > f->count - j)
                m = f->count - j;
            uint8_t *out = keep ? info_hat + j * k : scratch[t];
            valid += ldpc5g_decode(dec[t], f->llr + j * f->n_vars, out, NULL, m);
            i += m;
        }
    }
    return valid;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc >= 5 && strcmp(argv[1], "--export") == 0) {
        unsigned k = (unsigned)strtoul(argv[3], NULL, 10), n = (unsigned)strtoul(argv[4], NULL, 10);
        long count = argc > 5 ? atol(argv[5]) : 64;
        double ebno = argc > 6 ? atof(argv[6]) : ldpc_default_ebno(k);
        frames f;
        if (count < 1) {
            fprintf(stderr, "bench_ldpc: FRAMES = %ld, expected >= 1\n", count);
            return 2;
        }
        int rc = frames_make(&f, k, n, (size_t)count, ebno);
        if (rc == AE_OK)
            rc = export_files(argv[2], &f, ebno);
        frames_free(&f);
        if (rc != AE_OK) {
            fprintf(stderr, "bench_ldpc: %s\n", ae_err_message());
            return rc == AE_EINVAL ? 2 : 1;
        }
        return 0;
    }
    if (argc < 7) {
        fprintf(stderr, "usage: bench_ldpc K N ALGORITHM ITERATIONS THREADS SECONDS [FRAMES] [EBNO_DB]\n"
                        "       bench_ldpc --export PREFIX K N [FRAMES] [EBNO_DB]\n");
        return 2;
    }
    unsigned k = (unsigned)strtoul(argv[1], NULL, 10), n = (unsigned)strtoul(argv[2], NULL, 10);
    ldpc5g_dec_cfg cfg;
    ldpc5g_dec_cfg_default(&cfg);
    cfg.algorithm = ldpc5g_algorithm_parse(argv[3]);
    cfg.iterations = (unsigned)strtoul(argv[4], NULL, 10);
    cfg.early_stop = 0;
    cfg.schedule = LDPC5G_FLOODING;
    int threads = atoi(argv[5]);
    double seconds = atof(argv[6]);
    long count = argc > 7 ? atol(argv[7]) : 64;
    double ebno = argc > 8 ? atof(argv[8]) : ldpc_default_ebno(k);
    if (cfg.algorithm < 0 || threads < 1 || threads > MAX_THREADS || !(seconds > 0.0 && seconds <= 600.0) ||
        count < 1) {
        fprintf(stderr,
                "bench_ldpc: bad ALGORITHM (sum_product, offset_min_sum, ...), THREADS (1..%d), "
                "SECONDS (0 < SECONDS <= 600) or FRAMES (>= 1)\n",
                MAX_THREADS);
        return 2;
    }
    if (ldpc5g_dec_cfg_validate(&cfg) != AE_OK) {
        fprintf(stderr, "bench_ldpc: %s\n", ae_err_message());
        return 2;
    }
    frames f;
    int rc = frames_make(&f, k, n, (size_t)count, ebno);
    if (rc != AE_OK) {
        fprintf(stderr, "bench_ldpc: %s\n", ae_err_message());
        frames_free(&f);
        return rc == AE_EINVAL ? 2 : 1;
    }
    ldpc5g_decoder *dec[MAX_THREADS] = {0};
    uint8_t *scratch[MAX_THREADS] = {0};
    uint8_t *info_hat = malloc(f.count * k);
    int ok = info_hat != NULL;
    for (int t = 0; t < threads && ok; t++) {
        dec[t] = ldpc5g_decoder_create(f.code, &cfg);
        scratch[t] = malloc((size_t)BATCH * k);
        ok = dec[t] && scratch[t];
    }
    if (!ok) {
        fprintf(stderr, "bench_ldpc: %s\n", ae_err_code() ? ae_err_message() : "out of memory");
        return 1;
    }
    // warm-up: every frame once (untimed for the figure; its time sizes the repetition), errors counted
    double t0 = bench_now();
    size_t valid = decode_frames(dec, threads, &f, f.count, 1, info_hat, scratch);
    double warm = bench_now() - t0;
    size_t block_errors = 0, bit_errors = 0;
    for (size_t i = 0; i < f.count; i++) {
        size_t e = 0;
        for (size_t b = 0; b < k; b++)
            e += info_hat[i * k + b] != f.cw[i * f.n_vars + b];
        bit_errors += e;
        block_errors += e > 0;
    }
    size_t total = (size_t)ceil((double)f.count * seconds / (warm > 1e-6 ? warm : 1e-6));
    if (total < (size_t)threads)
        total = (size_t)threads;
    bench_span sp;
    bench_span_start(&sp);
    decode_frames(dec, threads, &f, total, 0, info_hat, scratch);
    bench_span_stop(&sp);
    double rate = (double)total * k / sp.wall;
    printf("case=ldpc_%u_%u algorithm=%s iterations=%u threads=%d ebno_db=%.2f frames=%zu seconds=%.4f "
           "cpu_seconds=%.4f page_faults=%ld info_bits_per_s=%.0f info_mbit_per_s=%.4f pool_frames=%zu "
           "block_errors=%zu bit_errors=%zu bler=%.4e ber=%.4e valid=%zu\n",
           k, n, ldpc5g_algorithm_name(cfg.algorithm), cfg.iterations, threads, ebno, total, sp.wall, sp.cpu,
           sp.flt, rate, rate / 1e6, f.count, block_errors, bit_errors,
           (double)block_errors / (double)f.count, (double)bit_errors / ((double)f.count * k), valid);
    for (int t = 0; t < threads; t++) {
        ldpc5g_decoder_destroy(dec[t]);
        free(scratch[t]);
    }
    free(info_hat);
    frames_free(&f);
    return 0;
}
