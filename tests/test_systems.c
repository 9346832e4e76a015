// test_systems.c - the system-type table: names, keys and builds.
#include <criterion/criterion.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "ae.h"
#include "ae_err.h"
#include "systems.h"

// The table and enum sim_system_type agree, names and parsing go both ways, and every type's keys
// hold name, type and channel.
Test(systems, table_in_step_with_its_names_and_keys)
{
    size_t n = 0;
    for (; sim_system_types[n]; n++) {
        const sim_system_class *t = sim_system_types[n];
        cr_assert_eq(sim_system_type_parse(t->name), (int)n, "%s", t->name);
        cr_assert_str_eq(sim_system_type_name((int)n), t->name);
        int has_name = 0, has_type = 0, has_channel = 0;
        for (const char *const *k = t->keys; *k; k++) {
            has_name |= strcmp(*k, "name") == 0;
            has_type |= strcmp(*k, "type") == 0;
            has_channel |= strcmp(*k, "channel") == 0;
        }
        cr_assert(has_name && has_type && has_channel, "%s keys", t->name);
        cr_assert_eq(sim_config_schema(t->name), t->keys);
    }
    cr_assert_eq(n, (size_t)SIM_SYS_CODED_MODEM + 1);
    cr_assert_eq(sim_system_type_parse("turbo"), -1);
    char buf[128];
    cr_assert_str_eq(sim_system_type_names(buf, sizeof buf),
                     "autoencoder, uncoded_bpsk, hamming_7_4, modem or coded_modem");
    cr_assert(sim_system_types[SIM_SYS_AUTOENCODER]->learned && !sim_system_types[SIM_SYS_MODEM]->learned);
}

// A learned block of n real uses counts n/2 complex symbols on a complex channel and n on AWGN; the
// classical types build their own constellation's bookkeeping; soft output only for LLR demappers.
Test(systems, build_sets_the_symbol_bookkeeping_of_the_channel)
{
    sim_system_cfg s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "ae");
    s.type = SIM_SYS_AUTOENCODER;
    s.k = 2;
    s.n = 4;
    ae_cfg_default(&s.ae, 2, 4);
    ae_model *ae = ae_create(&s.ae);
    cr_assert(ae, "%s", ae_err_message());
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    ae_init(ae, r);
    gsl_rng_free(r);
    cr_assert_eq(ae_eval_prepare(ae), AE_OK, "%s", ae_err_message());
    mod_modem *modem;
    const char *chans[] = {"awgn", "rayleigh", "rapp"};
    const size_t want[] = {4, 2, 2};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(sim_channel_cfg_init(&s.channel, chans[i]), AE_OK);
        txrx *t = sim_system_build(&s, ae, &modem);
        cr_assert(t, "%s", ae_err_message());
        cr_assert_eq(t->symbols_per_block, want[i], "%s", chans[i]);
        cr_assert_eq(t->is_complex, i > 0, "%s", chans[i]);
        cr_assert_null(modem);
        txrx_destroy(t);
    }
    cr_assert_null(sim_system_build(&s, NULL, &modem), "a learned system needs its model");
    ae_destroy(ae);

    memset(&s, 0, sizeof s);
    s.type = SIM_SYS_MODEM;
    s.mod_family = MOD_QAM;
    s.mod_M = 16;
    s.symbols = 3;
    s.demapper = MOD_DEMAP_EXACT;
    sim_channel_cfg_default(&s.channel);
    txrx *t = sim_system_build(&s, NULL, &modem);
    cr_assert(t && modem);
    cr_assert_eq(t->k, 12);
    cr_assert_eq(t->symbols_per_block, 3);
    cr_assert(sim_system_soft(&s));
    s.demapper = MOD_DEMAP_HARD;
    cr_assert(!sim_system_soft(&s));
    txrx_destroy(t);
    mod_modem_destroy(modem);
    s.type = SIM_SYS_UNCODED_BPSK;
    cr_assert(!sim_system_soft(&s) && sim_system_types[s.type]->real_only);
}
