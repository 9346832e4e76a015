// theory.c - closed-form AWGN error rates for checking simulated points (sim/).
#include "theory.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_erf.h>

#include "ae_err.h"
#include "classical.h"
#include "modem.h"

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

// ---------------------------------------------------------------------------------------------
// modulations: PAM, square QAM, PSK on AWGN and on flat Rayleigh / Rician fading

#define PAM_M_MAX 64u
#define QAM_M_MAX 256u
#define PSK_M_MAX 64u

// GSL adaptive integration: relative accuracy asked for, and the most subintervals kept. The
// integrands are smooth and the results are probabilities, so a pure relative tolerance is safe
// (GSL reports success when the estimate underflows to an exact 0).
#define INTEG_EPSREL 1e-10
#define INTEG_LIMIT  1000u

static int is_pow2(unsigned v)
{
    return v && !(v & (v - 1));
}

static unsigned log2_u(unsigned v)
{
    unsigned m = 0;
    while (v > 1u) {
        v >>= 1;
        m++;
    }
    return m;
}

static int pam_valid(unsigned M)
{
    return M >= 2u && M <= PAM_M_MAX && is_pow2(M);
}

// square QAM: M = 4^j
static int qam_valid(unsigned M)
{
    return M >= 4u && M <= QAM_M_MAX && is_pow2(M) && log2_u(M) % 2u == 0u;
}

static int psk_valid(unsigned M)
{
    return M >= 2u && M <= PSK_M_MAX && is_pow2(M);
}

// M-PAM SER at linear Es/N0 `g` (real symbols, noise variance N0/2): levels +-d, +-3d, ... with
// Es = d^2 (M^2 - 1) / 3, so d / sigma = sqrt(6 g / (M^2 - 1)); the M - 2 inner points err on both
// sides, the 2 outer ones on one.
static double pam_ser_lin(unsigned M, double g)
{
    const double Md = (double)M;
    return 2.0 * (1.0 - 1.0 / Md) * theory_q(sqrt(6.0 * g / (Md * Md - 1.0)));
}

// Gray M-PAM BER at linear Es/N0 `g`, Cho & Yoon 2002, eq. (14) with log2(M) gamma_b = g:
//   P_b = (1/log2 M) sum_{k=1}^{log2 M} P_b(k),
//   P_b(k) = (1/M) sum_{i=0}^{(1 - 2^-k) M - 1} (-1)^floor(i 2^(k-1) / M)
//            (2^(k-1) - floor(i 2^(k-1) / M + 1/2)) erfc((2i + 1) sqrt(3 g / (M^2 - 1))).
// The floors are computed in integers: floor(i 2^(k-1)/M + 1/2) = floor((i 2^k + M) / (2M)).
static double pam_ber_lin(unsigned M, double g)
{
    const unsigned m = log2_u(M);
    const double Md = (double)M;
    const double arg = sqrt(3.0 * g / (Md * Md - 1.0));
    double sum = 0.0;
    for (unsigned k = 1; k <= m; k++) {
        const unsigned half = 1u << (k - 1); // 2^(k-1)
        const unsigned n_i = M - (M >> k);   // (1 - 2^-k) M
        double pk = 0.0;
        for (unsigned i = 0; i < n_i; i++) {
            const unsigned fl = i * half / M;                    // floor(i 2^(k-1) / M)
            const unsigned rnd = (2u * i * half + M) / (2u * M); // floor(i 2^(k-1) / M + 1/2)
            const double w = (double)half - (double)rnd;
            if (w == 0.0)
                continue;
            const double term = w * gsl_sf_erfc((2.0 * i + 1.0) * arg);
            pk += (fl & 1u) ? -term : term;
        }
        sum += pk / Md;
    }
    return sum / (double)m;
}

// square M-QAM = two independent Gray sqrt(M)-PAM axes, each with half the symbol energy.
// SER 1 - (1 - p)^2 = p (2 - p) without cancellation at small p.
static double qam_ser_lin(unsigned M, double g)
{
    const double p = pam_ser_lin(1u << (log2_u(M) / 2u), 0.5 * g);
    return p * (2.0 - p);
}

// each axis carries half the bits with the same BER, so the average is one axis' BER
// (Cho & Yoon 2002, eq. (16)).
static double qam_ber_lin(unsigned M, double g)
{
    return pam_ber_lin(1u << (log2_u(M) / 2u), 0.5 * g);
}

// ---------------------------------------------------------------------------------------------
// PSK: Craig / Pawula form of the received phase and its average over fading by the MGF.
//
// With Es/N0 = g, the phase theta of the received point (sent at angle 0) satisfies, for 0 <= psi <= pi,
//   G(psi) = P(psi < theta <= pi) = (1/2pi) int_0^{pi - psi} exp(-g sin^2 psi / sin^2 phi) dphi
// (Craig 1991; Pawula, Rice & Roberts 1982), so the SER is 2 G(pi/M) (Craig's eq. (9)). Averaged over
// x = |h|^2 on a fading channel (Es/N0 = g x), exp(-t) becomes the moment generating function
// E[exp(-t x)] (Simon & Alouini, 2nd ed., eq. 8.22): Rayleigh 1 / (1 + t), Rician with E x = 1
// (1 + K) / (1 + K + t) exp(-K t / (1 + K + t)) (eq. 2.17).

struct psk_g_par {
    double g;       // Es/N0, linear
    double sin2psi; // sin^2 psi
    int channel;    // enum theory_channel
    double k;       // Rician K factor (linear)
};

static double mgf_neg(int channel, double k, double t)
{
    switch (channel) {
    case THEORY_RAYLEIGH: return 1.0 / (1.0 + t);
    case THEORY_RICIAN: return (1.0 + k) / (1.0 + k + t) * exp(-k * t / (1.0 + k + t));
    default: return exp(-t);
    }
}

static double psk_g_integrand(double phi, void *params)
{
    const struct psk_g_par *p = params;
    const double s = sin(phi);
    if (s == 0.0) // the limit phi -> 0 (never sampled by Gauss-Kronrod; avoids 0 * inf)
        return p->g > 0.0 ? 0.0 : 1.0;
    return mgf_neg(p->channel, p->k, p->g * p->sin2psi / (s * s));
}

// G(psi) for 0 < psi < pi into *out; a GSL status.
static int psk_g(double psi, double g, int channel, double k, gsl_integration_workspace *ws, double *out)
{
    struct psk_g_par par = {g, sin(psi) * sin(psi), channel, k};
    gsl_function f = {psk_g_integrand, &par};
    double abserr;
    const int status = gsl_integration_qag(&f, 0.0, M_PI - psi, 0.0, INTEG_EPSREL, INTEG_LIMIT,
                                           GSL_INTEG_GAUSS21, ws, out, &abserr);
    *out /= 2.0 * M_PI;
    return status;
}

static unsigned gray(unsigned i)
{
    return i ^ (i >> 1);
}

static unsigned popcount_u(unsigned v)
{
    unsigned c = 0;
    for (; v; v &= v - 1u)
        c++;
    return c;
}

// SER and exact Gray BER of M-PSK at Es/N0 g on `channel` (either output may be NULL). Lassing et al.
// 2003: sector j (j = 1..M-1) is the decision region of the point at angle 2 pi j / M from the sent
// one; P_j = G((2j-1) pi/M) - G((2j+1) pi/M) for j < M/2, P_{M/2} = 2 G(pi - pi/M), P_{M-j} = P_j;
//   BER = (1/log2 M) sum_j P_j w_j,  w_j = (1/M) sum_i popcount(gray(i) ^ gray((i + j) mod M)),
// the mean Hamming distance between labels j sectors apart (exact by rotational symmetry).
static int psk_rates(unsigned M, double g, int channel, double k, double *ser, double *ber)
{
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(INTEG_LIMIT);
    if (!ws)
        return GSL_ENOMEM;
    const unsigned half = M / 2u;
    const double step = M_PI / (double)M;
    double g_prev = 0.0; // G((2j-1) pi/M)
    double ber_sum = 0.0;
    int status = psk_g(step, g, channel, k, ws, &g_prev);
    if (ser)
        *ser = 2.0 * g_prev;
    for (unsigned j = 1; ber && status == GSL_SUCCESS && j <= half; j++) {
        double p_j;
        if (j < half) {
            double g_next;
            status = psk_g((2.0 * j + 1.0) * step, g, channel, k, ws, &g_next);
            p_j = g_prev - g_next;
            g_prev = g_next;
        } else {
            p_j = 2.0 * g_prev;
        }
        unsigned dist = 0;
        for (unsigned i = 0; i < M; i++)
            dist += popcount_u(gray(i) ^ gray((i + j) % M));
        // sectors j and M - j (the same one when j = M/2)
        const double mult = (j < half) ? 2.0 : 1.0;
        ber_sum += mult * p_j * (double)dist / (double)M;
    }
    if (ber)
        *ber = ber_sum / (double)log2_u(M);
    gsl_integration_workspace_free(ws);
    return status;
}

double theory_pam_ser(unsigned M, double esno_db)
{
    return pam_valid(M) ? pam_ser_lin(M, db_to_linear(esno_db)) : NAN;
}

double theory_pam_ber(unsigned M, double esno_db)
{
    return pam_valid(M) ? pam_ber_lin(M, db_to_linear(esno_db)) : NAN;
}

double theory_qam_ser(unsigned M, double esno_db)
{
    return qam_valid(M) ? qam_ser_lin(M, db_to_linear(esno_db)) : NAN;
}

double theory_qam_ber(unsigned M, double esno_db)
{
    return qam_valid(M) ? qam_ber_lin(M, db_to_linear(esno_db)) : NAN;
}

double theory_psk_ser(unsigned M, double esno_db)
{
    double ser;
    if (!psk_valid(M) || psk_rates(M, db_to_linear(esno_db), THEORY_AWGN, 0.0, &ser, NULL) != GSL_SUCCESS)
        return NAN;
    return ser;
}

double theory_psk_ber(unsigned M, double esno_db)
{
    double ber;
    if (!psk_valid(M) || psk_rates(M, db_to_linear(esno_db), THEORY_AWGN, 0.0, NULL, &ber) != GSL_SUCCESS)
        return NAN;
    return ber;
}

// Proakis, Digital Communications, 5th ed., eq. 13.3-7.
double theory_bpsk_rayleigh_ber(double ebno_db)
{
    const double g = db_to_linear(ebno_db);
    return 0.5 * (1.0 - sqrt(g / (1.0 + g)));
}

// ---------------------------------------------------------------------------------------------
// PAM / QAM on fading: int_0^inf P(g x) f(x) dx with the pdf of x = |h|^2 (E x = 1).

struct fade_par {
    int family; // MOD_QAM or MOD_PAM
    unsigned M;
    int want_ber;
    double g;    // mean Es/N0, linear
    int channel; // THEORY_RAYLEIGH or THEORY_RICIAN
    double k;    // Rician K factor
};

// Rician (Simon & Alouini eq. 2.16, Omega = 1):
//   f(x) = (K+1) e^-K e^-(K+1)x I0(2 sqrt(K(K+1)x)) = (K+1) I0_scaled(z) exp(-(sqrt((K+1)x) - sqrt K)^2),
// z = 2 sqrt(K(K+1)x), since I0(z) = I0_scaled(z) e^z and -K - (K+1)x + z = -(sqrt((K+1)x) - sqrt K)^2.
static double fade_pdf(int channel, double k, double x)
{
    if (channel == THEORY_RAYLEIGH || k == 0.0)
        return exp(-x);
    const double z = 2.0 * sqrt(k * (k + 1.0) * x);
    const double e = sqrt((k + 1.0) * x) - sqrt(k);
    return (k + 1.0) * gsl_sf_bessel_I0_scaled(z) * exp(-e * e);
}

static double fade_integrand(double x, void *params)
{
    const struct fade_par *p = params;
    const double pdf = fade_pdf(p->channel, p->k, x);
    if (pdf == 0.0)
        return 0.0;
    const double gx = p->g * x;
    double rate;
    if (p->family == MOD_QAM)
        rate = p->want_ber ? qam_ber_lin(p->M, gx) : qam_ser_lin(p->M, gx);
    else
        rate = p->want_ber ? pam_ber_lin(p->M, gx) : pam_ser_lin(p->M, gx);
    return rate * pdf;
}

// Split at x = 1 (the mean, near the Rician peak K / (K+1)): QAG on [0, 1], QAGIU on [1, inf).
static int fade_average(struct fade_par *par, gsl_integration_workspace *ws, double *out)
{
    // At a high mean SNR g the integrand lives near x ~ 1/g (deep fades); a rule whose nodes all miss
    // that region returns 0. Breakpoints at 1/g and 100/g (below 1) put it inside a first panel.
    gsl_function f = {fade_integrand, par};
    double edges[4] = {0.0, 0.0, 0.0, 1.0};
    size_t n_edges = 1;
    if (1.0 / par->g < 1.0)
        edges[n_edges++] = 1.0 / par->g;
    if (100.0 / par->g < 1.0)
        edges[n_edges++] = 100.0 / par->g;
    edges[n_edges++] = 1.0;
    double sum = 0.0, part, abserr;
    int status = GSL_SUCCESS;
    for (size_t i = 0; i + 1 < n_edges && status == GSL_SUCCESS; i++) {
        status = gsl_integration_qag(&f, edges[i], edges[i + 1], 0.0, INTEG_EPSREL, INTEG_LIMIT,
                                     GSL_INTEG_GAUSS21, ws, &part, &abserr);
        sum += part;
    }
    if (status == GSL_SUCCESS) {
        status = gsl_integration_qagiu(&f, 1.0, 0.0, INTEG_EPSREL, INTEG_LIMIT, ws, &part, &abserr);
        sum += part;
    }
    *out = (status == GSL_SUCCESS) ? sum : NAN;
    return status;
}

int theory_scheme(int family, unsigned M, int channel, double k_factor, double esno_db, double *ser,
                  double *ber)
{
    if (ser)
        *ser = NAN;
    if (ber)
        *ber = NAN;
    if (family == MOD_PSK) {
        if (!psk_valid(M))
            return AE_ERROR(AE_EINVAL, "theory: psk%u: M must be a power of 2, 2..%u", M, PSK_M_MAX);
    } else if (family == MOD_QAM) {
        if (!qam_valid(M))
            return AE_ERROR(AE_EINVAL, "theory: qam%u: square QAM needs M a power of 4, 4..%u", M, QAM_M_MAX);
    } else if (family == MOD_PAM) {
        if (!pam_valid(M))
            return AE_ERROR(AE_EINVAL, "theory: pam%u: M must be a power of 2, 2..%u", M, PAM_M_MAX);
    } else {
        return AE_ERROR(AE_EINVAL, "theory: unknown modulation family %d (0 PSK, 1 QAM, 2 PAM)", family);
    }
    if (channel != THEORY_AWGN && channel != THEORY_RAYLEIGH && channel != THEORY_RICIAN)
        return AE_ERROR(AE_EINVAL, "theory: unknown channel %d (0 AWGN, 1 Rayleigh, 2 Rician)", channel);
    if (!(k_factor >= 0.0) || isinf(k_factor))
        return AE_ERROR(AE_EINVAL, "theory: Rician K factor %g, expected a finite K >= 0", k_factor);
    if (isnan(esno_db))
        return AE_ERROR(AE_EINVAL, "theory: Es/N0 is NaN");

    const double g = db_to_linear(esno_db);
    if (family == MOD_PSK) {
        const int status = psk_rates(M, g, channel, k_factor, ser, ber);
        if (status != GSL_SUCCESS) {
            if (ser)
                *ser = NAN;
            if (ber)
                *ber = NAN;
            return AE_ERROR(AE_ERUNTIME, "theory: psk%u integration failed at %g dB: %s", M, esno_db,
                            gsl_strerror(status));
        }
        return AE_OK;
    }
    if (channel == THEORY_AWGN) {
        if (ser)
            *ser = (family == MOD_QAM) ? qam_ser_lin(M, g) : pam_ser_lin(M, g);
        if (ber)
            *ber = (family == MOD_QAM) ? qam_ber_lin(M, g) : pam_ber_lin(M, g);
        return AE_OK;
    }

    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(INTEG_LIMIT);
    if (!ws)
        return AE_ERROR(AE_ENOMEM, "theory: integration workspace");
    struct fade_par par = {family, M, 0, g, channel, k_factor};
    int status = GSL_SUCCESS;
    if (ser)
        status = fade_average(&par, ws, ser);
    if (ber && status == GSL_SUCCESS) {
        par.want_ber = 1;
        status = fade_average(&par, ws, ber);
    }
    gsl_integration_workspace_free(ws);
    if (status != GSL_SUCCESS) {
        if (ser)
            *ser = NAN;
        if (ber)
            *ber = NAN;
        return AE_ERROR(AE_ERUNTIME, "theory: %s%u fading average failed at %g dB: %s",
                        family == MOD_QAM ? "qam" : "pam", M, esno_db, gsl_strerror(status));
    }
    return AE_OK;
}
