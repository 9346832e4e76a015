// systems.c - the registry of system types: builders and closed forms.
#include "systems.h"

#include <math.h>

#include "ae_err.h"
#include "classical.h"
#include "theory.h"

txrx *sim_system_classical(const sim_system_cfg *s, mod_modem **modem)
{
    *modem = NULL;
    switch (s->type) {
    case SIM_SYS_MODEM: {
        *modem = mod_modem_create(s->mod_family, s->mod_M);
        if (!*modem)
            return NULL;
        txrx *t = mod_modem_txrx_create(*modem, s->symbols, s->demapper);
        if (!t) {
            mod_modem_destroy(*modem);
            *modem = NULL;
        }
        return t;
    }
    case SIM_SYS_UNCODED_BPSK: return mod_bpsk_txrx_create(s->k);
    case SIM_SYS_HAMMING74: return mod_hamming74_txrx_create(s->decoder);
    default: AE_ERROR(AE_EINVAL, "%s: not a classical system", s->name); return NULL;
    }
}

int sim_system_theory(const sim_system_cfg *s, double ebno_db, double *bler, double *ber)
{
    *bler = NAN;
    *ber = NAN;
    if (s->type == SIM_SYS_MODEM) {
        static const int channels[] = {THEORY_AWGN, THEORY_RAYLEIGH, THEORY_RICIAN};
        unsigned m = 0;
        while ((1u << m) < s->mod_M)
            m++;
        // the closed forms describe nearest-point detection: hard decisions, or max-log LLR signs (the
        // bit of the nearest point); exact-LLR bit decisions differ for M > 4 (bit-wise MAP)
        if (s->demapper == MOD_DEMAP_EXACT && s->mod_M > 4)
            return 0;
        double esno_db = ebno_db + 10.0 * log10((double)m), ser;
        if (theory_scheme(s->mod_family, s->mod_M, channels[s->channel.kind], s->channel.k_factor, esno_db,
                          &ser, ber) != AE_OK)
            return 0;
        // symbols of a block are independent on AWGN and under fading that changes every symbol
        if (s->symbols == 1 || s->channel.kind == SIM_CH_AWGN || s->channel.coherence == 1)
            *bler = theory_block_error(ser, (unsigned)s->symbols);
        return 1;
    }
    if (s->channel.kind != SIM_CH_AWGN)
        return 0;
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
    if (s->type == SIM_SYS_MODEM)
        return s->symbols;
    return s->channel.kind != SIM_CH_AWGN ? s->n / 2 : s->n;
}
