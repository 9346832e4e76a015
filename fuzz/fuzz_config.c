// fuzz_config.c - libFuzzer harness for the experiment-file reader, sim_config_load (sim/config.h).
//
// Any byte string is a config file: it must load or fail with an error code, never crash, leak or read
// out of bounds. What loads must resolve to text that loads back to the same text (the promise of
// sim_config_write_resolved). Build and run with `make fuzz` (see the Makefile).
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "ae_err.h"
#include "config.h"
#include "fuzz_common.h"

enum { FUZZ_CONFIG_MAX = 64 * 1024 }; // configs are a few KiB; bigger inputs only slow the search

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_CONFIG_MAX)
        return -1; // not added to the corpus
    const char *path = fuzz_write_input("fuzz.cfg", data, size);
    sim_experiment ex;
    int rc = sim_config_load(path, &ex);
    if (rc == AE_OK) {
        // the writer on whatever the reader accepted, and the round trip through the reader
        char *text = sim_config_resolved_text(&ex);
        sim_experiment_free(&ex);
        if (!text)
            abort();
        const char *again = fuzz_write_input("fuzz.cfg", (const uint8_t *)text, strlen(text));
        if (sim_config_load(again, &ex) != AE_OK)
            abort(); // the resolved text is not a valid config
        char *text2 = sim_config_resolved_text(&ex);
        sim_experiment_free(&ex);
        if (!text2 || strcmp(text, text2) != 0)
            abort(); // it does not describe the same experiment
        free(text2);
        free(text);
    } else if (rc != AE_ECONFIG && rc != AE_ENOMEM) {
        abort(); // sim_config_load documents AE_ECONFIG for bad input
    }
    ae_err_clear();
    return 0;
}
