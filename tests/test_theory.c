// test_theory.c - closed-form AWGN error rates (sim/theory) against values and brute force computed here.
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>

#include "classical.h"
#include "theory.h"

#include "test_util.h"

#define assert_rel(got, want, rel)                                                                           \
    cr_assert(fabs((got) - (want)) <= (rel)*fabs(want), "%s = %.17g, expected %.17g (rel %g)", #got, (got),  \
              (want), (rel))

// Q from the C library's erfc, independent of GSL.
static double ref_q(double x)
{
    return 0.5 * erfc(x / sqrt(2.0));
}

// p for Hamming (7,4) computed here: Q(sqrt(2 (4/7) Eb/N0)).
static double ref_ham_p(double ebno_db)
{
    return ref_q(sqrt(2.0 * 4.0 / 7.0 * pow(10.0, ebno_db / 10.0)));
}

// An independent Hamming (7,4) decoder: the 16 codewords from the parity equations
// p0 = d0^d1^d3, p1 = d0^d2^d3, p2 = d1^d2^d3, and the nearest codeword in Hamming distance
// (unique within distance 1 for a perfect code, which every word is).
static unsigned ref_decode(unsigned r)
{
    unsigned best = 0, best_dist = 8;
    for (unsigned d = 0; d < 16; d++) {
        const unsigned d0 = (d >> 3) & 1, d1 = (d >> 2) & 1, d2 = (d >> 1) & 1, d3 = d & 1;
        const unsigned cw = (d << 3) | ((d0 ^ d1 ^ d3) << 2) | ((d0 ^ d2 ^ d3) << 1) | (d1 ^ d2 ^ d3);
        const unsigned dist = popcount(cw ^ r);
        if (dist < best_dist) {
            best = d;
            best_dist = dist;
        }
    }
    return best;
}

// Brute force over the 128 error patterns on the all-zero codeword: BER and BLER at channel error p.
static void ref_ham_rates(double p, double *ber, double *bler)
{
    *ber = 0.0;
    *bler = 0.0;
    for (unsigned e = 0; e < 128; e++) {
        const unsigned w = popcount(e);
        const double pe = pow(p, w) * pow(1.0 - p, 7 - w);
        const unsigned data_err = popcount(ref_decode(e));
        *ber += pe * data_err / 4.0;
        if (data_err)
            *bler += pe;
    }
}

Test(theory, q_function)
{
    cr_assert_float_eq(theory_q(0.0), 0.5, 1e-15);
    assert_rel(theory_q(1.96), 0.024997895148220435, 1e-9);
    assert_rel(theory_q(-1.96), 1.0 - 0.024997895148220435, 1e-12);
    assert_rel(theory_q(6.0), ref_q(6.0), 1e-10);    // deep tail: 9.87e-10
    cr_assert_float_eq(theory_q(40.0), 0.0, 1e-300); // underflows quietly, no GSL abort
}

Test(theory, bpsk_ber)
{
    assert_rel(theory_bpsk_ber(0.0), 0.0786496, 1e-5);
    assert_rel(theory_bpsk_ber(0.0), ref_q(sqrt(2.0)), 1e-10);
    const double want = ref_q(sqrt(2.0 * pow(10.0, 0.96)));
    cr_assert(want > 0.5e-5 && want < 2e-5, "9.6 dB reference %g", want);
    assert_rel(theory_bpsk_ber(9.6), want, 1e-6);
    assert_rel(theory_bpsk_ber(-3.0), ref_q(sqrt(2.0 * pow(10.0, -0.3))), 1e-10);
    cr_assert_float_eq(theory_bpsk_ber(-INFINITY), 0.5, 1e-15);
}

Test(theory, block_error)
{
    cr_assert_float_eq(theory_block_error(0.3, 1), 0.3, 1e-15);
    cr_assert_float_eq(theory_block_error(0.0, 7), 0.0, 1e-300);
    cr_assert_float_eq(theory_block_error(1.0, 3), 1.0, 1e-15);
    assert_rel(theory_block_error(0.1, 4), 1.0 - pow(0.9, 4), 1e-12);
    // 1 - (1 - p)^4 = 4p - 6p^2 + ...: the naive form would lose ~4 digits here
    assert_rel(theory_block_error(1e-12, 4), 4e-12, 1e-9);
    assert_rel(theory_block_error(1e-15, 4), 4e-15, 1e-9);
}

Test(theory, hamming74_channel_ber)
{
    for (double db = -2.0; db <= 10.0; db += 1.5)
        assert_rel(theory_hamming74_channel_ber(db), ref_ham_p(db), 1e-10);
    // code rate 4/7: same p as uncoded BPSK at Eb/N0 + 10 log10(4/7) dB
    assert_rel(theory_hamming74_channel_ber(5.0), theory_bpsk_ber(5.0 + 10.0 * log10(4.0 / 7.0)), 1e-10);
}

Test(theory, hamming74_hard_bler)
{
    for (double db = -2.0; db <= 8.0; db += 2.0) {
        const double p = ref_ham_p(db);
        const double formula = 1.0 - pow(1.0 - p, 7) - 7.0 * p * pow(1.0 - p, 6);
        double ber, bler;
        ref_ham_rates(p, &ber, &bler);
        assert_rel(theory_hamming74_hard_bler(db), formula, 1e-9);
        assert_rel(theory_hamming74_hard_bler(db), bler, 1e-12);
    }
    // high Eb/N0, where 1 - (1-p)^7 - 7p(1-p)^6 cancels badly: 21 p^2 (1 - 10p/3) + O(p^4)
    const double p = ref_ham_p(14.0);
    double ber, bler;
    ref_ham_rates(p, &ber, &bler);
    assert_rel(theory_hamming74_hard_bler(14.0), bler, 1e-12);
    assert_rel(theory_hamming74_hard_bler(14.0), 21.0 * p * p * (1.0 - 10.0 * p / 3.0), 1e-9);
    cr_assert_float_eq(theory_hamming74_hard_bler(-INFINITY), 1.0 - 8.0 / 128.0, 1e-15);
}

Test(theory, hamming74_hard_ber)
{
    for (double db = -4.0; db <= 12.0; db += 2.0) {
        const double p = ref_ham_p(db);
        double ber, bler;
        ref_ham_rates(p, &ber, &bler);
        assert_rel(theory_hamming74_hard_ber(db), ber, 1e-12);
        // decoding failures hit at least one and at most all 4 data bits
        cr_assert(ber <= bler && ber >= bler / 4.0);
    }
    // p -> 0: the 21 double errors become the 7 weight-3 codewords, 3 each; their data weights sum
    // to 12, so BER ~ 3 * 12 / 4 p^2 = 9 p^2
    const double p = ref_ham_p(12.0);
    cr_assert(p < 2e-5, "p = %g", p);
    assert_rel(theory_hamming74_hard_ber(12.0) / (p * p), 9.0, 1e-3);
    // p = 1/2: every word equally likely, each data word decoded from 8 of them
    cr_assert_float_eq(theory_hamming74_hard_ber(-INFINITY), 0.5, 1e-15);
    cr_assert(theory_hamming74_hard_ber(40.0) < 1e-300);
}
