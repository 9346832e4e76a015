// bench_util.h - clocks for the benchmarks (header only, shared by bench/*.c).
//
// Wall time is the figure reported; the process's CPU time and minor page faults are printed beside
// it so that a slow repetition can be told apart: CPU time well below wall time x threads means the
// process waited for a core (another process ran), page faults mean buffers first touched while timed.
#ifndef AESIM_BENCH_UTIL_H
#define AESIM_BENCH_UTIL_H

#include <sys/resource.h>
#include <time.h>

// Seconds on the monotonic clock.
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// CPU seconds used so far by all threads of this process.
static inline double bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// Minor page faults of this process so far (first touches of fresh pages).
static inline long bench_minflt(void)
{
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_minflt : -1;
}

// One timed section: wall and CPU seconds, page faults.
typedef struct bench_span {
    double wall0, cpu0, wall, cpu;
    long flt0, flt;
} bench_span;

static inline void bench_span_start(bench_span *s)
{
    s->flt0 = bench_minflt();
    s->cpu0 = bench_cpu();
    s->wall0 = bench_now();
}

static inline void bench_span_stop(bench_span *s)
{
    s->wall = bench_now() - s->wall0;
    s->cpu = bench_cpu() - s->cpu0;
    s->flt = bench_minflt() - s->flt0;
}

#endif
