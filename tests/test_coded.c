// test_coded.c - the coded_modem system type: config keys and errors, resolved round trip, engine code
// counts, Eb/N0 bookkeeping and the aesim ber --code link.
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "coded.h"
#include "config.h"
#include "engine.h"
#include "results.h"
#include "systems.h"
#include "test_util.h"
#include "theory.h"

// every key of a coded_modem system, none at its default
static const char *const coded_cfg =
    "eval = { ebno_db = [1.0]; };\n"
    "systems = (\n"
    "  { name = \"ldpc\"; type = \"coded_modem\"; scheme = \"qam64\"; demapper = \"maxlog\";\n"
    "    code = { type = \"ldpc5g\"; k = 700; n = 1512; rv = 2; interleave = false; iterations = 7;\n"
    "             decoder = \"offset_min_sum\"; schedule = \"layered\"; early_stop = true;\n"
    "             llr_clip = 12.5; offset = 0.25; scale = 0.7; };\n"
    "    channel = { type = \"rayleigh\"; csi = \"perfect\"; }; }\n"
    ");\n";

static void check_coded(const sim_system_cfg *s)
{
    cr_assert_eq(s->type, SIM_SYS_CODED_MODEM);
    cr_assert_eq(s->mod_family, MOD_QAM);
    cr_assert_eq(s->mod_M, 64u);
    cr_assert_eq(s->demapper, MOD_DEMAP_MAXLOG);
    cr_assert_eq(s->code.type, MOD_CODE_LDPC5G);
    cr_assert_eq(s->code.k, 700u);
    cr_assert_eq(s->code.n, 1512u);
    cr_assert_eq(s->code.rv, 2u);
    cr_assert_eq(s->code.interleave, 0);
    cr_assert_eq(s->code.dec.iterations, 7u);
    cr_assert_eq(s->code.dec.algorithm, LDPC5G_OFFSET_MIN_SUM);
    cr_assert_eq(s->code.dec.schedule, LDPC5G_LAYERED);
    cr_assert_eq(s->code.dec.early_stop, 1);
    cr_assert_eq(s->code.dec.llr_clip, 12.5f);
    cr_assert_eq(s->code.dec.offset, 0.25f);
    cr_assert_eq(s->code.dec.scale, 0.7f);
    // k information bits in n / 6 complex symbols
    cr_assert_eq(s->k, 700u);
    cr_assert_eq(s->symbols, 252u);
    cr_assert_eq(s->n, 504u);
    cr_assert_eq(sim_system_symbols(s), 252u);
    cr_assert_str_eq(s->channel.type->name, "rayleigh");
}

Test(coded_config, every_key_parses_and_the_resolved_config_reads_back_the_same)
{
    char dir[64], path[128], resolved[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/coded.cfg", dir);
    snprintf(resolved, sizeof resolved, "%s/resolved.cfg", dir);
    write_file(path, coded_cfg);
    sim_experiment ex, back;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    check_coded(&ex.systems[0]);
    cr_assert_eq(sim_config_write_resolved(&ex, resolved, "test"), AE_OK);
    cr_assert_eq(sim_config_load(resolved, &back), AE_OK, "%s", ae_err_message());
    check_coded(&back.systems[0]);
    char *a = sim_config_resolved_text(&ex), *b = sim_config_resolved_text(&back);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    sim_experiment_free(&ex);
    sim_experiment_free(&back);
    remove_tmpdir(dir);
}

Test(coded_config, defaults_come_from_the_codec)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/d.cfg", dir);
    write_file(path, "eval = { ebno_db = [1.0]; };\n"
                     "systems = ( { name = \"c\"; type = \"coded_modem\"; scheme = \"qpsk\"; } );\n");
    sim_experiment ex;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    mod_code_cfg d;
    mod_code_cfg_default(&d);
    const sim_system_cfg *s = &ex.systems[0];
    cr_assert_eq(s->demapper, MOD_DEMAP_EXACT);
    cr_assert(memcmp(&s->code, &d, sizeof d) == 0);
    cr_assert_eq(s->k, d.k);
    cr_assert_eq(s->symbols, d.n / 2);
    sim_experiment_free(&ex);
    remove_tmpdir(dir);
}

// `aesim check` on the config with one line replaced: exit 2 and each of the words in stderr
static void check_bad(const char *from, const char *to, const char *const *words)
{
    char dir[64], path[128], cmd[512];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bad.cfg", dir);
    const char *at = strstr(coded_cfg, from);
    cr_assert(at, "%s", from);
    char text[2048];
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - coded_cfg), coded_cfg, to, at + strlen(from));
    write_file(path, text);
    snprintf(cmd, sizeof cmd, "%s check %s", test_bin(), path);
    char *err;
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s -> %s: %s", from, to, err);
    for (size_t i = 0; words[i]; i++)
        cr_assert(strstr(err, words[i]), "%s -> %s: '%s' not in: %s", from, to, words[i], err);
    free(err);
    remove_tmpdir(dir);
}

Test(coded_config, bad_values_exit_2_naming_the_file_line_and_key)
{
    check_bad("n = 1512;", "n = 1501;",
              (const char *const[]){"bad.cfg:4:", "code.n", "1501", "multiple of 6", NULL});
    check_bad("k = 700;", "k = 9000;", (const char *const[]){"bad.cfg:4:", "code.k", "9000", "8448", NULL});
    check_bad("k = 700;", "k = 1600;", (const char *const[]){"bad.cfg:4:", "code.n", NULL});
    check_bad("\"offset_min_sum\"", "\"minsum\"",
              (const char *const[]){"bad.cfg:5:", "code.decoder", "minsum", "sum_product", "min_sum",
                                    "offset_min_sum", "normalized_min_sum", NULL});
    check_bad("\"layered\"", "\"zigzag\"",
              (const char *const[]){"bad.cfg:5:", "code.schedule", "flooding", "layered", NULL});
    check_bad("\"ldpc5g\"", "\"turbo\"", (const char *const[]){"code.type", "turbo", "ldpc5g", NULL});
    check_bad("iterations = 7;", "iterations = 0;", (const char *const[]){"bad.cfg:4:", "iterations", NULL});
    check_bad("\"maxlog\"", "\"hard\"", (const char *const[]){"bad.cfg:3:", "demapper", "exact", NULL});
    check_bad("rv = 2;", "rv = 4;", (const char *const[]){"bad.cfg:4:", "rv", NULL});
    check_bad("scale = 0.7;", "scale = 1.5;", (const char *const[]){"bad.cfg:6:", "scale", NULL});
    check_bad("llr_clip = 12.5;", "llr_size = 12.5;", (const char *const[]){"llr_clip", NULL});
    check_bad("\"qam64\"", "\"pam4\"", (const char *const[]){"pam4", "AWGN", NULL});
}

Test(coded_cli, bad_code_options_exit_2)
{
    static const struct {
        const char *args, *word;
    } cases[] = {
        {"--scheme qpsk --code ldpc5g:750", "TYPE:K:N"},
        {"--scheme qpsk --code turbo:750:1500", "turbo"},
        {"--scheme qam64 --code ldpc5g:750:1501", "1501"},
        {"--scheme qpsk --code ldpc5g:9000:18000", "8448"},
        {"--scheme qpsk --code ldpc5g:750:1500 --decoder minsum", "--decoder"},
        {"--scheme qpsk --code ldpc5g:750:1500 --schedule zigzag", "--schedule"},
        {"--scheme qpsk --code ldpc5g:750:1500 --iterations x", "--iterations"},
        {"--scheme qpsk --code ldpc5g:750:1500 --demapper hard", "LLRs"},
        {"--scheme qpsk --iterations 5", "--code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char cmd[512], *err;
        snprintf(cmd, sizeof cmd, "%s ber %s --channel awgn --ebno 2", test_bin(), cases[i].args);
        cr_assert_eq(run_cmd(cmd, &err), 2, "%s: %s", cases[i].args, err);
        cr_assert(strstr(err, cases[i].word), "%s: '%s' not in %s", cases[i].args, cases[i].word, err);
        free(err);
    }
}

// one coded_modem system over AWGN at one point
static void coded_point(const char *scheme, unsigned k, unsigned n, int threads, double ebno_db,
                        uint64_t blocks, sim_point *p)
{
    sim_system_cfg s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "c");
    s.type = SIM_SYS_CODED_MODEM;
    cr_assert_eq(mod_scheme_parse(scheme, &s.mod_family, &s.mod_M), AE_OK);
    s.demapper = MOD_DEMAP_EXACT;
    mod_code_cfg_default(&s.code);
    s.code.k = k;
    s.code.n = n;
    s.code.dec.iterations = 10;
    s.code.dec.early_stop = 1;
    sim_channel_cfg_default(&s.channel);
    mod_modem *modem = NULL;
    txrx *t = sim_system_build(&s, NULL, &modem);
    cr_assert(t, "%s", ae_err_message());
    cr_assert_eq(t->k, k);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 7;
    cfg.chunk_blocks = 20;
    cfg.batch = 8;
    cfg.max_blocks = blocks;
    cfg.target_block_errors = 0;
    cfg.threads = threads;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    cr_assert_eq(sim_engine_point(e, ebno_db, p, NULL), AE_OK, "%s", ae_err_message());
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(modem);
}

Test(coded_engine, code_counts_are_the_same_for_any_thread_count, .timeout = 60)
{
    sim_point a, b;
    coded_point("qpsk", 400, 800, 1, 1.0, 200, &a);
    coded_point("qpsk", 400, 800, 2, 1.0, 200, &b);
    cr_assert_eq(a.blocks, 200u);
    cr_assert_eq(a.coded_bits, 200u * 800u);
    cr_assert_eq(a.codewords, 200u);
    cr_assert(a.coded_bit_errors > 0 && a.block_errors > 0 && a.block_errors < a.blocks, "%llu %llu",
              (unsigned long long)a.coded_bit_errors, (unsigned long long)a.block_errors);
    cr_assert(a.iterations >= a.codewords && a.iterations <= 10 * a.codewords);
    cr_assert_eq(a.block_errors, b.block_errors);
    cr_assert_eq(a.bit_errors, b.bit_errors);
    cr_assert_eq(a.coded_bit_errors, b.coded_bit_errors);
    cr_assert_eq(a.iterations, b.iterations);
    cr_assert_eq(a.uncoded_ber, b.uncoded_ber);
    cr_assert_eq(a.mean_iterations, (double)a.iterations / (double)a.codewords);
}

Test(coded_engine, esno_counts_the_information_bits_and_the_code_rate)
{
    sim_point p;
    coded_point("qam16", 750, 1500, 1, 3.0, 16, &p);
    cr_assert(fabs(p.esno_db - (3.0 + 10.0 * log10(0.5 * 4.0))) < 1e-9, "%.12f", p.esno_db);
    cr_assert_eq(p.coded_bits, 16u * 1500u);
}

Test(coded_engine, uncoded_ber_of_qpsk_is_the_theory_at_its_esno, .timeout = 60)
{
    // R = 1/2 QPSK: Es/N0 = Eb/N0 + 10 log10(1) = Eb/N0; the channel's hard decisions are uncoded QPSK
    sim_point p;
    coded_point("qpsk", 750, 1500, 2, 2.0, 200, &p);
    cr_assert(fabs(p.esno_db - 2.0) < 1e-9, "%g", p.esno_db);
    double want = theory_qam_ber(4, p.esno_db);
    // the bits of one QPSK symbol are its I and Q decisions, independent on AWGN: binomial on the bits
    assert_rate(p.uncoded_ber, want, (double)p.coded_bits, "uncoded_ber at Es/N0 %g dB", p.esno_db);
    cr_assert(p.ber < p.uncoded_ber, "decoding lowers the BER: %g vs %g", p.ber, p.uncoded_ber);
}

Test(coded_engine, uncoded_systems_leave_the_code_columns_empty)
{
    sim_system_cfg s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "q");
    s.type = SIM_SYS_MODEM;
    cr_assert_eq(mod_scheme_parse("qpsk", &s.mod_family, &s.mod_M), AE_OK);
    s.symbols = 1;
    sim_channel_cfg_default(&s.channel);
    mod_modem *modem = NULL;
    txrx *t = sim_system_build(&s, NULL, &modem);
    cr_assert(t);
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.max_blocks = 1000;
    sim_engine *e = sim_engine_create(t, &cfg);
    sim_point p;
    cr_assert_eq(sim_engine_point(e, 2.0, &p, NULL), AE_OK);
    cr_assert(isnan(p.uncoded_ber) && isnan(p.mean_iterations));
    cr_assert_eq(p.coded_bits, 0u);
    cr_assert_eq(p.coded_bit_errors, 0u);
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(modem);
}

Test(coded_cli, ber_with_code_writes_the_code_columns, .timeout = 60)
{
    char cmd[512], *err, *out;
    snprintf(cmd, sizeof cmd,
             "%s ber --scheme qpsk --code ldpc5g:750:1500 --iterations 8 --decoder min_sum --channel awgn "
             "--ebno 1 --max-blocks 40 --threads 1",
             test_bin());
    cr_assert_eq(run_cmd_out(cmd, &err, &out), 0, "%s", err);
    cr_assert(strncmp(out, sim_results_header, strlen(sim_results_header)) == 0, "%s", out);
    const char *row = strchr(out, '\n') + 1;
    // the last four fields: uncoded_ber, mean_iterations, coded_bits (40 x 1500), coded_bit_errors
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", row);
    buf[strcspn(buf, "\n")] = '\0';
    char *f[32];
    size_t nf = 0;
    for (char *p = buf; nf < 32;) {
        f[nf++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    cr_assert_eq(nf, sim_results_n_columns, "%s", row);
    size_t ub = (size_t)sim_results_column_index("uncoded_ber") - 1,
           mi = (size_t)sim_results_column_index("mean_iterations") - 1,
           cb = (size_t)sim_results_column_index("coded_bits") - 1;
    cr_assert(strtod(f[ub], NULL) > 0.01 && strtod(f[ub], NULL) < 0.2, "%s", f[ub]);
    cr_assert_eq(strtod(f[mi], NULL), 8.0, "%s", f[mi]);
    cr_assert_str_eq(f[cb], "60000");
    cr_assert_str_eq(f[1], "awgn");
    free(err);
    free(out);
}

// ---------------------------------------------------------------------------------------------------
// Hamming (7,4) as a code of the same interface

// One point of a system over AWGN (seed 7, fixed blocks): the coded_modem with a Hamming code when
// coded, else the hamming_7_4 system type.
static void hamming_point(int coded, const char *scheme, unsigned k, int decoder, double ebno_db,
                          uint64_t blocks, sim_point *p)
{
    sim_system_cfg s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "h");
    if (coded) {
        s.type = SIM_SYS_CODED_MODEM;
        cr_assert_eq(mod_scheme_parse(scheme, &s.mod_family, &s.mod_M), AE_OK);
        s.demapper = MOD_DEMAP_EXACT;
        mod_code_cfg_default(&s.code);
        s.code.type = MOD_CODE_HAMMING74;
        s.code.k = k;
        s.code.n = 7 * k / 4;
        s.code.hamming_decoder = decoder;
    } else {
        s.type = SIM_SYS_HAMMING74;
        s.decoder = decoder;
    }
    sim_channel_cfg_default(&s.channel);
    mod_modem *modem = NULL;
    txrx *t = sim_system_build(&s, NULL, &modem);
    cr_assert(t, "%s", ae_err_message());
    sim_eval_cfg cfg;
    sim_eval_cfg_default(&cfg);
    cfg.seed = 7;
    cfg.chunk_blocks = 5000;
    cfg.batch = 1000;
    cfg.max_blocks = blocks;
    cfg.target_block_errors = 0;
    cfg.threads = 2;
    sim_engine *e = sim_engine_create(t, &cfg);
    cr_assert(e, "%s", ae_err_message());
    cr_assert_eq(sim_engine_point(e, ebno_db, p, NULL), AE_OK, "%s", ae_err_message());
    sim_engine_destroy(e);
    txrx_destroy(t);
    mod_modem_destroy(modem);
}

Test(hamming_code, hard_decoding_on_bpsk_is_the_closed_form)
{
    // one codeword per block on pam2 (BPSK amplitudes, one real use per code bit): the BLER, the BER of the
    // information bits and the channel's bit error rate Q(sqrt(2 R Eb/N0)), R = 4/7, are known exactly
    sim_point p;
    hamming_point(1, "pam2", 4, MOD_HAMMING_HARD, 3.0, 100000, &p);
    cr_assert_eq(p.codewords, 100000u);
    cr_assert_eq(p.iterations, 0u);
    cr_assert(fabs(p.esno_db - (3.0 + 10.0 * log10(4.0 / 7.0))) < 1e-9, "%.12f", p.esno_db);
    assert_rate(p.bler, theory_hamming74_hard_bler(3.0), (double)p.blocks, "BLER");
    assert_rate(p.uncoded_ber, theory_hamming74_channel_ber(3.0), (double)p.coded_bits, "uncoded BER");
    // the information-bit errors of a block are not independent: 5 sigma of the BER from the per-block
    // spread is the engine's own interval, so check the closed form lies within it
    const double ber = theory_hamming74_hard_ber(3.0);
    cr_assert(p.ber_lo <= ber && ber <= p.ber_hi, "BER %g not in [%g, %g]", ber, p.ber_lo, p.ber_hi);
}

Test(hamming_code, ml_decoding_matches_the_hamming_system_and_beats_hard, .timeout = 60)
{
    // the same code and decoder as the hamming_7_4 system type (BPSK, soft ML): two estimates of one BLER
    sim_point coded, classic, hard;
    hamming_point(1, "pam2", 4, MOD_HAMMING_ML, 2.0, 100000, &coded);
    hamming_point(0, NULL, 4, MOD_HAMMING_ML, 2.0, 100000, &classic);
    const double pbar = 0.5 * (coded.bler + classic.bler);
    const double sigma = sqrt(2.0 * pbar * (1.0 - pbar) / 100000.0);
    cr_assert(fabs(coded.bler - classic.bler) < 5.0 * sigma, "coded %g vs hamming_7_4 %g (sigma %g)",
              coded.bler, classic.bler, sigma);
    // ML over 16 codewords is at least as good as syndrome decoding of the same LLRs' signs: on the same
    // noise (same block shape and seed) it must make fewer block errors, by several sigma at 2 dB
    hamming_point(1, "pam2", 4, MOD_HAMMING_HARD, 2.0, 100000, &hard);
    cr_assert(coded.block_errors + 5.0 * sqrt((double)hard.block_errors) < (double)hard.block_errors,
              "ML %llu vs hard %llu block errors", (unsigned long long)coded.block_errors,
              (unsigned long long)hard.block_errors);
}

Test(hamming_code, several_codewords_per_block_on_qpsk)
{
    // k = 8: two codewords in 14 code bits = 7 QPSK symbols; a block fails when either codeword does,
    // each independently (the codewords' bits sit on different symbols) with the BPSK closed form's
    // probability at the same Eb/N0 (QPSK = two BPSK dimensions)
    sim_point p;
    hamming_point(1, "qpsk", 8, MOD_HAMMING_HARD, 3.0, 50000, &p);
    cr_assert_eq(p.codewords, 100000u);
    const double q = theory_hamming74_hard_bler(3.0);
    assert_rate(p.bler, 1.0 - (1.0 - q) * (1.0 - q), (double)p.blocks, "BLER of 2 codewords");
}

Test(hamming_code, config_keys_round_trip_and_bad_values_exit_2)
{
    char dir[64], path[128], resolved[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/h.cfg", dir);
    snprintf(resolved, sizeof resolved, "%s/resolved.cfg", dir);
    write_file(path, "eval = { ebno_db = [1.0]; };\n"
                     "systems = ( { name = \"h\"; type = \"coded_modem\"; scheme = \"qpsk\";\n"
                     "  code = { type = \"hamming_7_4\"; k = 8; n = 14; decoder = \"hard\"; }; } );\n");
    sim_experiment ex, back;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.systems[0].code.type, MOD_CODE_HAMMING74);
    cr_assert_eq(ex.systems[0].code.hamming_decoder, MOD_HAMMING_HARD);
    cr_assert_eq(ex.systems[0].k, 8u);
    cr_assert_eq(ex.systems[0].symbols, 7u);
    cr_assert_eq(sim_config_write_resolved(&ex, resolved, "test"), AE_OK);
    cr_assert_eq(sim_config_load(resolved, &back), AE_OK, "%s", ae_err_message());
    cr_assert_eq(back.systems[0].code.type, MOD_CODE_HAMMING74);
    cr_assert_eq(back.systems[0].code.hamming_decoder, MOD_HAMMING_HARD);
    cr_assert_eq(back.systems[0].code.n, 14u);
    sim_experiment_free(&ex);
    sim_experiment_free(&back);
    static const struct {
        const char *code, *word;
    } bad[] = {
        {"k = 6; n = 14;", "code.k = 6"},   // not whole codewords
        {"k = 8; n = 16;", "code.n = 16"},  // n != 7 k / 4
        {"k = 4; n = 7;", "multiple of 2"}, // 7 code bits on QPSK
        {"k = 8; n = 14; decoder = \"sum_product\";", "hard or ml"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[512], cmd[512], *err;
        snprintf(text, sizeof text,
                 "eval = { ebno_db = [1.0]; };\n"
                 "systems = ( { name = \"h\"; type = \"coded_modem\"; scheme = \"qpsk\";\n"
                 "  code = { type = \"hamming_7_4\"; %s }; } );\n",
                 bad[i].code);
        write_file(path, text);
        snprintf(cmd, sizeof cmd, "%s check %s", test_bin(), path);
        cr_assert_eq(run_cmd(cmd, &err), 2, "%s: %s", bad[i].code, err);
        cr_assert(strstr(err, bad[i].word) && strstr(err, "h.cfg:3:"), "%s: '%s' not in %s", bad[i].code,
                  bad[i].word, err);
        free(err);
    }
    char cmd[512], *err;
    snprintf(cmd, sizeof cmd,
             "%s ber --scheme qpsk --channel awgn --ebno 2 --code hamming_7_4:8:14 --iterations 5",
             test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 2, "%s", err);
    cr_assert(strstr(err, "ldpc5g"), "%s", err);
    free(err);
    remove_tmpdir(dir);
}
