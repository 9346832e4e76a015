// nn.c - neural-network kernels: dense layer (OpenBLAS sgemm), ReLU, softmax cross-entropy, init,
// Adam and the two transmitter normalisations. Contracts and shapes are in nn.h.
//
// Do not include <gsl/gsl_randist.h> here: with GSL 2.7 it pulls gsl_cblas.h, which clashes with
// OpenBLAS's <cblas.h>.
#include "nn.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

// ---------------------------------------------------------------------------------------------
// dense layer

void nn_dense_forward_act(float *y, const float *x, const float *W, const float *b, size_t B, size_t in,
                          size_t out, int relu)
{
    if (B == 0 || out == 0)
        return;
    if (in == 0) {
        // an empty product: y is the bias alone
        for (size_t r = 0; r < B; r++)
            memcpy(y + r * out, b, out * sizeof *y);
    } else {
        // y[B][out] = x[B][in] * W^T[in][out]   (W stored (out, in): CblasTrans)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)out, (int)in, 1.0f, x, (int)in, W,
                    (int)in, 0.0f, y, (int)out);
        // y[b] += bias, one pass over the output while it is still in cache
        for (size_t r = 0; r < B; r++) {
            float *yr = y + r * out;
#pragma omp simd
            for (size_t o = 0; o < out; o++)
                yr[o] += b[o];
        }
    }
    if (relu)
        nn_relu_forward(y, y, B * out);
}

void nn_dense_forward(float *y, const float *x, const float *W, const float *b, size_t B, size_t in,
                      size_t out)
{
    nn_dense_forward_act(y, x, W, b, B, in, out, 0);
}

void nn_dense_forward_fm(float *yt, const float *x, int x_fm, const float *W, const float *b, size_t B,
                         size_t in, size_t out, int relu)
{
    if (B == 0 || out == 0)
        return;
    if (in == 0) {
        for (size_t o = 0; o < out; o++)
            for (size_t r = 0; r < B; r++)
                yt[o * B + r] = b[o];
    } else if (x_fm) {
        // yt[out][B] = W[out][in] * x[in][B]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)out, (int)B, (int)in, 1.0f, W, (int)in, x,
                    (int)B, 0.0f, yt, (int)B);
    } else {
        // yt[out][B] = W[out][in] * x^T[in][B]   (x stored [B][in]: CblasTrans)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)out, (int)B, (int)in, 1.0f, W, (int)in, x,
                    (int)in, 0.0f, yt, (int)B);
    }
    for (size_t o = 0; o < out; o++) {
        float *yo = yt + o * B;
        const float bo = in == 0 ? 0.0f : b[o];
        if (relu) {
#pragma omp simd
            for (size_t r = 0; r < B; r++) {
                const float v = yo[r] + bo;
                yo[r] = v > 0.0f ? v : 0.0f;
            }
        } else {
#pragma omp simd
            for (size_t r = 0; r < B; r++)
                yo[r] += bo;
        }
    }
}

void nn_dense_backward(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W,
                       size_t B, size_t in, size_t out)
{
    if (B == 0 || out == 0)
        return;
    if (dx && in > 0) {
        // dx[B][in] += dy[B][out] * W[out][in]   (beta = 1 accumulates)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)in, (int)out, 1.0f, dy, (int)out,
                    W, (int)in, 1.0f, dx, (int)in);
    }
    if (dW && in > 0) {
        // dW[out][in] += dy^T[out][B] * x[B][in]
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)B, 1.0f, dy, (int)out, x,
                    (int)in, 1.0f, dW, (int)in);
    }
    if (db) {
        // db[out] += sum over rows of dy
        for (size_t r = 0; r < B; r++) {
            const float *dyr = dy + r * out;
#pragma omp simd
            for (size_t o = 0; o < out; o++)
                db[o] += dyr[o];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// activations

// The ReLU loops are written as selects, not branches: the signs of a layer's pre-activations are
// close to random, so a branch mispredicts about half the time, while a select vectorises.

void nn_relu_forward(float *y, const float *x, size_t N)
{
#pragma omp simd
    for (size_t i = 0; i < N; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(float *dx, const float *dy, const float *y, size_t N)
{
    // d max(x, 0) / dx = [x > 0] = [y > 0] (the subgradient 0 is taken at x = 0)
#pragma omp simd
    for (size_t i = 0; i < N; i++) {
        const float d = dy[i];
        dx[i] += y[i] > 0.0f ? d : 0.0f;
    }
}

void nn_relu_mask(float *g, const float *y, size_t N)
{
#pragma omp simd
    for (size_t i = 0; i < N; i++) {
        const float gi = g[i];
        g[i] = y[i] > 0.0f ? gi : 0.0f;
    }
}

// ---------------------------------------------------------------------------------------------
// exponential of non-positive arguments

// exp(x) for x <= 0 in a form the compiler vectorises (no libm call, no branch): x = j ln2 + r with
// j = round(x / ln2) and |r| <= ln2 / 2, exp(r) by its degree-7 Taylor polynomial (truncation below
// r^8 / 8! < 5.3e-9 relative, a tenth of a float ulp), and 2^j put into the exponent field. Cody & Waite
// range reduction (ln2 split in two parts so j ln2 is exact; W. J. Cody and W. Waite, Software Manual for the
// Elementary Functions, Prentice-Hall 1980, ch. 6). Arguments below -87 are clamped there (the result,
// about 1.6e-38, is negligible next to the softmax denominator, which is at least 1).
static inline float exp_nonpos(float x)
{
    const float log2e = 1.44269504088896341f, ln2_hi = 0.693145751953125f, ln2_lo = 1.42860682030941723e-6f;
    const float round_magic = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer in the low bits
    x = x > -87.0f ? x : -87.0f;
    union {
        float f;
        int32_t i;
    } t, e;
    t.f = x * log2e + round_magic;
    const float j = t.f - round_magic;
    const float r = (x - j * ln2_hi) - j * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // j is in [-126, 0]: its integer sits in the low mantissa bits of t (two's complement)
    e.i = (t.i - 0x4B400000 + 127) << 23;
    return p * e.f;
}

void nn_exp_nonpos(float *y, const float *x, size_t N)
{
#pragma omp simd
    for (size_t i = 0; i < N; i++)
        y[i] = exp_nonpos(x[i]);
}

// ---------------------------------------------------------------------------------------------
// softmax cross-entropy

// max of row z[0..M-1]
static inline float row_max(const float *z, size_t M)
{
    float zmax = z[0];
#pragma omp simd reduction(max : zmax)
    for (size_t j = 0; j < M; j++)
        zmax = z[j] > zmax ? z[j] : zmax;
    return zmax;
}

// *prod *= sum with the product kept below 2^512 by moving its binary exponent into *exp2_sum (the row
// sums are at most M <= 2^31, so one multiply never overflows a double).
static inline void prod_push(double *prod, int *exp2_sum, float sum)
{
    *prod *= (double)sum;
    if (*prod > 0x1p512) {
        int e;
        *prod = frexp(*prod, &e);
        *exp2_sum += e;
    }
}

double nn_softmax_xent_sum(float *dlogits, const float *logits, const uint32_t *labels, size_t B, size_t M,
                           float grad_scale)
{
    if (B == 0 || M == 0)
        return 0.0;
    // loss_b = log sum_j exp(z_j - zmax) - (z_c - zmax). The sum of the logs is taken as the log of
    // the product of the row sums (each in [1, M]), kept as a double mantissa with a separate binary
    // exponent: one log per batch instead of one per row.
    double prod = 1.0, shifted = 0.0;
    int exp2_sum = 0;
    if (dlogits) {
        // z - zmax row by row, then the exponentials in one long loop over the batch (long loops
        // vectorise better than many of M), then row sums and the scaling to (p_j - [j = c]) * grad_scale
        for (size_t r = 0; r < B; r++) {
            const float *z = logits + r * M;
            float *g = dlogits + r * M;
            const float zmax = row_max(z, M);
#pragma omp simd
            for (size_t j = 0; j < M; j++)
                g[j] = z[j] - zmax;
            shifted += (double)g[labels[r]];
        }
        nn_exp_nonpos(dlogits, dlogits, B * M);
        for (size_t r = 0; r < B; r++) {
            float *g = dlogits + r * M;
            float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
            for (size_t j = 0; j < M; j++)
                sum += g[j];
            const float scale = grad_scale / sum;
#pragma omp simd
            for (size_t j = 0; j < M; j++)
                g[j] *= scale;
            g[labels[r]] -= grad_scale;
            prod_push(&prod, &exp2_sum, sum);
        }
        return log(prod) + (double)exp2_sum * M_LN2 - shifted;
    }
    for (size_t r = 0; r < B; r++) {
        const float *z = logits + r * M;
        const float zmax = row_max(z, M);
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (size_t j = 0; j < M; j++)
            sum += exp_nonpos(z[j] - zmax);
        shifted += (double)z[labels[r]] - (double)zmax;
        prod_push(&prod, &exp2_sum, sum);
    }
    return log(prod) + (double)exp2_sum * M_LN2 - shifted;
}

double nn_softmax_xent(float *dlogits, const float *logits, const uint32_t *labels, size_t B, size_t M)
{
    if (B == 0 || M == 0)
        return 0.0;
    return nn_softmax_xent_sum(dlogits, logits, labels, B, M, 1.0f / (float)B) / (double)B;
}

void nn_argmax_rows(uint32_t *out, const float *logits, size_t B, size_t M)
{
    // Two vectorised passes per row instead of a compare-and-branch chain (whose branch mispredicts
    // once per row at a random place): the row's maximum, then the smallest index that holds it.
    if (M == 0)
        return;
    for (size_t r = 0; r < B; r++) {
        const float *z = logits + r * M;
        const float zmax = row_max(z, M);
        // 32-bit lanes like the floats (M <= 2^AE_MAX_K fits)
        const int32_t m = (int32_t)M;
        int32_t best = m;
#pragma omp simd reduction(min : best)
        for (int32_t j = 0; j < m; j++) {
            const int32_t cand = z[j] == zmax ? j : m;
            best = cand < best ? cand : best;
        }
        out[r] = best < m ? (uint32_t)best : 0; // no match only with NaN logits
    }
}

void nn_argmax_cols(uint32_t *out, float *best, const float *zt, size_t B, size_t M)
{
    if (M == 0)
        return;
    // a running maximum per column, one row of logits at a time: contiguous, vectorised, no horizontal
    // step; strict > keeps the first maximum, as nn_argmax_rows does
    memcpy(best, zt, B * sizeof *best);
    memset(out, 0, B * sizeof *out);
    for (size_t j = 1; j < M; j++) {
        const float *zj = zt + j * B;
        const uint32_t jj = (uint32_t)j;
#pragma omp simd
        for (size_t r = 0; r < B; r++) {
            const float v = zj[r], bv = best[r];
            const uint32_t gt = 0u - (uint32_t)(v > bv); // all ones where row j beats the best so far
            best[r] = v > bv ? v : bv;
            out[r] = (jj & gt) | (out[r] & ~gt);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// initialisation

// Fill W[out][in] with i.i.d. U(-a, a) draws from r, in storage order.
static void init_uniform(float *W, size_t count, double a, gsl_rng *r)
{
    for (size_t i = 0; i < count; i++)
        W[i] = (float)(a * (2.0 * gsl_rng_uniform(r) - 1.0));
}

void nn_init_glorot_uniform(float *W, size_t in, size_t out, gsl_rng *r)
{
    if (in + out == 0)
        return;
    init_uniform(W, in * out, sqrt(6.0 / (double)(in + out)), r);
}

void nn_init_he_uniform(float *W, size_t in, size_t out, gsl_rng *r)
{
    if (in == 0)
        return;
    init_uniform(W, in * out, sqrt(6.0 / (double)in), r);
}

// ---------------------------------------------------------------------------------------------
// Adam

void nn_adam_cfg_default(nn_adam_cfg *c)
{
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
}

void nn_adam_step(float *p, const float *g, float *m, float *v, size_t N, const nn_adam_cfg *c, double lr,
                  uint64_t t)
{
    // bias corrections of Algorithm 1, computed once in double
    const double bc1 = 1.0 - pow(c->beta1, (double)t);
    const double bc2 = 1.0 - pow(c->beta2, (double)t);
    const float b1 = (float)c->beta1, b2 = (float)c->beta2;
    const float a1 = (float)(1.0 - c->beta1), a2 = (float)(1.0 - c->beta2);
    const float step = (float)(lr / bc1);     // lr * m_hat / m  =  lr / bc1
    const float inv_bc2 = (float)(1.0 / bc2); // v_hat = v / bc2
    const float eps = (float)c->eps;
#pragma omp simd
    for (size_t i = 0; i < N; i++) {
        const float gi = g[i];
        const float mi = b1 * m[i] + a1 * gi;
        const float vi = b2 * v[i] + a2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (sqrtf(vi * inv_bc2) + eps);
    }
}

// ---------------------------------------------------------------------------------------------
// transmitter normalisation

void nn_energy_norm_forward(float *x, float *inv_norm, const float *v, size_t B, size_t n)
{
    const double sqrt_n = sqrt((double)n);
    for (size_t r = 0; r < B; r++) {
        const float *vr = v + r * n;
        float *xr = x + r * n;
        double ss = 0.0;
        for (size_t i = 0; i < n; i++)
            ss += (double)vr[i] * vr[i];
        const double inv = ss > 0.0 ? 1.0 / sqrt(ss) : 0.0;
        inv_norm[r] = (float)inv;
        // x = sqrt(n) v / ||v|| (x may alias v: each element is read before it is written)
        const float scale = (float)(sqrt_n * inv);
        for (size_t i = 0; i < n; i++)
            xr[i] = vr[i] * scale;
    }
}

void nn_energy_norm_backward(float *dv, const float *dx, const float *x, const float *inv_norm, size_t B,
                             size_t n)
{
    // x = c v / ||v||, c = sqrt(n):  dx_j/dv_i = c / ||v|| (delta_ij - u_i u_j), u = v / ||v|| = x / c,
    // so dv = c / ||v|| (dx - u (u . dx)): the component of dx along u is projected out.
    const double sqrt_n = sqrt((double)n);
    const double inv_sqrt_n = n > 0 ? 1.0 / sqrt_n : 0.0;
    for (size_t r = 0; r < B; r++) {
        const float *dxr = dx + r * n, *xr = x + r * n;
        float *dvr = dv + r * n;
        double udx = 0.0;
        for (size_t i = 0; i < n; i++)
            udx += (double)xr[i] * dxr[i];
        udx *= inv_sqrt_n; // u . dx
        const float scale = (float)(sqrt_n * inv_norm[r]);
        const float proj = (float)(udx * inv_sqrt_n); // u_i (u . dx) = x_i * proj
        for (size_t i = 0; i < n; i++)
            dvr[i] += scale * (dxr[i] - xr[i] * proj);
    }
}

double nn_power_norm_forward(float *x, const float *v, size_t B, size_t n)
{
    const size_t N = B * n;
    double ss = 0.0;
    for (size_t i = 0; i < N; i++)
        ss += (double)v[i] * v[i];
    // s = 1 / sqrt(mean v^2); x may alias v
    const double s = ss > 0.0 ? 1.0 / sqrt(ss / (double)N) : 0.0;
    const float sf = (float)s;
    for (size_t i = 0; i < N; i++)
        x[i] = v[i] * sf;
    return s;
}

void nn_power_norm_backward(float *dv, const float *dx, const float *x, double s, size_t B, size_t n)
{
    // x_j = s v_j, s = (S/N)^(-1/2), S = sum v^2:  ds/dv_i = -s^3 v_i / N, hence
    // dv_i = s dx_i - s^3 v_i (sum_j dx_j v_j) / N = s (dx_i - x_i (sum_j dx_j x_j) / N).
    const size_t N = B * n;
    if (N == 0)
        return;
    double dot = 0.0;
    for (size_t i = 0; i < N; i++)
        dot += (double)dx[i] * x[i];
    const float sf = (float)s;
    const float c = (float)(dot / (double)N);
    for (size_t i = 0; i < N; i++)
        dv[i] += sf * (dx[i] - x[i] * c);
}
