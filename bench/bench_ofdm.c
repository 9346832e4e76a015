// bench_ofdm.c - OFDM symbols per second through aesim's link (QPSK, N = 64, CP = 16, random 8-tap
// multipath, perfect CSI, ZF: modulate -> channel -> demodulate -> equalise -> demap, through the engine
// as `aesim ber --ofdm` runs it), and the floor: the parts no OFDM link can avoid (one inverse and one
// forward 64-point FFT and 2 (N + CP) Gaussian draws per OFDM symbol), timed alone in the same process.
//
// usage: bench_ofdm SECONDS [REPS]
// Both sides first run untimed (warm-up), which also sizes them to last SECONDS; then each of REPS
// (default 1) repetitions times the link, then the floor, and prints one line:
//   case=ofdm_qpsk_n64_cp16 aesim_symbols_per_s=... floor_symbols_per_s=... ratio=... seconds=...
//   floor_seconds=... cpu_seconds=... ber=... theory=...
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "bench_util.h"
#include "blas.h"
#include "engine.h"
#include "modem.h"
#include "rng.h"
#include "theory.h"

enum { N = 64, CP = 16 };

// The floor: per OFDM symbol an inverse FFT, 2 (N + CP) Gaussians, a forward FFT. Returns the seconds
// of `symbols` OFDM symbols (plans and buffers made before the clock starts).
static double floor_seconds(size_t symbols, float *sink)
{
    fftwf_complex *a = fftwf_malloc(sizeof(fftwf_complex) * N), *b = fftwf_malloc(sizeof(fftwf_complex) * N);
    fftwf_plan inv = fftwf_plan_dft_1d(N, a, b, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftwf_plan fwd = fftwf_plan_dft_1d(N, b, a, FFTW_FORWARD, FFTW_ESTIMATE);
    gsl_rng *r = sim_rng_alloc();
    sim_rng_seed(r, 3);
    float *f = (float *)a, *g = (float *)b, acc = 0.0f;
    for (size_t i = 0; i < 2 * N; i++)
        f[i] = (float)((i & 1) ? 0.7071 : -0.7071);
    double t0 = bench_now();
    for (size_t s = 0; s < symbols; s++) {
        fftwf_execute(inv);
        for (size_t i = 0; i < 2 * (N + CP); i++)
            g[i % (2 * N)] += (float)gsl_ran_gaussian_ziggurat(r, 0.1);
        fftwf_execute(fwd);
        acc += f[s % (2 * N)];
        for (size_t i = 0; i < 2 * N; i++) // keep magnitudes bounded
            f[i] *= 1.0f / N;
    }
    double dt = bench_now() - t0;
    *sink += acc;
    fftwf_destroy_plan(inv);
    fftwf_destroy_plan(fwd);
    fftwf_free(a);
    fftwf_free(b);
    gsl_rng_free(r);
    return dt;
}

// An engine for `symbols` OFDM symbols of QPSK over the random 8-tap channel, NULL with AE_ERROR.
static sim_engine *engine_for(const txrx *t, size_t symbols)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.chunk_blocks = 65536;
    cfg.batch = 4096;
    cfg.target_block_errors = 0;
    cfg.max_blocks = (uint64_t)symbols * N;
    cfg.threads = 1;
    char nfft[32], cp[32];
    snprintf(nfft, sizeof nfft, "%d", (int)N);
    snprintf(cp, sizeof cp, "%d", (int)CP);
    if (sim_channel_cfg_init(&cfg.channel, "ofdm") != AE_OK ||
        sim_channel_set(&cfg.channel, "nfft", nfft) != AE_OK ||
        sim_channel_set(&cfg.channel, "cp", cp) != AE_OK ||
        sim_channel_set(&cfg.channel, "pdp", "exp:8:3") != AE_OK)
        return NULL;
    return sim_engine_create(t, &cfg);
}

// Seconds of one point of `symbols` OFDM symbols on a fresh engine (untimed warm-up and sizing), -1 on
// error.
static double link_seconds(const txrx *t, size_t symbols, double esno_db)
{
    sim_engine *e = engine_for(t, symbols);
    sim_point p;
    double t0 = bench_now();
    int rc = e ? sim_engine_point(e, esno_db, &p, NULL) : AE_ENOMEM;
    double dt = bench_now() - t0;
    sim_engine_destroy(e);
    return rc == AE_OK ? dt : -1.0;
}

// Symbols for `seconds` from warm-up runs of growing size (each a quarter of `seconds` at most, then
// scaled), run by `secs` (-1 on error); 0 on error.
static size_t size_for(double seconds, double (*secs)(const txrx *, size_t, float *), const txrx *t,
                       float *sink)
{
    size_t n = 1024;
    for (int i = 0; i < 30; i++) {
        double dt = secs(t, n, sink);
        if (dt < 0.0)
            return 0;
        if (dt >= 0.25 * seconds)
            return (size_t)ceil((double)n * seconds / dt);
        n *= dt > 0.0 && 0.3 * seconds / dt < 8.0 ? 2 : 8;
    }
    return n;
}

static double floor_secs(const txrx *t, size_t n, float *sink)
{
    (void)t;
    return floor_seconds(n, sink);
}

static double link_secs(const txrx *t, size_t n, float *sink)
{
    (void)sink;
    return link_seconds(t, n, 14.0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ofdm SECONDS [REPS]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    sim_blas_single_thread();
    double seconds = atof(argv[1]);
    int reps = argc > 2 ? atoi(argv[2]) : 1;
    if (!(seconds > 0.0 && seconds <= 600.0) || reps < 1) {
        fprintf(stderr, "bench_ofdm: bad SECONDS (expected 0 < SECONDS <= 600) or REPS\n");
        return 2;
    }
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = q ? mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD) : NULL;
    float sink = 0.0f;
    size_t symbols = t ? size_for(seconds, link_secs, t, &sink) : 0;
    size_t floor_symbols = size_for(seconds, floor_secs, t, &sink);
    sim_engine *e = symbols ? engine_for(t, symbols) : NULL;
    if (!e || !floor_symbols) {
        fprintf(stderr, "bench_ofdm: %s\n", ae_err_message());
        return 2;
    }
    int status = 0;
    for (int r = 0; r < reps; r++) {
        sim_point p;
        bench_span sp;
        bench_span_start(&sp);
        if (sim_engine_point(e, 15.0 + 1e-3 * r, &p, NULL) != AE_OK) {
            fprintf(stderr, "bench_ofdm: %s\n", ae_err_message());
            return 1;
        }
        bench_span_stop(&sp);
        double aesim = (double)(p.blocks / N) / sp.wall;
        double fdt = floor_seconds(floor_symbols, &sink);
        double fl = (double)floor_symbols / fdt;
        double ser, ber;
        theory_scheme(MOD_PSK, 4, THEORY_RAYLEIGH, 0.0, p.esno_db, &ser, &ber);
        // check first: the BER of the run against the flat Rayleigh closed form (5 sigma, per OFDM symbol)
        double mean = (double)p.bit_errors / (double)p.groups;
        double var = ((double)p.group_bit_sq - (double)p.groups * mean * mean) / (double)(p.groups - 1);
        double sd = sqrt(var / (double)p.groups) / (double)(2 * N);
        if (fabs(p.ber - ber) > 5.0 * sd)
            status = 1;
        printf("case=ofdm_qpsk_n64_cp16 aesim_symbols_per_s=%.0f floor_symbols_per_s=%.0f ratio=%.2f "
               "seconds=%.4f "
               "floor_seconds=%.4f cpu_seconds=%.4f page_faults=%ld ber=%.4e theory=%.4e\n",
               aesim, fl, fl / aesim, sp.wall, fdt, sp.cpu, sp.flt, p.ber, ber);
    }
    if (sink == 12345.0f)
        printf("\n");
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(q);
    if (status)
        fprintf(stderr, "bench_ofdm: BER outside 5 sigma of the closed form\n");
    return status;
}
