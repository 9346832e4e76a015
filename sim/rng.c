// rng.c - stream derivation for reproducible Monte Carlo.
#include "rng.h"

#include "ae_err.h"

#include <math.h>
#include <string.h>

const gsl_rng_type *sim_rng_type(void)
{
    return gsl_rng_taus2;
}

uint64_t sim_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t sim_stream_key(uint64_t seed, int64_t tag, uint64_t index, uint64_t stream)
{
    // chained mixing: each field passes through the bijection before the next is folded in
    uint64_t h = sim_mix64(seed);
    h = sim_mix64(h ^ (uint64_t)tag);
    h = sim_mix64(h ^ index);
    h = sim_mix64(h ^ stream);
    return h;
}

// Layout of GSL's taus2 state (gsl/rng/taus.c: three unsigned longs, 32 significant bits each).
typedef struct {
    unsigned long s1, s2, s3;
} taus_words;

gsl_rng *sim_rng_alloc(void)
{
    gsl_rng *r = gsl_rng_alloc(sim_rng_type());
    if (!r) {
        AE_ERROR(AE_ENOMEM, "cannot allocate a random number generator");
        return NULL;
    }
    size_t size = gsl_rng_size(r);
    if (size != sizeof(taus_words)) {
        gsl_rng_free(r);
        AE_ERROR(AE_ERUNTIME, "GSL taus2 state has %zu bytes, expected %zu", size, sizeof(taus_words));
        return NULL;
    }
    return r;
}

void sim_rng_seed(gsl_rng *r, uint64_t key)
{
    taus_words w;
    uint64_t a = sim_mix64(key), b = sim_mix64(a), c = sim_mix64(b);
    w.s1 = (unsigned long)(a & 0xffffffffUL);
    w.s2 = (unsigned long)(b & 0xffffffffUL);
    w.s3 = (unsigned long)(c & 0xffffffffUL);
    // the Tausworthe components need s1 > 1, s2 > 7, s3 > 15 (L'Ecuyer 1996)
    if (w.s1 < 2)
        w.s1 += 2;
    if (w.s2 < 8)
        w.s2 += 8;
    if (w.s3 < 16)
        w.s3 += 16;
    memcpy(gsl_rng_state(r), &w, sizeof w);
    // warm up as taus_set does, so the first outputs are decorrelated from the seed words
    for (int i = 0; i < 6; i++)
        (void)gsl_rng_get(r);
}

int64_t sim_mdb(double value_db)
{
    return (int64_t)llround(value_db * 1000.0);
}
