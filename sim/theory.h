// theory.h - closed-form error rates on AWGN that simulated points are checked against (sim/theory).
//
// Eb/N0 arguments are in dB (`ebno_db`); probabilities are linear. Special functions come from GSL.
#ifndef AESIM_THEORY_H
#define AESIM_THEORY_H

// Gaussian tail Q(x) = P(N(0,1) > x) = erfc(x / sqrt(2)) / 2 (gsl_sf_erfc).
double theory_q(double x);

// Uncoded BPSK bit error probability on AWGN: Q(sqrt(2 Eb/N0)) (Proakis, Digital Communications,
// 5th ed., eq. 4.3-13).
double theory_bpsk_ber(double ebno_db);

// Probability that a block of k independent bits, each wrong with probability p, has at least one
// error: 1 - (1 - p)^k (computed as -expm1(k log1p(-p)) for accuracy at small p).
double theory_block_error(double p, unsigned k);

// Channel bit error probability of Hamming (7,4) with BPSK on AWGN, hard decisions:
// p = Q(sqrt(2 R Eb/N0)), R = 4/7 (Eb counts information bits).
double theory_hamming74_channel_ber(double ebno_db);

// Block error probability of hard-decision syndrome decoding of Hamming (7,4): the code is perfect,
// so decoding fails iff two or more of the 7 bits flip: 1 - (1-p)^7 - 7 p (1-p)^6 (Lin & Costello,
// Error Control Coding, 2nd ed., Sec. 4.1).
double theory_hamming74_hard_bler(double ebno_db);

// Information bit error probability of hard-decision syndrome decoding of Hamming (7,4), exact:
// the sum over all 128 channel error patterns e of P(e) * (data bits in error after decoding e) / 4
// (the code is linear and the decoder symmetric, so the all-zero codeword suffices).
double theory_hamming74_hard_ber(double ebno_db);

#endif
