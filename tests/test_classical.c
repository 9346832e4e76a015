// test_classical.c - Hamming (7,4) code structure and the BPSK / Hamming transceivers (models/).
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "ae_err.h"
#include "classical.h"
#include "txrx.h"

// ---------------------------------------------------------------------------------------------------
// helpers

static unsigned popcount(unsigned v)
{
    unsigned c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

static unsigned bit(unsigned v, unsigned width, unsigned j)
{
    return (v >> (width - 1 - j)) & 1u;
}

// The documented code, written out independently: c = d0 d1 d2 d3 p0 p1 p2 with
// p0 = d0^d1^d3, p1 = d0^d2^d3, p2 = d1^d2^d3.
static uint8_t ref_encode(unsigned d)
{
    const unsigned d0 = bit(d, 4, 0), d1 = bit(d, 4, 1), d2 = bit(d, 4, 2), d3 = bit(d, 4, 3);
    const unsigned p0 = d0 ^ d1 ^ d3, p1 = d0 ^ d2 ^ d3, p2 = d1 ^ d2 ^ d3;
    return (uint8_t)((d << 3) | (p0 << 2) | (p1 << 1) | p2);
}

// Round trip msg[0..batch) through transmit and a noiseless receive.
static void roundtrip(txrx *t, const uint32_t *msg, uint32_t *msg_hat, size_t batch)
{
    void *ws = t->vt->ws_create(t->st, batch);
    cr_assert_not_null(ws);
    float *x = malloc(batch * t->n * sizeof *x);
    cr_assert_not_null(x);
    cr_assert_eq(t->vt->transmit(t->st, ws, msg, x, batch), AE_OK);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){0.1, NULL}, msg_hat, batch), AE_OK);
    free(x);
    t->vt->ws_destroy(ws);
}

// Transmit one message and return its block in x[t->n].
static void transmit_one(txrx *t, uint32_t msg, float *x)
{
    void *ws = t->vt->ws_create(t->st, 1);
    cr_assert_not_null(ws);
    cr_assert_eq(t->vt->transmit(t->st, ws, &msg, x, 1), AE_OK);
    t->vt->ws_destroy(ws);
}

static uint32_t receive_one(txrx *t, const float *y)
{
    void *ws = t->vt->ws_create(t->st, 1);
    cr_assert_not_null(ws);
    uint32_t m = UINT32_MAX;
    cr_assert_eq(t->vt->receive(t->st, ws, y, &(txrx_noise){0.5, NULL}, &m, 1), AE_OK);
    t->vt->ws_destroy(ws);
    return m;
}

// ---------------------------------------------------------------------------------------------------
// Hamming (7,4) code

Test(hamming74, generator_rows_as_documented)
{
    // G = [I4 | P], P rows 110, 101, 011, 111
    const uint8_t expected[4] = {0x46, 0x25, 0x13, 0x0F};
    for (unsigned i = 0; i < 4; i++) {
        cr_assert_eq(mod_hamming74_generator[i], expected[i], "row %u: 0x%02x", i,
                     mod_hamming74_generator[i]);
        cr_assert_eq(mod_hamming74_generator[i], ref_encode(1u << (3 - i)), "row %u", i);
    }
}

Test(hamming74, every_codeword_is_data_times_g)
{
    for (unsigned d = 0; d < 16; d++) {
        uint8_t dg = 0;
        for (unsigned i = 0; i < 4; i++)
            if (bit(d, 4, i))
                dg ^= mod_hamming74_generator[i];
        const uint8_t cw = mod_hamming74_encode((uint8_t)d);
        cr_assert_eq(cw, dg, "data %u", d);
        cr_assert_eq(cw, ref_encode(d), "data %u", d);
        cr_assert_eq(cw >> 3, d, "systematic, data %u", d);
        cr_assert_eq(mod_hamming74_syndrome(cw), 0, "codeword syndrome, data %u", d);
    }
}

Test(hamming74, single_errors_have_distinct_nonzero_syndromes_and_are_corrected)
{
    unsigned seen = 0; // bit s set once syndrome s has occurred
    for (unsigned j = 0; j < 7; j++) {
        const uint8_t e = (uint8_t)(1u << (6 - j));
        const uint8_t s = mod_hamming74_syndrome(e);
        cr_assert(s >= 1 && s <= 7, "position %u: syndrome %u", j, s);
        cr_assert_eq(seen & (1u << s), 0, "position %u repeats syndrome %u", j, s);
        seen |= 1u << s;
        for (unsigned d = 0; d < 16; d++) {
            const uint8_t cw = mod_hamming74_encode((uint8_t)d);
            cr_assert_eq(mod_hamming74_syndrome(cw ^ e), s, "linear syndrome, data %u pos %u", d, j);
            cr_assert_eq(mod_hamming74_decode_hard(cw ^ e), d, "data %u, error at %u", d, j);
        }
    }
    cr_assert_eq(seen, 0xFEu);
}

Test(hamming74, double_errors_are_never_corrected)
{
    for (unsigned d = 0; d < 16; d++) {
        const uint8_t cw = mod_hamming74_encode((uint8_t)d);
        for (unsigned e = 0; e < 128; e++) {
            if (popcount(e) != 2)
                continue;
            const uint8_t r = (uint8_t)(cw ^ e);
            cr_assert_neq(mod_hamming74_decode_hard(r), d, "data %u, error 0x%02x", d, e);
            // perfect code: the decoder lands on the codeword at distance 1 from r, i.e. distance 3 from cw
            const uint8_t dec_cw = mod_hamming74_encode(mod_hamming74_decode_hard(r));
            cr_assert_eq(popcount(dec_cw ^ r), 1, "data %u, error 0x%02x", d, e);
        }
    }
}

Test(hamming74, minimum_distance_is_3)
{
    unsigned dmin = 7;
    for (unsigned a = 0; a < 16; a++)
        for (unsigned b = a + 1; b < 16; b++) {
            const unsigned dist =
                popcount(mod_hamming74_encode((uint8_t)a) ^ mod_hamming74_encode((uint8_t)b));
            if (dist < dmin)
                dmin = dist;
        }
    cr_assert_eq(dmin, 3);
    cr_assert_eq(mod_hamming74_min_distance(), 3);
}

Test(hamming74, weight_distribution)
{
    const unsigned expected[8] = {1, 0, 0, 7, 7, 0, 0, 1};
    unsigned count[8] = {0};
    for (unsigned d = 0; d < 16; d++)
        count[popcount(mod_hamming74_encode((uint8_t)d))]++;
    for (unsigned w = 0; w < 8; w++)
        cr_assert_eq(count[w], expected[w], "weight %u: %u codewords", w, count[w]);
}

// ---------------------------------------------------------------------------------------------------
// BPSK transceiver

Test(bpsk_txrx, fields)
{
    txrx *t = mod_bpsk_txrx_create(5);
    cr_assert_not_null(t);
    cr_assert_eq(t->k, 5);
    cr_assert_eq(t->n, 5);
    cr_assert_eq(t->symbols_per_block, 5);
    cr_assert_eq(t->is_complex, 0);
    cr_assert_float_eq(t->block_energy, 5.0, 1e-12);
    txrx_destroy(t);
}

Test(bpsk_txrx, bad_k_is_rejected)
{
    cr_assert_null(mod_bpsk_txrx_create(0));
    cr_assert_null(mod_bpsk_txrx_create(25));
    cr_assert_str_neq(ae_err_message(), "");
}

Test(bpsk_txrx, noiseless_roundtrip_all_messages)
{
    for (unsigned k = 1; k <= 8; k++) {
        txrx *t = mod_bpsk_txrx_create(k);
        cr_assert_not_null(t);
        const size_t m_count = (size_t)1 << k;
        uint32_t msg[256], msg_hat[256];
        for (size_t m = 0; m < m_count; m++) {
            msg[m] = (uint32_t)m;
            msg_hat[m] = UINT32_MAX;
        }
        roundtrip(t, msg, msg_hat, m_count);
        for (size_t m = 0; m < m_count; m++)
            cr_assert_eq(msg_hat[m], msg[m], "k %u, message %zu -> %u", k, m, msg_hat[m]);
        txrx_destroy(t);
    }
}

Test(bpsk_txrx, amplitudes_msb_first)
{
    txrx *t = mod_bpsk_txrx_create(4);
    cr_assert_not_null(t);
    float x[4];
    transmit_one(t, 0xA, x); // 1010
    const float want_a[4] = {-1, 1, -1, 1};
    for (unsigned j = 0; j < 4; j++)
        cr_assert_eq(x[j], want_a[j], "0b1010 use %u: %g", j, x[j]);
    transmit_one(t, 0x3, x); // 0011
    const float want_3[4] = {1, 1, -1, -1};
    for (unsigned j = 0; j < 4; j++)
        cr_assert_eq(x[j], want_3[j], "0b0011 use %u: %g", j, x[j]);
    txrx_destroy(t);
}

Test(bpsk_txrx, sign_decisions_and_zero_reads_as_0)
{
    txrx *t = mod_bpsk_txrx_create(4);
    cr_assert_not_null(t);
    const float y[4] = {-0.01f, 0.0f, 2.5f, -3.0f}; // 1 0 0 1
    cr_assert_eq(receive_one(t, y), 0x9);
    const float yz[4] = {0.0f, -0.0f, 0.0f, 0.0f}; // -0.0 < 0 is false: still bit 0
    cr_assert_eq(receive_one(t, yz), 0x0);
    txrx_destroy(t);
}

Test(bpsk_txrx, errors)
{
    txrx *t = mod_bpsk_txrx_create(3);
    cr_assert_not_null(t);
    void *ws = t->vt->ws_create(t->st, 4);
    cr_assert_not_null(ws);
    uint32_t msg[5] = {0, 1, 2, 3, 4}, msg_hat[5];
    float x[5 * 3] = {0};
    cr_assert_eq(t->vt->transmit(t->st, ws, msg, x, 5), AE_EBADLEN);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){1.0, NULL}, msg_hat, 5), AE_EBADLEN);
    const uint32_t too_big = 8;
    cr_assert_eq(t->vt->transmit(t->st, ws, &too_big, x, 1), AE_EINVAL);
    t->vt->ws_destroy(ws);
    txrx_destroy(t);
}

// ---------------------------------------------------------------------------------------------------
// Hamming (7,4) transceiver

Test(hamming74_txrx, fields_and_average_energy)
{
    const int dec[2] = {MOD_HAMMING_HARD, MOD_HAMMING_ML};
    for (unsigned i = 0; i < 2; i++) {
        txrx *t = mod_hamming74_txrx_create(dec[i]);
        cr_assert_not_null(t);
        cr_assert_eq(t->k, 4);
        cr_assert_eq(t->n, 7);
        cr_assert_eq(t->symbols_per_block, 7);
        cr_assert_eq(t->is_complex, 0);
        double energy = 0.0;
        for (uint32_t m = 0; m < 16; m++) {
            float x[7];
            transmit_one(t, m, x);
            for (unsigned j = 0; j < 7; j++)
                energy += (double)x[j] * x[j];
        }
        cr_assert_float_eq(t->block_energy, energy / 16.0, 1e-12);
        txrx_destroy(t);
    }
    cr_assert_null(mod_hamming74_txrx_create(2));
}

Test(hamming74_txrx, amplitudes_are_bpsk_of_codeword)
{
    txrx *t = mod_hamming74_txrx_create(MOD_HAMMING_HARD);
    cr_assert_not_null(t);
    float x[7];
    transmit_one(t, 0x8, x); // d = 1000 -> c = 1000110
    const float want_8[7] = {-1, 1, 1, 1, -1, -1, 1};
    for (unsigned j = 0; j < 7; j++)
        cr_assert_eq(x[j], want_8[j], "message 8 use %u: %g", j, x[j]);
    transmit_one(t, 0x5, x); // d = 0101 -> c = 0101 010
    const float want_5[7] = {1, -1, 1, -1, 1, -1, 1};
    for (unsigned j = 0; j < 7; j++)
        cr_assert_eq(x[j], want_5[j], "message 5 use %u: %g", j, x[j]);
    for (uint32_t m = 0; m < 16; m++) {
        transmit_one(t, m, x);
        const uint8_t cw = ref_encode(m);
        for (unsigned j = 0; j < 7; j++)
            cr_assert_eq(x[j], bit(cw, 7, j) ? -1.0f : 1.0f, "message %u use %u", m, j);
    }
    txrx_destroy(t);
}

Test(hamming74_txrx, noiseless_roundtrip_all_messages)
{
    const int dec[2] = {MOD_HAMMING_HARD, MOD_HAMMING_ML};
    for (unsigned i = 0; i < 2; i++) {
        txrx *t = mod_hamming74_txrx_create(dec[i]);
        cr_assert_not_null(t);
        uint32_t msg[16], msg_hat[16];
        for (uint32_t m = 0; m < 16; m++) {
            msg[m] = m;
            msg_hat[m] = UINT32_MAX;
        }
        roundtrip(t, msg, msg_hat, 16);
        for (uint32_t m = 0; m < 16; m++)
            cr_assert_eq(msg_hat[m], m, "decoder %d, message %u -> %u", dec[i], m, msg_hat[m]);
        txrx_destroy(t);
    }
}

// Any perturbation with |e_j| < 1 keeps the sent codeword the best correlator:
// <x + e, c> - <x + e, c'> = 2 d(c, c') + <e, c - c'> >= 2 d (1 - max|e|) > 0.
Test(hamming74_txrx, ml_under_small_deterministic_perturbation)
{
    txrx *t = mod_hamming74_txrx_create(MOD_HAMMING_ML);
    cr_assert_not_null(t);
    for (uint32_t m = 0; m < 16; m++) {
        float y[7];
        transmit_one(t, m, y);
        for (unsigned j = 0; j < 7; j++)
            y[j] += 0.9f * sinf(1.7f * (float)j + 0.37f * (float)m);
        cr_assert_eq(receive_one(t, y), m, "message %u", m);
    }
    txrx_destroy(t);
}

// Sent: message 0 (all +1). Two weakly negative samples give two hard bit errors, which syndrome
// decoding turns into a wrong codeword; the correlation still favours the all-+1 codeword, because
// every other codeword flips at least one confident +1 sample.
Test(hamming74_txrx, ml_corrects_soft_double_error_that_hard_cannot)
{
    const float y[7] = {-0.1f, -0.1f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    txrx *hard = mod_hamming74_txrx_create(MOD_HAMMING_HARD);
    txrx *ml = mod_hamming74_txrx_create(MOD_HAMMING_ML);
    cr_assert_not_null(hard);
    cr_assert_not_null(ml);
    cr_assert_neq(receive_one(hard, y), 0);
    cr_assert_eq(receive_one(ml, y), 0);
    txrx_destroy(hard);
    txrx_destroy(ml);
}

// Ties go to the lowest index: y = 0 correlates equally (0) with all 16 codewords.
Test(hamming74_txrx, ml_tie_picks_lowest_index)
{
    txrx *t = mod_hamming74_txrx_create(MOD_HAMMING_ML);
    cr_assert_not_null(t);
    const float y0[7] = {0};
    cr_assert_eq(receive_one(t, y0), 0);
    // exactly between codewords 8 (1000110) and 15 (1111111): they differ in positions 1, 2, 3, 6
    const float ytie[7] = {-1, 0, 0, 0, -1, -1, 0};
    cr_assert_eq(receive_one(t, ytie), 8);
    txrx_destroy(t);
}

Test(hamming74_txrx, errors)
{
    const int dec[2] = {MOD_HAMMING_HARD, MOD_HAMMING_ML};
    for (unsigned i = 0; i < 2; i++) {
        txrx *t = mod_hamming74_txrx_create(dec[i]);
        cr_assert_not_null(t);
        void *ws = t->vt->ws_create(t->st, 2);
        cr_assert_not_null(ws);
        uint32_t msg[3] = {1, 2, 3}, msg_hat[3];
        float x[3 * 7] = {0};
        cr_assert_eq(t->vt->transmit(t->st, ws, msg, x, 3), AE_EBADLEN);
        cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){1.0, NULL}, msg_hat, 3), AE_EBADLEN);
        const uint32_t too_big = 16;
        cr_assert_eq(t->vt->transmit(t->st, ws, &too_big, x, 1), AE_EINVAL);
        t->vt->ws_destroy(ws);
        txrx_destroy(t);
    }
}
