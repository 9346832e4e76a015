// systems.c - the table of system types (one row each: keys, build, closed forms) and its lookups.
#include "systems.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "classical.h"
#include "coded.h"
#include "ofdm_channel.h"
#include "theory.h"

static const char *const keys_ae[] = {"name",      "type",      "k",     "n",       "norm",
                                      "tx_hidden", "rx_hidden", "train", "channel", NULL};
static const char *const keys_bpsk[] = {"name", "type", "k", "channel", NULL};
static const char *const keys_hamming[] = {"name", "type", "decoder", "channel", NULL};
static const char *const keys_modem[] = {"name", "type", "scheme", "symbols", "demapper", "channel", NULL};
static const char *const keys_coded[] = {"name", "type", "scheme", "demapper", "code", "channel", NULL};

static txrx *build_ae(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem)
{
    *modem = NULL;
    if (!ae) {
        AE_ERROR(AE_EINVAL, "%s: a learned system needs its trained model", s->name);
        return NULL;
    }
    return ae_txrx_create(ae);
}

// Uncoded BPSK is the modem pam2 with k symbols per block and hard decisions (the same mapping,
// bit 0 on +1, and the same counts for a seed as the dedicated BPSK transceiver).
static txrx *build_bpsk(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem)
{
    (void)ae;
    *modem = mod_modem_create(MOD_PAM, 2);
    if (!*modem)
        return NULL;
    txrx *t = mod_modem_txrx_create(*modem, s->k, MOD_DEMAP_HARD);
    if (!t) {
        mod_modem_destroy(*modem);
        *modem = NULL;
    }
    return t;
}

static txrx *build_hamming(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem)
{
    (void)ae;
    *modem = NULL;
    return mod_hamming74_txrx_create(s->decoder);
}

static txrx *build_modem(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem)
{
    (void)ae;
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

// A coded modem: the modem of the scheme, then the code in front of it (the txrx borrows the modem).
static txrx *build_coded(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem)
{
    (void)ae;
    *modem = mod_modem_create(s->mod_family, s->mod_M);
    if (!*modem)
        return NULL;
    txrx *t = mod_coded_txrx_create(*modem, &s->code, s->demapper);
    if (!t) {
        mod_modem_destroy(*modem);
        *modem = NULL;
    }
    return t;
}

static int soft_modem(const sim_system_cfg *s)
{
    return s->demapper != MOD_DEMAP_HARD;
}

static int theory_modem(const sim_system_cfg *s, double ebno_db, double *bler, double *ber);
static int theory_bpsk(const sim_system_cfg *s, double ebno_db, double *bler, double *ber);
static int theory_hamming(const sim_system_cfg *s, double ebno_db, double *bler, double *ber);

static const sim_system_class type_ae = {
    "autoencoder", "learned (n,k) transceiver, one-hot messages", keys_ae, 1, 0, build_ae, NULL, NULL};
static const sim_system_class type_bpsk = {"uncoded_bpsk",
                                           "k bits in k BPSK channel uses (AWGN only)",
                                           keys_bpsk,
                                           0,
                                           1,
                                           build_bpsk,
                                           theory_bpsk,
                                           NULL};
static const sim_system_class type_hamming = {"hamming_7_4",
                                              "Hamming (7,4) and BPSK, hard or ML decoding",
                                              keys_hamming,
                                              0,
                                              1,
                                              build_hamming,
                                              theory_hamming,
                                              NULL};
static const sim_system_class type_modem = {"modem",
                                            "PSK/QAM/PAM symbols per block, hard or LLR demapping",
                                            keys_modem,
                                            0,
                                            0,
                                            build_modem,
                                            theory_modem,
                                            soft_modem};

static const sim_system_class type_coded = {"coded_modem",
                                            "5G NR LDPC code, bit interleaver and a PSK/QAM/PAM modem (BICM)",
                                            keys_coded,
                                            0,
                                            0,
                                            build_coded,
                                            NULL,
                                            NULL};

// in the order of enum sim_system_type
const sim_system_class *const sim_system_types[] = {&type_ae,    &type_bpsk,  &type_hamming,
                                                    &type_modem, &type_coded, NULL};

const sim_system_class *sim_system_type_of(const sim_system_cfg *s)
{
    return s->type >= 0 && s->type <= SIM_SYS_CODED_MODEM ? sim_system_types[s->type] : NULL;
}

const sim_system_class *sim_system_type_find(const char *name, int *index)
{
    for (int i = 0; name && sim_system_types[i]; i++)
        if (strcmp(sim_system_types[i]->name, name) == 0) {
            if (index)
                *index = i;
            return sim_system_types[i];
        }
    return NULL;
}

const char *sim_system_type_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; sim_system_types[i] && used < len; i++) {
        const char *sep = i == 0 ? "" : (sim_system_types[i + 1] ? ", " : " or ");
        int w = snprintf(buf + used, len - used, "%s%s", sep, sim_system_types[i]->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

int sim_system_learned(const sim_system_cfg *s)
{
    const sim_system_class *t = sim_system_type_of(s);
    return t && t->learned;
}

int sim_system_soft(const sim_system_cfg *s)
{
    const sim_system_class *t = sim_system_type_of(s);
    return t && t->soft && t->soft(s);
}

txrx *sim_system_build(const sim_system_cfg *s, const ae_model *ae, mod_modem **modem)
{
    *modem = NULL;
    const sim_system_class *ty = sim_system_type_of(s);
    if (!ty) {
        AE_ERROR(AE_EINVAL, "%s: unknown system type %d", s->name, s->type);
        return NULL;
    }
    txrx *t = ty->build(s, ae, modem);
    if (t && ty->learned && sim_channel_is_complex(&s->channel) && !t->is_complex) {
        // on a complex channel the n real uses are n/2 complex symbols (for Es/N0)
        t->is_complex = 1;
        t->symbols_per_block = s->n / 2;
    }
    return t;
}

txrx *sim_system_classical(const sim_system_cfg *s, mod_modem **modem)
{
    *modem = NULL;
    if (sim_system_learned(s)) {
        AE_ERROR(AE_EINVAL, "%s: not a classical system", s->name);
        return NULL;
    }
    return sim_system_build(s, NULL, modem);
}

int sim_system_check_channel(const sim_system_cfg *s)
{
    if (!sim_channel_is_complex(&s->channel))
        return AE_OK;
    const char *chname = sim_channel_name(&s->channel);
    if (sim_system_type_of(s) && sim_system_type_of(s)->real_only)
        return AE_ERROR(AE_EINVAL,
                        "system '%s' is a real-valued AWGN baseline; on a %s channel use a modem system "
                        "(e.g. type = \"modem\"; scheme = \"bpsk\"; symbols = %u;)",
                        s->name, chname, s->k);
    if ((s->type == SIM_SYS_MODEM || s->type == SIM_SYS_CODED_MODEM) && s->mod_family == MOD_PAM) {
        char scheme[32];
        mod_scheme_name(s->mod_family, s->mod_M, scheme, sizeof scheme);
        const int named = s->name[0] && strcmp(s->name, scheme) != 0;
        return AE_ERROR(AE_EINVAL,
                        "%s%s%s%s is real-valued and runs on AWGN only; use qam or psk on a %s channel",
                        named ? "system '" : "", named ? s->name : "", named ? "': " : "", scheme, chname);
    }
    return AE_OK;
}

// A modem over an OFDM link with perfect CSI, ZF and no inter-symbol interference (taps <= CP + 1): each
// data subcarrier k is a flat channel of gain H_k at the symbol's Es/N0 divided by the Eb bookkeeping's
// factor. Random taps (a PDP summing to 1) make every H_k Rayleigh with E|H_k|^2 = 1; fixed taps give
// the mean over data subcarriers of the AWGN rates at |H_k|^2 Es/N0. Blocks of several symbols share a
// realisation, so only one-symbol blocks get a BLER. Returns 1 when it applies.
static int ofdm_theory(const sim_system_cfg *s, double esno_db, double *bler, double *ber)
{
    const ch_ofdm_link_cfg *c = ch_ofdm_channel_cfg(&s->channel.params);
    if (c->csi != CH_OFDM_CSI_PERFECT || c->equalizer != CH_OFDM_ZF || c->mp.n_taps > c->ofdm.cp + 1)
        return 0;
    ch_ofdm_link *l = ch_ofdm_link_create(c, 1);
    if (!l)
        return 0;
    double esno = esno_db - 10.0 * log10(ch_ofdm_link_eb_factor(l)), ser = NAN;
    int ok = 0;
    if (c->mp.kind == CH_MP_PDP) {
        ok = theory_scheme(s->mod_family, s->mod_M, THEORY_RAYLEIGH, 0.0, esno, &ser, ber) == AE_OK;
    } else {
        size_t nd = ch_ofdm_link_data_carriers(l);
        float *g = malloc(nd * sizeof *g);
        if (g && ch_ofdm_link_fixed_gains(l, g) == AE_OK) {
            double sum_ser = 0.0, sum_ber = 0.0, e_ser, e_ber;
            ok = 1;
            for (size_t d = 0; d < nd && ok; d++) {
                // a subcarrier in a null of the response decides at random
                double snr_db = g[d] > 0.0f ? esno + 10.0 * log10((double)g[d]) : -300.0;
                ok =
                    theory_scheme(s->mod_family, s->mod_M, THEORY_AWGN, 0.0, snr_db, &e_ser, &e_ber) == AE_OK;
                sum_ser += e_ser;
                sum_ber += e_ber;
            }
            ser = sum_ser / (double)nd;
            *ber = sum_ber / (double)nd;
        }
        free(g);
    }
    ch_ofdm_link_destroy(l);
    if (!ok) {
        *ber = NAN;
        return 0;
    }
    if (s->symbols == 1)
        *bler = ser;
    return 1;
}

int sim_theory_channel(const ch_flat *f)
{
    switch (f->kind) {
    case CH_FLAT_AWGN: return THEORY_AWGN;
    case CH_FLAT_RAYLEIGH: return THEORY_RAYLEIGH;
    case CH_FLAT_RICIAN: return THEORY_RICIAN;
    default: return -1;
    }
}

static int theory_modem(const sim_system_cfg *s, double ebno_db, double *bler, double *ber)
{
    unsigned m = 0;
    while ((1u << m) < s->mod_M)
        m++;
    // the closed forms describe nearest-point detection: hard decisions, or max-log LLR signs (the
    // bit of the nearest point); exact-LLR bit decisions differ for M > 4 (bit-wise MAP)
    if (s->demapper == MOD_DEMAP_EXACT && s->mod_M > 4)
        return 0;
    double esno_db = ebno_db + 10.0 * log10((double)m), ser;
    if (s->channel.type == &ch_ofdm_type)
        return ofdm_theory(s, esno_db, bler, ber);
    ch_flat f = sim_channel_flat(&s->channel);
    int th = sim_theory_channel(&f);
    if (th < 0 || theory_scheme(s->mod_family, s->mod_M, th, f.k_factor, esno_db, &ser, ber) != AE_OK)
        return 0;
    // symbols of a block are independent on AWGN and under fading that changes every symbol
    if (s->symbols == 1 || f.kind == CH_FLAT_AWGN || f.coherence == 1)
        *bler = theory_block_error(ser, (unsigned)s->symbols);
    return 1;
}

static int theory_bpsk(const sim_system_cfg *s, double ebno_db, double *bler, double *ber)
{
    if (sim_channel_flat(&s->channel).kind != CH_FLAT_AWGN)
        return 0;
    *ber = theory_bpsk_ber(ebno_db);
    *bler = theory_block_error(*ber, s->k);
    return 1;
}

static int theory_hamming(const sim_system_cfg *s, double ebno_db, double *bler, double *ber)
{
    if (sim_channel_flat(&s->channel).kind != CH_FLAT_AWGN || s->decoder != MOD_HAMMING_HARD)
        return 0;
    *bler = theory_hamming74_hard_bler(ebno_db);
    *ber = theory_hamming74_hard_ber(ebno_db);
    return 1;
}

int sim_system_theory(const sim_system_cfg *s, double ebno_db, double *bler, double *ber)
{
    *bler = NAN;
    *ber = NAN;
    const sim_system_class *t = sim_system_type_of(s);
    return t && t->theory ? t->theory(s, ebno_db, bler, ber) : 0;
}

size_t sim_system_symbols(const sim_system_cfg *s)
{
    // a modem's symbols are its constellation's, complex or real (coded: code.n / bits per symbol)
    if (s->type == SIM_SYS_MODEM || s->type == SIM_SYS_CODED_MODEM)
        return s->symbols;
    return sim_channel_is_complex(&s->channel) ? s->n / 2 : s->n;
}

double sim_system_eb_factor(const sim_system_cfg *s)
{
    double f = sim_channel_eb_factor(&s->channel, s->n >= 2 ? s->n : 2);
    return isfinite(f) ? f : 1.0;
}
