// fault.c - the test-only fault switches, read once from the environment.
#include "fault.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static char write_path[4096]; // AESIM_FAULT_WRITE ("" when unset)
static uint64_t nan_step;     // AESIM_FAULT_NAN_STEP (0 when unset)
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void read_switches(void)
{
    const char *w = getenv("AESIM_FAULT_WRITE");
    snprintf(write_path, sizeof write_path, "%s", w ? w : "");
    const char *n = getenv("AESIM_FAULT_NAN_STEP");
    nan_step = n ? strtoull(n, NULL, 10) : 0;
}

const char *sim_fault_write_path(void)
{
    pthread_once(&once, read_switches);
    return write_path[0] ? write_path : NULL;
}

uint64_t sim_fault_nan_step(void)
{
    pthread_once(&once, read_switches);
    return nan_step;
}

void sim_fault_reload(void)
{
    pthread_once(&once, read_switches); // so that the once-read cannot overwrite this one later
    read_switches();
}
