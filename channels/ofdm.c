// ofdm.c - OFDM on FFTW (single precision): grid, cyclic prefix, comb pilots, LS estimation, one-tap
// ZF/MMSE equalisation, and the adjoints a transceiver trains through.
//
// Subcarrier placement (N = nfft, FFT order, k = 0..N-1, DC at k = 0). Walk the subcarriers in
// increasing frequency, negative frequencies first:
//   j = 0..N-1  ->  k = (N0 + j) mod N,  N0 = ceil(N/2)   (even N: k = N/2 .. N-1, 0 .. N/2-1)
// guard_low nulls are the first guard_low of that walk (the most negative frequencies: k = N/2 ..
// N/2 + guard_low - 1 for even N), guard_high nulls the last guard_high (the highest positive
// frequencies: k = N/2 - guard_high .. N/2 - 1 for even N), and null_dc nulls k = 0. Guards stay on
// their own side of DC. The remaining "used" subcarriers, u = 0..U-1 in this frequency order, carry
// comb pilots at u = 0, spacing, 2 spacing, ... and at u = U-1; the others carry data, numbered d =
// 0..Nd-1 in the same order. Walking in frequency (not FFT) order keeps the band contiguous around
// DC, so LS interpolation never jumps from the top of the band to its bottom.
//
// LS interpolation is linear in the position u on the used list: a nulled DC is treated as absent
// (the two carriers beside it count as neighbours). Simple, and exact for any gain linear in u.
//
// FFTs: one single-symbol forward and one backward out-of-place plan, made at create on scratch
// buffers; every call runs them symbol by symbol with fftwf_execute_dft on the workspace's own
// fftwf_malloc'd buffers (same alignment, so one plan serves every thread). A many-plan for
// max_symbols would serve only exactly that batch size, so the loop over S is the simpler choice;
// max_symbols still bounds S (AE_EBADLEN), as documented. The unitary 1/sqrt(N) is applied in one
// place, run_unitary(), for both directions.
#include <complex.h>
#include <fftw3.h>

#include "ofdm.h"

#include <math.h>
#include <stdlib.h>

#include "ae_err.h"

enum { OFDM_NFFT_MIN = 4, OFDM_NFFT_MAX = 65536 };

struct ch_ofdm {
    size_t n;            // N subcarriers
    size_t cp;           // cyclic prefix samples
    size_t nd;           // data subcarriers
    size_t np;           // pilot subcarriers
    size_t max_symbols;  // largest S
    float scale;         // 1/sqrt(N), the unitary normalisation
    size_t *data_idx;    // [nd] grid index of data carrier d
    size_t *pilot_idx;   // [np] grid index of pilot p
    float *pilot_val;    // [np][2] known pilot values
    size_t *interp_left; // [nd] pilot number left of data carrier d (its right one is +1); pilots only
    float *interp_w;     // [nd] weight of the right pilot in the linear interpolation; pilots only
    fftwf_complex *plan_in, *plan_out; // [n] scratch the plans were made on (kept for their lifetime)
    fftwf_plan fwd;                    // unnormalised DFT, e^{-j 2 pi k n / N}
    fftwf_plan inv;                    // unnormalised inverse DFT, e^{+j 2 pi k n / N}
};

struct ch_ofdm_ws {
    size_t n;           // N this workspace was made for
    fftwf_complex *in;  // [n]
    fftwf_complex *out; // [n]
};

// ------------------------------------------------------------------------------------------------
// configuration and tables

// Number of comb pilots on U used subcarriers: u = 0, sp, 2 sp, ... <= U-1, and U-1 if not already one.
static size_t comb_pilots(size_t U, size_t sp)
{
    if (U == 0)
        return 0;
    return (U - 1) / sp + 1 + ((U - 1) % sp != 0 ? 1 : 0);
}

int ch_ofdm_cfg_validate(const ch_ofdm_cfg *cfg)
{
    const size_t N = cfg->nfft;
    if (N < OFDM_NFFT_MIN || N > OFDM_NFFT_MAX)
        return AE_ERROR(AE_EINVAL, "ofdm: nfft = %zu, expected %d..%d", N, OFDM_NFFT_MIN, OFDM_NFFT_MAX);
    if (cfg->cp > N)
        return AE_ERROR(AE_EINVAL, "ofdm: cp = %zu, expected 0..nfft (%zu)", cfg->cp, N);
    if (cfg->null_dc != 0 && cfg->null_dc != 1)
        return AE_ERROR(AE_EINVAL, "ofdm: null_dc = %d, expected 0 or 1", cfg->null_dc);
    // negative frequencies: N/2 of them (with Nyquist for even N); positive: N - 1 - N/2
    if (cfg->guard_low > N / 2)
        return AE_ERROR(AE_EINVAL,
                        "ofdm: guard_low = %zu, expected 0..%zu (the negative frequencies of nfft %zu)",
                        cfg->guard_low, N / 2, N);
    if (cfg->guard_high > N - 1 - N / 2)
        return AE_ERROR(AE_EINVAL,
                        "ofdm: guard_high = %zu, expected 0..%zu (the positive frequencies of nfft %zu)",
                        cfg->guard_high, N - 1 - N / 2, N);
    if (cfg->pilots != CH_OFDM_PILOTS_NONE && cfg->pilots != CH_OFDM_PILOTS_COMB)
        return AE_ERROR(AE_EINVAL, "ofdm: pilots = %d, expected %d (none) or %d (comb)", cfg->pilots,
                        CH_OFDM_PILOTS_NONE, CH_OFDM_PILOTS_COMB);
    if (cfg->pilots == CH_OFDM_PILOTS_COMB && cfg->pilot_spacing < 2)
        return AE_ERROR(AE_EINVAL, "ofdm: pilot_spacing = %zu, expected >= 2 with comb pilots",
                        cfg->pilot_spacing);
    const size_t U = N - cfg->guard_low - cfg->guard_high - (size_t)cfg->null_dc;
    const size_t np = cfg->pilots == CH_OFDM_PILOTS_COMB ? comb_pilots(U, cfg->pilot_spacing) : 0;
    if (U <= np)
        return AE_ERROR(AE_EINVAL,
                        "ofdm: no data subcarrier left (nfft %zu, %zu guards, %d DC null, %zu pilots), "
                        "expected at least one",
                        N, cfg->guard_low + cfg->guard_high, cfg->null_dc, np);
    return AE_OK;
}

// Fill the role tables by walking the subcarriers in frequency order (see the top of the file).
static void build_tables(ch_ofdm *o, const ch_ofdm_cfg *cfg)
{
    const size_t N = o->n, first = (N + 1) / 2;
    const int comb = cfg->pilots == CH_OFDM_PILOTS_COMB;
    const size_t sp = cfg->pilot_spacing;
    const size_t U = N - cfg->guard_low - cfg->guard_high - (size_t)cfg->null_dc;
    size_t u = 0, d = 0, p = 0;
    size_t last_pilot_u = 0; // used position of pilot p - 1
    for (size_t j = 0; j < N; j++) {
        const size_t k = (first + j) % N;
        if (j < cfg->guard_low || j >= N - cfg->guard_high || (k == 0 && cfg->null_dc))
            continue;
        if (comb && (u % sp == 0 || u == U - 1)) {
            ch_ofdm_pilot_value(p, o->pilot_val + 2 * p);
            o->pilot_idx[p++] = k;
            last_pilot_u = u;
        } else {
            o->data_idx[d] = k;
            if (comb) {
                // the right neighbour is pilot p, at u = min(p sp, U - 1)
                const size_t right_u = p * sp < U - 1 ? p * sp : U - 1;
                o->interp_left[d] = p - 1;
                o->interp_w[d] = (float)((double)(u - last_pilot_u) / (double)(right_u - last_pilot_u));
            }
            d++;
        }
        u++;
    }
}

// ------------------------------------------------------------------------------------------------
// lifecycle

void ch_ofdm_destroy(ch_ofdm *o)
{
    if (!o)
        return;
    // fftwf_destroy_plan belongs to the planner: call from one thread, as create
    if (o->fwd)
        fftwf_destroy_plan(o->fwd);
    if (o->inv)
        fftwf_destroy_plan(o->inv);
    fftwf_free(o->plan_in);
    fftwf_free(o->plan_out);
    free(o->data_idx);
    free(o->pilot_idx);
    free(o->pilot_val);
    free(o->interp_left);
    free(o->interp_w);
    free(o);
}

ch_ofdm *ch_ofdm_create(const ch_ofdm_cfg *cfg, size_t max_symbols)
{
    if (ch_ofdm_cfg_validate(cfg) != AE_OK)
        return NULL;
    if (max_symbols < 1) {
        AE_ERROR(AE_EINVAL, "ofdm: max_symbols = 0, expected at least 1 OFDM symbol");
        return NULL;
    }
    ch_ofdm *o = calloc(1, sizeof *o);
    if (!o) {
        AE_ERROR(AE_ENOMEM, "ofdm: out of memory");
        return NULL;
    }
    const size_t N = cfg->nfft;
    const size_t U = N - cfg->guard_low - cfg->guard_high - (size_t)cfg->null_dc;
    o->n = N;
    o->cp = cfg->cp;
    o->np = cfg->pilots == CH_OFDM_PILOTS_COMB ? comb_pilots(U, cfg->pilot_spacing) : 0;
    o->nd = U - o->np;
    o->max_symbols = max_symbols;
    o->scale = (float)(1.0 / sqrt((double)N));
    // +1 keeps every table non-empty (malloc(0) may return NULL) without a special case
    o->data_idx = malloc((o->nd + 1) * sizeof *o->data_idx);
    o->pilot_idx = malloc((o->np + 1) * sizeof *o->pilot_idx);
    o->pilot_val = malloc(2 * (o->np + 1) * sizeof *o->pilot_val);
    o->interp_left = malloc((o->nd + 1) * sizeof *o->interp_left);
    o->interp_w = malloc((o->nd + 1) * sizeof *o->interp_w);
    o->plan_in = fftwf_alloc_complex(N);
    o->plan_out = fftwf_alloc_complex(N);
    if (!o->data_idx || !o->pilot_idx || !o->pilot_val || !o->interp_left || !o->interp_w || !o->plan_in ||
        !o->plan_out) {
        ch_ofdm_destroy(o);
        AE_ERROR(AE_ENOMEM, "ofdm: out of memory for nfft %zu", N);
        return NULL;
    }
    build_tables(o, cfg);
    // FFTW_ESTIMATE leaves the arrays alone and picks the same algorithm every run (reproducible)
    o->fwd = fftwf_plan_dft_1d((int)N, o->plan_in, o->plan_out, FFTW_FORWARD, FFTW_ESTIMATE);
    o->inv = fftwf_plan_dft_1d((int)N, o->plan_in, o->plan_out, FFTW_BACKWARD, FFTW_ESTIMATE);
    if (!o->fwd || !o->inv) {
        ch_ofdm_destroy(o);
        AE_ERROR(AE_ERUNTIME, "ofdm: FFTW returned no plan for nfft %zu", N);
        return NULL;
    }
    return o;
}

ch_ofdm_ws *ch_ofdm_ws_create(const ch_ofdm *o)
{
    ch_ofdm_ws *w = calloc(1, sizeof *w);
    if (!w) {
        AE_ERROR(AE_ENOMEM, "ofdm: out of memory for a workspace");
        return NULL;
    }
    w->n = o->n;
    w->in = fftwf_alloc_complex(o->n);
    w->out = fftwf_alloc_complex(o->n);
    if (!w->in || !w->out) {
        ch_ofdm_ws_destroy(w);
        AE_ERROR(AE_ENOMEM, "ofdm: out of memory for a workspace of nfft %zu", o->n);
        return NULL;
    }
    return w;
}

void ch_ofdm_ws_destroy(ch_ofdm_ws *w)
{
    if (!w)
        return;
    fftwf_free(w->in);
    fftwf_free(w->out);
    free(w);
}

size_t ch_ofdm_data_carriers(const ch_ofdm *o)
{
    return o->nd;
}

size_t ch_ofdm_pilot_carriers(const ch_ofdm *o)
{
    return o->np;
}

size_t ch_ofdm_samples(const ch_ofdm *o)
{
    return o->n + o->cp;
}

// Out-of-range d or p give nfft (no subcarrier).
size_t ch_ofdm_data_index(const ch_ofdm *o, size_t d)
{
    return d < o->nd ? o->data_idx[d] : o->n;
}

size_t ch_ofdm_pilot_index(const ch_ofdm *o, size_t p)
{
    return p < o->np ? o->pilot_idx[p] : o->n;
}

void ch_ofdm_pilot_value(size_t i, float *out)
{
    // q_i = i (i + 1) / 2 mod 4 depends only on i mod 8 (no overflow for any i)
    const size_t r = i % 8, q = r * (r + 1) / 2 % 4;
    // exp(j pi/4 (2 q + 1)) for q = 0..3
    static const float re[4] = {(float)M_SQRT1_2, -(float)M_SQRT1_2, -(float)M_SQRT1_2, (float)M_SQRT1_2};
    static const float im[4] = {(float)M_SQRT1_2, (float)M_SQRT1_2, -(float)M_SQRT1_2, -(float)M_SQRT1_2};
    out[0] = re[q];
    out[1] = im[q];
}

// ------------------------------------------------------------------------------------------------
// transforms: the workspace buffers are viewed as interleaved (re, im) floats, which is the layout
// FFTW documents for fftwf_complex, so they copy to and from the callers' buffers pair by pair

// w->out = plan(w->in) / sqrt(N): the one place the unitary scaling is applied, both directions.
static void run_unitary(const ch_ofdm *o, fftwf_plan plan, ch_ofdm_ws *w)
{
    fftwf_execute_dft(plan, w->in, w->out);
    float *out = (float *)w->out;
    for (size_t i = 0; i < 2 * o->n; i++)
        out[i] *= o->scale;
}

static int check_batch(const ch_ofdm *o, const ch_ofdm_ws *w, size_t S)
{
    if (S > o->max_symbols)
        return AE_ERROR(AE_EBADLEN, "ofdm: %zu OFDM symbols, expected at most max_symbols = %zu", S,
                        o->max_symbols);
    if (w->n != o->n)
        return AE_ERROR(AE_EINVAL, "ofdm: workspace made for nfft %zu used with nfft %zu", w->n, o->n);
    return AE_OK;
}

// One OFDM symbol's grid [N] from its data [Nd]: data, pilots, zeros on the nulls.
static void fill_grid(const ch_ofdm *o, const float *ds, float *gs)
{
    for (size_t i = 0; i < 2 * o->n; i++)
        gs[i] = 0.0f;
    for (size_t d = 0; d < o->nd; d++) {
        gs[2 * o->data_idx[d]] = ds[2 * d];
        gs[2 * o->data_idx[d] + 1] = ds[2 * d + 1];
    }
    for (size_t p = 0; p < o->np; p++) {
        gs[2 * o->pilot_idx[p]] = o->pilot_val[2 * p];
        gs[2 * o->pilot_idx[p] + 1] = o->pilot_val[2 * p + 1];
    }
}

int ch_ofdm_map(const ch_ofdm *o, const float *data, float *grid, size_t S)
{
    if (S > o->max_symbols)
        return AE_ERROR(AE_EBADLEN, "ofdm: %zu OFDM symbols, expected at most max_symbols = %zu", S,
                        o->max_symbols);
    for (size_t s = 0; s < S; s++)
        fill_grid(o, data + 2 * s * o->nd, grid + 2 * s * o->n);
    return AE_OK;
}

int ch_ofdm_map_backward(const ch_ofdm *o, const float *dgrid, float *ddata, size_t S)
{
    if (S > o->max_symbols)
        return AE_ERROR(AE_EBADLEN, "ofdm: %zu OFDM symbols, expected at most max_symbols = %zu", S,
                        o->max_symbols);
    const size_t N = o->n, nd = o->nd;
    for (size_t s = 0; s < S; s++) {
        const float *gs = dgrid + 2 * s * N;
        float *dd = ddata + 2 * s * nd;
        for (size_t d = 0; d < nd; d++) {
            dd[2 * d] += gs[2 * o->data_idx[d]];
            dd[2 * d + 1] += gs[2 * o->data_idx[d] + 1];
        }
    }
    return AE_OK;
}

int ch_ofdm_modulate(const ch_ofdm *o, ch_ofdm_ws *w, const float *data, float *time, size_t S)
{
    const int rc = check_batch(o, w, S);
    if (rc != AE_OK)
        return rc;
    const size_t N = o->n, cp = o->cp, nd = o->nd, L = N + cp;
    float *in = (float *)w->in;
    const float *out = (const float *)w->out;
    for (size_t s = 0; s < S; s++) {
        const float *ds = data + 2 * s * nd;
        float *ts = time + 2 * s * L;
        fill_grid(o, ds, in);
        run_unitary(o, o->inv, w);
        for (size_t i = 0; i < 2 * N; i++)
            ts[2 * cp + i] = out[i];
        // the CP is the symbol's last cp samples: body sample N - cp + c sits at cp + (N - cp + c) = N + c
        for (size_t i = 0; i < 2 * cp; i++)
            ts[i] = ts[2 * N + i];
    }
    return AE_OK;
}

int ch_ofdm_modulate_backward(const ch_ofdm *o, ch_ofdm_ws *w, const float *dtime, float *ddata, size_t S)
{
    const int rc = check_batch(o, w, S);
    if (rc != AE_OK)
        return rc;
    const size_t N = o->n, cp = o->cp, nd = o->nd, L = N + cp;
    float *in = (float *)w->in;
    const float *out = (const float *)w->out;
    for (size_t s = 0; s < S; s++) {
        const float *gs = dtime + 2 * s * L;
        float *dd = ddata + 2 * s * nd;
        for (size_t i = 0; i < 2 * N; i++)
            in[i] = gs[2 * cp + i];
        // CP sample c copies body sample N - cp + c
        for (size_t i = 0; i < 2 * cp; i++)
            in[2 * (N - cp) + i] += gs[i];
        // the adjoint of the unitary inverse DFT is the unitary forward DFT
        run_unitary(o, o->fwd, w);
        for (size_t d = 0; d < nd; d++) {
            dd[2 * d] += out[2 * o->data_idx[d]];
            dd[2 * d + 1] += out[2 * o->data_idx[d] + 1];
        }
    }
    return AE_OK;
}

int ch_ofdm_demodulate(const ch_ofdm *o, ch_ofdm_ws *w, const float *time, float *grid, size_t S)
{
    const int rc = check_batch(o, w, S);
    if (rc != AE_OK)
        return rc;
    const size_t N = o->n, cp = o->cp, L = N + cp;
    float *in = (float *)w->in;
    const float *out = (const float *)w->out;
    for (size_t s = 0; s < S; s++) {
        const float *ts = time + 2 * s * L;
        float *gs = grid + 2 * s * N;
        for (size_t i = 0; i < 2 * N; i++)
            in[i] = ts[2 * cp + i];
        run_unitary(o, o->fwd, w);
        for (size_t i = 0; i < 2 * N; i++)
            gs[i] = out[i];
    }
    return AE_OK;
}

int ch_ofdm_demodulate_backward(const ch_ofdm *o, ch_ofdm_ws *w, const float *dgrid, float *dtime, size_t S)
{
    const int rc = check_batch(o, w, S);
    if (rc != AE_OK)
        return rc;
    const size_t N = o->n, cp = o->cp, L = N + cp;
    float *in = (float *)w->in;
    const float *out = (const float *)w->out;
    for (size_t s = 0; s < S; s++) {
        const float *gs = dgrid + 2 * s * N;
        float *ts = dtime + 2 * s * L;
        for (size_t i = 0; i < 2 * N; i++)
            in[i] = gs[i];
        // the adjoint of the unitary forward DFT is the unitary inverse DFT; the CP was dropped: it gets 0
        run_unitary(o, o->inv, w);
        for (size_t i = 0; i < 2 * N; i++)
            ts[2 * cp + i] += out[i];
    }
    return AE_OK;
}

// ------------------------------------------------------------------------------------------------
// estimation and equalisation

int ch_ofdm_estimate_ls(const ch_ofdm *o, const float *grid, float *H, size_t S)
{
    if (o->np == 0)
        return AE_ERROR(AE_EINVAL, "ofdm: LS channel estimation needs pilots (pilots = none)");
    const size_t N = o->n;
    for (size_t s = 0; s < S; s++) {
        const float *gs = grid + 2 * s * N;
        float *hs = H + 2 * s * N;
        for (size_t k = 0; k < 2 * N; k++)
            hs[k] = 0.0f;
        // Y / p = Y conj(p) for a unit-modulus pilot
        for (size_t p = 0; p < o->np; p++) {
            const size_t k = o->pilot_idx[p];
            const float yr = gs[2 * k], yi = gs[2 * k + 1];
            const float pr = o->pilot_val[2 * p], pi = o->pilot_val[2 * p + 1];
            hs[2 * k] = yr * pr + yi * pi;
            hs[2 * k + 1] = yi * pr - yr * pi;
        }
        for (size_t d = 0; d < o->nd; d++) {
            const size_t k = o->data_idx[d], a = o->pilot_idx[o->interp_left[d]],
                         b = o->pilot_idx[o->interp_left[d] + 1];
            const float t = o->interp_w[d];
            hs[2 * k] = (1.0f - t) * hs[2 * a] + t * hs[2 * b];
            hs[2 * k + 1] = (1.0f - t) * hs[2 * a + 1] + t * hs[2 * b + 1];
        }
    }
    return AE_OK;
}

void ch_ofdm_equalize(const ch_ofdm *o, int equalizer, const float *grid, const float *H, double n0,
                      float *data, float *nvar, size_t S)
{
    const size_t N = o->n, nd = o->nd;
    // ZF: Y / H = conj(H) Y / |H|^2; MMSE: conj(H) Y / (|H|^2 + n0 / Es), Es = 1 (g + 0 is g exactly)
    const double add = equalizer == CH_OFDM_MMSE ? n0 : 0.0;
    const size_t *idx = o->data_idx;
    for (size_t s = 0; s < S; s++) {
        const float *gs = grid + 2 * s * N, *hs = H + 2 * s * N;
        float *ds = data + 2 * s * nd, *vs = nvar + s * nd;
        for (size_t d = 0; d < nd; d++) {
            const size_t k = idx[d];
            const double hr = hs[2 * k], hi = hs[2 * k + 1], yr = gs[2 * k], yi = gs[2 * k + 1];
            const double g = hr * hr + hi * hi;
            if (!(g > 0.0)) {
                ds[2 * d] = 0.0f;
                ds[2 * d + 1] = 0.0f;
                vs[d] = INFINITY;
                continue;
            }
            // one division per subcarrier; in double, so the products round like the quotients to float
            const double inv = 1.0 / (g + add);
            ds[2 * d] = (float)((hr * yr + hi * yi) * inv);
            ds[2 * d + 1] = (float)((hr * yi - hi * yr) * inv);
            vs[d] = (float)(n0 * inv);
        }
    }
}

void ch_ofdm_equalize_backward(const ch_ofdm *o, int equalizer, const float *ddata, const float *H, double n0,
                               float *dgrid, size_t S)
{
    const size_t N = o->n, nd = o->nd;
    const int mmse = equalizer == CH_OFDM_MMSE;
    for (size_t s = 0; s < S; s++) {
        const float *dds = ddata + 2 * s * nd, *hs = H + 2 * s * N;
        float *gs = dgrid + 2 * s * N;
        for (size_t d = 0; d < nd; d++) {
            const size_t k = o->data_idx[d];
            const double hr = hs[2 * k], hi = hs[2 * k + 1];
            const double g = hr * hr + hi * hi;
            if (!(g > 0.0))
                continue;
            // X = c Y with c = conj(H) / den; the adjoint multiplies by conj(c) = H / den
            const double den = mmse ? g + n0 : g, cr = hr / den, ci = hi / den;
            const double ur = dds[2 * d], ui = dds[2 * d + 1];
            gs[2 * k] += (float)(cr * ur - ci * ui);
            gs[2 * k + 1] += (float)(cr * ui + ci * ur);
        }
    }
}
