// test_err.c - error codes recorded with their messages, and the validation rules kept in one place.
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ae_err.h"
#include "classical.h"
#include "config.h"
#include "engine.h"
#include "modem.h"
#include "systems.h"
#include "train.h"

Test(err, code_follows_the_last_error)
{
    ae_err_clear();
    cr_assert_eq(ae_err_code(), AE_OK);
    cr_assert_eq(AE_ERROR(AE_EIO, "disk %d", 3), AE_EIO);
    cr_assert_eq(ae_err_code(), AE_EIO);
    cr_assert_str_eq(ae_err_message(), "disk 3");
    cr_assert_eq(ae_err_forward(AE_ECONFIG, "from a worker"), AE_ECONFIG);
    cr_assert_eq(ae_err_code(), AE_ECONFIG);
    cr_assert_str_eq(ae_err_message(), "from a worker");
    // forwarding the message already held changes the code only
    cr_assert_eq(ae_err_forward(AE_ERUNTIME, ae_err_message()), AE_ERUNTIME);
    cr_assert_eq(ae_err_code(), AE_ERUNTIME);
    cr_assert_str_eq(ae_err_message(), "from a worker");
    ae_err_clear();
    cr_assert_eq(ae_err_code(), AE_OK);
    cr_assert_str_eq(ae_err_message(), "");
    // after a failure, the recorded code; never AE_OK, even when nothing was recorded
    cr_assert_eq(ae_err_failed(), AE_ERUNTIME);
    cr_assert_eq(ae_err_code(), AE_ERUNTIME);
    cr_assert(strstr(ae_err_message(), "without recording why"), "%s", ae_err_message());
    AE_ERROR(AE_ENOMEM, "no room");
    cr_assert_eq(ae_err_failed(), AE_ENOMEM);
    cr_assert_str_eq(ae_err_message(), "no room");
}

// An engine for bits of uncoded BPSK (k = n = 3) with batch and chunk of `blocks` over channel `ch`.
static sim_engine *bpsk_engine(txrx *t, const char *ch, size_t blocks, int threads)
{
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cr_assert_eq(sim_channel_cfg_init(&cfg.channel, ch), AE_OK);
    cfg.batch = blocks;
    cfg.chunk_blocks = blocks;
    cfg.threads = threads;
    return sim_engine_create(t, &cfg);
}

Test(err, constructors_tell_the_user_s_input_from_memory)
{
    // the user's input: a scheme that does not exist, a transceiver the channel cannot carry, a thread
    // count out of range
    AE_ERROR(AE_ENOMEM, "an earlier failure");
    cr_assert_null(mod_modem_create(MOD_QAM, 8));
    cr_assert_eq(ae_err_code(), AE_EINVAL, "%s", ae_err_message());
    AE_ERROR(AE_ENOMEM, "an earlier failure");
    cr_assert_null(mod_bpsk_txrx_create(0));
    cr_assert_eq(ae_err_code(), AE_EINVAL, "%s", ae_err_message());
    txrx *t = mod_bpsk_txrx_create(3);
    cr_assert_not_null(t);
    AE_ERROR(AE_ENOMEM, "an earlier failure");
    cr_assert_null(bpsk_engine(t, "rayleigh", 1000, 1)); // n = 3: no complex symbols
    cr_assert_eq(ae_err_code(), AE_EINVAL, "%s", ae_err_message());
    cr_assert_null(bpsk_engine(t, "awgn", 1000, 0));
    cr_assert_eq(ae_err_code(), AE_EINVAL, "%s", ae_err_message());
    cr_assert(strstr(ae_err_message(), "threads = 0, expected 1..1024"), "%s", ae_err_message());
    // memory: buffers of SIZE_MAX / 2 blocks cannot be allocated (calloc refuses the overflow)
    AE_ERROR(AE_EINVAL, "an earlier failure");
    cr_assert_null(bpsk_engine(t, "awgn", SIZE_MAX / 2, 1));
    cr_assert_eq(ae_err_code(), AE_ENOMEM, "%s", ae_err_message());
    // and a good one records nothing new
    ae_err_clear();
    sim_engine *e = bpsk_engine(t, "awgn", 1000, 2);
    cr_assert_not_null(e, "%s", ae_err_message());
    cr_assert_eq(ae_err_code(), AE_OK);
    sim_engine_destroy(e);
    txrx_destroy(t);
}

Test(err, one_thread_rule_for_engine_training_and_command_line)
{
    cr_assert_eq(sim_threads_check(1), AE_OK);
    cr_assert_eq(sim_threads_check(SIM_THREADS_MAX), AE_OK);
    cr_assert_eq(SIM_THREADS_MAX, 1024);
    cr_assert_eq(sim_threads_check(0), AE_EINVAL);
    cr_assert_str_eq(ae_err_message(), "threads = 0, expected 1..1024");
    cr_assert_eq(sim_threads_check(1025), AE_EINVAL);
    cr_assert_str_eq(ae_err_message(), "threads = 1025, expected 1..1024");
    // the engine and the training take the same rule
    sim_eval_cfg ec;
    sim_eval_cfg_default(&ec);
    sim_train_cfg tc;
    sim_train_cfg_default(&tc);
    const int counts[] = {0, 1, 1024, 1025};
    for (int i = 0; i < 4; i++) {
        ec.threads = tc.threads = counts[i];
        const int want = sim_threads_check(counts[i]);
        cr_assert_eq(sim_eval_cfg_validate(&ec), want, "engine, threads = %d", counts[i]);
        cr_assert_eq(sim_train_cfg_validate(&tc), want, "training, threads = %d", counts[i]);
        if (want != AE_OK)
            cr_assert(strstr(ae_err_message(), "expected 1..1024"), "%s", ae_err_message());
    }
}

Test(err, real_valued_systems_on_complex_channels)
{
    sim_system_cfg s;
    memset(&s, 0, sizeof s);
    s.type = SIM_SYS_MODEM;
    s.mod_family = MOD_PAM;
    s.mod_M = 4;
    cr_assert_eq(sim_channel_cfg_init(&s.channel, "awgn"), AE_OK);
    cr_assert_eq(sim_system_check_channel(&s), AE_OK);
    cr_assert_eq(sim_channel_cfg_init(&s.channel, "rayleigh"), AE_OK);
    cr_assert_eq(sim_system_check_channel(&s), AE_EINVAL);
    cr_assert_str_eq(ae_err_message(),
                     "pam4 is real-valued and runs on AWGN only; use qam or psk on a rayleigh channel");
    // named after its scheme (aesim ber) or not at all (aesim theory): no prefix; otherwise the system's name
    snprintf(s.name, sizeof s.name, "pam4");
    cr_assert_eq(sim_system_check_channel(&s), AE_EINVAL);
    cr_assert_str_eq(ae_err_message(),
                     "pam4 is real-valued and runs on AWGN only; use qam or psk on a rayleigh channel");
    snprintf(s.name, sizeof s.name, "p");
    cr_assert_eq(sim_system_check_channel(&s), AE_EINVAL);
    cr_assert_str_eq(
        ae_err_message(),
        "system 'p': pam4 is real-valued and runs on AWGN only; use qam or psk on a rayleigh channel");
    // complex schemes pass; real-valued baselines do not
    s.mod_family = MOD_QAM;
    s.mod_M = 16;
    cr_assert_eq(sim_system_check_channel(&s), AE_OK);
    s.type = SIM_SYS_HAMMING74;
    s.k = 4;
    cr_assert_eq(sim_system_check_channel(&s), AE_EINVAL);
    cr_assert(strstr(ae_err_message(), "system 'p' is a real-valued AWGN baseline; on a rayleigh channel"),
              "%s", ae_err_message());
}
