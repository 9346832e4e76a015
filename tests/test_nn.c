// test_nn.c - the nn_* kernels: reference comparisons, accumulation semantics, finite-difference
// gradients, Adam against hand-computed values, normalisation invariants.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>

#include "grad_check.h"
#include "nn.h"

// ---------------------------------------------------------------------------------------------
// dense

// y = x W^T + b with a naive triple loop in double: the reference for nn_dense_forward.
static void dense_naive(double *y, const float *x, const float *W, const float *b, size_t B, size_t in,
                        size_t out)
{
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < out; o++) {
            double s = b[o];
            for (size_t i = 0; i < in; i++)
                s += (double)x[r * in + i] * W[o * in + i];
            y[r * out + o] = s;
        }
}

// Compare nn_dense_forward with the naive loop for one shape.
static void check_dense_forward(size_t B, size_t in, size_t out)
{
    float *x = malloc(B * in * sizeof *x), *W = malloc(out * in * sizeof *W), *b = malloc(out * sizeof *b);
    float *y = malloc(B * out * sizeof *y);
    double *ref = malloc(B * out * sizeof *ref);
    cr_assert(x && W && b && y && ref);
    gc_fill_sin(x, B * in, 1.0, 0.1);
    gc_fill_sin(W, out * in, 0.5, 0.7);
    gc_fill_sin(b, out, 0.3, 1.3);
    for (size_t i = 0; i < B * out; i++)
        y[i] = NAN; // forward must overwrite
    nn_dense_forward(y, x, W, b, B, in, out);
    dense_naive(ref, x, W, b, B, in, out);
    for (size_t i = 0; i < B * out; i++)
        cr_assert(fabs(y[i] - ref[i]) <= 1e-5 * (1.0 + fabs(ref[i])), "(%zu,%zu,%zu) y[%zu] = %.7g, ref %.7g",
                  B, in, out, i, y[i], ref[i]);
    free(x), free(W), free(b), free(y), free(ref);
}

Test(nn, dense_forward_matches_naive)
{
    check_dense_forward(1, 1, 1);
    check_dense_forward(5, 7, 3);
    check_dense_forward(33, 17, 9);
    check_dense_forward(256, 16, 7);
}

Test(nn, dense_backward_accumulates)
{
    enum { B = 6, IN = 5, OUT = 4 };
    float x[B * IN], W[OUT * IN], dy[B * OUT];
    gc_fill_sin(x, B * IN, 1.0, 0.2);
    gc_fill_sin(W, OUT * IN, 0.7, 0.4);
    gc_fill_sin(dy, B * OUT, 1.0, 0.9);
    float dx1[B * IN] = {0}, dW1[OUT * IN] = {0}, db1[OUT] = {0};
    float dx2[B * IN] = {0}, dW2[OUT * IN] = {0}, db2[OUT] = {0};
    nn_dense_backward(dx1, dW1, db1, dy, x, W, B, IN, OUT);
    nn_dense_backward(dx2, dW2, db2, dy, x, W, B, IN, OUT);
    nn_dense_backward(dx2, dW2, db2, dy, x, W, B, IN, OUT);
    for (size_t i = 0; i < B * IN; i++)
        cr_assert_float_eq(dx2[i], 2.0f * dx1[i], 1e-5f, "dx[%zu]", i);
    for (size_t i = 0; i < OUT * IN; i++)
        cr_assert_float_eq(dW2[i], 2.0f * dW1[i], 1e-5f, "dW[%zu]", i);
    for (size_t i = 0; i < OUT; i++)
        cr_assert_float_eq(db2[i], 2.0f * db1[i], 1e-5f, "db[%zu]", i);
    // NULL skips a gradient and leaves the others right
    float dW3[OUT * IN] = {0};
    nn_dense_backward(NULL, dW3, NULL, dy, x, W, B, IN, OUT);
    for (size_t i = 0; i < OUT * IN; i++)
        cr_assert_float_eq(dW3[i], dW1[i], 1e-6f, "dW (NULL dx, db)[%zu]", i);
}

// Context of the dense finite-difference loss.
typedef struct dense_ctx {
    float *x, *W, *b, *y, *dout;
    size_t B, in, out;
} dense_ctx;

// L = sum(dout . dense(x, W, b)).
static double dense_loss(void *p)
{
    dense_ctx *c = p;
    nn_dense_forward(c->y, c->x, c->W, c->b, c->B, c->in, c->out);
    return gc_dot(c->dout, c->y, c->B * c->out);
}

Test(nn, dense_grad_fd)
{
    enum { B = 4, IN = 6, OUT = 5 };
    float x[B * IN], W[OUT * IN], b[OUT], y[B * OUT], dout[B * OUT];
    gc_fill_sin(x, B * IN, 1.0, 0.3);
    gc_fill_sin(W, OUT * IN, 0.6, 1.1);
    gc_fill_sin(b, OUT, 0.2, 2.0);
    gc_fill_sin(dout, B * OUT, 1.0, 0.5);
    dense_ctx c = {x, W, b, y, dout, B, IN, OUT};
    float dx[B * IN] = {0}, dW[OUT * IN] = {0}, db[OUT] = {0};
    nn_dense_backward(dx, dW, db, dout, x, W, B, IN, OUT);
    double num[OUT * IN];
    gc_numeric(num, x, B * IN, GC_EPS, dense_loss, &c);
    gc_compare("dense dx", dx, num, B * IN, GC_TOL, GC_FLOOR);
    gc_numeric(num, W, OUT * IN, GC_EPS, dense_loss, &c);
    gc_compare("dense dW", dW, num, OUT * IN, GC_TOL, GC_FLOOR);
    gc_numeric(num, b, OUT, GC_EPS, dense_loss, &c);
    gc_compare("dense db", db, num, OUT, GC_TOL, GC_FLOOR);
}

// ---------------------------------------------------------------------------------------------
// ReLU

// Context of the ReLU finite-difference loss.
typedef struct relu_ctx {
    float *x, *y, *dout;
    size_t N;
} relu_ctx;

// L = sum(dout . relu(x)).
static double relu_loss(void *p)
{
    relu_ctx *c = p;
    nn_relu_forward(c->y, c->x, c->N);
    return gc_dot(c->dout, c->y, c->N);
}

Test(nn, relu_grad_fd)
{
    enum { N = 40 };
    float x[N], y[N], dout[N], dx[N];
    gc_fill_sin(x, N, 1.0, 0.4);
    for (size_t i = 0; i < N; i++) // keep inputs away from the kink at 0
        if (fabsf(x[i]) < 0.1f)
            x[i] = x[i] < 0.0f ? -0.1f - x[i] : 0.1f + x[i];
    gc_fill_sin(dout, N, 1.0, 1.9);
    relu_ctx c = {x, y, dout, N};
    nn_relu_forward(y, x, N);
    for (size_t i = 0; i < N; i++)
        dx[i] = 0.25f; // backward accumulates onto what is there
    nn_relu_backward(dx, dout, y, N);
    for (size_t i = 0; i < N; i++)
        dx[i] -= 0.25f;
    double num[N];
    gc_numeric(num, x, N, GC_EPS, relu_loss, &c);
    gc_compare("relu dx", dx, num, N, GC_TOL, GC_FLOOR);
}

// ---------------------------------------------------------------------------------------------
// softmax cross-entropy

// Context of the softmax cross-entropy finite-difference loss.
typedef struct xent_ctx {
    float *z;
    const uint32_t *labels;
    size_t B, M;
} xent_ctx;

// L = mean cross-entropy (a scalar already).
static double xent_loss(void *p)
{
    xent_ctx *c = p;
    return nn_softmax_xent(NULL, c->z, c->labels, c->B, c->M);
}

Test(nn, softmax_xent_value_and_grad_fd)
{
    enum { B = 5, M = 7 };
    float z[B * M], dz[B * M];
    const uint32_t labels[B] = {0, 6, 3, 3, 1};
    gc_fill_sin(z, B * M, 2.0, 0.6);
    // value against a direct double computation
    double ref = 0.0;
    for (size_t r = 0; r < B; r++) {
        double s = 0.0;
        for (size_t j = 0; j < M; j++)
            s += exp(z[r * M + j]);
        ref += -log(exp(z[r * M + labels[r]]) / s);
    }
    ref /= B;
    for (size_t i = 0; i < B * M; i++)
        dz[i] = NAN; // the gradient is overwritten, not accumulated
    const double L = nn_softmax_xent(dz, z, labels, B, M);
    cr_assert(fabs(L - ref) < 1e-6, "loss %.9g, reference %.9g", L, ref);
    // each row of the gradient sums to zero (softmax minus one-hot)
    for (size_t r = 0; r < B; r++) {
        double s = 0.0;
        for (size_t j = 0; j < M; j++)
            s += dz[r * M + j];
        cr_assert(fabs(s) < 1e-6, "row %zu of dlogits sums to %g", r, s);
    }
    xent_ctx c = {z, labels, B, M};
    double num[B * M];
    gc_numeric(num, z, B * M, GC_EPS, xent_loss, &c);
    gc_compare("softmax xent dlogits", dz, num, B * M, GC_TOL, GC_FLOOR);
}

Test(nn, softmax_xent_is_stable_for_large_logits)
{
    const float z[4] = {1000.0f, 990.0f, -1000.0f, 1000.0f};
    const uint32_t lab[1] = {1};
    float dz[4];
    const double L = nn_softmax_xent(dz, z, lab, 1, 4);
    // -log(e^-10 / (2 + e^-10 + ...)) = 10 + log(2 + e^-10)
    cr_assert(isfinite(L) && fabs(L - (10.0 + log(2.0 + exp(-10.0)))) < 1e-4, "loss %g", L);
    for (size_t j = 0; j < 4; j++)
        cr_assert(isfinite(dz[j]));
}

Test(nn, argmax_rows_first_maximum)
{
    const float z[3 * 4] = {0, 3, 3, 1, -5, -4, -6, -4.5f, 2, 2, 2, 2};
    uint32_t out[3];
    nn_argmax_rows(out, z, 3, 4);
    cr_assert_eq(out[0], 1);
    cr_assert_eq(out[1], 1);
    cr_assert_eq(out[2], 0);
}

// ---------------------------------------------------------------------------------------------
// normalisations

// Context of the normalisation finite-difference losses.
typedef struct norm_ctx {
    float *v, *x, *inv, *dout;
    size_t B, n;
} norm_ctx;

// L = sum(dout . energy_norm(v)).
static double energy_loss(void *p)
{
    norm_ctx *c = p;
    nn_energy_norm_forward(c->x, c->inv, c->v, c->B, c->n);
    return gc_dot(c->dout, c->x, c->B * c->n);
}

// L = sum(dout . power_norm(v)).
static double power_loss(void *p)
{
    norm_ctx *c = p;
    nn_power_norm_forward(c->x, c->v, c->B, c->n);
    return gc_dot(c->dout, c->x, c->B * c->n);
}

Test(nn, energy_norm_grad_fd)
{
    enum { B = 4, N = 7 };
    float v[B * N], x[B * N], inv[B], dout[B * N], dv[B * N] = {0};
    gc_fill_sin(v, B * N, 1.5, 0.8);
    gc_fill_sin(dout, B * N, 1.0, 2.1);
    norm_ctx c = {v, x, inv, dout, B, N};
    nn_energy_norm_forward(x, inv, v, B, N);
    nn_energy_norm_backward(dv, dout, x, inv, B, N);
    double num[B * N];
    gc_numeric(num, v, B * N, GC_EPS, energy_loss, &c);
    gc_compare("energy norm dv", dv, num, B * N, GC_TOL, GC_FLOOR);
}

Test(nn, power_norm_grad_fd)
{
    enum { B = 4, N = 7 };
    float v[B * N], x[B * N], dout[B * N], dv[B * N] = {0};
    gc_fill_sin(v, B * N, 1.5, 0.8);
    gc_fill_sin(dout, B * N, 1.0, 2.1);
    norm_ctx c = {v, x, NULL, dout, B, N};
    const double s = nn_power_norm_forward(x, v, B, N);
    nn_power_norm_backward(dv, dout, x, s, B, N);
    double num[B * N];
    gc_numeric(num, v, B * N, GC_EPS_SMOOTH, power_loss, &c); // see GC_EPS_SMOOTH
    gc_compare("power norm dv", dv, num, B * N, GC_TOL, GC_FLOOR);
}

Test(nn, energy_norm_gives_n_per_block)
{
    enum { B = 9, N = 5 };
    float v[B * N], x[B * N], inv[B];
    gc_fill_sin(v, B * N, 3.0, 0.1);
    for (size_t i = 0; i < N; i++)
        v[4 * N + i] = 0.0f; // an all-zero block stays zero
    nn_energy_norm_forward(x, inv, v, B, N);
    for (size_t r = 0; r < B; r++) {
        double e = 0.0;
        for (size_t i = 0; i < N; i++)
            e += (double)x[r * N + i] * x[r * N + i];
        if (r == 4)
            cr_assert(e == 0.0 && inv[r] == 0.0f, "zero block: energy %g inv %g", e, inv[r]);
        else
            cr_assert(fabs(e - N) < 1e-5 * N, "block %zu energy %.8g, expected %d", r, e, N);
    }
}

Test(nn, power_norm_gives_unit_mean_power)
{
    enum { B = 9, N = 5 };
    float v[B * N], x[B * N];
    gc_fill_sin(v, B * N, 3.0, 0.1);
    const double s = nn_power_norm_forward(x, v, B, N);
    cr_assert(s > 0.0);
    const double p = gc_dot(x, x, B * N) / (B * N);
    cr_assert(fabs(p - 1.0) < 1e-6, "mean power %.8g", p);
    // all-zero input: s = 0 and x = 0
    memset(v, 0, sizeof v);
    cr_assert(nn_power_norm_forward(x, v, B, N) == 0.0);
    cr_assert(gc_dot(x, x, B * N) == 0.0);
}

// ---------------------------------------------------------------------------------------------
// Adam and initialisation

Test(nn, adam_matches_hand_computed_steps)
{
    nn_adam_cfg c;
    nn_adam_cfg_default(&c);
    cr_assert(c.beta1 == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8);
    // step 1 from zero moments: m = 0.05, v = 2.5e-4, p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002
    float p1 = 1.0f, g1 = 0.5f, m1 = 0.0f, v1 = 0.0f;
    nn_adam_step(&p1, &g1, &m1, &v1, 1, &c, 0.1, 1);
    cr_assert_float_eq(m1, 0.05f, 1e-8f);
    cr_assert_float_eq(v1, 2.5e-4f, 1e-10f);
    cr_assert_float_eq(p1, 0.900000002f, 1e-6f);
    // step 2 from m = 0.1, v = 0.01, g = -1, lr = 0.01 (values from the formulas in double, by hand):
    //   m = -0.01, v = 0.01099, m_hat = -0.01 / 0.19, v_hat = 0.01099 / 0.001999,
    //   p = 2 - 0.01 m_hat / (sqrt(v_hat) + 1e-8) = 2.0002244677472603
    float p2 = 2.0f, g2 = -1.0f, m2 = 0.1f, v2 = 0.01f;
    nn_adam_step(&p2, &g2, &m2, &v2, 1, &c, 0.01, 2);
    cr_assert_float_eq(m2, -0.01f, 1e-8f);
    cr_assert_float_eq(v2, 0.01099f, 1e-8f);
    cr_assert(fabs(p2 - 2.0002244677472603) < 2e-7, "p = %.9f", p2);
}

Test(nn, init_ranges)
{
    enum { IN = 30, OUT = 20 };
    float W[IN * OUT];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(r);
    gsl_rng_set(r, 7);
    const double cases[2] = {sqrt(6.0 / (IN + OUT)), sqrt(6.0 / IN)};
    for (int which = 0; which < 2; which++) {
        if (which == 0)
            nn_init_glorot_uniform(W, IN, OUT, r);
        else
            nn_init_he_uniform(W, IN, OUT, r);
        const double a = cases[which];
        double mean = 0.0, m2 = 0.0, amax = 0.0;
        for (size_t i = 0; i < IN * OUT; i++) {
            cr_assert(fabs(W[i]) <= a, "init %d: |W[%zu]| = %g > %g", which, i, W[i], a);
            mean += W[i];
            m2 += (double)W[i] * W[i];
            amax = fmax(amax, fabs(W[i]));
        }
        mean /= IN * OUT;
        m2 /= IN * OUT;
        // U(-a, a) has variance a^2 / 3; 600 draws put the sample variance within ~10 % of it
        cr_assert(fabs(mean) < 0.1 * a, "init %d: mean %g", which, mean);
        cr_assert(fabs(m2 / (a * a / 3.0) - 1.0) < 0.2, "init %d: variance %g, expected %g", which, m2,
                  a * a / 3.0);
        cr_assert(amax > 0.9 * a, "init %d: range %g, expected near %g", which, amax, a);
    }
    gsl_rng_free(r);
}
