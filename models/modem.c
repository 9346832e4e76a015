// modem.c - M-PSK, square M-QAM, M-PAM and custom constellations as one table with Gray labels, with
// fast per-family hard decisions, exact and max-log LLRs, and the txrx wrapper (models/).
//
// Built-in constellations. A label of m bits is read MSB first, b0 b1 ... b(m-1) with b0 = (l >> (m-1)) & 1;
// gray(i) = i ^ (i >> 1) is the binary-reflected Gray code (neighbouring indices differ in one bit).
//   * QAM follows 3GPP TS 38.211 Sec. 5.1 (5.1.3 for 4-QAM, 5.1.4 16-QAM, 5.1.5 64-QAM, 5.1.6 256-QAM):
//     the even bits b0 b2 b4 ... choose the I level and the odd bits b1 b3 b5 ... the Q level, each by the
//     spec's nested rule, which for the p bits c0 .. c(p-1) of one axis reads
//       v(c0) = 1 - 2 c0,   v(c0 c1 .. c(p-1)) = (1 - 2 c0) (2^(p-1) - v(c1 .. c(p-1))),
//     e.g. 16-QAM d = {(1-2b0)[2-(1-2b2)] + j(1-2b1)[2-(1-2b3)]} / sqrt10: b0 and b1 are the signs of I and
//     Q (0 positive), b2 and b3 choose the inner (0) or outer (1) level. The integer levels are scaled by
//     unit = sqrt(3 / (2 (M - 1))) (1/sqrt2, 1/sqrt10, 1/sqrt42, 1/sqrt170) for Es = 1. Solved for the level
//     index, the axis label of level unit * (side - 1 - 2i) (i = 0 the most positive) is
//     gray(i) ^ (side/2 - 1); read from the most negative level up it is the complement of gray(i).
//     16-QAM label 0000 -> (1+j)/sqrt10, 0011 -> (3+3j)/sqrt10, 1111 -> (-3-3j)/sqrt10.
//   * PAM is one such axis on the real line (the real part of the QAM rule, as Sionna's PAM), unit =
//     sqrt(3 / (M^2 - 1)): 4-PAM labels 11, 10, 00, 01 at -3, -1, +1, +3 over sqrt5; pam2 is label 0 -> +1,
//     label 1 -> -1.
//   * PSK, M = 4 (QPSK, 38.211 Sec. 5.1.3): the table of qam4, d = [(1-2b0) + j(1-2b1)] / sqrt2, so b0 is the
//     sign of I and b1 that of Q (labels 00, 10, 11, 01 counterclockwise from (1+j)/sqrt2).
//   * PSK, M = 2 (BPSK): label 0 -> +1, label 1 -> -1 on the real axis. 38.211 Sec. 5.1.2 puts the same
//     signs on (1+j)/sqrt2, a rotation by 45 degrees that changes no distance, decision or LLR when y is
//     rotated with it; on the real axis BPSK needs one real channel use per bit (pam2, uncoded BPSK).
//   * PSK, M >= 8 (not in 38.211): index i at angle 2 pi i / M carries label gray(i), Gray counterclockwise
//     from +1.
// Hard decisions slice per axis (PAM, QAM), by sign (BPSK, QPSK), by angle (PSK, M >= 8) or search all
// points (custom); exact ties go to the lower label.
#include "modem.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"

#define MOD_PI 3.14159265358979323846

#define MOD_PSK_M_MAX    64u
#define MOD_QAM_M_MAX    256u
#define MOD_PAM_M_MAX    64u
#define MOD_CUSTOM_M_MAX 65536u
#define MOD_M_BITS_MAX   16u        // log2 MOD_CUSTOM_M_MAX
#define MOD_TXRX_K_MAX   TXRX_K_MAX // bits per block (packed words; no message index limits it)

// Below this a sum of exp(metric - max) may hold subnormal terms large enough to matter: the exact LLR
// then recomputes that bit set's log-sum-exp around its own maximum (only at extreme SNRs).
#define MOD_LSE_RESCUE (0x1p53 * DBL_MIN)

typedef struct mod_impl {
    double *half_energy;             // [M] |s|^2 / 2 by label, for the LLR metrics
    unsigned side;                   // PAM / QAM: levels per axis
    unsigned axis_bits;              // PAM / QAM: label bits per axis (QAM: m / 2; PAM: m)
    uint32_t axis_xor;               // PAM / QAM: side/2 - 1, level index i carries axis label gray(i) ^ this
    float inv_unit;                  // PAM / QAM: 1 / unit, level index i sits at unit * (side - 1 - 2i)
    float axis_level[MOD_PAM_M_MAX]; // PAM / QAM: [side] the level of each axis label
    uint32_t spread[MOD_PAM_M_MAX];  // QAM: [side] axis label with bit k moved to bit 2k (I: << 1 more)
    float offset;                    // PSK, M >= 8: angle of index 0 [radians]
    float sectors;                   // PSK, M >= 8: M / (2 pi) [sectors per radian]
} mod_impl;

static inline uint32_t gray(uint32_t i)
{
    return i ^ (i >> 1);
}

// The axis label of level index i (level unit * (side - 1 - 2i)) under the nested rule of 38.211.
static inline uint32_t axis_label(uint32_t i, uint32_t axis_xor)
{
    return gray(i) ^ axis_xor;
}

// Bit k of a moved to bit 2k: the I axis label's bits go to the label's even bits b0 b2 .. (shifted up by
// one more), the Q axis label's to the odd bits b1 b3 .. (38.211 Sec. 5.1.4-5.1.6).
static uint32_t spread_bits(uint32_t a)
{
    uint32_t s = 0;
    for (unsigned k = 0; (a >> k) != 0; k++)
        s |= ((a >> k) & 1u) << (2 * k);
    return s;
}

static int is_pow2(unsigned v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static unsigned log2u(unsigned v)
{
    unsigned m = 0;
    while (v >>= 1)
        m++;
    return m;
}

// ---------------------------------------------------------------------------------------------------
// scheme names

// Check M for a built-in family; AE_OK or AE_EINVAL with a message naming the valid range. `what` names
// the input in the message (the scheme name, or "" to print family and M).
static int check_builtin(int family, unsigned M, const char *what)
{
    switch (family) {
    case MOD_PSK:
        if (is_pow2(M) && M >= 2 && M <= MOD_PSK_M_MAX)
            return AE_OK;
        return *what ? AE_ERROR(AE_EINVAL, "%s: PSK needs M a power of 2, 2..%u", what, MOD_PSK_M_MAX)
                     : AE_ERROR(AE_EINVAL, "psk%u: PSK needs M a power of 2, 2..%u", M, MOD_PSK_M_MAX);
    case MOD_QAM:
        if (is_pow2(M) && log2u(M) % 2 == 0 && M >= 4 && M <= MOD_QAM_M_MAX)
            return AE_OK;
        return *what ? AE_ERROR(AE_EINVAL, "%s: square QAM needs M a power of 4, 4..%u", what, MOD_QAM_M_MAX)
                     : AE_ERROR(AE_EINVAL, "qam%u: square QAM needs M a power of 4, 4..%u", M, MOD_QAM_M_MAX);
    case MOD_PAM:
        if (is_pow2(M) && M >= 2 && M <= MOD_PAM_M_MAX)
            return AE_OK;
        return *what ? AE_ERROR(AE_EINVAL, "%s: PAM needs M a power of 2, 2..%u", what, MOD_PAM_M_MAX)
                     : AE_ERROR(AE_EINVAL, "pam%u: PAM needs M a power of 2, 2..%u", M, MOD_PAM_M_MAX);
    case MOD_CUSTOM: return AE_ERROR(AE_EINVAL, "custom constellation: make it with mod_modem_create_table");
    default: return AE_ERROR(AE_EINVAL, "modulation family %d, expected PSK, QAM or PAM", family);
    }
}

int mod_scheme_parse(const char *name, int *family, unsigned *M)
{
    static const char expected[] = "expected bpsk, qpsk, pskM (M = 2..64, a power of 2), qamM (M = 4..256, a "
                                   "power of 4) or pamM (M = 2..64, a power of 2)";
    if (!name || !family || !M)
        return AE_ERROR(AE_EINVAL, "modulation scheme: no name given, %s", expected);
    if (strcmp(name, "bpsk") == 0 || strcmp(name, "qpsk") == 0) {
        *family = MOD_PSK;
        *M = name[0] == 'b' ? 2u : 4u;
        return AE_OK;
    }
    int fam;
    if (strncmp(name, "psk", 3) == 0)
        fam = MOD_PSK;
    else if (strncmp(name, "qam", 3) == 0)
        fam = MOD_QAM;
    else if (strncmp(name, "pam", 3) == 0)
        fam = MOD_PAM;
    else
        return AE_ERROR(AE_EINVAL, "modulation scheme '%s' unknown, %s", name, expected);
    // M: decimal digits only (no sign, no spaces, no suffix), at most 6 of them.
    const char *digits = name + 3;
    const size_t nd = strlen(digits);
    if (nd == 0 || nd > 6 || strspn(digits, "0123456789") != nd)
        return AE_ERROR(AE_EINVAL, "modulation scheme '%s': M missing or not a number, %s", name, expected);
    const unsigned v = (unsigned)strtoul(digits, NULL, 10);
    const int rc = check_builtin(fam, v, name);
    if (rc != AE_OK)
        return rc;
    *family = fam;
    *M = v;
    return AE_OK;
}

const char *mod_scheme_name(int family, unsigned M, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    if (family == MOD_PSK && M == 2)
        snprintf(buf, len, "bpsk");
    else if (family == MOD_PSK && M == 4)
        snprintf(buf, len, "qpsk");
    else if (family == MOD_PSK)
        snprintf(buf, len, "psk%u", M);
    else if (family == MOD_QAM)
        snprintf(buf, len, "qam%u", M);
    else if (family == MOD_PAM)
        snprintf(buf, len, "pam%u", M);
    else if (family == MOD_CUSTOM)
        snprintf(buf, len, "custom%u", M);
    else
        snprintf(buf, len, "unknown");
    return buf;
}

// ---------------------------------------------------------------------------------------------------
// construction

void mod_modem_destroy(mod_modem *q)
{
    if (!q)
        return;
    mod_impl *im = q->impl;
    if (im)
        free(im->half_energy);
    free(im);
    free(q->points);
    free(q);
}

// Allocate a modem of M >= 2 points with its tables (points zeroed); NULL with AE_ENOMEM.
static mod_modem *modem_alloc(int family, unsigned M, unsigned dims)
{
    mod_modem *q = calloc(1, sizeof *q);
    mod_impl *im = calloc(1, sizeof *im);
    float *points = calloc((size_t)M * 2, sizeof *points);
    double *half_energy = calloc(M, sizeof *half_energy);
    if (!q || !im || !points || !half_energy) {
        free(q);
        free(im);
        free(points);
        free(half_energy);
        AE_ERROR(AE_ENOMEM, "modem: cannot allocate a constellation of %u points", M);
        return NULL;
    }
    im->half_energy = half_energy;
    *q = (mod_modem){
        .family = family, .M = M, .m = log2u(M), .dims = dims, .points = points, .es = 1.0, .impl = im};
    return q;
}

// |s|^2 / 2 per label, from the float points actually transmitted.
static void fill_half_energy(mod_modem *q)
{
    mod_impl *im = q->impl;
    for (unsigned l = 0; l < q->M; l++) {
        const double re = q->points[2 * l], imv = q->points[2 * l + 1];
        im->half_energy[l] = 0.5 * (re * re + imv * imv);
    }
}

// The per-axis tables of PAM and QAM (and of QPSK, which is qam4): `side` levels unit * (side - 1 - 2i),
// level i carrying the axis label gray(i) ^ (side/2 - 1) (38.211's nested rule, see the top of the file).
static void fill_axis(mod_impl *im, unsigned side, double unit)
{
    im->side = side;
    im->axis_bits = log2u(side);
    im->axis_xor = (side >> 1) - 1u;
    im->inv_unit = (float)(1.0 / unit);
    for (uint32_t i = 0; i < side; i++) {
        im->axis_level[axis_label(i, im->axis_xor)] = (float)(unit * ((double)side - 1 - 2.0 * i));
        im->spread[i] = spread_bits(i);
    }
}

// Square QAM from the axis tables: label (spread(a) << 1) | spread(b) sits at (level(a), level(b)), i.e. the
// label's even bits b0 b2 .. are the I axis label and its odd bits b1 b3 .. the Q axis label.
static void fill_square(mod_modem *q)
{
    const mod_impl *im = q->impl;
    for (uint32_t a = 0; a < im->side; a++)
        for (uint32_t b = 0; b < im->side; b++) {
            const uint32_t l = (im->spread[a] << 1) | im->spread[b];
            q->points[2 * l] = im->axis_level[a];
            q->points[2 * l + 1] = im->axis_level[b];
        }
}

mod_modem *mod_modem_create(int family, unsigned M)
{
    if (check_builtin(family, M, "") != AE_OK)
        return NULL;
    mod_modem *q = modem_alloc(family, M, family == MOD_PAM ? 1u : 2u);
    if (!q)
        return NULL;
    mod_impl *im = q->impl;
    float *p = q->points; // [M][2] by label
    if (family == MOD_PSK && M == 4) {
        // QPSK = qam4 (38.211 Sec. 5.1.3), built by the same code so the two tables are equal bit for bit;
        // decided by the signs of I and Q (no angle slicer)
        fill_axis(im, 2, sqrt(0.5));
        fill_square(q);
    } else if (family == MOD_PSK) {
        im->offset = 0.0f;
        im->sectors = (float)(M / (2 * MOD_PI));
        for (uint32_t i = 0; i < M; i++) {
            const double a = 2 * MOD_PI * i / M;
            const uint32_t g = gray(i);
            p[2 * g] = (float)cos(a);
            p[2 * g + 1] = (float)sin(a);
        }
        if (M == 2) { // exactly on the real axis (sin(pi) is not 0 in floating point)
            p[1] = 0.0f;
            p[3] = 0.0f;
        }
    } else if (family == MOD_QAM) {
        const unsigned side = 1u << (q->m / 2);
        // unit^2 * mean over levels of (side - 1 - 2i)^2 = unit^2 (side^2 - 1) / 3 per axis, two axes
        fill_axis(im, side, sqrt(3.0 / (2.0 * (double)(side * side - 1))));
        fill_square(q);
    } else { // MOD_PAM
        fill_axis(im, M, sqrt(3.0 / (double)(M * M - 1)));
        for (uint32_t a = 0; a < M; a++)
            p[2 * a] = im->axis_level[a];
    }
    fill_half_energy(q);
    return q;
}

mod_modem *mod_modem_create_table(const float *points, const uint32_t *labels, unsigned M, unsigned dims)
{
    if (!points || !labels) {
        AE_ERROR(AE_EINVAL, "custom constellation: points or labels missing");
        return NULL;
    }
    if (!is_pow2(M) || M < 2 || M > MOD_CUSTOM_M_MAX) {
        AE_ERROR(AE_EINVAL, "custom constellation: M = %u, expected a power of 2, 2..%u", M,
                 MOD_CUSTOM_M_MAX);
        return NULL;
    }
    if (dims != 1 && dims != 2) {
        AE_ERROR(AE_EINVAL, "custom constellation: dims = %u, expected 1 (real) or 2 (complex)", dims);
        return NULL;
    }
    mod_modem *q = modem_alloc(MOD_CUSTOM, M, dims);
    if (!q)
        return NULL;
    // labels must be a permutation of 0..M-1; half_energy doubles as the "seen" marks until filled
    double *seen = ((mod_impl *)q->impl)->half_energy;
    double e = 0.0;
    for (unsigned i = 0; i < M; i++) {
        const uint32_t l = labels[i];
        if (l >= M || seen[l] != 0.0) {
            AE_ERROR(AE_EINVAL, "custom constellation: labels[%u] = %lu %s, expected a permutation of 0..%u",
                     i, (unsigned long)l, l >= M ? "out of range" : "repeated", M - 1);
            mod_modem_destroy(q);
            return NULL;
        }
        seen[l] = 1.0;
        const float re = points[(size_t)i * dims], imv = dims == 2 ? points[(size_t)i * 2 + 1] : 0.0f;
        if (!isfinite(re) || !isfinite(imv)) {
            AE_ERROR(AE_EINVAL, "custom constellation: point %u is not finite", i);
            mod_modem_destroy(q);
            return NULL;
        }
        q->points[2 * (size_t)l] = re;
        q->points[2 * (size_t)l + 1] = imv;
        e += (double)re * re + (double)imv * imv;
    }
    q->es = e / M;
    fill_half_energy(q);
    return q;
}

// ---------------------------------------------------------------------------------------------------
// modulation and hard decisions

void mod_modulate(const mod_modem *q, const uint32_t *labels, float *x, size_t n_sym)
{
    const float *p = q->points;
    const uint32_t mask = q->M - 1; // labels are < M by contract; the mask keeps reads in the table
    if (q->dims == 2) {
        for (size_t s = 0; s < n_sym; s++) {
            const uint32_t l = labels[s] & mask;
            x[2 * s] = p[2 * l];
            x[2 * s + 1] = p[2 * l + 1];
        }
    } else {
        for (size_t s = 0; s < n_sym; s++)
            x[s] = p[2 * (labels[s] & mask)];
    }
}

// PAM slicer on one axis: the axis label of the nearest level unit * (side - 1 - 2i), branch-free (random
// data would mispredict a clamp-and-round cascade). A NaN still gives a valid label.
static inline uint32_t slice_axis(float v, float inv_unit, unsigned side, uint32_t axis_xor)
{
    const float hi = (float)(side - 1);
    float t = 0.5f * (hi - v * inv_unit); // fractional level index
    // clamp to [0, hi] as two "a < b ? a : b" (each one minss; a max form would branch over signed zeros)
    float u = -t;
    u = u < 0.0f ? u : 0.0f;
    t = -u < hi ? -u : hi;
    const float r = t + 0.5f;
    uint32_t i = (uint32_t)r; // round half up ...
    // ... but an exact tie between i - 1 and i goes to the lower label
    i -= (uint32_t)(((float)i == r) & (i > 0) & (axis_label(i - 1, axis_xor) < axis_label(i, axis_xor)));
    return axis_label(i, axis_xor);
}

// M-PSK for M >= 8: the sector of the angle. Ties (exactly half way) go to the lower label.
static inline uint32_t slice_psk(float re, float imv, float offset, float sectors, uint32_t mask)
{
    float t = (atan2f(imv, re) - offset) * sectors; // fractional index, about -M/2..M/2
    t = t == t ? t : 0.0f;                          // a NaN y must not reach the integer conversion
    float f = (float)(int32_t)t;                    // truncation toward 0 ...
    if (f > t)
        f -= 1.0f; // ... made a floor
    const float d = t - f;
    uint32_t i = (uint32_t)(int32_t)f & mask; // two's complement wrap, M a power of 2
    if (d > 0.5f || (d == 0.5f && gray((i + 1) & mask) < gray(i)))
        i = (i + 1) & mask;
    return gray(i);
}

// Nearest of M points by exhaustive search, strict < so ties keep the lower label.
static inline uint32_t nearest_point(const float *p, unsigned M, float re, float imv)
{
    uint32_t best = 0;
    float best_d = INFINITY;
    for (uint32_t l = 0; l < M; l++) {
        const float dr = re - p[2 * l], di = imv - p[2 * l + 1];
        const float d = dr * dr + di * di;
        if (d < best_d) {
            best_d = d;
            best = l;
        }
    }
    return best;
}

void mod_demod_hard(const mod_modem *q, const float *y, uint32_t *labels, size_t n_sym)
{
    const mod_impl *im = q->impl;
    switch (q->family) {
    case MOD_PSK:
        if (q->M == 2) { // sign of I; y = 0 reads as label 0
            for (size_t s = 0; s < n_sym; s++)
                labels[s] = y[2 * s] < 0.0f ? 1u : 0u;
        } else if (q->M == 4) { // first bit = sign of I, second = sign of Q (38.211 QPSK)
            for (size_t s = 0; s < n_sym; s++)
                labels[s] = (y[2 * s] < 0.0f ? 2u : 0u) | (y[2 * s + 1] < 0.0f ? 1u : 0u);
        } else {
            const uint32_t mask = q->M - 1;
            for (size_t s = 0; s < n_sym; s++)
                labels[s] = slice_psk(y[2 * s], y[2 * s + 1], im->offset, im->sectors, mask);
        }
        break;
    case MOD_QAM: {
        // the axis labels' bits interleaved, I on the even bits b0 b2 .., Q on the odd bits b1 b3 ..
        const float inv = im->inv_unit;
        const unsigned side = im->side;
        const uint32_t x = im->axis_xor;
        for (size_t s = 0; s < n_sym; s++)
            labels[s] = (im->spread[slice_axis(y[2 * s], inv, side, x)] << 1) |
                        im->spread[slice_axis(y[2 * s + 1], inv, side, x)];
        break;
    }
    case MOD_PAM: {
        const float inv = im->inv_unit;
        const unsigned side = im->side;
        const uint32_t x = im->axis_xor;
        for (size_t s = 0; s < n_sym; s++)
            labels[s] = slice_axis(y[s], inv, side, x);
        break;
    }
    default: // MOD_CUSTOM
        if (q->dims == 2) {
            for (size_t s = 0; s < n_sym; s++)
                labels[s] = nearest_point(q->points, q->M, y[2 * s], y[2 * s + 1]);
        } else {
            for (size_t s = 0; s < n_sym; s++)
                labels[s] = nearest_point(q->points, q->M, y[s], 0.0f);
        }
        break;
    }
}

// ---------------------------------------------------------------------------------------------------
// soft demapping
//
// The metric of label l is -|y - s_l|^2 / (2 sigma2) up to a term common to all labels:
//   D_l = (Re(y conj s_l) - |s_l|^2 / 2) / sigma2,
// and L_j = ln sum_{l: bit j = 0} exp(D_l) - ln sum_{l: bit j = 1} exp(D_l) (max-log: max instead of sum).

static inline double metric(const float *p, const double *half_energy, uint32_t l, double yr, double yi,
                            double inv_s2)
{
    return (yr * p[2 * l] + yi * p[2 * l + 1] - half_energy[l]) * inv_s2;
}

// ln sum over the labels with bit j == b of exp(D_l - dref), around the set's own maximum.
static double lse_set(const mod_modem *q, double yr, double yi, double inv_s2, unsigned j, unsigned b,
                      double dref)
{
    const mod_impl *im = q->impl;
    const unsigned shift = q->m - 1 - j;
    double mx = -INFINITY;
    uint32_t arg = 0;
    for (uint32_t l = 0; l < q->M; l++)
        if (((l >> shift) & 1u) == b) {
            const double d = metric(q->points, im->half_energy, l, yr, yi, inv_s2);
            if (d > mx) {
                mx = d;
                arg = l;
            }
        }
    double sum = 1.0; // the maximum's own term, exp(0)
    for (uint32_t l = 0; l < q->M; l++)
        if (((l >> shift) & 1u) == b && l != arg)
            sum += exp(metric(q->points, im->half_energy, l, yr, yi, inv_s2) - mx);
    return mx - dref + log(sum);
}

// Exact LLRs of one symbol. dref is the metric of the hard decision (the maximum, up to rounding), so
// every exp argument is <= about 0 and the set holding the decision sums to >= 1.
static void llr_exact_one(const mod_modem *q, uint32_t hard, double yr, double yi, double inv_s2, float *llr)
{
    const mod_impl *im = q->impl;
    const float *p = q->points;
    const unsigned m = q->m;
    const double dref = metric(p, im->half_energy, hard, yr, yi, inv_s2);
    double sum[MOD_M_BITS_MAX][2] = {{0.0}};
    for (uint32_t l = 0; l < q->M; l++) {
        const double e = exp(metric(p, im->half_energy, l, yr, yi, inv_s2) - dref);
        for (unsigned j = 0; j < m; j++)
            sum[j][(l >> (m - 1 - j)) & 1u] += e;
    }
    for (unsigned j = 0; j < m; j++) {
        const double ln0 =
            sum[j][0] >= MOD_LSE_RESCUE ? log(sum[j][0]) : lse_set(q, yr, yi, inv_s2, j, 0, dref);
        const double ln1 =
            sum[j][1] >= MOD_LSE_RESCUE ? log(sum[j][1]) : lse_set(q, yr, yi, inv_s2, j, 1, dref);
        llr[j] = (float)(ln0 - ln1);
    }
}

// Max-log LLRs of one symbol: the best metric with bit j = 0 minus the best with bit j = 1.
static void llr_maxlog_one(const mod_modem *q, double yr, double yi, double inv_s2, float *llr)
{
    const mod_impl *im = q->impl;
    const float *p = q->points;
    const unsigned m = q->m;
    double mx[MOD_M_BITS_MAX][2];
    for (unsigned j = 0; j < m; j++)
        mx[j][0] = mx[j][1] = -INFINITY;
    for (uint32_t l = 0; l < q->M; l++) {
        const double d = metric(p, im->half_energy, l, yr, yi, inv_s2);
        for (unsigned j = 0; j < m; j++) {
            double *slot = &mx[j][(l >> (m - 1 - j)) & 1u];
            if (d > *slot)
                *slot = d;
        }
    }
    for (unsigned j = 0; j < m; j++)
        llr[j] = (float)(mx[j][0] - mx[j][1]);
}

// PAM and square QAM are separable: D_l = D_I(a) + D_Q(b) for l = (a, b), and the bit sets of an I bit are
// {a with the bit} x {all b}, so the Q sum cancels and the I bits' exact LLRs are those of sqrt(M)-PAM on
// Re y alone (and the same for max-log). Each axis then costs `side` metrics instead of M.
//
// LLRs of the `nb` bits of one axis for the value v: labels 0..side-1 at the levels axis_level[]. The LLR of
// the axis label's bit j (MSB first) goes to llr[j * stride] (QAM: stride 2, I and Q bits alternate).
static void llr_axis(const mod_impl *im, double v, double inv_s2, int exact, float *llr, unsigned stride)
{
    const unsigned side = im->side, nb = im->axis_bits;
    double d[MOD_PAM_M_MAX]; // (side) metric by axis label
    double dmax = -INFINITY;
    for (uint32_t g = 0; g < side; g++) {
        const double a = im->axis_level[g];
        d[g] = (v * a - 0.5 * a * a) * inv_s2;
        dmax = d[g] > dmax ? d[g] : dmax;
    }
    if (!exact) {
        for (unsigned j = 0; j < nb; j++) {
            const unsigned shift = nb - 1 - j;
            double mx[2] = {-INFINITY, -INFINITY};
            for (uint32_t g = 0; g < side; g++) {
                const unsigned b = (g >> shift) & 1u;
                mx[b] = d[g] > mx[b] ? d[g] : mx[b];
            }
            llr[j * stride] = (float)(mx[0] - mx[1]);
        }
        return;
    }
    double e[MOD_PAM_M_MAX]; // (side) exp(metric - max)
    for (uint32_t g = 0; g < side; g++)
        e[g] = exp(d[g] - dmax);
    for (unsigned j = 0; j < nb; j++) {
        const unsigned shift = nb - 1 - j;
        double sum[2] = {0.0, 0.0};
        for (uint32_t g = 0; g < side; g++)
            sum[(g >> shift) & 1u] += e[g];
        double ln[2];
        for (unsigned b = 0; b < 2; b++) {
            if (sum[b] >= MOD_LSE_RESCUE) {
                ln[b] = log(sum[b]);
                continue;
            }
            // far below the maximum: redo this set around its own maximum
            double mx = -INFINITY;
            uint32_t arg = 0;
            for (uint32_t g = 0; g < side; g++)
                if (((g >> shift) & 1u) == b && d[g] > mx) {
                    mx = d[g];
                    arg = g;
                }
            double sb = 1.0; // the maximum's own term, exp(0)
            for (uint32_t g = 0; g < side; g++)
                if (((g >> shift) & 1u) == b && g != arg)
                    sb += exp(d[g] - mx);
            ln[b] = mx - dmax + log(sb);
        }
        llr[j * stride] = (float)(ln[0] - ln[1]);
    }
}

void mod_demod_llr(const mod_modem *q, const float *y, double sigma2, const float *sigma2_sym, int exact,
                   float *llr, size_t n_sym)
{
    const unsigned dims = q->dims, m = q->m;
    const double inv_all = 1.0 / sigma2;
    if (q->family == MOD_QAM || q->family == MOD_PAM) {
        const mod_impl *im = q->impl;
        for (size_t s = 0; s < n_sym; s++) {
            const double inv_s2 = sigma2_sym ? 1.0 / sigma2_sym[s] : inv_all;
            const float *ys = y + s * dims;
            float *ls = llr + s * m; // (m)
            if (dims == 2) {
                llr_axis(im, ys[0], inv_s2, exact, ls, 2);     // I: the even bits b0 b2 ..
                llr_axis(im, ys[1], inv_s2, exact, ls + 1, 2); // Q: the odd bits b1 b3 ..
            } else {
                llr_axis(im, ys[0], inv_s2, exact, ls, 1);
            }
        }
        return;
    }
    if (q->family == MOD_PSK && q->M <= 4) {
        // BPSK (+-a on I) and QPSK (first bit +-a on I, second +-a on Q) are separable with two levels per
        // axis: L = ((y + a)^2 - (y - a)^2) / (2 sigma2) = 2 a y / sigma2, exact and max-log alike
        const double two_a = 2.0 * q->points[0]; // label 0 at (a, 0) or (a, a)
        for (size_t s = 0; s < n_sym; s++) {
            const double g = two_a * (sigma2_sym ? 1.0 / sigma2_sym[s] : inv_all);
            if (q->M == 2) {
                llr[s] = (float)(g * y[2 * s]);
            } else {
                llr[2 * s] = (float)(g * y[2 * s]);
                llr[2 * s + 1] = (float)(g * y[2 * s + 1]);
            }
        }
        return;
    }
    for (size_t s = 0; s < n_sym; s++) {
        const double inv_s2 = sigma2_sym ? 1.0 / sigma2_sym[s] : inv_all;
        const float *ys = y + s * dims;
        const double yr = ys[0], yi = dims == 2 ? ys[1] : 0.0;
        float *ls = llr + s * m; // (m)
        if (exact) {
            uint32_t hard;
            mod_demod_hard(q, ys, &hard, 1);
            llr_exact_one(q, hard, yr, yi, inv_s2, ls);
        } else {
            llr_maxlog_one(q, yr, yi, inv_s2, ls);
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// transceiver

typedef struct modem_st {
    const mod_modem *q; // borrowed
    size_t symbols;     // modem symbols per block
    int demapper;       // enum mod_demapper
    unsigned k;         // bits per block, m * symbols
} modem_st;

typedef struct modem_ws {
    size_t max_batch;
    uint32_t *labels; // [max_batch][symbols]
    float *llr;       // [max_batch][k] for receive's soft demappers (NULL for MOD_DEMAP_HARD)
} modem_ws;

static void modem_ws_destroy(void *ws)
{
    modem_ws *w = ws;
    if (!w)
        return;
    free(w->labels);
    free(w->llr);
    free(w);
}

static void *modem_ws_create(const void *st, size_t max_batch)
{
    const modem_st *s = st;
    if (max_batch == 0) {
        AE_ERROR(AE_EINVAL, "modem: max_batch = 0, expected >= 1");
        return NULL;
    }
    if (max_batch > SIZE_MAX / sizeof(float) / s->k) { // k >= symbols
        AE_ERROR(AE_ENOMEM, "modem: max_batch = %zu is too large", max_batch);
        return NULL;
    }
    modem_ws *w = calloc(1, sizeof *w);
    if (w) {
        w->labels = malloc(max_batch * s->symbols * sizeof *w->labels);
        if (s->demapper != MOD_DEMAP_HARD)
            w->llr = malloc(max_batch * s->k * sizeof *w->llr);
    }
    if (!w || !w->labels || (s->demapper != MOD_DEMAP_HARD && !w->llr)) {
        modem_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "modem: cannot allocate the workspace for %zu blocks", max_batch);
        return NULL;
    }
    w->max_batch = max_batch;
    return w;
}

// Symbol i of a block carries the block's bits i m .. i m + m - 1 as its label (bit i m the label's MSB).
static int modem_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    const modem_st *s = st;
    modem_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "modem: batch %zu > max_batch %zu", batch, w->max_batch);
    const unsigned k = s->k, m = s->q->m;
    const size_t ns = s->symbols, W = txrx_words(k);
    if (W == 1) { // k <= 64: the labels are shifted out of the block's one word, the tails checked at once
        const uint64_t beyond = ~txrx_tail_mask(k);
        const uint32_t mask = s->q->M - 1;
        uint64_t over = 0;
        for (size_t b = 0; b < batch; b++) {
            const uint64_t v = bits[b];
            over |= v & beyond;
            uint32_t *lb = w->labels + b * ns; // (symbols)
            for (size_t i = 0; i < ns; i++)
                lb[i] = (uint32_t)(v >> (64 - m * (i + 1))) & mask;
        }
        if (over)
            return AE_ERROR(AE_EINVAL, "modem: a block has bits set beyond k = %u", k);
        mod_modulate(s->q, w->labels, x, batch * ns);
        return AE_OK;
    }
    for (size_t b = 0; b < batch; b++) {
        const uint64_t *bb = bits + b * W; // (W)
        if (txrx_tail_dirty(bb, k))
            return AE_ERROR(AE_EINVAL, "modem: block %zu has bits set beyond k = %u", b, k);
        uint32_t *lb = w->labels + b * ns; // (symbols)
        for (size_t i = 0; i < ns; i++)
            lb[i] = txrx_get_bits(bb, i * m, m);
    }
    mod_modulate(s->q, w->labels, x, batch * ns);
    return AE_OK;
}

static int modem_receive(const void *st, void *ws, const float *y, const txrx_noise *noise,
                         uint64_t *bits_hat, size_t batch)
{
    const modem_st *s = st;
    modem_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "modem: batch %zu > max_batch %zu", batch, w->max_batch);
    const unsigned k = s->k, m = s->q->m;
    const size_t ns = s->symbols, W = txrx_words(k);
    if (s->demapper == MOD_DEMAP_HARD) {
        mod_demod_hard(s->q, y, w->labels, batch * ns);
        if (W == 1) { // k <= 64: the labels shifted into one word
            for (size_t b = 0; b < batch; b++) {
                const uint32_t *lb = w->labels + b * ns; // (symbols)
                uint64_t v = 0;
                for (size_t i = 0; i < ns; i++)
                    v = (v << m) | lb[i];
                bits_hat[b] = v << (64 - k);
            }
            return AE_OK;
        }
        for (size_t b = 0; b < batch; b++) {
            const uint32_t *lb = w->labels + b * ns; // (symbols)
            uint64_t *hb = bits_hat + b * W;         // (W)
            memset(hb, 0, W * sizeof *hb);
            for (size_t i = 0; i < ns; i++)
                txrx_or_bits(hb, i * m, m, lb[i]);
        }
        return AE_OK;
    }
    if (!noise)
        return AE_ERROR(AE_EINVAL, "modem: soft demapping needs the noise description");
    mod_demod_llr(s->q, y, noise->sigma2, noise->sigma2_sym, s->demapper == MOD_DEMAP_EXACT, w->llr,
                  batch * ns);
    for (size_t b = 0; b < batch; b++)
        txrx_bits_from_llr(w->llr + b * k, k, bits_hat + b * W);
    return AE_OK;
}

static int modem_receive_llr(const void *st, void *ws, const float *y, const txrx_noise *noise, float *llr,
                             size_t batch)
{
    const modem_st *s = st;
    const modem_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "modem: batch %zu > max_batch %zu", batch, w->max_batch);
    if (!noise)
        return AE_ERROR(AE_EINVAL, "modem: soft demapping needs the noise description");
    mod_demod_llr(s->q, y, noise->sigma2, noise->sigma2_sym, s->demapper == MOD_DEMAP_EXACT, llr,
                  batch * s->symbols);
    return AE_OK;
}

static void modem_destroy(void *st)
{
    free(st);
}

static const txrx_vt modem_vt = {
    .ws_create = modem_ws_create,
    .ws_destroy = modem_ws_destroy,
    .transmit = modem_transmit,
    .receive = modem_receive,
    .receive_llr = modem_receive_llr,
    .destroy = modem_destroy,
};

txrx *mod_modem_txrx_create(const mod_modem *q, size_t symbols, int demapper)
{
    if (!q) {
        AE_ERROR(AE_EINVAL, "modem transceiver: no modem given");
        return NULL;
    }
    if (symbols == 0 || symbols > MOD_TXRX_K_MAX / q->m) {
        AE_ERROR(AE_EINVAL, "modem transceiver: %zu symbols of %u bits, expected 1..%u symbols (k <= %u)",
                 symbols, q->m, MOD_TXRX_K_MAX / q->m, MOD_TXRX_K_MAX);
        return NULL;
    }
    if (demapper != MOD_DEMAP_HARD && demapper != MOD_DEMAP_EXACT && demapper != MOD_DEMAP_MAXLOG) {
        AE_ERROR(AE_EINVAL, "modem transceiver: demapper %d, expected hard (0), exact (1) or max-log (2)",
                 demapper);
        return NULL;
    }
    txrx *t = malloc(sizeof *t);
    modem_st *s = malloc(sizeof *s);
    if (!t || !s) {
        free(t);
        free(s);
        AE_ERROR(AE_ENOMEM, "modem transceiver: cannot allocate");
        return NULL;
    }
    *s = (modem_st){.q = q, .symbols = symbols, .demapper = demapper, .k = q->m * (unsigned)symbols};
    *t = (txrx){.vt = &modem_vt,
                .st = s,
                .k = s->k,
                .n = q->dims * symbols,
                .symbols_per_block = symbols,
                .is_complex = q->dims == 2,
                .block_energy = q->es * (double)symbols,
                .coherent = 1,
                // BPSK: points on the real axis, and both its hard and LLR demappers read y's real part only
                .real_only = q->family == MOD_PSK && q->M == 2};
    return t;
}
