// fuzz_checkpoint.c - libFuzzer harness for the safetensors checkpoint reader (sim/checkpoint.h).
//
// Any byte string is a checkpoint file: sim_ckpt_load into a small model (k = 3, n = 4, default hidden
// layers) with one generator state, and sim_ckpt_metadata, must succeed or return an error code, never
// crash, leak or read out of bounds. Build and run with `make fuzz` (see the Makefile).
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "ae.h"
#include "ae_err.h"
#include "checkpoint.h"
#include "fuzz_common.h"

enum {
    FUZZ_CKPT_MAX = 1024 * 1024, // the small model's checkpoints are a few KiB
    FUZZ_RNG_BYTES = 16          // size of the generator state the harness asks for
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ae_model *model; // built once, loaded into by every input

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();
    ae_cfg c;
    ae_cfg_default(&c, 3, 4);
    model = ae_create(&c);
    if (!model)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_CKPT_MAX)
        return -1; // not added to the corpus
    const char *path = fuzz_write_input("fuzz.safetensors", data, size);

    unsigned char state[FUZZ_RNG_BYTES];
    sim_ckpt_rng rng = {"train_msg", state, sizeof state};
    size_t found = 0;
    int rc = sim_ckpt_load(path, model, &rng, 1, &found);
    if (rc != AE_OK && rc != AE_ECONFIG && rc != AE_EIO && rc != AE_ENOMEM)
        abort(); // undocumented status
    if (rc == AE_OK && found > 1)
        abort(); // one generator was asked for

    char buf[64];
    static const char *const keys[] = {"config", "system", "aesim_version"};
    rc = sim_ckpt_metadata(path, keys[size % 3], buf, sizeof buf);
    if (rc != AE_OK && rc != AE_ECONFIG && rc != AE_EIO && rc != AE_ENOMEM)
        abort();
    ae_err_clear();
    return 0;
}
