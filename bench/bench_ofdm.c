// bench_ofdm.c - OFDM symbols per second through aesim's link (QPSK, N = 64, CP = 16, random 8-tap
// multipath, perfect CSI, ZF: modulate -> channel -> demodulate -> equalise -> demap, through the engine
// as `aesim ber --ofdm` runs it), and the floor: the parts no OFDM link can avoid (one inverse and one
// forward 64-point FFT and 2 (N + CP) Gaussian draws per OFDM symbol), timed alone in the same process.
//
// usage: bench_ofdm OFDM_SYMBOLS [REPS]   prints one line per repetition:
//   case=ofdm_qpsk_n64_cp16 aesim_symbols_per_s=... floor_symbols_per_s=... ratio=... ber=... theory=...
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "ae_err.h"
#include "blas.h"
#include "engine.h"
#include "modem.h"
#include "rng.h"
#include "theory.h"

enum { N = 64, CP = 16 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// The floor: per OFDM symbol an inverse FFT, 2 (N + CP) Gaussians, a forward FFT. Returns symbols/s.
static double floor_rate(size_t symbols, float *sink)
{
    fftwf_complex *a = fftwf_malloc(sizeof(fftwf_complex) * N), *b = fftwf_malloc(sizeof(fftwf_complex) * N);
    fftwf_plan inv = fftwf_plan_dft_1d(N, a, b, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftwf_plan fwd = fftwf_plan_dft_1d(N, b, a, FFTW_FORWARD, FFTW_ESTIMATE);
    gsl_rng *r = sim_rng_alloc();
    sim_rng_seed(r, 3);
    float *f = (float *)a, *g = (float *)b, acc = 0.0f;
    for (size_t i = 0; i < 2 * N; i++)
        f[i] = (float)((i & 1) ? 0.7071 : -0.7071);
    double t0 = now();
    for (size_t s = 0; s < symbols; s++) {
        fftwf_execute(inv);
        for (size_t i = 0; i < 2 * (N + CP); i++)
            g[i % (2 * N)] += (float)gsl_ran_gaussian_ziggurat(r, 0.1);
        fftwf_execute(fwd);
        acc += f[s % (2 * N)];
        for (size_t i = 0; i < 2 * N; i++) // keep magnitudes bounded
            f[i] *= 1.0f / N;
    }
    double dt = now() - t0;
    *sink = acc;
    fftwf_destroy_plan(inv);
    fftwf_destroy_plan(fwd);
    fftwf_free(a);
    fftwf_free(b);
    gsl_rng_free(r);
    return (double)symbols / dt;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ofdm OFDM_SYMBOLS [REPS]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    sim_blas_single_thread();
    size_t symbols = (size_t)atof(argv[1]);
    int reps = argc > 2 ? atoi(argv[2]) : 1;
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    txrx *t = mod_modem_txrx_create(q, 1, MOD_DEMAP_HARD);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.chunk_blocks = 65536;
    cfg.batch = 4096;
    cfg.target_block_errors = 0;
    cfg.max_blocks = (uint64_t)symbols * N;
    cfg.threads = 1;
    cfg.channel.kind = SIM_CH_OFDM;
    cfg.channel.ofdm.ofdm.nfft = N;
    cfg.channel.ofdm.ofdm.cp = CP;
    if (ch_mp_parse_pdp("exp:8:3", &cfg.channel.ofdm.mp) != AE_OK)
        return 2;
    sim_engine *e = sim_engine_create(t, &cfg);
    if (!e) {
        fprintf(stderr, "bench_ofdm: %s\n", ae_err_message());
        return 2;
    }
    int status = 0;
    float sink = 0.0f;
    for (int r = 0; r < reps; r++) {
        sim_point p;
        double t0 = now();
        if (sim_engine_point(e, 15.0 + 1e-3 * r, &p, NULL) != AE_OK) {
            fprintf(stderr, "bench_ofdm: %s\n", ae_err_message());
            return 1;
        }
        double aesim = (double)(p.blocks / N) / (now() - t0);
        double fl = floor_rate(symbols, &sink);
        double ser, ber;
        theory_scheme(MOD_PSK, 4, THEORY_RAYLEIGH, 0.0, p.esno_db, &ser, &ber);
        // check first: the BER of the run against the flat Rayleigh closed form (5 sigma, per OFDM symbol)
        double mean = (double)p.bit_errors / (double)p.groups;
        double var = ((double)p.group_bit_sq - (double)p.groups * mean * mean) / (double)(p.groups - 1);
        double sd = sqrt(var / (double)p.groups) / (double)(2 * N);
        if (fabs(p.ber - ber) > 5.0 * sd)
            status = 1;
        printf(
            "case=ofdm_qpsk_n64_cp16 aesim_symbols_per_s=%.0f floor_symbols_per_s=%.0f ratio=%.2f ber=%.4e "
            "theory=%.4e\n",
            aesim, fl, fl / aesim, p.ber, ber);
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
