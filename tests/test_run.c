// test_run.c - configs, the trained main-job systems against their references, and the command line.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ae.h"
#include "ae_err.h"
#include "blas.h"
#include "classical.h"
#include "config.h"
#include "ofdm_channel.h"
#include "engine.h"
#include "results.h"
#include "stats.h"
#include "systems.h"
#include "theory.h"
#include "train.h"

#include "test_util.h"

TestSuite(config, .fini = test_cleanup);
TestSuite(main_job, .fini = test_cleanup);
TestSuite(cli, .fini = test_cleanup);
TestSuite(workflow, .fini = test_cleanup);
TestSuite(results, .fini = test_cleanup);
TestSuite(train, .fini = test_cleanup);

static void experiment_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/experiments/%s", test_root(), name);
}

// A config error: load must fail with AE_ECONFIG and the message must contain every needle.
static void expect_config_error(const char *text, const char *needle1, const char *needle2)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bad.cfg", dir);
    write_file(path, text);
    sim_experiment ex;
    int rc = sim_config_load(path, &ex);
    cr_assert_eq(rc, AE_ECONFIG, "expected a config error for:\n%s", text);
    const char *msg = ae_err_message();
    cr_assert(strstr(msg, path), "message does not name the file: %s", msg);
    cr_assert(strstr(msg, needle1), "message lacks '%s': %s", needle1, msg);
    if (needle2)
        cr_assert(strstr(msg, needle2), "message lacks '%s': %s", needle2, msg);
}

#define GOOD_EVAL "eval = { ebno_db = [0.0, 2.0]; max_blocks = 1000; };\n"
#define GOOD_SYS  "systems = ( { name = \"b\"; type = \"uncoded_bpsk\"; k = 2; } );\n"

// ---------------------------------------------------------------------------------------------
// configs

Test(config, shipped_experiments_load)
{
    const char *names[] = {"oshea_7_4.cfg", "oshea_2_2.cfg", "oshea_8_8.cfg"};
    for (int i = 0; i < 3; i++) {
        char path[4096];
        experiment_path(path, sizeof path, names[i]);
        sim_experiment ex;
        cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s: %s", names[i], ae_err_message());
        cr_assert(ex.n_systems >= 2 && ex.n_ebno == 15);
        cr_assert_float_eq(ex.ebno_db[0], -4.0, 1e-12);
        cr_assert_float_eq(ex.ebno_db[14], 10.0, 1e-12);
        sim_experiment_free(&ex);
    }
}

Test(config, main_job_systems_and_parameter_counts)
{
    char path[4096];
    experiment_path(path, sizeof path, "oshea_7_4.cfg");
    sim_experiment ex;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    const char *want[] = {"ae_7_4", "uncoded_bpsk_4_4", "hamming_7_4_hard", "hamming_7_4_ml"};
    cr_assert_eq(ex.n_systems, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(ex.systems[i].name, want[i]);
    cr_assert_eq(ae_param_count(&ex.systems[0].ae), 791);
    sim_experiment_free(&ex);
}

Test(config, resolved_config_round_trips)
{
    char path[4096], dir[64], out[128];
    experiment_path(path, sizeof path, "oshea_7_4.cfg");
    sim_experiment a, b;
    cr_assert_eq(sim_config_load(path, &a), AE_OK);
    make_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/resolved.cfg", dir);
    cr_assert_eq(sim_config_write_resolved(&a, out, "test"), AE_OK, "%s", ae_err_message());
    cr_assert_eq(sim_config_load(out, &b), AE_OK, "%s", ae_err_message());
    cr_assert_eq(a.n_ebno, b.n_ebno);
    for (size_t i = 0; i < a.n_ebno; i++)
        cr_assert(a.ebno_db[i] == b.ebno_db[i]);
    cr_assert(memcmp(&a.eval, &b.eval, sizeof a.eval) == 0);
    cr_assert(a.early_stop == b.early_stop && a.min_bler == b.min_bler);
    cr_assert(a.memory_limit_mib == b.memory_limit_mib);
    cr_assert_eq(a.n_systems, b.n_systems);
    for (size_t i = 0; i < a.n_systems; i++) {
        sim_system_cfg x = a.systems[i], y = b.systems[i];
        x.line = y.line = 0;
        cr_assert(memcmp(&x, &y, sizeof x) == 0, "system %zu differs after the round trip", i);
    }
    sim_experiment_free(&a);
    sim_experiment_free(&b);
}

Test(config, errors_name_file_line_key_and_expectation)
{
    // syntax error: file and line
    expect_config_error("seed = 1;\neval = { ebno_db = [0.0 2.0]; };\n", ":2:", "syntax error");
    // unknown key with a suggestion
    expect_config_error("seed = 1;\neval = { ebno_db = [0.0]; max_blokcs = 10; };\n" GOOD_SYS, "max_blokcs",
                        "did you mean 'max_blocks'");
    // wrong type
    expect_config_error(GOOD_EVAL
                        "systems = ( { name = \"a\"; type = \"autoencoder\"; n = \"seven\"; k = 4; } );\n",
                        "systems.[0].n", "expected an integer");
    // out of range
    expect_config_error(GOOD_EVAL "systems = ( { name = \"a\"; type = \"autoencoder\"; n = 0; k = 4; } );\n",
                        "systems.[0].n", "out of range");
    expect_config_error("eval = { ebno_db = [0.0]; max_blocks = 0; };\n" GOOD_SYS, "eval.max_blocks",
                        "out of range");
    expect_config_error(GOOD_EVAL "systems = ( { name = \"a\"; type = \"autoencoder\"; n = 7; k = 4;\n"
                                  "  train = { lr = -1.0; }; } );\n",
                        "systems.[0].train.lr", ":3:");
    // empty grid, missing grid
    expect_config_error("eval = { ebno_db = []; };\n" GOOD_SYS, "eval.ebno_db", "empty grid");
    expect_config_error("eval = { max_blocks = 10; };\n" GOOD_SYS, "eval.ebno_db", "missing");
    // unknown type and decoder, bad names, duplicates
    expect_config_error(GOOD_EVAL "systems = ( { name = \"a\"; type = \"turbo\"; } );\n",
                        "unknown type 'turbo'", NULL);
    expect_config_error(GOOD_EVAL
                        "systems = ( { name = \"h\"; type = \"hamming_7_4\"; decoder = \"soft\"; } );\n",
                        "unknown decoder 'soft'", NULL);
    expect_config_error(GOOD_EVAL "systems = ( { name = \"A b\"; type = \"uncoded_bpsk\"; k = 2; } );\n",
                        "not a valid system name", NULL);
    expect_config_error(GOOD_EVAL "systems = ( { name = \"b\"; type = \"uncoded_bpsk\"; k = 2; },\n"
                                  "{ name = \"b\"; type = \"uncoded_bpsk\"; k = 3; } );\n",
                        "used twice", NULL);
    // a key of another system type
    expect_config_error(GOOD_EVAL "systems = ( { name = \"h\"; type = \"hamming_7_4\"; k = 4; } );\n",
                        "'k' does not apply to a hamming_7_4 system", NULL);
    // k too large for the memory its one-hot layers need
    expect_config_error("memory_limit_mib = 1024.0;\n" GOOD_EVAL
                        "systems = ( { name = \"a\"; type = \"autoencoder\"; n = 7; k = 20; } );\n",
                        "systems.[0].k", "k = 20");
}

Test(config, interval_key_round_trips)
{
    char dir[64], path[128], out[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/cp.cfg", dir);
    write_file(path, "eval = { ebno_db = [0.0]; interval = \"clopper_pearson\"; };\n" GOOD_SYS);
    sim_experiment ex;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.eval.interval, SIM_INTERVAL_CLOPPER_PEARSON);
    snprintf(out, sizeof out, "%s/resolved.cfg", dir);
    cr_assert_eq(sim_config_write_resolved(&ex, out, "test"), AE_OK);
    sim_experiment_free(&ex);
    char *text = read_file(out);
    cr_assert(strstr(text, "interval = \"clopper_pearson\";"), "%s", text);
    free(text);
    cr_assert_eq(sim_config_load(out, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.eval.interval, SIM_INTERVAL_CLOPPER_PEARSON);
    sim_experiment_free(&ex);
    // the default is Wilson
    write_file(path, GOOD_EVAL GOOD_SYS);
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.eval.interval, SIM_INTERVAL_WILSON);
    sim_experiment_free(&ex);
    expect_config_error("eval = { ebno_db = [0.0]; interval = \"exact\"; };\n" GOOD_SYS, "eval.interval",
                        "unknown value 'exact', expected wilson or clopper_pearson");
}

Test(results, bler_interval_column_reads_back_and_older_files_still_read)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    sim_row rows[3];
    memset(rows, 0, sizeof rows);
    const int cis[] = {SIM_BLER_CI_WILSON, SIM_BLER_CI_CLOPPER_PEARSON, SIM_BLER_CI_NORMAL};
    for (int i = 0; i < 3; i++) {
        snprintf(rows[i].system, sizeof rows[i].system, "s%d", i);
        snprintf(rows[i].channel, sizeof rows[i].channel, "awgn");
        rows[i].pt.blocks = 100;
        rows[i].pt.bler_ci = cis[i];
        rows[i].pt.bmi = rows[i].pt.uncoded_ber = rows[i].pt.mean_iterations = NAN;
        rows[i].theory_bler = rows[i].theory_ber = NAN;
    }
    cr_assert_eq(sim_results_write(path, rows, 3), AE_OK);
    char *text = read_file(path);
    cr_assert(strstr(text, ",bler_interval,") && strstr(text, ",clopper_pearson,"), "%s", text);
    free(text);
    sim_row *back;
    size_t n;
    cr_assert_eq(sim_results_read(path, &back, &n), AE_OK, "%s", ae_err_message());
    cr_assert_eq(n, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(back[i].pt.bler_ci, cis[i]);
    free(back);
    // a file of an earlier release, without the column; and one with a column of a later release
    write_file(path,
               "system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,bits,bit_errors,"
               "ber,ber_lo,ber_hi,theory_bler,theory_ber,seconds,stop,bmi,eb_charges\n"
               "b,awgn,0.0000,0.0000,10,1,1e-1,1e-2,3e-1,20,1,5e-2,0,1e-1,,,0.1,max_blocks,,\n");
    cr_assert_eq(sim_results_read(path, &back, &n), AE_OK, "%s", ae_err_message());
    cr_assert(n == 1 && back[0].pt.bler_ci == SIM_BLER_CI_UNKNOWN && back[0].pt.blocks == 10);
    cr_assert(isnan(back[0].pt.uncoded_ber) && isnan(back[0].pt.mean_iterations) &&
              back[0].pt.coded_bits == 0);
    free(back);
    char later[1024];
    snprintf(later, sizeof later,
             "%s,something_new\nb,awgn,0,0,10,1,,,,20,1,,,,,,0.1,max_blocks,,,wilson,7\n",
             sim_results_header);
    write_file(path, later);
    cr_assert_eq(sim_results_read(path, &back, &n), AE_OK, "%s", ae_err_message());
    cr_assert(n == 1 && back[0].pt.bler_ci == SIM_BLER_CI_WILSON);
    free(back);
    // a header that is not aesim's
    write_file(path,
               "system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,bits,bit_errors,"
               "ber,ber_lo,ber_hi,theory_bler,theory_ber,seconds,stop,bmi,eb_chargesX\n");
    cr_assert_eq(sim_results_read(path, &back, &n), AE_ECONFIG);
}

// The header is the table's names in order; the columns every file has come first; names find their
// 1-based positions; README lists the same header.
Test(results, the_header_is_the_column_table_in_order)
{
    char joined[1024] = "";
    size_t len = 0;
    int optional_seen = 0;
    for (size_t i = 0; i < sim_results_n_columns; i++) {
        const sim_results_column *c = &sim_results_columns[i];
        len += (size_t)snprintf(joined + len, sizeof joined - len, "%s%s", i ? "," : "", c->name);
        cr_assert_lt(len, sizeof joined);
        cr_assert(!(optional_seen && !c->optional), "%s: a column every file has after an optional one",
                  c->name);
        optional_seen |= c->optional;
        cr_assert_eq(sim_results_column_index(c->name), (int)i + 1, "%s", c->name);
    }
    cr_assert_str_eq(sim_results_header, joined);
    // the columns of the first release, then those appended since (positions are part of the format)
    cr_assert_str_eq(
        sim_results_header,
        "system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,bits,bit_errors,"
        "ber,ber_lo,ber_hi,theory_bler,theory_ber,seconds,stop,bmi,eb_charges,bler_interval,"
        "uncoded_ber,mean_iterations,coded_bits,coded_bit_errors");
    cr_assert_eq(sim_results_n_columns, 25);
    cr_assert(!sim_results_columns[17].optional && sim_results_columns[18].optional);
    cr_assert_eq(sim_results_column_index("system"), 1);
    cr_assert_eq(sim_results_column_index("ebno_db"), 3);
    cr_assert_eq(sim_results_column_index("bler"), 7);
    cr_assert_eq(sim_results_column_index("ber_hi"), 14);
    cr_assert_eq(sim_results_column_index("seconds"), 17);
    cr_assert_eq(sim_results_column_index("bler_interval"), 21);
    cr_assert_eq(sim_results_column_index("coded_bit_errors"), 25);
    cr_assert_eq(sim_results_column_index("ber_"), 0);
    cr_assert_eq(sim_results_column_index(""), 0);
    // README's results.csv section shows the header as a code line
    char path[512], want[1100];
    snprintf(path, sizeof path, "%s/README.md", test_root());
    char *readme = read_file(path);
    cr_assert(readme, "no %s", path);
    snprintf(want, sizeof want, "## results.csv\n\n`%s`\n", sim_results_header);
    cr_assert(strstr(readme, want), "README.md's results.csv header differs from %s", sim_results_header);
    free(readme);
}

static void assert_same_double(double got, double want, const char *what, int i)
{
    if (isnan(want))
        cr_assert(isnan(got), "row %d %s: %g, expected NAN", i, what, got);
    else
        cr_assert(got == want, "row %d %s: %.17g, expected %.17g", i, what, got, want);
}

// Every field of a row, written and read back: the exact text of each column and the same sim_row.
Test(results, a_written_row_reads_back_as_the_same_row)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    sim_row rows[2];
    memset(rows, 0, sizeof rows);
    snprintf(rows[0].system, sizeof rows[0].system, "sys_a");
    snprintf(rows[0].channel, sizeof rows[0].channel, "ofdm-n64-cp16-pdp_exp8_3-csi_ls_comb4-zf");
    snprintf(rows[0].eb_charges, sizeof rows[0].eb_charges, "data+cp+pilots");
    sim_point *p = &rows[0].pt;
    p->ebno_db = -1.25;
    p->esno_db = 4.2603;
    p->blocks = 123456789012ULL;
    p->block_errors = 4321;
    p->bler = 3.5e-05;
    p->bler_lo = 3.375e-05;
    p->bler_hi = 3.625e-05;
    p->bits = 987654321098ULL;
    p->bit_errors = 8765;
    p->ber = 8.875e-09;
    p->ber_lo = 8.5e-09;
    p->ber_hi = 9.25e-09;
    p->seconds = 12.5;
    p->stop = SIM_STOP_TARGET_BIT_ERRORS;
    p->bmi = 0.71875;
    p->bler_ci = SIM_BLER_CI_NORMAL;
    p->uncoded_ber = 0.0625;
    p->mean_iterations = 7.5;
    p->coded_bits = 1024;
    p->coded_bit_errors = 64;
    rows[0].theory_bler = 2.5e-05;
    rows[0].theory_ber = NAN;
    // the other row: empty text, NAN rates, the other words
    snprintf(rows[1].system, sizeof rows[1].system, "b");
    snprintf(rows[1].channel, sizeof rows[1].channel, "awgn");
    p = &rows[1].pt;
    p->ebno_db = 20.0;
    p->esno_db = 23.0103;
    p->blocks = 10;
    p->bits = 20;
    p->bler = p->ber = 0.0;
    p->bler_lo = p->ber_lo = 0.0;
    p->bler_hi = 0.25;
    p->ber_hi = NAN;
    p->seconds = 0.001;
    p->stop = SIM_STOP_MAX_BLOCKS;
    p->bmi = p->uncoded_ber = p->mean_iterations = NAN;
    p->bler_ci = SIM_BLER_CI_CLOPPER_PEARSON;
    rows[1].theory_bler = NAN;
    rows[1].theory_ber = 1.25e-300;
    cr_assert_eq(sim_results_write(path, rows, 2), AE_OK, "%s", ae_err_message());
    char *text = read_file(path);
    char want[2048];
    snprintf(
        want, sizeof want,
        "%s\n"
        "sys_a,ofdm-n64-cp16-pdp_exp8_3-csi_ls_comb4-zf,-1.2500,4.2603,123456789012,4321,3.500000e-05,"
        "3.375000e-05,3.625000e-05,987654321098,8765,8.875000e-09,8.500000e-09,9.250000e-09,2.500000e-05,,"
        "12.500,target_bit_errors,7.187500e-01,data+cp+pilots,normal,6.250000e-02,7.500000e+00,1024,64\n"
        "b,awgn,20.0000,23.0103,10,0,0.000000e+00,0.000000e+00,2.500000e-01,20,0,0.000000e+00,"
        "0.000000e+00,,,1.250000e-300,0.001,max_blocks,,,clopper_pearson,,,0,0\n",
        sim_results_header);
    cr_assert_str_eq(text, want);
    free(text);
    sim_row *back;
    size_t n;
    cr_assert_eq(sim_results_read(path, &back, &n), AE_OK, "%s", ae_err_message());
    cr_assert_eq(n, 2);
    for (int i = 0; i < 2; i++) {
        const sim_row *w = &rows[i], *g = &back[i];
        cr_assert_str_eq(g->system, w->system);
        cr_assert_str_eq(g->channel, w->channel);
        cr_assert_str_eq(g->eb_charges, w->eb_charges);
        assert_same_double(g->pt.ebno_db, w->pt.ebno_db, "ebno_db", i);
        assert_same_double(g->pt.esno_db, w->pt.esno_db, "esno_db", i);
        cr_assert_eq(g->pt.blocks, w->pt.blocks);
        cr_assert_eq(g->pt.block_errors, w->pt.block_errors);
        assert_same_double(g->pt.bler, w->pt.bler, "bler", i);
        assert_same_double(g->pt.bler_lo, w->pt.bler_lo, "bler_lo", i);
        assert_same_double(g->pt.bler_hi, w->pt.bler_hi, "bler_hi", i);
        cr_assert_eq(g->pt.bits, w->pt.bits);
        cr_assert_eq(g->pt.bit_errors, w->pt.bit_errors);
        assert_same_double(g->pt.ber, w->pt.ber, "ber", i);
        assert_same_double(g->pt.ber_lo, w->pt.ber_lo, "ber_lo", i);
        assert_same_double(g->pt.ber_hi, w->pt.ber_hi, "ber_hi", i);
        assert_same_double(g->theory_bler, w->theory_bler, "theory_bler", i);
        assert_same_double(g->theory_ber, w->theory_ber, "theory_ber", i);
        assert_same_double(g->pt.seconds, w->pt.seconds, "seconds", i);
        cr_assert_eq(g->pt.stop, w->pt.stop);
        assert_same_double(g->pt.bmi, w->pt.bmi, "bmi", i);
        assert_same_double(g->pt.uncoded_ber, w->pt.uncoded_ber, "uncoded_ber", i);
        assert_same_double(g->pt.mean_iterations, w->pt.mean_iterations, "mean_iterations", i);
        cr_assert(g->pt.coded_bits == w->pt.coded_bits && g->pt.coded_bit_errors == w->pt.coded_bit_errors);
        cr_assert_eq(g->pt.bler_ci, w->pt.bler_ci);
        // members that are no column read as 0
        cr_assert(g->pt.sigma2 == 0.0 && g->pt.groups == 0 && g->pt.bit_errors_sq == 0);
    }
    // written again, the rows read back give the same file
    cr_assert_eq(sim_results_write(path, back, n), AE_OK);
    text = read_file(path);
    cr_assert_str_eq(text, want);
    free(text);
    free(back);
    // a row short of a column every file has
    write_file(path,
               "system,channel,ebno_db,esno_db,blocks,block_errors,bler,bler_lo,bler_hi,bits,bit_errors,"
               "ber,ber_lo,ber_hi,theory_bler,theory_ber,seconds,stop\n"
               "b,awgn,0,0,10,1,,,,20,1,,,,,,0.1\n");
    cr_assert_eq(sim_results_read(path, &back, &n), AE_ECONFIG);
    cr_assert(strstr(ae_err_message(), ":2: 17 fields, expected at least 18"), "%s", ae_err_message());
}

Test(config, missing_file_and_folder)
{
    sim_experiment ex;
    cr_assert_eq(sim_config_load("/nonexistent/x.cfg", &ex), AE_ECONFIG);
    cr_assert(strstr(ae_err_message(), "/nonexistent/x.cfg"));
    cr_assert_eq(sim_config_load("/tmp", &ex), AE_ECONFIG);
    cr_assert(strstr(ae_err_message(), "is a folder"));
}

// ---------------------------------------------------------------------------------------------
// the main job's claims, with the shipped recipe

// Train the autoencoder system `name` of an experiment file with its own recipe; returns the
// transceiver (the model in *ae) and the experiment in *ex.
static txrx *train_shipped(const char *file, const char *name, sim_experiment *ex, ae_model **ae,
                           const sim_system_cfg **sys)
{
    char path[4096];
    experiment_path(path, sizeof path, file);
    cr_assert_eq(sim_config_load(path, ex), AE_OK, "%s", ae_err_message());
    *sys = NULL;
    for (size_t i = 0; i < ex->n_systems; i++)
        if (strcmp(ex->systems[i].name, name) == 0)
            *sys = &ex->systems[i];
    cr_assert(*sys);
    sim_blas_single_thread();
    *ae = ae_create(&(*sys)->ae);
    cr_assert(*ae);
    cr_assert_eq(sim_train_ae(*ae, &(*sys)->train, NULL, NULL, NULL, NULL), AE_OK, "%s", ae_err_message());
    txrx *t = ae_txrx_create(*ae);
    cr_assert(t);
    return t;
}

Test(main_job, ae_7_4_matches_hamming_ml_and_beats_hard, .timeout = 600)
{
    SLOW_TEST();
    sim_experiment ex;
    ae_model *ae;
    const sim_system_cfg *sys;
    txrx *t = train_shipped("oshea_7_4.cfg", "ae_7_4", &ex, &ae, &sys);
    txrx *ml = mod_hamming74_txrx_create(MOD_HAMMING_ML);
    sim_eval_cfg cfg = ex.eval;
    cfg.threads = 2;
    cfg.target_block_errors = 0;
    // same seed and block shape: the AE and ML decoding see identical messages and noise
    const double pts[] = {4.0, 6.0, 8.0}, max_ratio[] = {1.2, 1.3, 1.45};
    const uint64_t blocks[] = {200000, 2000000, 40000000}, min_errors[] = {1000, 1000, 300};
    for (int i = 0; i < 3; i++) {
        cfg.max_blocks = blocks[i];
        sim_engine *ea = sim_engine_create(t, &cfg), *em = sim_engine_create(ml, &cfg);
        sim_point pa, pm;
        cr_assert_eq(sim_engine_point(ea, pts[i], &pa, NULL), AE_OK);
        cr_assert_eq(sim_engine_point(em, pts[i], &pm, NULL), AE_OK);
        cr_assert(pm.block_errors >= min_errors[i], "%g dB: only %llu ML block errors", pts[i],
                  (unsigned long long)pm.block_errors);
        double ratio = pa.bler / pm.bler;
        cr_assert(ratio <= max_ratio[i], "%g dB: AE BLER %g is %.3f x ML %g (allowed %.2f)", pts[i], pa.bler,
                  ratio, pm.bler, max_ratio[i]);
        // better than hard decisions, by far more than the spread
        double hard = theory_hamming74_hard_bler(pts[i]);
        cr_assert(pa.bler < hard - 5.0 * sqrt(hard / (double)pa.blocks), "%g dB: AE %g vs hard %g", pts[i],
                  pa.bler, hard);
        sim_engine_destroy(ea);
        sim_engine_destroy(em);
    }
    txrx_destroy(ml);
    txrx_destroy(t);
    ae_destroy(ae);
    sim_experiment_free(&ex);
}

Test(main_job, ae_2_2_equals_uncoded_bpsk, .timeout = 600)
{
    sim_experiment ex;
    ae_model *ae;
    const sim_system_cfg *sys;
    txrx *t = train_shipped("oshea_2_2.cfg", "ae_2_2", &ex, &ae, &sys);
    sim_eval_cfg cfg = ex.eval;
    cfg.threads = 2;
    cfg.target_block_errors = 0;
    const double pts[] = {0.0, 4.0, 8.0};
    const uint64_t blocks[] = {100000, 400000, 4000000};
    for (int i = 0; i < 3; i++) {
        cfg.max_blocks = blocks[i];
        sim_engine *e = sim_engine_create(t, &cfg);
        sim_point p;
        cr_assert_eq(sim_engine_point(e, pts[i], &p, NULL), AE_OK);
        double th = theory_block_error(theory_bpsk_ber(pts[i]), 2);
        assert_rate(p.bler, th, (double)p.blocks, "%g dB: AE (2,2) BLER vs BPSK (2,2)", pts[i]);
        sim_engine_destroy(e);
    }
    txrx_destroy(t);
    ae_destroy(ae);
    sim_experiment_free(&ex);
}

// ---------------------------------------------------------------------------------------------
// the command line

static const char *const tiny_cfg =
    "seed = 3;\n"
    "eval = { ebno_db = [0.0, 3.0, 20.0]; target_block_errors = 200; max_blocks = 200000; chunk_blocks = "
    "5000; };\n"
    "systems = (\n"
    "  { name = \"ae_2_2\"; type = \"autoencoder\"; n = 2; k = 2; train = { steps = 300; batch = 200; }; },\n"
    "  { name = \"uncoded_bpsk_2_2\"; type = \"uncoded_bpsk\"; k = 2; },\n"
    "  { name = \"hamming_7_4_hard\"; type = \"hamming_7_4\"; decoder = \"hard\"; }\n"
    ");\n";

// results.csv without the seconds column, for comparing counts between runs.
static char *counts_of(const char *csv_path)
{
    char *s = read_file(csv_path);
    cr_assert(s, "no %s", csv_path);
    // drop field 17 (seconds) of every line
    char *out = malloc(strlen(s) + 1), *o = out;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        int field = 1;
        for (char *p = line; *p; p++) {
            if (*p == ',')
                field++;
            if (field != 17 || (*p == ',' && field == 17 && 0))
                *o++ = *p;
        }
        *o++ = '\n';
    }
    *o = '\0';
    free(s);
    return out;
}

Test(cli, run_writes_results_plot_and_reproduces_counts, .timeout = 300)
{
    SLOW_TEST();
    char dir[64], cfg[128], cmd[8192], path[256];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/tiny.cfg", dir);
    write_file(cfg, tiny_cfg);
    char *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/a --threads 1", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    // header and rows
    snprintf(path, sizeof path, "%s/a/results.csv", dir);
    char *csv = read_file(path);
    cr_assert(csv);
    cr_assert(strncmp(csv, sim_results_header, strlen(sim_results_header)) == 0);
    cr_assert(csv[strlen(sim_results_header)] == '\n');
    // 20 dB gives no block error: early stop keeps that row and adds nothing after it; 3 systems x 3 points
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 1 + 9, "%s", csv);
    cr_assert(strstr(csv, "uncoded_bpsk_2_2,awgn,3.0000,3.0000,"));
    free(csv);
    const char *files[] = {"bler.png", "loss.csv", "resolved.cfg", "theory.csv", "bler.gp"};
    for (int i = 0; i < 5; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/a/%s", dir, files[i]);
        cr_assert(stat(path, &st) == 0 && st.st_size > 0, "missing %s", path);
    }
    snprintf(path, sizeof path, "%s/a/loss.csv", dir);
    char *loss = read_file(path);
    cr_assert(strncmp(loss, "system,step,loss,lr\nae_2_2,100,", 31) == 0, "%s", loss);
    free(loss);
    // 2 threads, and the resolved config, give the same counts
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/b --threads 2", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s run %s/a/resolved.cfg --out %s/c --threads 2", test_bin(), dir, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/a/results.csv", dir);
    char *a = counts_of(path);
    snprintf(path, sizeof path, "%s/b/results.csv", dir);
    char *b = counts_of(path);
    snprintf(path, sizeof path, "%s/c/results.csv", dir);
    char *c = counts_of(path);
    cr_assert_str_eq(a, b);
    cr_assert_str_eq(a, c);
    free(a);
    free(b);
    free(c);
}

Test(cli, bad_input_exits_2_with_a_message)
{
    char dir[64], cfg[128], cmd[8192];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/bad.cfg", dir);
    write_file(cfg, "eval = { ebno_db = [0.0]; };\nsystems = ( { name = \"x\"; type = \"uncoded_bpsk\"; k = "
                    "65537; } );\n");
    char *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/out", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "bad.cfg:2:") && strstr(err, "systems.[0].k") && strstr(err, "1..65536"), "%s",
              err);
    free(err);
    // nothing was written for a config that did not load
    char out[128];
    snprintf(out, sizeof out, "%s/out", dir);
    struct stat st;
    cr_assert(stat(out, &st) != 0);

    snprintf(cmd, sizeof cmd, "%s run %s/missing.cfg", test_bin(), dir);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "missing.cfg"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s run %s", test_bin(), dir);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "is a folder"), "%s", err);
    free(err);
    char good[4096];
    experiment_path(good, sizeof good, "oshea_2_2.cfg");
    snprintf(cmd, sizeof cmd, "%s run %s --threads 0", test_bin(), good);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "--threads"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s run %s --out /dev/null/results", test_bin(), good);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "/dev/null"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s frobnicate", test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "unknown command 'frobnicate'"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s --help", test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 0);
    free(err);
}

// ---------------------------------------------------------------------------------------------
// modems, channels and the one-off commands

Test(config, modem_and_channel_keys)
{
    // a modem on a Rician channel from the experiment default, one system overriding it
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.cfg", dir);
    write_file(path, "channel = { type = \"rician\"; k_factor = 3.0; };\n"
                     "eval = { esno_db = [0.0, 5.0]; max_blocks = 1000; };\n"
                     "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qam16\"; symbols = 2; },\n"
                     "  { name = \"a\"; type = \"modem\"; scheme = \"pam4\"; channel = \"awgn\"; } );\n");
    sim_experiment ex;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.grid_esno);
    cr_assert_eq(ex.systems[0].k, 8);
    cr_assert_eq(ex.systems[0].n, 4);
    cr_assert_str_eq(sim_channel_name(&ex.systems[0].channel), "rician");
    cr_assert_float_eq(sim_channel_flat(&ex.systems[0].channel).k_factor, 3.0, 1e-12);
    cr_assert_str_eq(sim_channel_name(&ex.systems[1].channel), "awgn");
    cr_assert_eq(ex.systems[1].n, 1);
    // the resolved config reads back the same
    snprintf(path, sizeof path, "%s/resolved.cfg", dir);
    cr_assert_eq(sim_config_write_resolved(&ex, path, "test"), AE_OK);
    sim_experiment back;
    cr_assert_eq(sim_config_load(path, &back), AE_OK, "%s", ae_err_message());
    cr_assert(back.grid_esno && back.n_systems == 2);
    for (size_t i = 0; i < 2; i++) {
        sim_system_cfg x = ex.systems[i], y = back.systems[i];
        x.line = y.line = 0;
        cr_assert(memcmp(&x, &y, sizeof x) == 0, "system %zu differs after the round trip", i);
    }
    sim_experiment_free(&ex);
    sim_experiment_free(&back);
}

// Blocks of up to 65536 bits load for modems and uncoded BPSK, and run end to end: BPSK with k = 1000
// and QPSK with 1200 bits per block give BER = Q(sqrt(2 Eb/N0)) within 5 sigma, bits = blocks * k.
Test(cli, long_blocks_load_and_run, .timeout = 120)
{
    char dir[64], cfg[128], cmd[8192], path[256];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/long.cfg", dir);
    write_file(cfg,
               "eval = { ebno_db = [7.0]; target_block_errors = 0; max_blocks = 3000; chunk_blocks = 500;\n"
               "  batch = 100; };\n"
               "systems = ( { name = \"b\"; type = \"uncoded_bpsk\"; k = 1000; },\n"
               "  { name = \"q\"; type = \"modem\"; scheme = \"qpsk\"; symbols = 600; } );\n");
    sim_experiment ex;
    cr_assert_eq(sim_config_load(cfg, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.systems[0].k == 1000 && ex.systems[0].n == 1000);
    cr_assert(ex.systems[1].k == 1200 && ex.systems[1].n == 1200);
    sim_experiment_free(&ex);
    snprintf(path, sizeof path, "%s/max.cfg", dir);
    write_file(path, GOOD_EVAL "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qam16\"; symbols = "
                               "16384; },\n  { name = \"b\"; type = \"uncoded_bpsk\"; k = 65536; } );\n");
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.systems[0].k == 65536 && ex.systems[1].k == 65536);
    sim_experiment_free(&ex);
    char *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/out --threads 2", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/out/results.csv", dir);
    char *csv = read_file(path);
    cr_assert(csv);
    const double p = theory_bpsk_ber(7.0);
    const char *rows[] = {"\nb,awgn,7.0000,", "\nq,awgn,7.0000,"};
    const double k[] = {1000, 1200};
    for (int i = 0; i < 2; i++) {
        const char *row = strstr(csv, rows[i]);
        cr_assert(row, "%s", csv);
        unsigned long long blocks, bits, bit_errors;
        cr_assert_eq(sscanf(row + 1,
                            "%*[^,],%*[^,],%*[^,],%*[^,],%llu,%*[^,],%*[^,],%*[^,],%*[^,],%llu,%llu,",
                            &blocks, &bits, &bit_errors),
                     3, "%s", row);
        cr_assert_eq(blocks, 3000);
        cr_assert_eq((double)bits, 3000 * k[i]);
        const double sd = sqrt(p * (double)bits);
        cr_assert(fabs((double)bit_errors - p * (double)bits) < 5.0 * sd, "%s: %llu bit errors, theory %g",
                  rows[i] + 1, bit_errors, p * (double)bits);
    }
    free(csv);
}

Test(config, modem_and_channel_errors)
{
    expect_config_error(GOOD_EVAL "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qam8\"; } );\n",
                        "qam8", "power of 4");
    expect_config_error(GOOD_EVAL "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qpsk\";\n"
                                  "  channel = { type = \"rayleigh\"; csi = \"none\"; }; } );\n",
                        ":3:", "needs csi");
    expect_config_error(GOOD_EVAL "systems = ( { name = \"a\"; type = \"autoencoder\"; n = 7; k = 4;\n"
                                  "  channel = \"rayleigh\"; } );\n",
                        "even n", NULL);
    expect_config_error(GOOD_EVAL "channel = { type = \"rayleigh\"; coherence = 0; };\n" GOOD_SYS,
                        "channel.coherence", "out of range");
    expect_config_error(GOOD_EVAL "channel = { type = \"rayleigh\"; k_factor = 2.0; };\n" GOOD_SYS,
                        "channel.k_factor", "unknown key in a rayleigh channel");
    expect_config_error(GOOD_EVAL "channel = \"rayleih\";\n" GOOD_SYS, "unknown channel 'rayleih'", NULL);
    expect_config_error("eval = { ebno_db = [0.0]; esno_db = [1.0]; };\n" GOOD_SYS, "eval.esno_db",
                        "not both");
    expect_config_error(
        GOOD_EVAL "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qam256\"; symbols = 8193; } );\n",
        "systems.[0].symbols", "65544 bits per block; expected <= 65536");
    expect_config_error(
        GOOD_EVAL
        "systems = ( { name = \"b\"; type = \"uncoded_bpsk\"; k = 2; channel = \"rayleigh\"; } );\n",
        "real-valued AWGN baseline", "scheme = \"bpsk\"");
    expect_config_error(
        GOOD_EVAL
        "systems = ( { name = \"p\"; type = \"modem\"; scheme = \"pam4\"; channel = \"rician\"; } );\n",
        "AWGN only", NULL);
    expect_config_error(GOOD_EVAL "channel = { type = \"awgn\"; csi = \"none\"; };\n" GOOD_SYS,
                        "unknown key in an awgn channel", NULL);
    // OFDM channel groups
    expect_config_error(GOOD_EVAL
                        "channel = { type = \"ofdm\"; nfft = 64; cp = 16; csi = \"ls\"; };\n" GOOD_SYS,
                        "needs pilots", NULL);
    expect_config_error(GOOD_EVAL "channel = { type = \"ofdm\"; taps = \"1,x\"; };\n" GOOD_SYS,
                        "channel.taps", "x");
    expect_config_error(GOOD_EVAL
                        "channel = { type = \"ofdm\"; pdp = \"exp:4:3\"; taps = \"1\"; };\n" GOOD_SYS,
                        "not both", NULL);
    expect_config_error(GOOD_EVAL "channel = { type = \"ofdm\"; equaliser = \"zf\"; };\n" GOOD_SYS,
                        "did you mean 'equalizer'", NULL);
}

Test(config, ofdm_channel_round_trips)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/o.cfg", dir);
    write_file(path,
               "channel = { type = \"ofdm\"; nfft = 32; cp = 8; null_dc = true; pdp = \"exp:4:3\";\n"
               "  pilots = \"comb:4\"; csi = \"ls\"; equalizer = \"mmse\"; charge = \"data+cp+pilots\"; };\n"
               "eval = { ebno_db = [0.0]; max_blocks = 1000; };\n"
               "systems = ( { name = \"q\"; type = \"modem\"; scheme = \"qpsk\"; },\n"
               "  { name = \"t\"; type = \"modem\"; scheme = \"qpsk\";\n"
               "    channel = { type = \"ofdm\"; taps = \"0.8,0,0.6j\"; }; } );\n");
    sim_experiment a, b;
    cr_assert_eq(sim_config_load(path, &a), AE_OK, "%s", ae_err_message());
    cr_assert_str_eq(sim_channel_name(&a.systems[0].channel), "ofdm");
    cr_assert_eq(ch_ofdm_channel_cfg(&a.systems[0].channel.params)->ofdm.nfft, 32);
    cr_assert_eq(ch_ofdm_channel_cfg(&a.systems[0].channel.params)->csi, CH_OFDM_CSI_LS);
    cr_assert_eq(ch_ofdm_channel_cfg(&a.systems[1].channel.params)->mp.n_taps, 3);
    snprintf(path, sizeof path, "%s/resolved.cfg", dir);
    cr_assert_eq(sim_config_write_resolved(&a, path, "test"), AE_OK);
    cr_assert_eq(sim_config_load(path, &b), AE_OK, "%s", ae_err_message());
    for (size_t i = 0; i < 2; i++) {
        sim_system_cfg x = a.systems[i], y = b.systems[i];
        x.line = y.line = 0;
        cr_assert(memcmp(&x.channel, &y.channel, sizeof x.channel) == 0, "system %zu's channel differs", i);
    }
    sim_experiment_free(&a);
    sim_experiment_free(&b);
}

Test(cli, ber_and_theory_print_csv)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "%s ber --scheme qam16 --channel rician --k-factor 3 --ebno 4,8 --target-errors 500 --threads 2",
             test_bin());
    char *err, *csv;
    cr_assert_eq(run_cmd_out(cmd, &err, &csv), 0, "%s", err);
    free(err);
    cr_assert(csv && strncmp(csv, sim_results_header, strlen(sim_results_header)) == 0, "%s", csv);
    cr_assert(strstr(csv, "\nqam16,rician-k3-csi_perfect,4.0000,10.0206,"), "%s", csv);
    cr_assert(strstr(csv, "\nqam16,rician-k3-csi_perfect,8.0000,"), "%s", csv);
    cr_assert(strstr(csv, ",wilson,,,0,0\n"), "the default interval is Wilson:\n%s", csv);
    free(csv);
    // --interval clopper_pearson: the exact interval of the row's own counts, named in its last column
    snprintf(cmd, sizeof cmd,
             "%s ber --scheme bpsk --channel awgn --ebno 6 --max-blocks 200000 --target-errors 0 "
             "--interval clopper_pearson",
             test_bin());
    cr_assert_eq(run_cmd_out(cmd, &err, &csv), 0, "%s", err);
    free(err);
    unsigned long long blocks, block_errors;
    double bler, bler_lo, bler_hi;
    const char *row = strchr(csv, '\n');
    cr_assert(row && sscanf(row + 1, "bpsk,awgn,%*[^,],%*[^,],%llu,%llu,%lf,%lf,%lf", &blocks, &block_errors,
                            &bler, &bler_lo, &bler_hi) == 5,
              "%s", csv);
    double lo, hi;
    sim_clopper_pearson(block_errors, blocks, SIM_ALPHA95, &lo, &hi);
    cr_assert(fabs(bler_lo / lo - 1.0) < 1e-6 && fabs(bler_hi / hi - 1.0) < 1e-6, "%s", csv);
    cr_assert(strstr(csv, ",clopper_pearson,,,0,0\n"), "%s", csv);
    free(csv);
    snprintf(cmd, sizeof cmd, "%s theory --scheme bpsk --channel rayleigh --ebno 0:10:20", test_bin());
    cr_assert_eq(run_cmd_out(cmd, &err, &csv), 0, "%s", err);
    free(err);
    // BPSK on Rayleigh at 10 dB: (1/2)(1 - sqrt(10/11))
    char want[128];
    snprintf(want, sizeof want, "bpsk,rayleigh,0,10.0000,10.0000,%.6e,%.6e", 0.5 * (1.0 - sqrt(10.0 / 11.0)),
             0.5 * (1.0 - sqrt(10.0 / 11.0)));
    cr_assert(strncmp(csv, "scheme,channel,k_factor,ebno_db,esno_db,ser,ber\n", 48) == 0, "%s", csv);
    cr_assert(strstr(csv, want), "want %s in\n%s", want, csv);
    free(csv);
    // wrong input
    const char *bad[] = {"ber --scheme qam8 --channel awgn --ebno 0",
                         "ber --scheme qpsk --channel awgn",
                         "ber --scheme qpsk --channel rayleigh --csi none --ebno 0",
                         "ber --scheme qpsk --channel awgn --ebno 0:-1:5",
                         "theory --scheme qpsk --channel foo --ebno 0",
                         "ber --scheme qpsk --channel awgn --ebno 0 --max-bits 10 --max-blocks 10",
                         "theory --scheme qpsk --channel awgn --ebno 0 --threads 2",
                         "ber --scheme pam4 --channel rayleigh --ebno 0",
                         "ber --scheme qpsk --ofdm 64:16 --csi ls --ebno 0",
                         "ber --scheme qpsk --channel awgn --taps 1 --ebno 0",
                         "ber --scheme qpsk --ofdm 64:80 --ebno 0",
                         "ber --scheme qpsk --channel awgn --ebno 0 --interval exact"};
    const char *needle[] = {"qam8: square QAM needs M a power of 4",
                            "--ebno",
                            "needs csi",
                            "STEP > 0",
                            "awgn, rayleigh, rician, ofdm or rapp",
                            "not both",
                            "--threads applies to `aesim ber` only",
                            "AWGN only",
                            "needs pilots",
                            "does not apply to --channel awgn",
                            "cp",
                            "--interval 'exact': expected wilson or clopper_pearson"};
    for (int i = 0; i < 12; i++) {
        snprintf(cmd, sizeof cmd, "%s %s", test_bin(), bad[i]);
        cr_assert_eq(run_cmd(cmd, &err), 2, "%s: %s", bad[i], err);
        cr_assert(strstr(err, needle[i]), "%s: message lacks '%s': %s", bad[i], needle[i], err);
        free(err);
    }
}

Test(cli, list_prints_every_key_and_word_as_a_valid_config)
{
    char dir[64], path[128], cmd[8400], *err, *out;
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/list.cfg", dir);
    snprintf(cmd, sizeof cmd, "%s list > %s", test_bin(), path);
    cr_assert_eq(system(cmd), 0);
    char *text = read_file(path);
    cr_assert(text);
    // a complete config that loads as it is
    sim_experiment ex;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    sim_experiment_free(&ex);
    // every key of every group of the schema, as "key =" (set, or in a comment where it is an alternative)
    const char *groups[] = {"top",  "awgn",        "rayleigh",     "rician",      "ofdm",  "rapp", "eval",
                            "grid", "autoencoder", "uncoded_bpsk", "hamming_7_4", "modem", "train"};
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        const char *const *keys = sim_config_schema(groups[g]);
        cr_assert(keys, "%s", groups[g]);
        for (size_t i = 0; keys[i]; i++) {
            char want[64];
            snprintf(want, sizeof want, "%s =", keys[i]);
            cr_assert(strstr(text, want), "aesim list lacks %s key '%s'", groups[g], keys[i]);
        }
    }
    // every word a key accepts, and the default hidden width
    const char *words[] = {"\"constant\"",
                           "\"cosine\"",
                           "\"exponential\"",
                           "\"energy\"",
                           "\"power\"",
                           "\"ml\"",
                           "\"hard\"",
                           "\"exact\"",
                           "\"maxlog\"",
                           "\"zf\"",
                           "\"mmse\"",
                           "\"symbol\"",
                           "\"frame\"",
                           "\"data\"",
                           "\"data+cp+pilots\"",
                           "\"perfect\"",
                           "\"ls\"",
                           "\"none\"",
                           "\"comb:SPACING\"",
                           "\"exp:TAPS:DECAY_DB\"",
                           "\"wilson\"",
                           "\"clopper_pearson\"",
                           "\"awgn\"",
                           "\"rayleigh\"",
                           "\"rician\"",
                           "\"ofdm\"",
                           "\"pskM\"",
                           "\"qamM\"",
                           "\"pamM\"",
                           "one layer of\n    # M = 2^k units"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        cr_assert(strstr(text, words[i]), "aesim list lacks %s", words[i]);
    free(text);
    // --help is help, and an argument is refused
    snprintf(cmd, sizeof cmd, "%s list --help", test_bin());
    cr_assert_eq(run_cmd_out(cmd, &err, &out), 0, "%s", err);
    cr_assert(strncmp(out, "usage: aesim list", 17) == 0, "%s", out);
    free(err);
    free(out);
    snprintf(cmd, sizeof cmd, "%s list extra", test_bin());
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "list takes no argument, got 'extra'"), "%s", err);
    free(err);
}

// ---------------------------------------------------------------------------------------------
// the research workflow: resume, refusal, eval from checkpoints, overrides

static const char *const resume_cfg =
    "eval = { ebno_db = [0.0, 2.0, 4.0]; target_block_errors = 500; max_blocks = 2000000; chunk_blocks = "
    "20000; };\n"
    "systems = (\n"
    "  { name = \"ae_7_4\"; type = \"autoencoder\"; n = 7; k = 4;\n"
    "    train = { steps = 3000; batch = 1000; checkpoint_every = 200; log_every = 100; }; },\n"
    "  { name = \"hamming_7_4_ml\"; type = \"hamming_7_4\"; decoder = \"ml\"; } );\n";

// Run aesim in the background, send it `sig` after `after_ms`, wait; returns the exit status.
static int run_interrupted(const char *args, int sig, int after_ms)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "%s %s --quiet </dev/null >/dev/null 2>&1 & pid=$!; sleep %d.%03d; kill -%d $pid 2>/dev/null; "
             "wait $pid",
             test_bin(), args, after_ms / 1000, after_ms % 1000, sig);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(workflow, interrupted_runs_resume_to_the_same_counts, .timeout = 600)
{
    SLOW_TEST();
    char dir[64], cfg[128], cmd[8400], path[256];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/r.cfg", dir);
    write_file(cfg, resume_cfg);
    char *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/full --threads 2", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    // interrupted during training, then during the sweep; each rerun picks up where the last stopped
    char args[4096];
    snprintf(args, sizeof args, "run %s --out %s/part --threads 2", cfg, dir);
    int st = run_interrupted(args, SIGINT, 400);
    cr_assert(st == 130 || st == 0, "exit %d", st);
    st = run_interrupted(args, SIGTERM, 1500);
    cr_assert(st == 143 || st == 0, "exit %d", st);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/part --threads 1", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/full/results.csv", dir);
    char *a = counts_of(path);
    snprintf(path, sizeof path, "%s/part/results.csv", dir);
    char *b = counts_of(path);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    snprintf(path, sizeof path, "%s/full/loss.csv", dir);
    char *la = read_file(path);
    snprintf(path, sizeof path, "%s/part/loss.csv", dir);
    char *lb = read_file(path);
    cr_assert_str_eq(la, lb);
    free(la);
    free(lb);
    // the checkpoint of the finished run carries the last step, and metadata.json the run
    snprintf(path, sizeof path, "%s/part/ae_7_4.safetensors", dir);
    struct stat sb;
    cr_assert(stat(path, &sb) == 0 && sb.st_size > 0);
    snprintf(path, sizeof path, "%s/part/metadata.json", dir);
    char *meta = read_file(path);
    cr_assert(meta && strstr(meta, "\"aesim_version\"") && strstr(meta, "\"seed\"") &&
              strstr(meta, "\"threads\""));
    free(meta);

    // a folder holding another experiment is refused, untouched; --restart overwrites it
    snprintf(path, sizeof path, "%s/full/results.csv", dir);
    char *before = read_file(path);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/full --set eval.max_blocks=1000000", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "different experiment") && strstr(err, "--restart"), "%s", err);
    free(err);
    char *after = read_file(path);
    cr_assert_str_eq(before, after);
    free(before);
    free(after);

    // eval from the checkpoints of the finished run reproduces its counts
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s/full --out %s/eval --threads 2", test_bin(), cfg,
             dir, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/full/results.csv", dir);
    a = counts_of(path);
    snprintf(path, sizeof path, "%s/eval/results.csv", dir);
    b = counts_of(path);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    // a checkpoint that does not fit the config: exit 2, naming the tensor
    snprintf(cmd, sizeof cmd, "%s eval %s --checkpoints %s/full --out %s/eval2 --set systems.[0].n=6",
             test_bin(), cfg, dir, dir);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "ae_7_4.safetensors") && strstr(err, "weight"), "%s", err);
    free(err);
}

Test(workflow, check_and_plot_commands)
{
    SLOW_TEST();
    char dir[64], cfg[128], cmd[8400];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/t.cfg", dir);
    write_file(cfg, tiny_cfg);
    char *err, *out;
    snprintf(cmd, sizeof cmd, "%s check %s --set systems.[0].train.lr=0.02", test_bin(), cfg);
    cr_assert_eq(run_cmd_out(cmd, &err, &out), 0, "%s", err);
    cr_assert(strstr(out, "lr = 0.02;") && strstr(out, "3 systems x 3 points") &&
                  strstr(out, "62 parameters"),
              "%s", out);
    free(err);
    free(out);
    snprintf(cmd, sizeof cmd, "%s check %s --set systems.[0].train.lrr=0.02", test_bin(), cfg);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    cr_assert(strstr(err, "did you mean 'lr'"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/a --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    char png[256];
    snprintf(png, sizeof png, "%s/a/bler.png", dir);
    cr_assert_eq(remove(png), 0);
    snprintf(cmd, sizeof cmd, "%s plot %s/a", test_bin(), dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    struct stat sb;
    cr_assert(stat(png, &sb) == 0 && sb.st_size > 0, "plot did not redraw bler.png");
    snprintf(png, sizeof png, "%s/a/constellation_ae_2_2.png", dir);
    cr_assert(stat(png, &sb) == 0 && sb.st_size > 0);
    snprintf(cmd, sizeof cmd, "%s plot %s/nothing", test_bin(), dir);
    cr_assert_eq(run_cmd(cmd, &err), 2);
    free(err);
}

Test(workflow, plot_titles_the_figures_with_the_experiment_and_says_so)
{
    char dir[64], cfg[128], cmd[8400], path[256];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/my_exp.cfg", dir);
    write_file(cfg, "eval = { ebno_db = [0.0, 2.0]; max_blocks = 20000; };\n"
                    "systems = ( { name = \"bpsk\"; type = \"uncoded_bpsk\"; k = 2; } );\n");
    char *err, *out;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/a --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s plot %s/a", test_bin(), dir);
    cr_assert_eq(run_cmd_out(cmd, &err, &out), 0, "%s", err);
    char want[256];
    snprintf(want, sizeof want, "aesim: figures of my_exp redrawn in %s/a/ (bler, ber; .png and .svg)\n",
             dir);
    cr_assert_str_eq(err, want);
    free(err);
    free(out);
    // the experiment's name, not that of resolved.cfg
    snprintf(path, sizeof path, "%s/a/bler.gp", dir);
    char *gp = read_file(path);
    cr_assert(strstr(gp, "set title 'my_exp' . "), "%s", gp);
    cr_assert_null(strstr(gp, "resolved"), "%s", gp);
    free(gp);
    // a resolved.cfg without its header line: the folder's name
    snprintf(path, sizeof path, "%s/a/resolved.cfg", dir);
    char *text = read_file(path);
    cr_assert(text && text[0] == '#');
    write_file(path, strchr(text, '\n') + 1);
    free(text);
    snprintf(cmd, sizeof cmd, "%s plot %s/a/", test_bin(), dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/a/bler.gp", dir);
    gp = read_file(path);
    cr_assert(strstr(gp, "set title 'a' . "), "%s", gp);
    free(gp);
}

Test(workflow, a_write_failure_keeps_the_previous_results, .timeout = 120)
{
    char dir[64], cfg[128], cmd[8400], path[256];
    make_tmpdir(dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s/t.cfg", dir);
    write_file(cfg, tiny_cfg);
    char *err;
    snprintf(cmd, sizeof cmd, "%s run %s --out %s/a --quiet", test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/a/results.csv", dir);
    char *before = read_file(path);
    // the test-only fault switch of the one file writer: results.csv cannot be saved (ENOSPC)
    snprintf(cmd, sizeof cmd, "AESIM_FAULT_WRITE=results.csv %s run %s --out %s/a --restart --quiet",
             test_bin(), cfg, dir);
    cr_assert_eq(run_cmd(cmd, &err), 1);
    cr_assert(strstr(err, "results.csv") && strstr(err, "No space left"), "%s", err);
    free(err);
    char *after = read_file(path);
    cr_assert_str_eq(before, after);
    free(before);
    free(after);
}

// Load text with the overrides sets[0..n-1]; returns the status (the message in ae_err_message()).
static int load_with(const char *text, const char *const *sets, size_t n, sim_experiment *ex)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/o.cfg", dir);
    write_file(path, text);
    return sim_config_load_overrides(path, sets, n, ex);
}

#define AE_SYS                                                                                               \
    "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 2; k = 2; train = { steps = 50; }; },\n"       \
    "  { name = \"h\"; type = \"hamming_7_4\"; } );\n"

Test(config, overrides_take_libconfig_values)
{
    sim_experiment ex;
    // a list, a group and a 64-bit integer
    const char *a[] = {"eval.ebno_db=[0.0, 5.0]", "systems.[0].tx_hidden=[32, 8]",
                       "eval.max_blocks=12345678901", "systems.[1].decoder=hard", "systems.[0].train.lr=.5"};
    cr_assert_eq(load_with(GOOD_EVAL AE_SYS, a, 5, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.n_ebno == 2 && ex.ebno_db[0] == 0.0 && ex.ebno_db[1] == 5.0);
    cr_assert(ex.systems[0].ae.n_tx_hidden == 2 && ex.systems[0].ae.tx_hidden[0] == 32 &&
              ex.systems[0].ae.tx_hidden[1] == 8);
    cr_assert_eq(ex.eval.max_blocks, 12345678901ULL);
    cr_assert_eq(ex.systems[1].decoder, MOD_HAMMING_HARD);
    cr_assert_float_eq(ex.systems[0].train.lr, 0.5, 1e-15);
    sim_experiment_free(&ex);
    // a grid group (a trailing ';' as in a file is fine), and Es/N0 replacing the file's Eb/N0 grid
    const char *b[] = {"eval.ebno_db={ start = 0.0; stop = 5.0; step = 2.5; };"};
    cr_assert_eq(load_with(GOOD_EVAL AE_SYS, b, 1, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.n_ebno == 3 && ex.ebno_db[2] == 5.0 && !ex.grid_esno);
    sim_experiment_free(&ex);
    const char *c[] = {"eval.esno_db=[1.0, 3.0]"};
    cr_assert_eq(load_with(GOOD_EVAL AE_SYS, c, 1, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.grid_esno && ex.n_ebno == 2 && ex.ebno_db[0] == 1.0);
    sim_experiment_free(&ex);
    const char *d[] = {"eval.esno_db=[1.0]", "eval.ebno_db=[2.0]"};
    cr_assert_eq(load_with(GOOD_EVAL AE_SYS, d, 2, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(!ex.grid_esno && ex.n_ebno == 1 && ex.ebno_db[0] == 2.0);
    sim_experiment_free(&ex);
    // a whole channel group, and a sweep
    const char *e[] = {"systems.[1]={ name = \"q\"; type = \"modem\"; scheme = \"qpsk\"; }",
                       "channel={ type = \"rayleigh\"; csi = \"perfect\"; }",
                       "sweep={ train = { lr = [0.01, 0.001]; }; }"};
    cr_assert_eq(load_with(GOOD_EVAL AE_SYS, e, 3, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.n_systems, 3);
    cr_assert_str_eq(sim_channel_name(&ex.systems[2].channel), "rayleigh");
    cr_assert_eq(ex.systems[2].type, SIM_SYS_MODEM);
    sim_experiment_free(&ex);
    // one element of a list
    const char *f[] = {"eval.ebno_db.[0]=1.0"};
    cr_assert_eq(load_with(GOOD_EVAL AE_SYS, f, 1, &ex), AE_OK, "%s", ae_err_message());
    cr_assert(ex.n_ebno == 2 && ex.ebno_db[0] == 1.0 && ex.ebno_db[1] == 2.0);
    sim_experiment_free(&ex);
}

Test(config, override_errors_say_what_was_expected)
{
    sim_experiment ex;
    const struct {
        const char *set, *want;
    } cases[] = {
        {"eval.ebno_db.start=2",
         "eval.ebno_db is a list, not a group, so it has no key 'start'; set the whole "
         "grid instead, e.g. --set 'eval.ebno_db={ start = 2.0;"},
        {"eval.ebno_db=[0.0, 5.0", "the value is not libconfig syntax (syntax error)"},
        {"eval.ebno_db=[0, 5.0]", "the elements of [...] share one type"},
        {"eval.max_blocks=1; seed = 5", "expected one value, not further settings after it"},
        {"systems[0].k=3", "libconfig paths put a dot before an index"},
        {"systems.[7].k=3", "systems has no element [7] (it has 2)"},
        {"eval.max_blocks.x=1", "eval.max_blocks is a number, not a group, so it has no key 'x'"},
        {"eval.ebno_db.[5]=1.0", "eval.ebno_db has no element [5] (it has 2)"},
        {"eval.max_blocks=[1, 12345678901]", "integer 12345678901 does not fit in 32 bits"},
        {"eval.ebno_db=[0.0]\n@include \"/etc/passwd\"", "control character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *one[] = {cases[i].set};
        cr_assert_eq(load_with(GOOD_EVAL AE_SYS, one, 1, &ex), AE_ECONFIG, "%s", cases[i].set);
        cr_assert(strstr(ae_err_message(), cases[i].want), "%s: %s", cases[i].set, ae_err_message());
        cr_assert(strstr(ae_err_message(), "o.cfg: --set '"), "%s", ae_err_message());
    }
}

Test(config, sweeps_give_one_system_per_value)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/s.cfg", dir);
    write_file(path, "eval = { ebno_db = [4.0]; max_blocks = 1000; };\n"
                     "sweep = { train = { ebno_db = [1.0, 3.0]; lr = [0.01, 0.001]; }; };\n"
                     "systems = ( { name = \"ae_7_4\"; type = \"autoencoder\"; n = 7; k = 4; },\n"
                     "  { name = \"ml\"; type = \"hamming_7_4\"; } );\n");
    sim_experiment ex;
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.n_systems, 5, "2 x 2 learned systems and the untouched Hamming one");
    cr_assert_str_eq(ex.systems[0].name, "ae_7_4_train.ebno_db=1_train.lr=0.01");
    cr_assert_float_eq(ex.systems[0].train.ebno_db, 1.0, 1e-12);
    cr_assert_float_eq(ex.systems[0].train.lr, 0.01, 1e-12);
    cr_assert_str_eq(ex.systems[3].name, "ae_7_4_train.ebno_db=3_train.lr=0.001");
    cr_assert_float_eq(ex.systems[3].train.ebno_db, 3.0, 1e-12);
    cr_assert_float_eq(ex.systems[3].train.lr, 0.001, 1e-12);
    cr_assert_str_eq(ex.systems[4].name, "ml");
    sim_experiment_free(&ex);
    // a negative value reads as one, after '=' (not "ebno_db--1"); integers print as integers
    write_file(path, "eval = { ebno_db = [4.0]; max_blocks = 1000; };\n"
                     "sweep = { train = { ebno_db = [-1.0, 2.5]; steps = [1000000]; }; };\n"
                     "systems = ( { name = \"ae\"; type = \"autoencoder\"; n = 2; k = 2; } );\n");
    cr_assert_eq(sim_config_load(path, &ex), AE_OK, "%s", ae_err_message());
    cr_assert_eq(ex.n_systems, 2);
    cr_assert_str_eq(ex.systems[0].name, "ae_train.ebno_db=-1_train.steps=1000000");
    cr_assert_str_eq(ex.systems[1].name, "ae_train.ebno_db=2.5_train.steps=1000000");
    sim_experiment_free(&ex);
    // a key no system has
    expect_config_error(GOOD_EVAL "sweep = { decoder = [\"hard\"]; };\n" GOOD_SYS, "sweep.decoder",
                        "no system has the key");
}

// With --charge-cp the Es/N0 column is that of a data symbol: Eb/N0 + 10 log10(k/s) minus the Eb
// bookkeeping's factor ((N + CP) / N without pilots), and an Es/N0 grid is read the same way.
Test(cli, esno_column_under_charge_cp)
{
    char cmd[1024], *err, *out;
    const double factor_db = 10.0 * log10(80.0 / 64.0); // N = 64, CP = 16
    for (int esno_grid = 0; esno_grid <= 1; esno_grid++) {
        snprintf(cmd, sizeof cmd, "%s ber --scheme qpsk --ofdm 64:16 --charge-cp %s 4 --max-bits 20000",
                 test_bin(), esno_grid ? "--esno" : "--ebno");
        cr_assert_eq(run_cmd_out(cmd, &err, &out), 0, "%s", err);
        const char *row = strchr(out, '\n');
        cr_assert(row, "%s", out);
        double ebno, esno;
        cr_assert_eq(sscanf(row + 1, "qpsk,%*[^,],%lf,%lf,", &ebno, &esno), 2, "%s", out);
        cr_assert_float_eq(esno - ebno, 10.0 * log10(2.0) - factor_db, 1e-4, "%s", out);
        cr_assert_float_eq(esno_grid ? esno : ebno, 4.0, 1e-4, "%s", out);
        free(err);
        free(out);
    }
}

// make run passes ARGS to aesim run.
Test(cli, make_run_passes_args)
{
    char cmd[1024], *err, *out;
    snprintf(cmd, sizeof cmd, "make -n -s -C %s run ARGS='--restart --progress'", test_root());
    cr_assert_eq(run_cmd_out(cmd, &err, &out), 0, "%s", err);
    cr_assert(strstr(out, " run experiments/oshea_7_4.cfg --threads 2 --restart --progress"), "%s", out);
    free(err);
    free(out);
}

// The divergence rule: above the loss of guessing, or risen over the run.
Test(train, divergence_rule)
{
    const double chance = log(16.0);
    const double falling[] = {2.5, 1.0, 0.2, 0.05}, rising[] = {0.5, 0.2, 0.7}, above[] = {3.0, 2.9};
    cr_assert_eq(sim_train_diverged(falling, 4, chance), SIM_TRAIN_CONVERGED);
    cr_assert_eq(sim_train_diverged(rising, 3, chance), SIM_TRAIN_ROSE);
    cr_assert_eq(sim_train_diverged(above, 2, chance), SIM_TRAIN_ABOVE_CHANCE);
    cr_assert_eq(sim_train_diverged(above, 1, chance), SIM_TRAIN_ABOVE_CHANCE);
    cr_assert_eq(sim_train_diverged(falling, 1, chance), SIM_TRAIN_CONVERGED);
    cr_assert_eq(sim_train_diverged(falling, 0, chance), SIM_TRAIN_CONVERGED);
}
