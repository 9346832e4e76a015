// systems.c - the registry of system types: builders and closed forms.
#include "systems.h"

#include <math.h>

#include "ae_err.h"
#include "classical.h"
#include "theory.h"

txrx *sim_system_classical(const sim_system_cfg *s)
{
    switch (s->type) {
    case SIM_SYS_UNCODED_BPSK: return mod_bpsk_txrx_create(s->k);
    case SIM_SYS_HAMMING74: return mod_hamming74_txrx_create(s->decoder);
    default: AE_ERROR(AE_EINVAL, "%s: not a classical system", s->name); return NULL;
    }
}

int sim_system_theory(const sim_system_cfg *s, double ebno_db, double *bler, double *ber)
{
    *bler = NAN;
    *ber = NAN;
    switch (s->type) {
    case SIM_SYS_UNCODED_BPSK:
        *ber = theory_bpsk_ber(ebno_db);
        *bler = theory_block_error(*ber, s->k);
        return 1;
    case SIM_SYS_HAMMING74:
        if (s->decoder != MOD_HAMMING_HARD)
            return 0;
        *bler = theory_hamming74_hard_bler(ebno_db);
        *ber = theory_hamming74_hard_ber(ebno_db);
        return 1;
    default: return 0;
    }
}

size_t sim_system_symbols(const sim_system_cfg *s)
{
    return s->n;
}
