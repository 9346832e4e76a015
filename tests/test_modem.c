// test_modem.c - the modem family (PSK, QAM, PAM, custom tables): constellations, Gray labels, hard
// decisions against brute force, exact and max-log LLRs against a double-precision reference, and the
// txrx wrapper (models/modem).
#include <criterion/criterion.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "modem.h"
#include "txrx.h"

#include "test_util.h"

#define N_RANDOM 10000 // random received points per brute-force comparison

// Slack for float rounding: a decision that differs from brute force must be a near-tie, i.e. its
// squared distance within this much of the best one (a wrong sector or level is off by ~d_min^2).
#define NEAR_TIE 1e-5

// Every built-in scheme by canonical name (qam4 is accepted too and is tested as a scheme of its own).
static const char *const all_schemes[] = {"bpsk", "qpsk",  "psk8",  "psk16",  "psk32", "psk64",
                                          "qam4", "qam16", "qam64", "qam256", "pam2",  "pam4",
                                          "pam8", "pam16", "pam32", "pam64"};
#define N_SCHEMES (sizeof all_schemes / sizeof all_schemes[0])

// ---------------------------------------------------------------------------------------------------
// helpers

static mod_modem *create_named(const char *name)
{
    int family = -1;
    unsigned M = 0;
    cr_assert_eq(mod_scheme_parse(name, &family, &M), AE_OK, "%s: %s", name, ae_err_message());
    mod_modem *q = mod_modem_create(family, M);
    cr_assert_not_null(q, "%s: %s", name, ae_err_message());
    cr_assert_eq(q->M, M, "%s", name);
    cr_assert_eq(1u << q->m, M, "%s", name);
    cr_assert_eq(q->dims, family == MOD_PAM ? 1u : 2u, "%s", name);
    return q;
}

static gsl_rng *make_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert_not_null(r);
    gsl_rng_set(r, seed);
    return r;
}

// Squared distance from y (dims values) to the point of label l, in double.
static double dist2(const mod_modem *q, const float *y, uint32_t l)
{
    const double dr = (double)y[0] - q->points[2 * l];
    const double di = q->dims == 2 ? (double)y[1] - q->points[2 * l + 1] : 0.0;
    return dr * dr + di * di;
}

// The nearest label by exhaustive search in double, ties to the lower label.
static uint32_t brute_nearest(const mod_modem *q, const float *y)
{
    uint32_t best = 0;
    for (uint32_t l = 1; l < q->M; l++)
        if (dist2(q, y, l) < dist2(q, y, best))
            best = l;
    return best;
}

// Hard-decide n random points y [n][dims] and compare with brute force: equal, or a near-tie.
// Returns the number of exact agreements.
static size_t check_hard_vs_brute(const mod_modem *q, const float *y, size_t n, const char *what)
{
    uint32_t *lab = malloc(n * sizeof *lab);
    cr_assert_not_null(lab);
    mod_demod_hard(q, y, lab, n);
    size_t agree = 0;
    for (size_t i = 0; i < n; i++) {
        const float *yi = y + i * q->dims;
        const uint32_t ref = brute_nearest(q, yi);
        cr_assert_lt(lab[i], q->M, "%s: label %u out of range", what, lab[i]);
        if (lab[i] == ref) {
            agree++;
            continue;
        }
        const double d_got = dist2(q, yi, lab[i]), d_ref = dist2(q, yi, ref);
        cr_assert_leq(d_got - d_ref, NEAR_TIE,
                      "%s: y = (%.9g, %.9g) -> label %u (d2 %.9g), nearest %u (d2 %.9g)", what, yi[0],
                      q->dims == 2 ? yi[1] : 0.0f, lab[i], d_got, ref, d_ref);
    }
    free(lab);
    return agree;
}

// Uniform random points over a box a bit larger than the constellation, [n][dims].
static float *random_points(gsl_rng *r, size_t n, unsigned dims, double half_width)
{
    float *y = malloc(n * dims * sizeof *y);
    cr_assert_not_null(y);
    for (size_t i = 0; i < n * dims; i++)
        y[i] = (float)((2.0 * gsl_rng_uniform(r) - 1.0) * half_width);
    return y;
}

// Exact LLRs in double precision straight from the definition: per bit, log-sum-exp of
// -|y - s|^2 / (2 sigma2) over the labels with the bit 0 and with the bit 1, each around its own maximum.
static void ref_llr(const mod_modem *q, const float *y, double sigma2, int exact, double *llr)
{
    for (unsigned j = 0; j < q->m; j++) {
        double ln[2];
        for (unsigned b = 0; b < 2; b++) {
            double mx = -INFINITY;
            for (uint32_t l = 0; l < q->M; l++)
                if (((l >> (q->m - 1 - j)) & 1u) == b)
                    mx = fmax(mx, -dist2(q, y, l) / (2 * sigma2));
            double sum = 0.0;
            for (uint32_t l = 0; l < q->M; l++)
                if (((l >> (q->m - 1 - j)) & 1u) == b)
                    sum += exp(-dist2(q, y, l) / (2 * sigma2) - mx);
            ln[b] = exact ? mx + log(sum) : mx;
        }
        llr[j] = ln[0] - ln[1];
    }
}

// ---------------------------------------------------------------------------------------------------
// constellation invariants, every scheme

Test(modem, modulate_then_hard_demod_is_identity)
{
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        uint32_t lab[256], lab_hat[256];
        float x[512];
        for (uint32_t l = 0; l < q->M; l++) {
            lab[l] = l;
            lab_hat[l] = UINT32_MAX;
        }
        mod_modulate(q, lab, x, q->M);
        for (uint32_t l = 0; l < q->M; l++) {
            cr_assert_float_eq(x[l * q->dims], q->points[2 * l], 0.0, "%s label %u", all_schemes[s], l);
            if (q->dims == 2)
                cr_assert_float_eq(x[2 * l + 1], q->points[2 * l + 1], 0.0, "%s label %u", all_schemes[s], l);
        }
        mod_demod_hard(q, x, lab_hat, q->M);
        for (uint32_t l = 0; l < q->M; l++)
            cr_assert_eq(lab_hat[l], l, "%s: label %u -> %u", all_schemes[s], l, lab_hat[l]);
        mod_modem_destroy(q);
    }
}

Test(modem, unit_mean_energy)
{
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        double e = 0.0;
        for (uint32_t l = 0; l < q->M; l++) {
            e += (double)q->points[2 * l] * q->points[2 * l] +
                 (double)q->points[2 * l + 1] * q->points[2 * l + 1];
            if (q->dims == 1)
                cr_assert_float_eq(q->points[2 * l + 1], 0.0f, 0.0, "%s: PAM label %u has an imaginary part",
                                   all_schemes[s], l);
        }
        cr_assert_float_eq(e / q->M, 1.0, 1e-6, "%s: Es = %.9f", all_schemes[s], e / q->M);
        cr_assert_float_eq(q->es, 1.0, 1e-12, "%s: es field", all_schemes[s]);
        mod_modem_destroy(q);
    }
}

Test(modem, gray_nearest_neighbours_differ_in_one_bit_and_points_distinct)
{
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        double dmin2 = INFINITY;
        for (uint32_t a = 0; a < q->M; a++)
            for (uint32_t b = a + 1; b < q->M; b++)
                dmin2 = fmin(dmin2, dist2(q, q->points + 2 * a, b));
        // distinct, at the textbook minimum distance for unit Es
        double want = 4 * sin(M_PI / q->M) * sin(M_PI / q->M); // PSK
        if (q->family == MOD_QAM)
            want = 6.0 / (q->M - 1);
        if (q->family == MOD_PAM)
            want = 12.0 / ((double)q->M * q->M - 1);
        cr_assert_float_eq(dmin2, want, 1e-5 * want, "%s: d_min^2 = %g, expected %g", all_schemes[s], dmin2,
                           want);
        unsigned pairs = 0;
        for (uint32_t a = 0; a < q->M; a++)
            for (uint32_t b = a + 1; b < q->M; b++)
                if (dist2(q, q->points + 2 * a, b) <= dmin2 * (1 + 1e-4)) {
                    pairs++;
                    cr_assert_eq(popcount(a ^ b), 1, "%s: nearest neighbours %u and %u differ in %u bits",
                                 all_schemes[s], a, b, popcount(a ^ b));
                }
        // every point has a nearest neighbour: a ring (PSK, M >= 3) has M pairs, a line (PAM) M - 1, a
        // square grid 2 sqrt(M) (sqrt(M) - 1)
        unsigned expected = q->M - 1;
        if (q->family == MOD_PSK && q->M > 2)
            expected = q->M;
        if (q->family == MOD_QAM) {
            const unsigned side = 1u << (q->m / 2);
            expected = 2 * side * (side - 1);
        }
        cr_assert_eq(pairs, expected, "%s: %u nearest-neighbour pairs", all_schemes[s], pairs);
        mod_modem_destroy(q);
    }
}

// ---------------------------------------------------------------------------------------------------
// known constellations point by point

static void assert_point(const mod_modem *q, uint32_t l, double re, double im, const char *what)
{
    cr_assert_float_eq(q->points[2 * l], re, 1e-6, "%s label %u: re %.9f, expected %.9f", what, l,
                       q->points[2 * l], re);
    cr_assert_float_eq(q->points[2 * l + 1], im, 1e-6, "%s label %u: im %.9f, expected %.9f", what, l,
                       q->points[2 * l + 1], im);
}

Test(modem, bpsk_points)
{
    mod_modem *q = mod_modem_create(MOD_PSK, 2);
    cr_assert_not_null(q);
    assert_point(q, 0, 1.0, 0.0, "bpsk");
    assert_point(q, 1, -1.0, 0.0, "bpsk");
    cr_assert_eq(q->points[1], 0.0f, "bpsk: exactly real");
    cr_assert_eq(q->points[3], 0.0f, "bpsk: exactly real");
    mod_modem_destroy(q);
}

// 3GPP TS 38.211 Sec. 5.1, written out as the spec prints them: bit j of a label (MSB first) is b_j.
static unsigned bit(uint32_t l, unsigned m, unsigned j)
{
    return (l >> (m - 1 - j)) & 1u;
}

static double sgn(uint32_t l, unsigned m, unsigned j)
{
    return 1.0 - 2.0 * bit(l, m, j);
}

// Sec. 5.1.3, QPSK: d = [(1 - 2b0) + j(1 - 2b1)] / sqrt2.
static void spec_qpsk(uint32_t l, double *re, double *im)
{
    *re = sgn(l, 2, 0) / sqrt(2.0);
    *im = sgn(l, 2, 1) / sqrt(2.0);
}

// Sec. 5.1.4, 16-QAM: d = {(1 - 2b0)[2 - (1 - 2b2)] + j(1 - 2b1)[2 - (1 - 2b3)]} / sqrt10.
static void spec_qam16(uint32_t l, double *re, double *im)
{
    *re = sgn(l, 4, 0) * (2 - sgn(l, 4, 2)) / sqrt(10.0);
    *im = sgn(l, 4, 1) * (2 - sgn(l, 4, 3)) / sqrt(10.0);
}

// Sec. 5.1.5, 64-QAM: d = {(1 - 2b0)[4 - (1 - 2b2)[2 - (1 - 2b4)]] + j(1 - 2b1)[4 - (1 - 2b3)[2 - (1 -
// 2b5)]]} / sqrt42.
static void spec_qam64(uint32_t l, double *re, double *im)
{
    *re = sgn(l, 6, 0) * (4 - sgn(l, 6, 2) * (2 - sgn(l, 6, 4))) / sqrt(42.0);
    *im = sgn(l, 6, 1) * (4 - sgn(l, 6, 3) * (2 - sgn(l, 6, 5))) / sqrt(42.0);
}

// Sec. 5.1.6, 256-QAM: d = {(1 - 2b0)[8 - (1 - 2b2)[4 - (1 - 2b4)[2 - (1 - 2b6)]]]
//                         + j(1 - 2b1)[8 - (1 - 2b3)[4 - (1 - 2b5)[2 - (1 - 2b7)]]]} / sqrt170.
static void spec_qam256(uint32_t l, double *re, double *im)
{
    *re = sgn(l, 8, 0) * (8 - sgn(l, 8, 2) * (4 - sgn(l, 8, 4) * (2 - sgn(l, 8, 6)))) / sqrt(170.0);
    *im = sgn(l, 8, 1) * (8 - sgn(l, 8, 3) * (4 - sgn(l, 8, 5) * (2 - sgn(l, 8, 7)))) / sqrt(170.0);
}

static void check_against_spec(const char *name, void (*spec)(uint32_t, double *, double *))
{
    mod_modem *q = create_named(name);
    for (uint32_t l = 0; l < q->M; l++) {
        double re, im;
        spec(l, &re, &im);
        assert_point(q, l, re, im, name);
    }
    mod_modem_destroy(q);
}

Test(modem, qpsk_and_qam4_points_follow_38211)
{
    check_against_spec("qpsk", spec_qpsk);
    check_against_spec("psk4", spec_qpsk);
    check_against_spec("qam4", spec_qpsk);
}

Test(modem, qam16_every_point_follows_38211)
{
    check_against_spec("qam16", spec_qam16);
}

Test(modem, qam64_every_point_follows_38211)
{
    check_against_spec("qam64", spec_qam64);
}

Test(modem, qam256_every_point_follows_38211)
{
    check_against_spec("qam256", spec_qam256);
}

Test(modem, qpsk_is_qam4_point_by_point_and_in_every_decision)
{
    mod_modem *a = create_named("qpsk"), *b = create_named("qam4");
    for (unsigned i = 0; i < 8; i++)
        cr_assert(a->points[i] == b->points[i], "value %u: qpsk %.9g, qam4 %.9g", i, a->points[i],
                  b->points[i]);
    gsl_rng *r = make_rng(17);
    float *y = random_points(r, N_RANDOM, 2, 1.5);
    uint32_t la[1], lb[1];
    for (size_t i = 0; i < N_RANDOM; i++) {
        float La[2], Lb[2];
        mod_demod_hard(a, y + 2 * i, la, 1);
        mod_demod_hard(b, y + 2 * i, lb, 1);
        cr_assert_eq(la[0], lb[0], "y = (%g, %g): qpsk %u, qam4 %u", y[2 * i], y[2 * i + 1], la[0], lb[0]);
        for (int exact = 0; exact <= 1; exact++) {
            mod_demod_llr(a, y + 2 * i, 0.3, NULL, exact, La, 1);
            mod_demod_llr(b, y + 2 * i, 0.3, NULL, exact, Lb, 1);
            for (unsigned j = 0; j < 2; j++)
                cr_assert_float_eq(La[j], Lb[j], 1e-5 * fmax(1.0, fabsf(La[j])), "y %zu exact %d bit %u", i,
                                   exact, j);
        }
    }
    free(y);
    gsl_rng_free(r);
    mod_modem_destroy(a);
    mod_modem_destroy(b);
}

// One 38.211 axis: v(c0) = 1 - 2 c0, v(c0 c1 .. c(p-1)) = (1 - 2 c0) (2^(p-1) - v(c1 .. c(p-1))).
static double spec_axis(uint32_t c, unsigned p)
{
    const double s = 1.0 - 2.0 * ((c >> (p - 1)) & 1u);
    return p == 1 ? s : s * (double)(1u << (p - 1)) - s * spec_axis(c & ((1u << (p - 1)) - 1u), p - 1);
}

Test(modem, pam_points_are_one_38211_qam_axis)
{
    // pamM is the real part of the QAM rule: x / sqrt((M^2 - 1) / 3); 4-PAM 11 10 00 01 from -3 up
    const char *names[] = {"pam2", "pam4", "pam8", "pam16", "pam32", "pam64"};
    for (size_t s = 0; s < sizeof names / sizeof names[0]; s++) {
        mod_modem *q = create_named(names[s]);
        const double unit = sqrt(3.0 / ((double)q->M * q->M - 1));
        for (uint32_t l = 0; l < q->M; l++)
            assert_point(q, l, unit * spec_axis(l, q->m), 0.0, names[s]);
        mod_modem_destroy(q);
    }
    const double u = 1.0 / sqrt(5.0);
    mod_modem *q = create_named("pam4");
    assert_point(q, 3, -3 * u, 0.0, "pam4");
    assert_point(q, 2, -1 * u, 0.0, "pam4");
    assert_point(q, 0, 1 * u, 0.0, "pam4");
    assert_point(q, 1, 3 * u, 0.0, "pam4");
    mod_modem_destroy(q);
    // and the I axis of the square QAM of M^2 points: qam16 label b0 b1 b2 b3 has I = pam4 label b0 b2
    mod_modem *qam = create_named("qam16");
    q = create_named("pam4");
    for (uint32_t l = 0; l < 16; l++) {
        const uint32_t i_label = (bit(l, 4, 0) << 1) | bit(l, 4, 2);
        cr_assert_float_eq(qam->points[2 * l] * sqrt(10.0), q->points[2 * i_label] * sqrt(5.0), 1e-5,
                           "label %u", l);
    }
    mod_modem_destroy(q);
    mod_modem_destroy(qam);
}

Test(modem, llr_sign_and_bit_order_on_noiseless_points)
{
    // L_j = ln P(b_j = 0 | y) / P(b_j = 1 | y), LLR j for bit b_j of 38.211's order: on a noiseless point
    // every LLR's sign gives that point's bit (positive for 0)
    const struct {
        const char *name;
        double re, im; // a point as 38.211 writes it, before normalisation
        double scale;  // the normalisation
        const char *bits;
    } cases[] = {{"qpsk", 1, -1, sqrt(2.0), "01"},
                 {"qpsk", -1, 1, sqrt(2.0), "10"},
                 {"qam4", 1, -1, sqrt(2.0), "01"},
                 {"qam16", 1, 3, sqrt(10.0), "0001"},
                 {"qam16", -3, 1, sqrt(10.0), "1010"},
                 {"qam64", 7, -5, sqrt(42.0), "011110"},
                 {"qam64", 3, 3, sqrt(42.0), "000000"},
                 {"qam256", 5, 5, sqrt(170.0), "00000000"},
                 {"qam256", -15, 1, sqrt(170.0), "10101111"},
                 {"pam4", 3, 0, sqrt(5.0), "01"},
                 {"bpsk", -1, 0, 1.0, "1"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        mod_modem *q = create_named(cases[c].name);
        const float y[2] = {(float)(cases[c].re / cases[c].scale), (float)(cases[c].im / cases[c].scale)};
        uint32_t want = 0;
        for (unsigned j = 0; j < q->m; j++)
            want = (want << 1) | (uint32_t)(cases[c].bits[j] - '0');
        uint32_t l;
        mod_demod_hard(q, y, &l, 1);
        cr_assert_eq(l, want, "%s (%g, %g): hard label %u, expected %s", cases[c].name, cases[c].re,
                     cases[c].im, l, cases[c].bits);
        for (int exact = 0; exact <= 1; exact++) {
            float L[8];
            mod_demod_llr(q, y, 1e-3, NULL, exact, L, 1); // noise well below d_min/2 of 256-QAM
            for (unsigned j = 0; j < q->m; j++)
                cr_assert_eq(L[j] > 0.0f, cases[c].bits[j] == '0', "%s %s exact %d: L%u = %g", cases[c].name,
                             cases[c].bits, exact, j, L[j]);
        }
        mod_modem_destroy(q);
    }
    // the values too, for QPSK: L0 = 2 a Re y / sigma2 (b0 the sign of I), L1 = 2 a Im y / sigma2
    mod_modem *q = create_named("qpsk");
    const float y[2] = {0.4f, -0.9f};
    float L[2];
    mod_demod_llr(q, y, 0.5, NULL, 1, L, 1);
    cr_assert_float_eq(L[0], sqrt(2.0) * 0.4 / 0.5, 1e-5, "L0 %g", L[0]);
    cr_assert_float_eq(L[1], sqrt(2.0) * -0.9 / 0.5, 1e-5, "L1 %g", L[1]);
    mod_modem_destroy(q);
}

Test(modem, pam2_is_bpsk_on_the_real_axis)
{
    mod_modem *q = mod_modem_create(MOD_PAM, 2);
    cr_assert_not_null(q);
    assert_point(q, 0, 1.0, 0.0, "pam2");
    assert_point(q, 1, -1.0, 0.0, "pam2");
    mod_modem_destroy(q);
}

// ---------------------------------------------------------------------------------------------------
// the printed label tables (docs/constellations.md, README.md), written by `make constellations`

// The whole of a project file ($AESIM_ROOT, set by make test, or "."), NUL-terminated; the caller frees.
static char *read_project_file(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_root(), rel);
    char *text = read_file(path);
    cr_assert_not_null(text, "cannot open %s (run from the project root or set AESIM_ROOT)", path);
    return text;
}

Test(modem, docs_point_tables_are_the_transmitted_points)
{
    // every scheme's "### name" table lists each label once, in order, its bits MSB first and its point
    // to 6 decimals; a table that no longer matches the code must be regenerated
    static const char *const listed[] = {"bpsk", "qpsk",  "qam16", "qam64", "qam256",
                                         "psk8", "psk16", "psk32", "psk64", "pam2",
                                         "pam4", "pam8",  "pam16", "pam32", "pam64"};
    char *doc = read_project_file("docs/constellations.md");
    const char *points = strstr(doc, "\n## Points\n");
    cr_assert_not_null(points, "docs/constellations.md has no Points section");
    for (size_t s = 0; s < sizeof listed / sizeof listed[0]; s++) {
        char head[32];
        snprintf(head, sizeof head, "\n### %s\n", listed[s]);
        const char *at = strstr(points, head);
        cr_assert_not_null(at, "docs/constellations.md: no table for %s", listed[s]);
        at = strstr(at, "|---:|");
        cr_assert_not_null(at, "%s: table header missing", listed[s]);
        at = strchr(at, '\n') + 1;
        mod_modem *q = create_named(listed[s]);
        for (uint32_t l = 0; l < q->M; l++) {
            unsigned label;
            char bits[17], want[17];
            double re, im;
            int used = 0;
            cr_assert_eq(sscanf(at, "| %u | %16[01] | %lf | %lf |%n", &label, bits, &re, &im, &used), 4,
                         "%s row %u: '%.40s'", listed[s], l, at);
            cr_assert_gt(used, 0);
            for (unsigned j = 0; j < q->m; j++)
                want[j] = (char)('0' + bit(l, q->m, j));
            want[q->m] = '\0';
            cr_assert_eq(label, l, "%s: row %u holds label %u", listed[s], l, label);
            cr_assert_str_eq(bits, want, "%s label %u", listed[s], l);
            cr_assert_float_eq(re, q->points[2 * l], 1e-6, "%s label %u: I %.6f, the modem sends %.9f",
                               listed[s], l, re, q->points[2 * l]);
            cr_assert_float_eq(im, q->points[2 * l + 1], 1e-6, "%s label %u: Q %.6f, the modem sends %.9f",
                               listed[s], l, im, q->points[2 * l + 1]);
            at = strchr(at, '\n');
            cr_assert_not_null(at);
            at++;
        }
        cr_assert_neq(*at, '|', "%s: more than %u rows", listed[s], q->M);
        mod_modem_destroy(q);
    }
    free(doc);
}

Test(modem, readme_label_tables_are_the_generated_layouts)
{
    // README's block between its markers is the Layouts section of docs/constellations.md, verbatim
    char *readme = read_project_file("README.md"), *doc = read_project_file("docs/constellations.md");
    char *begin = strstr(readme, "<!-- label tables: begin");
    cr_assert_not_null(begin, "README.md: no label tables begin marker");
    begin = strchr(begin, '\n') + 1;
    char *end = strstr(begin, "<!-- label tables: end");
    cr_assert_not_null(end, "README.md: no label tables end marker");
    *end = '\0';
    cr_assert_gt(strlen(begin), 1000, "README.md: the label tables are missing");
    cr_assert_not_null(strstr(doc, begin),
                       "README.md's label tables differ from docs/constellations.md: run make "
                       "constellations");
    const char *names[] = {"**bpsk**", "**qpsk = qam4**", "**qam16**", "**qam64**", "**qam256**",
                           "**psk8**", "**psk64**",       "**pam2**",  "**pam4**",  "**pam64**"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_not_null(strstr(begin, names[i]), "README.md's label tables lack %s", names[i]);
    free(readme);
    free(doc);
}

// ---------------------------------------------------------------------------------------------------
// hard decisions

Test(modem, hard_matches_brute_force_every_scheme)
{
    gsl_rng *r = make_rng(20240611);
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        float *y = random_points(r, N_RANDOM, q->dims, 1.6); // beyond the outer points too (clamping)
        const size_t agree = check_hard_vs_brute(q, y, N_RANDOM, all_schemes[s]);
        cr_assert_geq(agree, N_RANDOM - 5, "%s: only %zu exact agreements", all_schemes[s], agree);
        free(y);
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

Test(modem, hard_psk_near_sector_boundaries)
{
    // points within +-1e-3 rad of every decision boundary (and a few far outside the unit circle)
    gsl_rng *r = make_rng(7);
    const unsigned Ms[] = {2, 4, 8, 16, 32, 64};
    for (size_t k = 0; k < sizeof Ms / sizeof Ms[0]; k++) {
        mod_modem *q = mod_modem_create(MOD_PSK, Ms[k]);
        cr_assert_not_null(q);
        const double off = Ms[k] == 4 ? M_PI / 4 : 0.0;
        float *y = malloc(2 * N_RANDOM * sizeof *y);
        cr_assert_not_null(y);
        for (size_t i = 0; i < N_RANDOM; i++) {
            const unsigned b = (unsigned)gsl_rng_uniform_int(r, Ms[k]);
            const double a = off + 2 * M_PI * (b + 0.5) / Ms[k] + (2 * gsl_rng_uniform(r) - 1) * 1e-3;
            const double rad = 0.05 + 3 * gsl_rng_uniform(r);
            y[2 * i] = (float)(rad * cos(a));
            y[2 * i + 1] = (float)(rad * sin(a));
        }
        char name[16];
        check_hard_vs_brute(q, y, N_RANDOM, mod_scheme_name(MOD_PSK, Ms[k], name, sizeof name));
        free(y);
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

Test(modem, hard_exact_ties_go_to_the_lower_label)
{
    uint32_t l;
    mod_modem *q = mod_modem_create(MOD_PSK, 2);
    mod_demod_hard(q, (const float[]){0.0f, 0.7f}, &l, 1);
    cr_assert_eq(l, 0, "bpsk y = 0 + 0.7j -> %u", l);
    mod_modem_destroy(q);

    q = mod_modem_create(MOD_PSK, 4);
    mod_demod_hard(q, (const float[]){0.0f, 0.0f}, &l, 1);
    cr_assert_eq(l, 0, "qpsk y = 0 -> %u", l);
    mod_modem_destroy(q);

    q = mod_modem_create(MOD_PAM, 4); // 0 is between +1 (label 00) and -1 (label 10)
    mod_demod_hard(q, (const float[]){0.0f}, &l, 1);
    cr_assert_eq(l, 0, "pam4 y = 0 -> %u", l);
    mod_modem_destroy(q);

    q = mod_modem_create(MOD_QAM, 16); // per axis between +1 (00) and -1 (10): 0000
    mod_demod_hard(q, (const float[]){0.0f, 0.0f}, &l, 1);
    cr_assert_eq(l, 0, "qam16 y = 0 -> %u", l);
    mod_demod_hard(q, (const float[]){-0.5f, 0.0f}, &l, 1); // I nearest -1 (10), Q a tie of 00 and 10
    cr_assert_eq(l, 8, "qam16 y = -0.5 -> %u", l);
    mod_modem_destroy(q);
}

Test(modem, hard_non_finite_input_gives_a_valid_label)
{
    const float bad[][2] = {
        {NAN, 0.3f}, {0.3f, NAN}, {INFINITY, -INFINITY}, {-INFINITY, 1.0f}, {1e30f, -1e30f}};
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            uint32_t l = UINT32_MAX;
            mod_demod_hard(q, bad[i], &l, 1);
            cr_assert_lt(l, q->M, "%s input %zu: label %u", all_schemes[s], i, l);
        }
        mod_modem_destroy(q);
    }
}

Test(modem, hard_custom_table_matches_brute_force)
{
    gsl_rng *r = make_rng(99);
    for (unsigned dims = 1; dims <= 2; dims++) {
        const unsigned M = 32;
        float pts[64];
        uint32_t lab[32];
        for (unsigned i = 0; i < M; i++)
            lab[i] = (i * 13u + 5u) % M; // a permutation (13 is odd)
        for (unsigned i = 0; i < M * dims; i++)
            pts[i] = (float)gsl_ran_gaussian(r, 1.0);
        mod_modem *q = mod_modem_create_table(pts, lab, M, dims);
        cr_assert_not_null(q, "%s", ae_err_message());
        cr_assert_eq(q->family, MOD_CUSTOM);
        float *y = random_points(r, N_RANDOM, dims, 2.5);
        const size_t agree =
            check_hard_vs_brute(q, y, N_RANDOM, dims == 1 ? "custom real" : "custom complex");
        cr_assert_geq(agree, N_RANDOM - 5);
        free(y);
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------------
// LLRs

Test(modem, bpsk_llr_is_2y_over_sigma2)
{
    const float ys[] = {-2.385f, -0.731f, -0.004f, 0.0f, 0.25f, 1.0f, 3.17f};
    const double s2s[] = {0.013, 0.5, 1.0, 4.7};
    mod_modem *q = mod_modem_create(MOD_PSK, 2);
    cr_assert_not_null(q);
    for (size_t a = 0; a < sizeof ys / sizeof ys[0]; a++)
        for (size_t b = 0; b < sizeof s2s / sizeof s2s[0]; b++)
            for (int exact = 0; exact <= 1; exact++) {
                const float y[2] = {ys[a], 0.37f}; // the imaginary part carries no information
                float L = NAN;
                mod_demod_llr(q, y, s2s[b], NULL, exact, &L, 1);
                const double want = 2.0 * ys[a] / s2s[b];
                cr_assert_float_eq(L, want, 1e-5 * fmax(1.0, fabs(want)),
                                   "y %g s2 %g exact %d: L %.9g, want %.9g", ys[a], s2s[b], exact, L, want);
            }
    mod_modem_destroy(q);
}

Test(modem, qpsk_llr_exact_equals_maxlog_and_is_linear)
{
    // separable per axis: the first bit (sign of I) has L = 2 a y_re / sigma2, the second (sign of Q)
    // L = 2 a y_im / sigma2, with a = 1/sqrt2, for both the exact and the max-log demapper
    const double a = 1.0 / sqrt(2.0);
    gsl_rng *r = make_rng(3);
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    cr_assert_not_null(q);
    for (int i = 0; i < 1000; i++) {
        const float y[2] = {(float)gsl_ran_gaussian(r, 1.0), (float)gsl_ran_gaussian(r, 1.0)};
        const double s2 = 0.05 + 2 * gsl_rng_uniform(r);
        float le[2], lm[2];
        mod_demod_llr(q, y, s2, NULL, 1, le, 1);
        mod_demod_llr(q, y, s2, NULL, 0, lm, 1);
        const double w0 = 2 * a * y[0] / s2, w1 = 2 * a * y[1] / s2;
        const double tol0 = 1e-5 * fmax(1.0, fabs(w0)), tol1 = 1e-5 * fmax(1.0, fabs(w1));
        cr_assert_float_eq(le[0], w0, tol0, "exact bit 0: %g vs %g", le[0], w0);
        cr_assert_float_eq(le[1], w1, tol1, "exact bit 1: %g vs %g", le[1], w1);
        cr_assert_float_eq(lm[0], w0, tol0, "max-log bit 0: %g vs %g", lm[0], w0);
        cr_assert_float_eq(lm[1], w1, tol1, "max-log bit 1: %g vs %g", lm[1], w1);
    }
    mod_modem_destroy(q);
    gsl_rng_free(r);
}

Test(modem, exact_llr_matches_double_reference)
{
    gsl_rng *r = make_rng(11);
    const double s2s[] = {0.003, 0.05, 0.4, 2.0};
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        for (size_t k = 0; k < sizeof s2s / sizeof s2s[0]; k++)
            for (int i = 0; i < 200; i++) {
                // a transmitted point plus noise of the assumed variance
                const uint32_t l = (uint32_t)gsl_rng_uniform_int(r, q->M);
                float y[2];
                for (unsigned d = 0; d < q->dims; d++)
                    y[d] = (float)(q->points[2 * l + d] + gsl_ran_gaussian(r, sqrt(s2s[k])));
                float L[8];
                double ref[8];
                for (int exact = 0; exact <= 1; exact++) {
                    mod_demod_llr(q, y, s2s[k], NULL, exact, L, 1);
                    ref_llr(q, y, s2s[k], exact, ref);
                    for (unsigned j = 0; j < q->m; j++)
                        cr_assert_float_eq(L[j], ref[j], 1e-4 * fmax(1.0, fabs(ref[j])),
                                           "%s exact %d s2 %g bit %u: %.9g vs reference %.9g", all_schemes[s],
                                           exact, s2s[k], j, L[j], ref[j]);
                }
            }
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

Test(modem, exact_llr_finite_and_correct_at_very_high_snr)
{
    // sigma2 = 1e-5: the far bit set sits thousands of nats below the nearest point, so a naive sum of
    // exp(metric - max) underflows to 0 and the LLR becomes infinite
    const char *names[] = {"qam16", "psk8", "pam8", "qam256"};
    gsl_rng *r = make_rng(12);
    for (size_t s = 0; s < sizeof names / sizeof names[0]; s++) {
        mod_modem *q = create_named(names[s]);
        for (int i = 0; i < 200; i++) {
            const uint32_t l = (uint32_t)gsl_rng_uniform_int(r, q->M);
            float y[2];
            for (unsigned d = 0; d < q->dims; d++)
                y[d] = (float)(q->points[2 * l + d] + gsl_ran_gaussian(r, 0.01));
            float L[8];
            double ref[8];
            mod_demod_llr(q, y, 1e-5, NULL, 1, L, 1);
            ref_llr(q, y, 1e-5, 1, ref);
            for (unsigned j = 0; j < q->m; j++) {
                cr_assert(isfinite(L[j]), "%s bit %u: L = %g", names[s], j, L[j]);
                cr_assert_float_eq(L[j], ref[j], 1e-4 * fmax(1.0, fabs(ref[j])), "%s bit %u: %.9g vs %.9g",
                                   names[s], j, L[j], ref[j]);
            }
        }
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

Test(modem, exact_llr_keeps_equal_far_points_past_underflow)
{
    // label 0 at the origin, label 1 at (-1, 0), labels 2 and 3 (first bit 1) at (1, +-1). For y = 0 and
    // sigma2 = 1e-3 the first bit's 1-set is exp(-1000) below the decision (0 in double), and holds two
    // equal terms: L = 1000 - ln 2 exactly, not the max-log 1000 and not infinity.
    const float pts[8] = {0.0f, 0.0f, -1.0f, 0.0f, 1.0f, 1.0f, 1.0f, -1.0f};
    const uint32_t lab[4] = {0, 1, 2, 3};
    mod_modem *q = mod_modem_create_table(pts, lab, 4, 2);
    cr_assert_not_null(q, "%s", ae_err_message());
    const float y[2] = {0.0f, 0.0f};
    float L[2];
    mod_demod_llr(q, y, 1e-3, NULL, 1, L, 1);
    cr_assert_float_eq(L[0], 1000.0 - log(2.0), 1e-3, "exact: %.6f", L[0]);
    mod_demod_llr(q, y, 1e-3, NULL, 0, L, 1);
    cr_assert_float_eq(L[0], 1000.0, 1e-3, "max-log: %.6f", L[0]);
    mod_modem_destroy(q);

    // the same on a PAM axis: 8-PAM, y half way between the levels 5u and 3u (one bit set); the other set's
    // nearest levels 7u and 1u are equally far, ~1900 nats down at sigma2 = 1e-4
    q = mod_modem_create(MOD_PAM, 8);
    cr_assert_not_null(q);
    const float y8[1] = {0.5f * (q->points[2 * 2] + q->points[2 * 0])}; // labels 010 (5u) and 000 (3u)
    float L8[3];
    double ref[3];
    mod_demod_llr(q, y8, 1e-4, NULL, 1, L8, 1);
    ref_llr(q, y8, 1e-4, 1, ref);
    for (unsigned j = 0; j < 3; j++)
        cr_assert_float_eq(L8[j], ref[j], 0.01, "pam8 bit %u: %.6f vs %.6f", j, L8[j], ref[j]);
    mod_modem_destroy(q);
}

Test(modem, maxlog_within_ln_half_M_of_exact)
{
    gsl_rng *r = make_rng(13);
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        const double bound = log(q->M / 2.0) + 1e-4;
        float *y = random_points(r, 500, q->dims, 1.5);
        float le[8], lm[8];
        for (size_t i = 0; i < 500; i++) {
            const double s2 = 0.01 + gsl_rng_uniform(r);
            mod_demod_llr(q, y + i * q->dims, s2, NULL, 1, le, 1);
            mod_demod_llr(q, y + i * q->dims, s2, NULL, 0, lm, 1);
            for (unsigned j = 0; j < q->m; j++)
                cr_assert_leq(fabs((double)le[j] - lm[j]), bound * (1 + 1e-5) + 1e-5 * fabsf(le[j]),
                              "%s bit %u: exact %g max-log %g", all_schemes[s], j, le[j], lm[j]);
        }
        free(y);
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

Test(modem, maxlog_sign_matches_hard_decision)
{
    gsl_rng *r = make_rng(14);
    for (size_t s = 0; s < N_SCHEMES; s++) {
        mod_modem *q = create_named(all_schemes[s]);
        float *y = random_points(r, 2000, q->dims, 1.5);
        uint32_t *lab = malloc(2000 * sizeof *lab);
        float *L = malloc(2000 * q->m * sizeof *L);
        cr_assert(lab && L);
        mod_demod_hard(q, y, lab, 2000);
        mod_demod_llr(q, y, 0.3, NULL, 0, L, 2000);
        for (size_t i = 0; i < 2000; i++)
            for (unsigned j = 0; j < q->m; j++) {
                const float Lij = L[i * q->m + j];
                if (fabsf(Lij) < 1e-3f) // a near-tie: either decision is right
                    continue;
                const unsigned bit = (lab[i] >> (q->m - 1 - j)) & 1u;
                cr_assert_eq(Lij < 0.0f, bit == 1, "%s point %zu bit %u: L %g, hard label %u", all_schemes[s],
                             i, j, Lij, lab[i]);
            }
        free(L);
        free(lab);
        free(y);
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

Test(modem, per_symbol_sigma2_is_honoured)
{
    gsl_rng *r = make_rng(15);
    const char *names[] = {"qam16", "psk8", "pam4"};
    for (size_t s = 0; s < sizeof names / sizeof names[0]; s++) {
        mod_modem *q = create_named(names[s]);
        enum { NS = 64 };
        float *y = random_points(r, NS, q->dims, 1.2);
        float s2sym[NS], L[NS * 4], L1[4], L2[4];
        for (size_t i = 0; i < NS; i++)
            s2sym[i] = (float)(0.02 + 3 * gsl_rng_uniform(r));
        for (int exact = 0; exact <= 1; exact++) {
            // the sigma2 argument is ignored when sigma2_sym is given
            mod_demod_llr(q, y, 1e9, s2sym, exact, L, NS);
            for (size_t i = 0; i < NS; i++) {
                mod_demod_llr(q, y + i * q->dims, s2sym[i], NULL, exact, L1, 1);
                for (unsigned j = 0; j < q->m; j++)
                    cr_assert_float_eq(L[i * q->m + j], L1[j], 1e-6 * fmax(1.0, fabsf(L1[j])),
                                       "%s exact %d symbol %zu bit %u", names[s], exact, i, j);
            }
        }
        // max-log scales exactly as 1 / sigma2
        for (size_t i = 0; i < NS; i++) {
            const float half[1] = {2 * s2sym[i]};
            mod_demod_llr(q, y + i * q->dims, 0.0, &s2sym[i], 0, L1, 1);
            mod_demod_llr(q, y + i * q->dims, 0.0, half, 0, L2, 1);
            for (unsigned j = 0; j < q->m; j++)
                cr_assert_float_eq(L2[j], 0.5f * L1[j], 1e-5 * fmax(1.0, fabsf(L1[j])),
                                   "%s symbol %zu bit %u", names[s], i, j);
        }
        free(y);
        mod_modem_destroy(q);
    }
    gsl_rng_free(r);
}

// ---------------------------------------------------------------------------------------------------
// custom tables

Test(modem, custom_shuffled_qam16_reproduces_builtin)
{
    gsl_rng *r = make_rng(16);
    mod_modem *ref = mod_modem_create(MOD_QAM, 16);
    cr_assert_not_null(ref);
    // the built-in table in a shuffled order: row i holds the point of label perm[i]
    uint32_t perm[16];
    for (uint32_t i = 0; i < 16; i++)
        perm[i] = i;
    gsl_ran_shuffle(r, perm, 16, sizeof perm[0]);
    float pts[32];
    for (unsigned i = 0; i < 16; i++) {
        pts[2 * i] = ref->points[2 * perm[i]];
        pts[2 * i + 1] = ref->points[2 * perm[i] + 1];
    }
    mod_modem *q = mod_modem_create_table(pts, perm, 16, 2);
    cr_assert_not_null(q, "%s", ae_err_message());
    cr_assert_eq(q->family, MOD_CUSTOM);
    cr_assert_eq(q->m, 4);
    cr_assert_float_eq(q->es, 1.0, 1e-6);
    for (unsigned l = 0; l < 32; l++)
        cr_assert_eq(q->points[l], ref->points[l], "point value %u", l);

    float *y = random_points(r, N_RANDOM, 2, 1.5);
    uint32_t *a = malloc(N_RANDOM * sizeof *a), *b = malloc(N_RANDOM * sizeof *b);
    cr_assert(a && b);
    mod_demod_hard(ref, y, a, N_RANDOM);
    mod_demod_hard(q, y, b, N_RANDOM);
    size_t agree = 0;
    for (size_t i = 0; i < N_RANDOM; i++) {
        if (a[i] == b[i]) {
            agree++;
            continue;
        }
        cr_assert_leq(fabs(dist2(ref, y + 2 * i, a[i]) - dist2(ref, y + 2 * i, b[i])), NEAR_TIE,
                      "point %zu: built-in %u, custom %u", i, a[i], b[i]);
    }
    cr_assert_geq(agree, N_RANDOM - 5);
    float La[4], Lb[4];
    for (size_t i = 0; i < 100; i++)
        for (int exact = 0; exact <= 1; exact++) {
            mod_demod_llr(ref, y + 2 * i, 0.2, NULL, exact, La, 1);
            mod_demod_llr(q, y + 2 * i, 0.2, NULL, exact, Lb, 1);
            for (unsigned j = 0; j < 4; j++)
                cr_assert_float_eq(La[j], Lb[j], 1e-5 * fmax(1.0, fabsf(La[j])), "point %zu bit %u", i, j);
        }
    free(a);
    free(b);
    free(y);
    mod_modem_destroy(q);
    mod_modem_destroy(ref);
    gsl_rng_free(r);
}

Test(modem, custom_es_is_the_mean_energy_unnormalised)
{
    const float pts[4] = {2.0f, -2.0f, 0.5f, -0.5f};
    const uint32_t lab[4] = {0, 3, 1, 2};
    mod_modem *q = mod_modem_create_table(pts, lab, 4, 1);
    cr_assert_not_null(q, "%s", ae_err_message());
    cr_assert_float_eq(q->es, (4 + 4 + 0.25 + 0.25) / 4.0, 1e-12);
    cr_assert_eq(q->dims, 1);
    cr_assert_float_eq(q->points[2 * 3], -2.0f, 0.0);
    cr_assert_float_eq(q->points[2 * 2], -0.5f, 0.0);
    mod_modem_destroy(q);
}

Test(modem, custom_rejects_bad_tables)
{
    float pts[32] = {0};
    for (unsigned i = 0; i < 32; i++)
        pts[i] = (float)i;
    const uint32_t dup[4] = {0, 1, 1, 3}, big[4] = {0, 1, 2, 4},
                   ok[16] = {3, 1, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    cr_assert_null(mod_modem_create_table(pts, dup, 4, 2));
    cr_assert(strstr(ae_err_message(), "permutation"), "%s", ae_err_message());
    cr_assert_null(mod_modem_create_table(pts, big, 4, 2));
    cr_assert(strstr(ae_err_message(), "permutation"), "%s", ae_err_message());
    cr_assert_null(mod_modem_create_table(pts, ok, 12, 2));
    cr_assert(strstr(ae_err_message(), "power of 2"), "%s", ae_err_message());
    cr_assert_null(mod_modem_create_table(pts, ok, 1, 2));
    cr_assert_null(mod_modem_create_table(pts, ok, 16, 3));
    cr_assert(strstr(ae_err_message(), "dims"), "%s", ae_err_message());
    pts[5] = NAN;
    cr_assert_null(mod_modem_create_table(pts, ok, 16, 2));
    pts[5] = 5.0f;
    mod_modem *q = mod_modem_create_table(pts, ok, 16, 2);
    cr_assert_not_null(q);
    mod_modem_destroy(q);
}

// ---------------------------------------------------------------------------------------------------
// transceiver

static void txrx_roundtrip(const char *name, size_t symbols, int demapper)
{
    mod_modem *q = create_named(name);
    txrx *t = mod_modem_txrx_create(q, symbols, demapper);
    cr_assert_not_null(t, "%s x%zu: %s", name, symbols, ae_err_message());
    cr_assert_eq(t->k, q->m * symbols);
    cr_assert_eq(t->n, q->dims * symbols);
    cr_assert_eq(t->symbols_per_block, symbols);
    cr_assert_eq(t->is_complex, q->dims == 2);
    cr_assert_not_null(t->vt->receive_llr);
    const size_t count = (size_t)1 << t->k;
    uint32_t *msg = malloc(count * sizeof *msg);
    uint64_t *bits = malloc(count * sizeof *bits), *hat = malloc(count * sizeof *hat); // k <= 24: one word
    float *x = malloc(count * t->n * sizeof *x), *llr = malloc(count * t->k * sizeof *llr);
    cr_assert(msg && bits && hat && x && llr);
    for (size_t i = 0; i < count; i++) {
        msg[i] = (uint32_t)i;
        txrx_set_index(bits + i, t->k, msg[i]);
        hat[i] = ~UINT64_C(0);
    }
    void *ws = t->vt->ws_create(t->st, count);
    cr_assert_not_null(ws);
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, count), AE_OK);
    // block energy: the average over all messages
    double e = 0.0;
    for (size_t i = 0; i < count * t->n; i++)
        e += (double)x[i] * x[i];
    cr_assert_float_eq(e / count, t->block_energy, 1e-5 * t->block_energy, "%s x%zu", name, symbols);
    cr_assert_float_eq(t->block_energy, q->es * symbols, 1e-12);
    // symbol i of a block carries the message's bits i*m .. i*m+m-1, MSB first
    const size_t last = count - 3 < count ? count - 3 : 0;
    for (size_t i = 0; i < symbols; i++) {
        const uint32_t l = (msg[last] >> (q->m * (symbols - 1 - i))) & (q->M - 1);
        for (unsigned d = 0; d < q->dims; d++)
            cr_assert_eq(x[last * t->n + i * q->dims + d], q->points[2 * l + d], "%s x%zu symbol %zu", name,
                         symbols, i);
    }
    const txrx_noise noise = {0.1, NULL};
    cr_assert_eq(t->vt->receive(t->st, ws, x, &noise, hat, count), AE_OK);
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(hat[i], bits[i], "%s x%zu demapper %d: %zu -> %016llx", name, symbols, demapper, i,
                     (unsigned long long)hat[i]);
    // noiseless LLR signs give the message bits back too
    cr_assert_eq(t->vt->receive_llr(t->st, ws, x, &noise, llr, count), AE_OK);
    for (size_t i = 0; i < count; i++)
        for (unsigned j = 0; j < t->k; j++)
            cr_assert_eq(llr[i * t->k + j] < 0.0f, ((msg[i] >> (t->k - 1 - j)) & 1u) == 1,
                         "%s x%zu msg %zu bit %u", name, symbols, i, j);
    t->vt->ws_destroy(ws);
    free(msg);
    free(bits);
    free(hat);
    free(x);
    free(llr);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

// Blocks of k > 64 bits (several words, k not a multiple of 64 unless noted): random bits go out
// symbol by symbol as the labels of txrx_get_bits and come back bit for bit from every demapper at a
// noise far below any decision distance, with the unused bits of the last word written as 0.
static void txrx_long_roundtrip(const char *name, size_t symbols, size_t batch)
{
    mod_modem *q = create_named(name);
    cr_assert_not_null(q);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 99);
    for (int demapper = MOD_DEMAP_HARD; demapper <= MOD_DEMAP_MAXLOG; demapper++) {
        txrx *t = mod_modem_txrx_create(q, symbols, demapper);
        cr_assert_not_null(t, "%s x%zu: %s", name, symbols, ae_err_message());
        cr_assert_eq(t->k, q->m * symbols);
        cr_assert(t->k > 64);
        const size_t W = txrx_words(t->k);
        uint64_t *bits = calloc(batch * W, sizeof *bits), *hat = malloc(batch * W * sizeof *hat);
        float *x = malloc(batch * t->n * sizeof *x);
        cr_assert(bits && hat && x);
        for (size_t b = 0; b < batch; b++)
            for (size_t j = 0; j < t->k; j++)
                txrx_set_bit(bits + b * W, j, (unsigned)gsl_rng_uniform_int(r, 2));
        for (size_t i = 0; i < batch * W; i++)
            hat[i] = ~UINT64_C(0);
        void *ws = t->vt->ws_create(t->st, batch);
        cr_assert_not_null(ws);
        cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, batch), AE_OK);
        for (size_t b = 0; b < batch; b++)
            for (size_t i = 0; i < symbols; i++) {
                uint32_t l = 0; // the label read bit by bit, MSB first
                for (unsigned j = 0; j < q->m; j++)
                    l = (l << 1) | txrx_get_bit(bits + b * W, i * q->m + j);
                for (unsigned d = 0; d < q->dims; d++)
                    cr_assert_eq(x[b * t->n + i * q->dims + d], q->points[2 * l + d],
                                 "%s x%zu block %zu sym %zu", name, symbols, b, i);
            }
        // add a small deterministic offset (well inside every decision region)
        for (size_t i = 0; i < batch * t->n; i++)
            x[i] += 1e-3f * sinf(0.37f * (float)i);
        cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){1e-3, NULL}, hat, batch), AE_OK);
        for (size_t i = 0; i < batch * W; i++)
            cr_assert_eq(hat[i], bits[i], "%s x%zu demapper %d: word %zu %016llx, sent %016llx", name,
                         symbols, demapper, i, (unsigned long long)hat[i], (unsigned long long)bits[i]);
        if (t->k % 64 != 0) { // a bit set beyond k in the last block is refused
            bits[batch * W - 1] |= 1u;
            cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, batch), AE_EINVAL);
        }
        t->vt->ws_destroy(ws);
        free(bits);
        free(hat);
        free(x);
        txrx_destroy(t);
    }
    gsl_rng_free(r);
    mod_modem_destroy(q);
}

Test(modem, txrx_roundtrip_blocks_of_many_words)
{
    txrx_long_roundtrip("bpsk", 1001, 3);   // 1001 bits: 16 words, 41 in the last
    txrx_long_roundtrip("qpsk", 500, 3);    // 1000 bits
    txrx_long_roundtrip("psk8", 333, 3);    // 999 bits, labels across word boundaries
    txrx_long_roundtrip("qam16", 300, 3);   // 1200 bits
    txrx_long_roundtrip("qam64", 171, 2);   // 1026 bits, 6-bit labels across word boundaries
    txrx_long_roundtrip("qam256", 9, 4);    // 72 bits: two words
    txrx_long_roundtrip("pam8", 100, 3);    // 300 bits
    txrx_long_roundtrip("qam16", 16384, 1); // 65536 bits, the largest block: 1024 full words
}

Test(modem, txrx_roundtrip_all_messages)
{
    const char *names[] = {"bpsk", "qpsk", "psk8", "qam16", "pam4", "pam8", "qam64"};
    for (size_t s = 0; s < sizeof names / sizeof names[0]; s++)
        for (size_t symbols = 1; symbols <= 3; symbols++)
            for (int demapper = MOD_DEMAP_HARD; demapper <= MOD_DEMAP_MAXLOG; demapper++)
                if (symbols == 1 || demapper == MOD_DEMAP_HARD || strcmp(names[s], "qam64") != 0)
                    txrx_roundtrip(names[s], symbols, demapper); // qam64 x2, x3 soft: slow, hard covers them
}

Test(modem, txrx_llr_layout_and_per_symbol_sigma2)
{
    // qpsk x3: receive_llr row b is the 6 LLRs of its 3 symbols, each with its own sigma2
    mod_modem *q = mod_modem_create(MOD_PSK, 4);
    cr_assert_not_null(q);
    for (int demapper = MOD_DEMAP_HARD; demapper <= MOD_DEMAP_MAXLOG; demapper++) {
        txrx *t = mod_modem_txrx_create(q, 3, demapper);
        cr_assert_not_null(t);
        void *ws = t->vt->ws_create(t->st, 2);
        cr_assert_not_null(ws);
        const float y[12] = {0.3f, -0.2f, -1.1f, 0.05f, 0.7f, 0.9f, -0.4f, -0.6f, 0.01f, 0.8f, 1.3f, -0.1f};
        const float s2[6] = {0.5f, 1.5f, 0.1f, 2.0f, 0.25f, 0.8f};
        float L[12], want[2];
        cr_assert_eq(t->vt->receive_llr(t->st, ws, y, &(txrx_noise){1.0, s2}, L, 2), AE_OK);
        for (size_t s = 0; s < 6; s++) {
            mod_demod_llr(q, y + 2 * s, s2[s], NULL, demapper == MOD_DEMAP_EXACT, want, 1);
            cr_assert_float_eq(L[2 * s], want[0], 1e-6 * fmax(1.0, fabsf(want[0])), "symbol %zu", s);
            cr_assert_float_eq(L[2 * s + 1], want[1], 1e-6 * fmax(1.0, fabsf(want[1])), "symbol %zu", s);
            // qpsk: L = sqrt2 y / sigma2 per axis, so the per-symbol variance must be the one used
            cr_assert_float_eq(L[2 * s], sqrt(2.0) * y[2 * s] / s2[s], 1e-4, "symbol %zu", s);
        }
        t->vt->ws_destroy(ws);
        txrx_destroy(t);
    }
    mod_modem_destroy(q);
}

Test(modem, txrx_bad_batch_message_and_arguments)
{
    mod_modem *q = mod_modem_create(MOD_QAM, 16);
    cr_assert_not_null(q);
    txrx *t = mod_modem_txrx_create(q, 2, MOD_DEMAP_EXACT);
    cr_assert_not_null(t);
    void *ws = t->vt->ws_create(t->st, 4);
    cr_assert_not_null(ws);
    uint64_t bits[5] = {0, UINT64_C(1) << 56, UINT64_C(2) << 56, UINT64_C(3) << 56, UINT64_C(4) << 56},
             hat[5];
    float x[5 * 4] = {0}, llr[5 * 8];
    const txrx_noise noise = {0.5, NULL};
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 5), AE_EBADLEN);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &noise, hat, 5), AE_EBADLEN);
    cr_assert_eq(t->vt->receive_llr(t->st, ws, x, &noise, llr, 5), AE_EBADLEN);
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 4), AE_OK);
    cr_assert_eq(t->vt->receive(t->st, ws, x, NULL, hat, 4), AE_EINVAL); // soft demapping needs sigma2
    cr_assert_eq(t->vt->receive_llr(t->st, ws, x, NULL, llr, 4), AE_EINVAL);
    bits[2] |= UINT64_C(1) << 55; // bit 8 of a k = 8 block
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 4), AE_EINVAL);
    cr_assert_null(t->vt->ws_create(t->st, 0));
    t->vt->ws_destroy(ws);
    txrx_destroy(t);

    cr_assert_null(mod_modem_txrx_create(q, 0, MOD_DEMAP_HARD));
    cr_assert_null(mod_modem_txrx_create(q, 16385, MOD_DEMAP_HARD)); // 65540 bits
    cr_assert(strstr(ae_err_message(), "65536"), "%s", ae_err_message());
    cr_assert_null(mod_modem_txrx_create(q, 1, 3));
    cr_assert_null(mod_modem_txrx_create(NULL, 1, MOD_DEMAP_HARD));
    t = mod_modem_txrx_create(q, 16384, MOD_DEMAP_HARD); // exactly 65536 bits
    cr_assert_not_null(t);
    cr_assert_eq(t->k, 65536);
    txrx_destroy(t);
    mod_modem_destroy(q);
}

// ---------------------------------------------------------------------------------------------------
// scheme names

Test(modem, scheme_parse_and_name_round_trip)
{
    for (size_t s = 0; s < N_SCHEMES; s++) {
        int family;
        unsigned M;
        char buf[16];
        cr_assert_eq(mod_scheme_parse(all_schemes[s], &family, &M), AE_OK, "%s", all_schemes[s]);
        cr_assert_str_eq(mod_scheme_name(family, M, buf, sizeof buf), all_schemes[s]);
    }
    const struct {
        const char *name;
        int family;
        unsigned M;
        const char *canonical;
    } cases[] = {
        {"bpsk", MOD_PSK, 2, "bpsk"},       {"psk2", MOD_PSK, 2, "bpsk"},    {"qpsk", MOD_PSK, 4, "qpsk"},
        {"psk4", MOD_PSK, 4, "qpsk"},       {"psk64", MOD_PSK, 64, "psk64"}, {"qam4", MOD_QAM, 4, "qam4"},
        {"qam256", MOD_QAM, 256, "qam256"}, {"pam2", MOD_PAM, 2, "pam2"},    {"pam64", MOD_PAM, 64, "pam64"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int family = -1;
        unsigned M = 0;
        char buf[16];
        cr_assert_eq(mod_scheme_parse(cases[i].name, &family, &M), AE_OK, "%s", cases[i].name);
        cr_assert_eq(family, cases[i].family, "%s", cases[i].name);
        cr_assert_eq(M, cases[i].M, "%s", cases[i].name);
        cr_assert_str_eq(mod_scheme_name(family, M, buf, sizeof buf), cases[i].canonical);
    }
}

Test(modem, scheme_parse_errors_are_helpful)
{
    const struct {
        const char *name;
        const char *hint; // a substring the message must hold
    } cases[] = {{"qam8", "power of 4"}, {"qam2", "4..256"},  {"qam1024", "4..256"},  {"psk3", "power of 2"},
                 {"psk128", "2..64"},    {"pam128", "2..64"}, {"pam0", "power of 2"}, {"foo", "qamM"},
                 {"", "bpsk"},           {"qam", "qamM"},     {"qam16x", "qamM"},     {"qam-16", "qamM"},
                 {"QAM16", "qamM"},      {"psk 8", "pskM"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int family = -7;
        unsigned M = 12345;
        ae_err_clear();
        cr_assert_eq(mod_scheme_parse(cases[i].name, &family, &M), AE_EINVAL, "'%s'", cases[i].name);
        cr_assert(strstr(ae_err_message(), cases[i].hint), "'%s': message '%s' lacks '%s'", cases[i].name,
                  ae_err_message(), cases[i].hint);
        cr_assert_eq(family, -7, "'%s' wrote family", cases[i].name);
        cr_assert_eq(M, 12345, "'%s' wrote M", cases[i].name);
    }
    cr_assert_eq(mod_scheme_parse(NULL, &(int){0}, &(unsigned){0}), AE_EINVAL);
}

Test(modem, create_rejects_bad_family_and_order)
{
    cr_assert_null(mod_modem_create(MOD_QAM, 8));
    cr_assert(strstr(ae_err_message(), "power of 4"), "%s", ae_err_message());
    cr_assert_null(mod_modem_create(MOD_PSK, 128));
    cr_assert_null(mod_modem_create(MOD_PAM, 3));
    cr_assert_null(mod_modem_create(MOD_CUSTOM, 16));
    cr_assert(strstr(ae_err_message(), "create_table"), "%s", ae_err_message());
    cr_assert_null(mod_modem_create(42, 4));
    mod_modem_destroy(NULL);
}
