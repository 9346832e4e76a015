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

void nn_dense_forward(float *y, const float *x, const float *W, const float *b, size_t B, size_t in,
                      size_t out)
{
    if (B == 0 || out == 0)
        return;
    if (in == 0) {
        // an empty product: y is the bias alone
        for (size_t r = 0; r < B; r++)
            memcpy(y + r * out, b, out * sizeof *y);
        return;
    }
    // y[B][out] = x[B][in] * W^T[in][out]   (W stored (out, in): CblasTrans)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)out, (int)in, 1.0f, x, (int)in, W,
                (int)in, 0.0f, y, (int)out);
    // y[b] += bias, one pass over the output while it is still in cache
    for (size_t r = 0; r < B; r++) {
        float *yr = y + r * out;
        for (size_t o = 0; o < out; o++)
            yr[o] += b[o];
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
            for (size_t o = 0; o < out; o++)
                db[o] += dyr[o];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// activations

void nn_relu_forward(float *y, const float *x, size_t N)
{
    for (size_t i = 0; i < N; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(float *dx, const float *dy, const float *y, size_t N)
{
    // d max(x, 0) / dx = [x > 0] = [y > 0] (the subgradient 0 is taken at x = 0)
    for (size_t i = 0; i < N; i++)
        if (y[i] > 0.0f)
            dx[i] += dy[i];
}

// ---------------------------------------------------------------------------------------------
// softmax cross-entropy

double nn_softmax_xent(float *dlogits, const float *logits, const uint32_t *labels, size_t B, size_t M)
{
    if (B == 0 || M == 0)
        return 0.0;
    double loss = 0.0;
    const float inv_B = 1.0f / (float)B;
    for (size_t r = 0; r < B; r++) {
        const float *z = logits + r * M;
        // -log softmax(z)_c = log sum_j exp(z_j - zmax) - (z_c - zmax)
        float zmax = z[0];
        for (size_t j = 1; j < M; j++)
            zmax = z[j] > zmax ? z[j] : zmax;
        double sum = 0.0;
        if (dlogits) {
            // keep exp(z_j - zmax) in dlogits, then scale it into (p_j - [j = c]) / B
            float *g = dlogits + r * M;
            for (size_t j = 0; j < M; j++) {
                g[j] = expf(z[j] - zmax);
                sum += g[j];
            }
            const float scale = (float)(1.0 / sum) * inv_B;
            for (size_t j = 0; j < M; j++)
                g[j] *= scale;
            g[labels[r]] -= inv_B;
        } else {
            for (size_t j = 0; j < M; j++)
                sum += expf(z[j] - zmax);
        }
        loss += log(sum) - ((double)z[labels[r]] - (double)zmax);
    }
    return loss / (double)B;
}

void nn_argmax_rows(uint32_t *out, const float *logits, size_t B, size_t M)
{
    for (size_t r = 0; r < B; r++) {
        const float *z = logits + r * M;
        size_t best = 0;
        for (size_t j = 1; j < M; j++)
            if (z[j] > z[best])
                best = j;
        out[r] = (uint32_t)best;
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
