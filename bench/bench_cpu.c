// bench_cpu.c - how fast this core is right now: GSL Gaussian draws (taus2 + ziggurat, as the engine
// draws its noise) per second, on the wall clock and per CPU second of this process. Run pinned to
// each core in turn (taskset -c N), it shows the cores' speeds side by side; on a virtual machine they
// can differ by 2x when the host runs other work beside one virtual CPU, which no program in the guest
// sees except as lower throughput.
//
// usage: bench_cpu SECONDS   prints one line:
//   gaussians=... seconds=... cpu_seconds=... gaussians_per_s=... gaussians_per_cpu_s=...
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "bench_util.h"
#include "rng.h"

// Draws n Gaussians from r; returns their sum (so that nothing is optimised away).
static double draw(gsl_rng *r, long n)
{
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += gsl_ran_gaussian_ziggurat(r, 1.0);
    return s;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0.0;
    if (!(seconds > 0.0 && seconds <= 600.0)) {
        fprintf(stderr, "usage: bench_cpu SECONDS (0 < SECONDS <= 600)\n");
        return 2;
    }
    gsl_rng *r = sim_rng_alloc();
    if (!r)
        return 1;
    sim_rng_seed(r, 11);
    // warm-up and sizing: a quarter of SECONDS, untimed
    long n = 1L << 16;
    double sink = 0.0;
    for (;;) {
        double t0 = bench_now();
        sink += draw(r, n);
        double dt = bench_now() - t0;
        if (dt >= 0.25 * seconds) {
            n = (long)((double)n * seconds / dt);
            break;
        }
        n *= dt > 0.0 && 0.3 * seconds / dt < 8.0 ? 2 : 8;
    }
    bench_span sp;
    bench_span_start(&sp);
    sink += draw(r, n);
    bench_span_stop(&sp);
    printf("gaussians=%ld seconds=%.4f cpu_seconds=%.4f gaussians_per_s=%.0f gaussians_per_cpu_s=%.0f\n", n,
           sp.wall, sp.cpu, (double)n / sp.wall, (double)n / sp.cpu);
    if (sink == 0.125)
        fprintf(stderr, "(unlikely sum)\n");
    gsl_rng_free(r);
    return 0;
}
