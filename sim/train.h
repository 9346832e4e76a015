// train.h - the training loop of learned transceivers (sim/).
#ifndef AESIM_TRAIN_H
#define AESIM_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "ae.h"
#include "channel.h"

enum sim_lr_schedule {
    SIM_LR_CONSTANT = 0,   // lr throughout (the paper's recipe)
    SIM_LR_COSINE = 1,     // lr_final + (lr - lr_final) (1 + cos(pi t / steps)) / 2 (Loshchilov & Hutter,
                           // "SGDR", ICLR 2017, eq. 5, one cycle without restart)
    SIM_LR_EXPONENTIAL = 2 // lr (lr_final / lr)^(t / steps): geometric decay from lr to lr_final
};

// The word of a schedule in configs ("constant", "cosine", "exponential"), and back (-1 if unknown).
const char *sim_lr_schedule_name(int schedule);
int sim_lr_schedule_parse(const char *name);

typedef struct sim_train_cfg {
    uint64_t steps;            // Adam updates, >= 1 (default 10000)
    size_t batch;              // messages per step, >= 1 (default 1000)
    double lr;                 // initial learning rate, > 0 (default 1e-2)
    double lr_final;           // final learning rate for decaying schedules, > 0 (default 1e-4)
    int schedule;              // enum sim_lr_schedule (default SIM_LR_COSINE)
    double ebno_db;            // training Eb/N0 in dB, finite (default 4)
    uint64_t seed;             // seed of initialisation and batches (default 1)
    uint64_t log_every;        // report the loss every this many steps, >= 1 (default 100)
    uint64_t checkpoint_every; // save a checkpoint every this many steps (a multiple of log_every; 0: only at
                               // the end; default 1000)
    int threads; // OpenMP threads over the pieces of a batch, 1..SIM_THREADS_MAX (default 1); the results do
                 // not depend on it
    int fail_on_divergence; // 1: a training run that diverged (sim_train_diverged) is an error, 0: a
                            // warning (default 0); the trained model does not depend on it
} sim_train_cfg;

// Fill the defaults above.
void sim_train_cfg_default(sim_train_cfg *c);

// Check ranges; AE_EINVAL naming the field and the expected range otherwise (checkpoint_every must be a
// multiple of log_every, so a resumed run logs the same loss rows as an uninterrupted one).
int sim_train_cfg_validate(const sim_train_cfg *c);

// Whether a training run diverged, from its logged mean losses loss[0..n-1] (nats, in step order) and
// the loss of guessing chance_nats (ln M for M equally likely messages: the softmax cross-entropy of a
// uniform output): SIM_TRAIN_ABOVE_CHANCE when the last is above chance_nats, SIM_TRAIN_ROSE when it is
// above the first (the loss rose over the run), SIM_TRAIN_CONVERGED otherwise (also for n < 1, and for a
// non-finite loss, which training reports as an error of its own).
enum { SIM_TRAIN_CONVERGED = 0, SIM_TRAIN_ABOVE_CHANCE = 1, SIM_TRAIN_ROSE = 2 };
int sim_train_diverged(const double *loss, size_t n, double chance_nats);

// Learning rate at step t (0-based, t < steps) under the schedule.
double sim_train_lr(const sim_train_cfg *c, uint64_t t);

// Called every log_every steps and after the last one: the step count done, the mean loss (nats) over
// the steps since the last call, and the learning rate of the last step.
typedef void (*sim_train_log_fn)(void *ctx, uint64_t step, double loss, double lr);

// A training batch is cut into sim_train_pieces(batch) pieces of about equal size (whole channel quanta
// each), a number fixed by the batch alone: the channel and the decoder of each piece run in parallel,
// each piece with its own noise and fading generators, and the gradients and losses are summed in piece
// order, so a run gives the same numbers for any thread count. The encoder runs on the whole batch.
enum { SIM_TRAIN_PIECE_BLOCKS = 128, SIM_TRAIN_MAX_PIECES = 16 };

// The number of pieces of a batch: the largest power of two s <= SIM_TRAIN_MAX_PIECES with
// s * SIM_TRAIN_PIECE_BLOCKS <= batch (1 below 256 blocks).
size_t sim_train_pieces(size_t batch);

// The generators a training run draws from, in this order (their states go into checkpoints): the
// message generator, then the noise and the fading generators of all pieces.
enum { SIM_TRAIN_RNG_MSG = 0, SIM_TRAIN_RNG_NOISE = 1, SIM_TRAIN_RNG_FADE = 2, SIM_TRAIN_RNGS = 3 };

// The generators' states as bytes: bytes[SIM_TRAIN_RNG_MSG] is one gsl_rng state, bytes[NOISE] and
// bytes[FADE] are the states of pieces 0, 1, ... one after another (size[i] bytes in all).
typedef struct sim_train_rng_state {
    void *bytes[SIM_TRAIN_RNGS];
    size_t size[SIM_TRAIN_RNGS];
} sim_train_rng_state;

// Called every checkpoint_every steps and after the last step, with the model (adam_step = steps done)
// and the training generators' states; a status other than AE_OK stops training with that status.
typedef int (*sim_train_ckpt_fn)(void *ctx, const ae_model *ae, const sim_train_rng_state *rngs);

typedef struct sim_train_hooks {
    sim_train_log_fn log;         // loss reports (may be NULL)
    sim_train_ckpt_fn checkpoint; // checkpoints (may be NULL)
    void *ctx;                    // passed to both
    sim_train_rng_state resume; // bytes[0] non-NULL: resume from ae as it is (parameters, moments, adam_step)
                                // with the generators in these states (sizes as a checkpoint of this batch
                                // holds them, else AE_EINVAL)
} sim_train_hooks;

// Train ae over the channel ch (NULL: AWGN) at cfg->ebno_db, the noise variance given by
// ch_sigma2_from_ebno with the block energy n (both constraints; E|h|^2 = 1 on fading channels):
// initialise from the SIM_STREAM_INIT stream, then for each step draw a batch of uniform messages, run
// encoder -> channel (fading gains, noise, zero-forcing with perfect CSI) -> decoder -> softmax
// cross-entropy, backpropagate through the channel's adjoints and update with Adam.
// On fading channels n must be even (sim_channel_check). Leaves the codebook prepared (ae_eval_prepare).
// Returns AE_OK; AE_ERUNTIME naming the step if the loss becomes NaN or infinite; AE_EINTR when
// *cancel becomes nonzero (checked every step); AE_ENOMEM.
int sim_train_ae(ae_model *ae, const sim_train_cfg *cfg, const sim_channel_cfg *ch, sim_train_log_fn log,
                 void *ctx, volatile sig_atomic_t *cancel);

// As sim_train_ae with checkpoints and resumption (hooks may be NULL). A run resumed from a checkpoint
// taken at step s continues from s and ends with exactly the model an uninterrupted run ends with.
int sim_train_ae_hooks(ae_model *ae, const sim_train_cfg *cfg, const sim_channel_cfg *ch,
                       const sim_train_hooks *hooks, volatile sig_atomic_t *cancel);

#endif
