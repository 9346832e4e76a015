// theory.c - closed-form AWGN error rates for checking simulated points (sim/).
#include "theory.h"

#include <math.h>

#include <gsl/gsl_sf_erf.h>

#include "classical.h"

#define HAM74_N 7u
#define HAM74_K 4u

static double db_to_linear(double db)
{
    return pow(10.0, db / 10.0);
}

double theory_q(double x)
{
    return 0.5 * gsl_sf_erfc(x / sqrt(2.0));
}

// Proakis, Digital Communications, 5th ed., eq. 4.3-13.
double theory_bpsk_ber(double ebno_db)
{
    return theory_q(sqrt(2.0 * db_to_linear(ebno_db)));
}

double theory_block_error(double p, unsigned k)
{
    return -expm1((double)k * log1p(-p));
}

// Each coded bit carries Es = R Eb with R = 4/7.
double theory_hamming74_channel_ber(double ebno_db)
{
    const double rate = (double)HAM74_K / HAM74_N;
    return theory_q(sqrt(2.0 * rate * db_to_linear(ebno_db)));
}

// 1 - (1-p)^7 - 7p(1-p)^6, summed as sum_{w=2..7} C(7,w) p^w (1-p)^(7-w): every term is positive,
// so there is no cancellation at small p.
double theory_hamming74_hard_bler(double ebno_db)
{
    const double p = theory_hamming74_channel_ber(ebno_db);
    double binom = 7.0; // C(7, 1)
    double sum = 0.0;
    for (unsigned w = 2; w <= HAM74_N; w++) {
        binom = binom * (double)(HAM74_N - w + 1) / (double)w; // C(7, w)
        sum += binom * pow(p, (double)w) * pow(1.0 - p, (double)(HAM74_N - w));
    }
    return sum;
}

static unsigned popcount_u8(uint8_t v)
{
    unsigned c = 0;
    for (; v; v &= (uint8_t)(v - 1))
        c++;
    return c;
}

// Send the all-zero codeword; pattern e is received with probability p^w (1-p)^(7-w), and the decoded
// data word is then itself the data error pattern.
double theory_hamming74_hard_ber(double ebno_db)
{
    const double p = theory_hamming74_channel_ber(ebno_db);
    double sum = 0.0;
    for (unsigned e = 0; e < (1u << HAM74_N); e++) {
        const unsigned w = popcount_u8((uint8_t)e);
        const unsigned data_errors = popcount_u8(mod_hamming74_decode_hard((uint8_t)e));
        if (data_errors)
            sum += data_errors * pow(p, (double)w) * pow(1.0 - p, (double)(HAM74_N - w));
    }
    return sum / HAM74_K;
}
