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

// ---------------------------------------------------------------------------------------------
// modulations (Gray labelling, unit average symbol energy, equally likely symbols). Arguments are
// Es/N0 in dB (`esno_db`, per modulation symbol: per complex symbol for PSK/QAM, per real one for PAM);
// results are probabilities per symbol (SER) or per bit (BER).

// M-PAM on AWGN, exact (Cho & Yoon, "On the general BER expression of one- and two-dimensional
// amplitude modulations", IEEE Trans. Commun. 50(7), 2002, eq. (14) for the BER; SER
// 2 (1 - 1/M) Q(sqrt(6 Es/N0 / (M^2 - 1)))). M = 2..64, power of 2; NAN otherwise.
double theory_pam_ser(unsigned M, double esno_db);
double theory_pam_ber(unsigned M, double esno_db);

// Square M-QAM on AWGN, exact: SER 1 - (1 - P_sqrtM)^2 with P_sqrtM the SER of sqrt(M)-PAM at half the
// energy; BER by Cho & Yoon 2002, eq. (16) (the average of the two Gray PAM axes). M = 4..256, power
// of 4; NAN otherwise.
double theory_qam_ser(unsigned M, double esno_db);
double theory_qam_ber(unsigned M, double esno_db);

// M-PSK SER on AWGN by Craig's formula (J. W. Craig, MILCOM 1991, eq. (9)):
// (1/pi) int_0^{(M-1) pi / M} exp(-Es/N0 sin^2(pi/M) / sin^2 phi) dphi, integrated with GSL (QAG).
// M = 2..64, power of 2; NAN otherwise.
double theory_psk_ser(unsigned M, double esno_db);

// Exact Gray M-PSK BER on AWGN (Lassing, Strom, Agrell & Ottosson, "Computation of the exact bit-error
// rate of coherent M-ary PSK with Gray code bit mapping", IEEE Trans. Commun. 51(11), 2003): the
// probabilities of landing in each decision sector (Craig-type integrals, with GSL) weighted by the
// Hamming distance of its Gray label, divided by log2 M. Not SER / log2 M, which is not exact at low
// Es/N0. M = 2..64, power of 2; NAN otherwise.
double theory_psk_ber(unsigned M, double esno_db);

enum theory_channel {
    THEORY_AWGN = 0,
    THEORY_RAYLEIGH = 1, // flat, E|h|^2 = 1, perfect CSI, coherent detection
    THEORY_RICIAN = 2    // flat, K factor (linear) = LOS power / scattered power, E|h|^2 = 1, perfect CSI
};

// BPSK (and Gray QPSK, per bit) on flat Rayleigh fading with perfect CSI, closed form:
// (1/2) (1 - sqrt(g / (1 + g))), g = Eb/N0 (Proakis, Digital Communications, 5th ed., eq. 13.3-7).
double theory_bpsk_rayleigh_ber(double ebno_db);

// SER and BER of a scheme (family and M as in models/modem.h: 0 PSK, 1 QAM, 2 PAM) on a channel, at
// Es/N0 in dB. For fading channels the AWGN expressions are averaged over the distribution of
// |h|^2 (exponential for Rayleigh; non-central chi-square with 2 degrees of freedom for Rician:
// f(x) = (K+1) e^{-K} e^{-(K+1) x} I0(2 sqrt(K (K+1) x)), Simon & Alouini, Digital Communication over
// Fading Channels, 2nd ed., eq. 2.16) with GSL adaptive integration on [0, inf); PSK on fading uses the
// equivalent MGF form of Craig's integrals instead (Simon & Alouini, Sec. 8.1: exp(-t) replaced by
// E[exp(-t x)], 1/(1+t) for Rayleigh, (1+K)/(1+K+t) exp(-K t/(1+K+t)) for Rician).
// Either output may be NULL; both are NAN on error. Returns AE_OK; AE_EINVAL for an unknown scheme or
// channel, k_factor < 0 or not finite, or esno_db NaN; AE_ERUNTIME if an integration fails;
// AE_ENOMEM if its workspace cannot be allocated.
int theory_scheme(int family, unsigned M, int channel, double k_factor, double esno_db, double *ser,
                  double *ber);

#endif
