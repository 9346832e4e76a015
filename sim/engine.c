// engine.c - chunked, thread-count-invariant Monte Carlo over one transceiver and its channel.
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "ae_err.h"
#include "ch.h"
#include <gsl/gsl_randist.h>
#include "ranks.h"
#include "rng.h"
#include "stats.h"

// Chunks per thread in one wave when several threads run: the threads take the wave's chunks as they
// come free and meet only at its end. More chunks per wave absorb longer stalls of one thread (another
// process taking its core) but add work past a target-error stop (at most wave - 1 chunks, computed and
// dropped; the counts are those of the chunks up to the stop either way).
enum { SIM_WAVE_PER_THREAD = 4 };

// One thread's buffers, made once per engine.
typedef struct sim_slot {
    void *txrx_ws;      // transceiver scratch
    sim_chan_ws *cw;    // channel scratch
    float *llr;         // [batch][k] LLRs (soft evaluation only; NULL otherwise)
    gsl_rng *r_fade;    // fading gains of the current chunk
    uint64_t *bits;     // [batch][W] sent information bits, W = txrx_words(k) (layout of txrx.h)
    uint64_t *bits_hat; // [batch][W] decided information bits
    float *x;           // [batch][n]
    float *y;           // [batch][n]
    gsl_rng *r_msg;     // messages of the current chunk
    gsl_rng *r_noise;   // noise of the current chunk
} sim_slot;

struct sim_engine {
    const txrx *t;
    sim_eval_cfg cfg; // batch, chunk_blocks and max_blocks rounded to the channel's quantum
    sim_chan *chan;
    sim_slot *slots;  // [cfg.threads]
    size_t wave_len;  // chunks of one wave on this rank: SIM_WAVE_PER_THREAD per thread (1 on one thread)
    sim_counts *wave; // [wave_len * ranks] counts of the chunks of one wave
    int *wave_status; // [wave_len * ranks]
    char (*wave_msg)[256];
    // this rank's share of a wave (wave_len chunks), copied out before the gather (MPI runs only; made once)
    sim_counts *mine_counts;
    int *mine_status;
    char (*mine_msg)[256];
};

const char *sim_stop_name(int stop)
{
    switch (stop) {
    case SIM_STOP_TARGET_BIT_ERRORS: return "target_bit_errors";
    case SIM_STOP_TARGET_BLOCK_ERRORS: return "target_block_errors";
    case SIM_STOP_MAX_BLOCKS: return "max_blocks";
    default: return "";
    }
}

const char *sim_bler_ci_name(int ci)
{
    switch (ci) {
    case SIM_BLER_CI_WILSON: return "wilson";
    case SIM_BLER_CI_CLOPPER_PEARSON: return "clopper_pearson";
    case SIM_BLER_CI_NORMAL: return "normal";
    default: return "";
    }
}

int sim_bler_ci_parse(const char *word)
{
    for (int ci = SIM_BLER_CI_WILSON; ci <= SIM_BLER_CI_NORMAL; ci++)
        if (strcmp(word, sim_bler_ci_name(ci)) == 0)
            return ci;
    return SIM_BLER_CI_UNKNOWN;
}

void sim_eval_cfg_default(sim_eval_cfg *c)
{
    c->seed = 1;
    c->chunk_blocks = 10000;
    c->batch = 1000;
    c->target_block_errors = 1000;
    c->target_bit_errors = 0;
    c->max_blocks = 10000000;
    c->threads = 1;
    c->soft = 0;
    c->interval = SIM_INTERVAL_WILSON;
    sim_channel_cfg_default(&c->channel);
    c->progress = NULL;
    c->progress_ctx = NULL;
}

int sim_threads_check(long threads)
{
    if (threads < 1 || threads > SIM_THREADS_MAX)
        return AE_ERROR(AE_EINVAL, "threads = %ld, expected 1..%d", threads, SIM_THREADS_MAX);
    return AE_OK;
}

int sim_eval_cfg_validate(const sim_eval_cfg *c)
{
    if (c->chunk_blocks < 1)
        return AE_ERROR(AE_EINVAL, "chunk_blocks = %zu, expected >= 1", c->chunk_blocks);
    if (c->batch < 1)
        return AE_ERROR(AE_EINVAL, "batch = %zu, expected >= 1", c->batch);
    if (c->max_blocks < 1)
        return AE_ERROR(AE_EINVAL, "max_blocks = 0, expected >= 1");
    if (sim_threads_check(c->threads) != AE_OK)
        return AE_EINVAL;
    if (c->interval != SIM_INTERVAL_WILSON && c->interval != SIM_INTERVAL_CLOPPER_PEARSON)
        return AE_ERROR(AE_EINVAL, "interval = %d, expected wilson or clopper_pearson", c->interval);
    return AE_OK;
}

void sim_engine_destroy(sim_engine *e)
{
    if (!e)
        return;
    if (e->slots) {
        for (int i = 0; i < e->cfg.threads; i++) {
            sim_slot *s = &e->slots[i];
            if (s->txrx_ws)
                e->t->vt->ws_destroy(s->txrx_ws);
            free(s->bits);
            free(s->bits_hat);
            sim_chan_ws_destroy(s->cw);
            free(s->llr);
            if (s->r_fade)
                gsl_rng_free(s->r_fade);
            free(s->x);
            free(s->y);
            if (s->r_msg)
                gsl_rng_free(s->r_msg);
            if (s->r_noise)
                gsl_rng_free(s->r_noise);
        }
    }
    free(e->slots);
    free(e->wave);
    free(e->wave_status);
    free(e->wave_msg);
    free(e->mine_counts);
    free(e->mine_status);
    free(e->mine_msg);
    sim_chan_destroy(e->chan);
    free(e);
}

sim_engine *sim_engine_create(const txrx *t, const sim_eval_cfg *cfg)
{
    if (sim_eval_cfg_validate(cfg) != AE_OK ||
        sim_channel_check(&cfg->channel, t, "the transceiver") != AE_OK)
        return NULL;
    if (cfg->soft && !t->vt->receive_llr) {
        AE_ERROR(AE_EINVAL, "soft evaluation needs a transceiver with LLR output");
        return NULL;
    }
    sim_engine *e = calloc(1, sizeof *e);
    if (!e) {
        AE_ERROR(AE_ENOMEM, "cannot allocate the engine");
        return NULL;
    }
    e->t = t;
    e->cfg = *cfg;
    size_t nt = (size_t)cfg->threads;
    size_t batch = cfg->batch < cfg->chunk_blocks ? cfg->batch : cfg->chunk_blocks;
    e->chan = sim_chan_create(&cfg->channel, t, batch);
    if (!e->chan) {
        free(e);
        return NULL;
    }
    // whole quanta (OFDM symbols) per call, per chunk and per point
    size_t q = sim_chan_quantum(e->chan);
    batch = (batch + q - 1) / q * q;
    e->cfg.batch = batch;
    e->cfg.chunk_blocks = (cfg->chunk_blocks + q - 1) / q * q;
    e->cfg.max_blocks = (cfg->max_blocks + q - 1) / q * q;
    e->slots = calloc(nt, sizeof *e->slots);
    // one wave = wave_len chunks on each rank, handed to the threads as they come free
    e->wave_len = nt > 1 ? nt * SIM_WAVE_PER_THREAD : 1;
    size_t nw = e->wave_len * (size_t)sim_mpi_size();
    e->wave = calloc(nw, sizeof *e->wave);
    e->wave_status = calloc(nw, sizeof *e->wave_status);
    e->wave_msg = calloc(nw, sizeof *e->wave_msg);
    e->mine_counts = calloc(e->wave_len, sizeof *e->mine_counts);
    e->mine_status = calloc(e->wave_len, sizeof *e->mine_status);
    e->mine_msg = calloc(e->wave_len, sizeof *e->mine_msg);
    if (!e->slots || !e->wave || !e->wave_status || !e->wave_msg || !e->mine_counts || !e->mine_status ||
        !e->mine_msg)
        goto nomem;
    for (size_t i = 0; i < nt; i++) {
        sim_slot *s = &e->slots[i];
        const size_t W = txrx_words(t->k);
        s->bits = calloc(batch * W, sizeof *s->bits);
        s->bits_hat = calloc(batch * W, sizeof *s->bits_hat);
        s->x = malloc(batch * t->n * sizeof *s->x);
        s->y = malloc(batch * t->n * sizeof *s->y);
        s->llr = cfg->soft ? malloc(batch * t->k * sizeof *s->llr) : NULL;
        if (!s->bits || !s->bits_hat || !s->x || !s->y || (cfg->soft && !s->llr))
            goto nomem;
        if (!(s->cw = sim_chan_ws_create(e->chan)))
            goto fail;
        s->r_msg = sim_rng_alloc();
        s->r_noise = sim_rng_alloc();
        s->r_fade = sim_rng_alloc();
        if (!s->r_msg || !s->r_noise || !s->r_fade)
            goto fail;
        s->txrx_ws = t->vt->ws_create(t->st, batch);
        if (!s->txrx_ws)
            goto fail;
    }
    return e;
nomem:
    AE_ERROR(AE_ENOMEM, "cannot allocate engine buffers for batch %zu", batch);
fail:
    sim_engine_destroy(e);
    return NULL;
}

// Blocks in chunk c: chunk_blocks, except the chunk that reaches max_blocks, which is cut short.
static uint64_t chunk_size(const sim_eval_cfg *cfg, uint64_t c)
{
    uint64_t start = c * (uint64_t)cfg->chunk_blocks;
    if (start >= cfg->max_blocks)
        return 0;
    uint64_t left = cfg->max_blocks - start;
    return left < cfg->chunk_blocks ? left : cfg->chunk_blocks;
}

// Number of set bits of x (SWAR; the default build targets no CPU with a popcount instruction, and
// GCC's __builtin_popcountll would then call a library routine per word).
static inline uint64_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
    x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (x * UINT64_C(0x0101010101010101)) >> 56;
}

// Bits in which two k-bit blocks of W = txrx_words(k) words differ (bits beyond k ignored).
static inline uint64_t block_bit_errors(const uint64_t *a, const uint64_t *b, size_t W, uint64_t tail)
{
    if (W == 1)
        return popcount64((a[0] ^ b[0]) & tail);
    uint64_t err = 0;
    for (size_t i = 0; i + 1 < W; i++)
        err += popcount64(a[i] ^ b[i]);
    return err + popcount64((a[W - 1] ^ b[W - 1]) & tail);
}

// Uniform information bits of one chunk, packed as txrx.h says, from 32-bit draws of taus2 (32 uniform
// bits each):
//   * k <= 32: each draw gives floor(32 / k) blocks, block i of a draw taking its bits 32 - k (i+1) ..
//     31 - k i, so a 1-bit block costs 1/32 of a draw. Read as the message index these are the blocks'
//     messages m = (draw >> (k i)) & (2^k - 1);
//   * k > 32: each block takes ceil(k / 32) draws of its own, draw d giving the block's bits 32 d ..
//     32 d + 31 (MSB first), the bits of the last draw beyond k dropped.
// The draw in use carries over from one batch to the next, so the bits of a chunk do not depend on how
// it is cut into batches.
typedef struct bit_source {
    gsl_rng *r;
    uint32_t word; // bits not yet used (k <= 32)
    unsigned left; // blocks left in word (k <= 32)
} bit_source;

static void draw_bits(bit_source *src, uint64_t *bits, size_t b, unsigned k)
{
    if (k <= 32) { // one word per block
        const unsigned per_draw = 32u / k;
        const uint32_t mask = (uint32_t)((UINT64_C(1) << k) - 1u);
        for (size_t i = 0; i < b; i++) {
            if (src->left == 0) {
                src->word = (uint32_t)gsl_rng_get(src->r);
                src->left = per_draw;
            }
            txrx_set_index(bits + i, k, src->word & mask);
            src->word = k < 32 ? src->word >> k : 0;
            src->left--;
        }
        return;
    }
    const size_t W = txrx_words(k), draws = (k + 31) / 32;
    const uint64_t tail = txrx_tail_mask(k);
    for (size_t i = 0; i < b; i++) {
        uint64_t *bb = bits + i * W;
        for (size_t d = 0; d < draws; d += 2) {
            const uint64_t hi = (uint32_t)gsl_rng_get(src->r);
            const uint64_t lo = d + 1 < draws ? (uint32_t)gsl_rng_get(src->r) : 0;
            bb[d / 2] = hi << 32 | lo;
        }
        bb[W - 1] &= tail;
    }
}

// Information per bit of one LLR given the sent bit: 1 - log2(1 + exp(-(1 - 2b) L)), computed
// without overflow (log1p(exp(-a)) for a >= 0, -a + log1p(exp(a)) otherwise).
static double bit_information(float llr, unsigned bit)
{
    double a = bit ? -(double)llr : (double)llr;
    double softplus = a >= 0.0 ? log1p(exp(-a)) : -a + log1p(exp(a));
    return 1.0 - softplus / M_LN2;
}

void sim_engine_set_progress(sim_engine *e,
                             void (*fn)(void *ctx, const struct sim_point *so_far, double seconds), void *ctx)
{
    e->cfg.progress = fn;
    e->cfg.progress_ctx = ctx;
}

int sim_engine_chunk(sim_engine *e, size_t slot, double ebno_db, double sigma2, uint64_t c, sim_counts *out)
{
    // counted in a local copy and stored once: the chunks of a wave have neighbouring counts (one cache
    // line apart or sharing one), which other threads write at the same time
    sim_counts acc, *counts = &acc;
    const txrx *t = e->t;
    sim_slot *s = &e->slots[slot];
    int64_t tag = sim_mdb(ebno_db);
    sim_rng_seed(s->r_msg, sim_stream_key(e->cfg.seed, tag, c, SIM_STREAM_MESSAGES));
    sim_rng_seed(s->r_noise, sim_stream_key(e->cfg.seed, tag, c, SIM_STREAM_NOISE));
    sim_rng_seed(s->r_fade, sim_stream_key(e->cfg.seed, tag, c, SIM_STREAM_FADING));
    memset(counts, 0, sizeof *counts);
    bit_source src = {s->r_msg, 0, 0};
    uint64_t todo = chunk_size(&e->cfg, c);
    const size_t W = txrx_words(t->k);
    const uint64_t tail = txrx_tail_mask(t->k);
    while (todo > 0) {
        size_t b = todo < e->cfg.batch ? (size_t)todo : e->cfg.batch;
        draw_bits(&src, s->bits, b, t->k);
        int rc = t->vt->transmit(t->st, s->txrx_ws, s->bits, s->x, b);
        if (rc != AE_OK)
            return rc;
        txrx_noise noise;
        if ((rc = sim_chan_forward(e->chan, s->cw, s->r_fade, s->r_noise, s->x, s->y, &noise, b, sigma2)) !=
            AE_OK)
            return rc;
        if (e->cfg.soft) {
            // decisions from the LLR signs (L < 0: bit 1), and the information each LLR carries
            rc = t->vt->receive_llr(t->st, s->txrx_ws, s->y, &noise, s->llr, b);
            if (rc != AE_OK)
                return rc;
            for (size_t i = 0; i < b; i++) {
                const float *L = s->llr + i * t->k;
                const uint64_t *sent = s->bits + i * W;
                for (unsigned j = 0; j < t->k; j++)
                    counts->info_sum += bit_information(L[j], txrx_get_bit(sent, j));
                txrx_bits_from_llr(L, t->k, s->bits_hat + i * W);
            }
        } else {
            rc = t->vt->receive(t->st, s->txrx_ws, s->y, &noise, s->bits_hat, b);
            if (rc != AE_OK)
                return rc;
        }
        // a coded scheme's code bits and decoder iterations of this transmit + receive
        if (t->vt->code_counts)
            t->vt->code_counts(t->st, s->txrx_ws, &counts->code);
        // errors per block, and per group of blocks that share a channel realisation
        size_t g = sim_chan_group(e->chan, b);
        for (size_t i0 = 0; i0 < b; i0 += g) {
            uint64_t gbits = 0, gblocks = 0;
            for (size_t i = i0; i < i0 + g && i < b; i++) {
                uint64_t err = block_bit_errors(s->bits + i * W, s->bits_hat + i * W, W, tail);
                counts->bit_errors_sq += err * err;
                gbits += err;
                gblocks += err != 0;
            }
            counts->bit_errors += gbits;
            counts->block_errors += gblocks;
            counts->group_bit_sq += gbits * gbits;
            counts->group_block_sq += gblocks * gblocks;
            counts->groups++;
        }
        counts->blocks += b;
        todo -= b;
    }
    *out = acc;
    return AE_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int sim_engine_point(sim_engine *e, double ebno_db, sim_point *out, volatile sig_atomic_t *cancel)
{
    const txrx *t = e->t;
    const sim_eval_cfg *cfg = &e->cfg;
    memset(out, 0, sizeof *out);
    double sigma2 = ch_sigma2_from_ebno(ebno_db, t->block_energy * sim_chan_eb_factor(e->chan), t->k);
    if (!(sigma2 > 0.0) || !isfinite(sigma2))
        return AE_ERROR(AE_EINVAL, "Eb/N0 = %g dB gives no usable noise variance; expected a finite value",
                        ebno_db);
    out->ebno_db = ebno_db;
    out->esno_db =
        ch_esno_db_from_ebno_charged(ebno_db, t->k, t->symbols_per_block, sim_chan_eb_factor(e->chan));
    out->sigma2 = sigma2;
    double t0 = now_seconds();
    uint64_t next = 0; // first chunk of the next wave
    int stop = SIM_STOP_NONE;
    double info_sum = 0.0; // summed in chunk order, so the same for any thread count
    int rank = sim_mpi_rank(), nr = sim_mpi_size();
    const int wl = (int)e->wave_len, nw = wl * nr;
    while (stop == SIM_STOP_NONE) {
        // every rank leaves at the same wave
        if (sim_mpi_any(cancel && *cancel))
            return AE_ERROR(AE_EINTR, "interrupted");
        // one wave: chunks next .. next+nw-1; this rank computes its wl of them. Each thread takes the
        // next chunk not yet taken (dynamic), so while one thread is held up (another process on its
        // core) the others go on through the wave and wait for it only at the wave's end; which thread
        // runs a chunk does not change its counts.
        sim_counts *mine = e->wave + (size_t)rank * (size_t)wl;
        int *mine_status = e->wave_status + (size_t)rank * (size_t)wl;
        char(*mine_msg)[256] = e->wave_msg + (size_t)rank * (size_t)wl;
#pragma omp parallel num_threads(cfg->threads)
        {
            size_t slot = 0;
#ifdef _OPENMP
            slot = (size_t)omp_get_thread_num();
#endif
#pragma omp for schedule(dynamic, 1)
            for (int i = 0; i < wl; i++) {
                uint64_t c = next + (uint64_t)rank * (uint64_t)wl + (uint64_t)i;
                mine_status[i] = sim_engine_chunk(e, slot, ebno_db, sigma2, c, &mine[i]);
                if (mine_status[i] != AE_OK)
                    snprintf(mine_msg[i], sizeof mine_msg[i], "%s", ae_err_message());
            }
        }
        if (nr > 1) {
            // every rank gets every chunk's counts (each rank's block of the wave gathered in rank order)
            size_t cb = (size_t)wl * sizeof *e->wave, sb = (size_t)wl * sizeof *e->wave_status,
                   mb = (size_t)wl * sizeof *e->wave_msg;
            memcpy(e->mine_counts, mine, cb);
            memcpy(e->mine_status, mine_status, sb);
            memcpy(e->mine_msg, mine_msg, mb);
            int grc = sim_mpi_allgather(e->mine_counts, e->wave, cb);
            if (grc == AE_OK)
                grc = sim_mpi_allgather(e->mine_status, e->wave_status, sb);
            if (grc == AE_OK)
                grc = sim_mpi_allgather(e->mine_msg, e->wave_msg, mb);
            if (grc != AE_OK)
                return grc;
        }
        // add in chunk order, stopping at the chunk where a rule is met; later chunks are dropped
        for (int i = 0; i < nw && stop == SIM_STOP_NONE; i++) {
            if (e->wave_status[i] != AE_OK)
                return ae_err_forward(e->wave_status[i], e->wave_msg[i]);
            out->blocks += e->wave[i].blocks;
            out->block_errors += e->wave[i].block_errors;
            out->bit_errors += e->wave[i].bit_errors;
            out->bit_errors_sq += e->wave[i].bit_errors_sq;
            out->groups += e->wave[i].groups;
            out->group_bit_sq += e->wave[i].group_bit_sq;
            out->group_block_sq += e->wave[i].group_block_sq;
            info_sum += e->wave[i].info_sum;
            out->coded_bits += e->wave[i].code.coded_bits;
            out->coded_bit_errors += e->wave[i].code.coded_bit_errors;
            out->codewords += e->wave[i].code.codewords;
            out->iterations += e->wave[i].code.iterations;
            if (cfg->target_bit_errors && out->bit_errors >= cfg->target_bit_errors)
                stop = SIM_STOP_TARGET_BIT_ERRORS;
            else if (cfg->target_block_errors && out->block_errors >= cfg->target_block_errors)
                stop = SIM_STOP_TARGET_BLOCK_ERRORS;
            else if (out->blocks >= cfg->max_blocks)
                stop = SIM_STOP_MAX_BLOCKS;
        }
        next += (uint64_t)nw;
        if (cfg->progress && stop == SIM_STOP_NONE)
            cfg->progress(cfg->progress_ctx, out, now_seconds() - t0);
    }
    out->stop = stop;
    out->bits = out->blocks * t->k;
    out->bler = (double)out->block_errors / (double)out->blocks;
    out->ber = (double)out->bit_errors / (double)out->bits;
    out->group_blocks = out->blocks / out->groups;
    if (out->group_blocks == 1) {
        sim_binomial_interval(cfg->interval, out->block_errors, out->blocks, &out->bler_lo, &out->bler_hi);
        out->bler_ci =
            cfg->interval == SIM_INTERVAL_CLOPPER_PEARSON ? SIM_BLER_CI_CLOPPER_PEARSON : SIM_BLER_CI_WILSON;
    } else {
        out->bler_ci = SIM_BLER_CI_NORMAL;
        sim_group_interval(out->block_errors, out->group_block_sq, out->groups, out->group_blocks, SIM_Z95,
                           &out->bler_lo, &out->bler_hi);
    }
    sim_ber_interval(out->bit_errors, out->group_bit_sq, out->groups, (uint64_t)t->k * out->group_blocks,
                     SIM_Z95, out->bler_hi, &out->ber_lo, &out->ber_hi);
    out->bmi = cfg->soft ? info_sum / (double)out->bits : NAN;
    const int coded = t->vt->code_counts != NULL;
    out->uncoded_ber =
        coded && out->coded_bits ? (double)out->coded_bit_errors / (double)out->coded_bits : NAN;
    out->mean_iterations = coded && out->codewords ? (double)out->iterations / (double)out->codewords : NAN;
    out->seconds = now_seconds() - t0;
    return AE_OK;
}

double sim_engine_ebno_db(const sim_engine *e, double esno_db)
{
    return ch_ebno_db_from_esno_charged(esno_db, e->t->k, e->t->symbols_per_block,
                                        sim_chan_eb_factor(e->chan));
}
