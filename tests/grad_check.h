// grad_check.h - finite-difference gradient checking shared by the Criterion tests (header-only).
//
// Method (STYLE.md 13c): a scalar loss in double, usually L = sum(dout . y) with a deterministic
// high-entropy dout; central differences on float inputs; compare with the analytic gradient by
// relative error, and refuse an analytic gradient that is all zero (a check that cannot fail).
#ifndef AESIM_TEST_GRAD_CHECK_H
#define AESIM_TEST_GRAD_CHECK_H

#include <math.h>
#include <stddef.h>

#include <criterion/criterion.h>

// Default step and tolerance for float32 kernels (STYLE.md 13c).
#define GC_EPS 1e-3
#define GC_TOL 1e-2
// Step for smooth functions whose gradient has elements a few percent of its largest one: with
// eps = 1e-3 the float32 rounding of the loss (~1e-7 relative, divided by 2 eps) alone reaches 1e-2
// of such elements (seen: 1.01e-2 for the power normalisation). The error of central differences is
// O(eps^2) for smooth functions, so 1e-2 costs no accuracy and cuts the rounding part tenfold.
#define GC_EPS_SMOOTH 1e-2
// Elements smaller than floor times the largest |gradient| are compared against that floor instead
// of their own size: there the float32 rounding of the loss dominates the difference. GC_FLOOR for
// single kernels; GC_FLOOR_MODEL for whole models, whose loss passes through several float32 layers:
// there the finite difference carries ~1e-5 absolute rounding noise (seen: 1.2e-5 on an element of
// 4e-4 at eps = 1e-3), which would otherwise fail elements below ~1e-3 that are correct.
#define GC_FLOOR       1e-3
#define GC_FLOOR_MODEL 1e-2

// a[i] = scale * sin(1.7 i + phase): deterministic, high-entropy test data.
static inline void gc_fill_sin(float *a, size_t N, double scale, double phase)
{
    for (size_t i = 0; i < N; i++)
        a[i] = (float)(scale * sin(1.7 * (double)i + phase));
}

// sum_i a[i] * b[i] in double: the L = sum(dout . y) loss.
static inline double gc_dot(const float *a, const float *b, size_t N)
{
    double s = 0.0;
    for (size_t i = 0; i < N; i++)
        s += (double)a[i] * b[i];
    return s;
}

// num[i] = (L(p + e_i eps) - L(p - e_i eps)) / (actual float step), p restored afterwards.
static inline void gc_numeric(double *num, float *p, size_t N, double eps, double (*loss)(void *), void *ctx)
{
    for (size_t i = 0; i < N; i++) {
        const float save = p[i];
        const float hi = (float)(save + eps), lo = (float)(save - eps);
        p[i] = hi;
        const double Lp = loss(ctx);
        p[i] = lo;
        const double Lm = loss(ctx);
        p[i] = save;
        num[i] = (Lp - Lm) / ((double)hi - (double)lo);
    }
}

// Assert |ana - num| <= tol * max(|ana|, |num|, floor * max|ana|) elementwise, and that the analytic
// gradient is not all zero. Returns the largest relative error seen (also logged with --verbose).
static inline double gc_compare(const char *what, const float *ana, const double *num, size_t N, double tol,
                                double floor)
{
    double amax = 0.0;
    for (size_t i = 0; i < N; i++)
        amax = fmax(amax, fabs((double)ana[i]));
    cr_assert(amax > 1e-6, "%s: analytic gradient is (near) all zero, max |g| = %g", what, amax);
    double worst = 0.0;
    for (size_t i = 0; i < N; i++) {
        const double a = ana[i], d = fabs(a - num[i]);
        const double scale = fmax(fmax(fabs(a), fabs(num[i])), floor * amax);
        const double rel = d / scale;
        worst = fmax(worst, rel);
        cr_assert(rel <= tol, "%s[%zu]: analytic %.7g vs numeric %.7g (relative error %.3g > %.3g)", what, i,
                  a, num[i], rel, tol);
    }
    cr_log_info("%s: %zu values, max |g| %.3g, worst relative error %.3g", what, N, amax, worst);
    return worst;
}

#endif
