// test_classical.c - Hamming (7,4) code structure and the BPSK / Hamming transceivers (models/).
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "ae_err.h"
#include "classical.h"
#include "txrx.h"

#include "test_util.h"

// ---------------------------------------------------------------------------------------------------
// helpers

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

// Round trip the messages msg[0..batch) (k <= 32 bits, so one word per block) through transmit and a
// noiseless receive; the decided blocks' tails must come back 0.
static void roundtrip(txrx *t, const uint32_t *msg, uint32_t *msg_hat, size_t batch)
{
    cr_assert(t->k <= 32);
    void *ws = t->vt->ws_create(t->st, batch);
    cr_assert_not_null(ws);
    float *x = malloc(batch * t->n * sizeof *x);
    uint64_t *bits = malloc(batch * sizeof *bits), *hat = malloc(batch * sizeof *hat);
    cr_assert(x && bits && hat);
    for (size_t b = 0; b < batch; b++) {
        txrx_set_index(bits + b, t->k, msg[b]);
        hat[b] = ~UINT64_C(0);
    }
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, batch), AE_OK);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){0.1, NULL}, hat, batch), AE_OK);
    for (size_t b = 0; b < batch; b++) {
        cr_assert_not(txrx_tail_dirty(hat + b, t->k), "block %zu: %016llx", b, (unsigned long long)hat[b]);
        msg_hat[b] = txrx_index(hat + b, t->k);
    }
    free(x);
    free(bits);
    free(hat);
    t->vt->ws_destroy(ws);
}

// Transmit one message (k <= 32) and return its block in x[t->n].
static void transmit_one(txrx *t, uint32_t msg, float *x)
{
    void *ws = t->vt->ws_create(t->st, 1);
    cr_assert_not_null(ws);
    uint64_t bits;
    txrx_set_index(&bits, t->k, msg);
    cr_assert_eq(t->vt->transmit(t->st, ws, &bits, x, 1), AE_OK);
    t->vt->ws_destroy(ws);
}

static uint32_t receive_one(txrx *t, const float *y)
{
    void *ws = t->vt->ws_create(t->st, 1);
    cr_assert_not_null(ws);
    uint64_t hat = ~UINT64_C(0);
    cr_assert_eq(t->vt->receive(t->st, ws, y, &(txrx_noise){0.5, NULL}, &hat, 1), AE_OK);
    cr_assert_not(txrx_tail_dirty(&hat, t->k));
    t->vt->ws_destroy(ws);
    return txrx_index(&hat, t->k);
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
    cr_assert_null(mod_bpsk_txrx_create(TXRX_K_MAX + 1));
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
    uint64_t bits[5] = {0}, bits_hat[5];
    float x[5 * 3] = {0};
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 5), AE_EBADLEN);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){1.0, NULL}, bits_hat, 5), AE_EBADLEN);
    const uint64_t beyond_k = UINT64_C(1) << 60; // bit 3 of a 3-bit block
    cr_assert_eq(t->vt->transmit(t->st, ws, &beyond_k, x, 1), AE_EINVAL);
    t->vt->ws_destroy(ws);
    txrx_destroy(t);
}

// Blocks of k > 64 bits: use j carries 1 - 2 b_j with b_j = txrx_get_bit, and the sign decisions give
// every word back, the unused bits of the last word as 0.
static void bpsk_long_roundtrip(unsigned k)
{
    txrx *t = mod_bpsk_txrx_create(k);
    cr_assert_not_null(t, "k %u: %s", k, ae_err_message());
    cr_assert(t->k == k && t->n == k);
    enum { B = 3 };
    const size_t W = txrx_words(k);
    uint64_t *bits = calloc(B * W, sizeof *bits), *hat = malloc(B * W * sizeof *hat);
    float *x = malloc(B * (size_t)k * sizeof *x);
    cr_assert(bits && hat && x);
    uint64_t v = UINT64_C(0x9E3779B97F4A7C15); // a fixed bit pattern (xorshift64)
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < W; i++) {
            v ^= v << 13, v ^= v >> 7, v ^= v << 17;
            bits[b * W + i] = i + 1 < W ? v : v & txrx_tail_mask(k);
        }
    for (size_t i = 0; i < B * W; i++)
        hat[i] = ~UINT64_C(0);
    void *ws = t->vt->ws_create(t->st, B);
    cr_assert_not_null(ws);
    cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, B), AE_OK);
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < k; j++)
            cr_assert_eq(x[b * k + j], txrx_get_bit(bits + b * W, j) ? -1.0f : 1.0f, "k %u block %zu use %zu",
                         k, b, j);
    cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){0.1, NULL}, hat, B), AE_OK);
    for (size_t i = 0; i < B * W; i++)
        cr_assert_eq(hat[i], bits[i], "k %u word %zu: %016llx, sent %016llx", k, i,
                     (unsigned long long)hat[i], (unsigned long long)bits[i]);
    t->vt->ws_destroy(ws);
    free(bits);
    free(hat);
    free(x);
    txrx_destroy(t);
}

Test(bpsk_txrx, noiseless_roundtrip_blocks_of_many_words)
{
    bpsk_long_roundtrip(65);    // one bit in the second word
    bpsk_long_roundtrip(128);   // two full words
    bpsk_long_roundtrip(1000);  // 16 words, 40 bits in the last
    bpsk_long_roundtrip(65536); // the largest block
}

// ---------------------------------------------------------------------------------------------------
// txrx bit helpers: the layout of txrx.h on known words

Test(txrx_bits, words_and_tail_masks)
{
    cr_assert_eq(txrx_words(1), 1);
    cr_assert_eq(txrx_words(64), 1);
    cr_assert_eq(txrx_words(65), 2);
    cr_assert_eq(txrx_words(1000), 16);
    cr_assert_eq(txrx_words(65536), 1024);
    cr_assert_eq(txrx_tail_mask(1), UINT64_C(0x8000000000000000));
    cr_assert_eq(txrx_tail_mask(4), UINT64_C(0xF000000000000000));
    cr_assert_eq(txrx_tail_mask(63), UINT64_C(0xFFFFFFFFFFFFFFFE));
    cr_assert_eq(txrx_tail_mask(64), ~UINT64_C(0));
    cr_assert_eq(txrx_tail_mask(65), UINT64_C(0x8000000000000000));
    cr_assert_eq(txrx_tail_mask(1000), UINT64_C(0xFFFFFFFFFF000000)); // 1000 = 15 * 64 + 40
    const uint64_t clean[2] = {~UINT64_C(0), UINT64_C(0xFF) << 56}, dirty[2] = {0, UINT64_C(1) << 55};
    cr_assert_not(txrx_tail_dirty(clean, 72));
    cr_assert(txrx_tail_dirty(dirty, 72)); // bit 72 of the block
    cr_assert_not(txrx_tail_dirty(dirty, 73));
}

Test(txrx_bits, get_and_set_bit_msb_first)
{
    // bit j at bit 63 - j % 64 of word j / 64
    const uint64_t w[2] = {UINT64_C(0xA000000000000001), UINT64_C(0x4000000000000000)};
    const unsigned want[] = {1, 0, 1, 0};
    for (size_t j = 0; j < 4; j++)
        cr_assert_eq(txrx_get_bit(w, j), want[j], "bit %zu", j);
    cr_assert_eq(txrx_get_bit(w, 63), 1);
    cr_assert_eq(txrx_get_bit(w, 64), 0);
    cr_assert_eq(txrx_get_bit(w, 65), 1);
    uint64_t b[2] = {0, 0};
    txrx_set_bit(b, 0, 1);
    txrx_set_bit(b, 63, 7); // nonzero sets
    txrx_set_bit(b, 65, 1);
    cr_assert(b[0] == w[0] - UINT64_C(0x2000000000000000) && b[1] == w[1]);
    txrx_set_bit(b, 2, 1);
    txrx_set_bit(b, 2, 0); // and clears again
    txrx_set_bit(b, 64, 0);
    cr_assert(b[0] == UINT64_C(0x8000000000000001) && b[1] == w[1]);
}

Test(txrx_bits, message_index_and_bit_fields)
{
    uint64_t b;
    txrx_set_index(&b, 4, 0xA); // 1010: bits 0 and 2 set
    cr_assert_eq(b, UINT64_C(0xA000000000000000));
    cr_assert_eq(txrx_index(&b, 4), 0xA);
    cr_assert(txrx_get_bit(&b, 0) == 1 && txrx_get_bit(&b, 1) == 0 && txrx_get_bit(&b, 2) == 1);
    txrx_set_index(&b, 32, 0x80000001u);
    cr_assert_eq(b, UINT64_C(0x8000000100000000));
    cr_assert_eq(txrx_index(&b, 32), 0x80000001u);
    txrx_set_index(&b, 1, 1);
    cr_assert_eq(b, UINT64_C(0x8000000000000000));
    // a message index m of k bits: bit j of the block is (m >> (k-1-j)) & 1
    for (uint32_t m = 0; m < 128; m++) {
        txrx_set_index(&b, 7, m);
        for (unsigned j = 0; j < 7; j++)
            cr_assert_eq(txrx_get_bit(&b, j), (m >> (6 - j)) & 1u, "m %u bit %u", m, j);
    }
    // fields of width 1..32, inside a word and across the boundary
    const uint64_t w[2] = {UINT64_C(0x0123456789ABCDEF), UINT64_C(0xFEDCBA9876543210)};
    cr_assert_eq(txrx_get_bits(w, 0, 4), 0x0);
    cr_assert_eq(txrx_get_bits(w, 4, 8), 0x12);
    cr_assert_eq(txrx_get_bits(w, 32, 32), 0x89ABCDEFu);
    cr_assert_eq(txrx_get_bits(w, 60, 8), 0xFF); // F of word 0, F of word 1
    cr_assert_eq(txrx_get_bits(w, 58, 6), 0x2F); // last 6 bits of word 0: 101111
    cr_assert_eq(txrx_get_bits(w, 62, 6), 0x3F); // 11 | 1111
    cr_assert_eq(txrx_get_bits(w, 48, 32), 0xCDEFFEDCu);
    cr_assert_eq(txrx_get_bits(w, 127, 1), 0);
    uint64_t o[2] = {0, 0};
    txrx_or_bits(o, 0, 16, 0x0123);
    txrx_or_bits(o, 16, 16, 0x4567);
    txrx_or_bits(o, 32, 32, 0x89ABCDEFu);
    txrx_or_bits(o, 64, 4, 0xF);
    txrx_or_bits(o, 68, 6, 0x3B); // 111011
    cr_assert_eq(o[0], w[0]);
    cr_assert_eq(o[1], UINT64_C(0xFEC0000000000000));
    uint64_t x[2] = {0, 0};
    txrx_or_bits(x, 58, 12, 0xABC); // 1010 1011 1100 across the boundary: 6 bits in each word
    cr_assert(x[0] == UINT64_C(0x2A) && x[1] == UINT64_C(0x3C) << 58, "%016llx %016llx",
              (unsigned long long)x[0], (unsigned long long)x[1]);
    cr_assert_eq(txrx_get_bits(x, 58, 12), 0xABC);
}

Test(txrx_bits, hard_decisions_from_llrs)
{
    // L < 0 -> 1; L >= 0, -0 and NaN -> 0; the words beyond k are 0
    float L[70];
    for (size_t j = 0; j < 70; j++)
        L[j] = (j % 3 == 0) ? -1.0f : 2.0f; // bits 0, 3, 6, ... set
    L[3] = -0.0f;                           // would be bit 1 by the pattern
    L[6] = NAN;
    L[69] = -5.0f;
    uint64_t b[2] = {~UINT64_C(0), ~UINT64_C(0)};
    txrx_bits_from_llr(L, 70, b);
    uint64_t want0 = 0;
    for (unsigned j = 0; j < 64; j += 3)
        if (j != 3 && j != 6)
            want0 |= UINT64_C(1) << (63 - j);
    cr_assert_eq(b[0], want0);
    // bits 64..69 of the block: j = 66 and 69 set -> bits 2 and 5 of the second word, MSB first
    cr_assert_eq(b[1], (UINT64_C(1) << 61) | (UINT64_C(1) << 58), "%016llx", (unsigned long long)b[1]);
    cr_assert_not(txrx_tail_dirty(b, 70));
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
        uint64_t bits[3] = {0}, bits_hat[3];
        float x[3 * 7] = {0};
        cr_assert_eq(t->vt->transmit(t->st, ws, bits, x, 3), AE_EBADLEN);
        cr_assert_eq(t->vt->receive(t->st, ws, x, &(txrx_noise){1.0, NULL}, bits_hat, 3), AE_EBADLEN);
        const uint64_t beyond_k = UINT64_C(1); // the last bit of the word, far beyond k = 4
        cr_assert_eq(t->vt->transmit(t->st, ws, &beyond_k, x, 1), AE_EINVAL);
        t->vt->ws_destroy(ws);
        txrx_destroy(t);
    }
}
