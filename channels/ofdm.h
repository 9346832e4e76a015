// ofdm.h - OFDM on FFTW (single precision): resource grid, cyclic prefix, pilots, channel estimation
// and one-tap equalisation, each with the backward pass that lets a transceiver train through it
// (channels/).
//
// Layout: complex values are interleaved float pairs; batches are OFDM-symbol-major.
//   data   [S][Nd]      the data symbols of S OFDM symbols, in the order of the data subcarriers
//   grid   [S][N]       all N subcarriers (index k = 0..N-1, DC at k = 0, FFT order)
//   time   [S][N + CP]  time samples, each OFDM symbol's cyclic prefix (its last CP samples) first
// Scaling: the DFT pair is unitary (1/sqrt(N) both ways), so the energy of a grid equals that of its
// N time samples, and white noise of variance n0 per complex time sample stays n0 per subcarrier.
// Subcarrier order: the subcarriers are taken in increasing frequency, the most negative first, i.e.
// FFT bins k = (j + ceil(N/2)) mod N for j = 0..N-1 (even N: N/2 .. N-1, then 0 .. N/2-1). Data symbol
// d (d = 0..Nd-1 of each OFDM symbol) goes on the d-th bin of that walk that is neither null nor pilot;
// with no nulls and no pilots, symbol d sits on FFT bin (d + N/2) mod N (even N; (d + ceil(N/2)) mod N
// for odd N), so the first data symbol is on the lowest frequency and the band stays contiguous
// around DC. ch_ofdm_data_index() gives the bin of each d.
// Subcarrier roles (fixed at create): null (DC and guards: carry 0), pilot (a known unit-modulus
// sequence), data. guard_low nulls the first guard_low bins of the walk (the most negative
// frequencies), guard_high the last guard_high (the highest positive ones), null_dc bin 0. Comb
// pilots: every `pilot_spacing`-th non-null subcarrier of the walk in every OFDM symbol is a pilot,
// starting at the first non-null one, and the last non-null subcarrier is a pilot too (so linear
// interpolation never extrapolates). Plans are made once, from the calling thread, with
// FFTW_ESTIMATE; workers execute them on their own fftwf_malloc'd buffers (new-array execute).
#ifndef AESIM_OFDM_H
#define AESIM_OFDM_H

#include <stddef.h>

enum ch_ofdm_pilots {
    CH_OFDM_PILOTS_NONE = 0, // no pilots: perfect CSI only
    CH_OFDM_PILOTS_COMB = 1  // comb pilots (see above)
};

enum ch_ofdm_equalizer {
    CH_OFDM_ZF = 0,  // X = Y / H, noise variance n0 / |H|^2 per complex symbol
    CH_OFDM_MMSE = 1 // X = conj(H) Y / (|H|^2 + n0 / Es) (biased LMMSE for unit-energy Es = 1 symbols);
                     // reported noise variance n0 / (|H|^2 + n0), the estimate's mean squared error
};

typedef struct ch_ofdm_cfg {
    size_t nfft;          // N subcarriers, 4..65536
    size_t cp;            // cyclic prefix samples, 0..N
    int null_dc;          // 1: subcarrier 0 carries nothing
    size_t guard_low;     // null subcarriers at the low band edge (just above N/2 in FFT order)
    size_t guard_high;    // null subcarriers at the high band edge (just below N/2 in FFT order)
    int pilots;           // enum ch_ofdm_pilots
    size_t pilot_spacing; // comb spacing, >= 2 (comb pilots only)
} ch_ofdm_cfg;

// Check ranges (AE_EINVAL naming the field and the expected range; e.g. cp > nfft, no data subcarrier).
int ch_ofdm_cfg_validate(const ch_ofdm_cfg *cfg);

typedef struct ch_ofdm ch_ofdm;       // plans and subcarrier tables, read-only after create
typedef struct ch_ofdm_ws ch_ofdm_ws; // one thread's fftwf_malloc'd buffers

// Make the plans (FFTW_ESTIMATE, one forward and one inverse N-point plan, executed once per OFDM symbol
// on the workspace's buffers) and the subcarrier tables. NULL with AE_ERROR (AE_EINVAL, AE_ENOMEM, or
// AE_ERUNTIME if FFTW returns no plan). Call from one thread (FFTW's planner is not thread-safe).
ch_ofdm *ch_ofdm_create(const ch_ofdm_cfg *cfg, size_t max_symbols);
void ch_ofdm_destroy(ch_ofdm *o);
ch_ofdm_ws *ch_ofdm_ws_create(const ch_ofdm *o);
void ch_ofdm_ws_destroy(ch_ofdm_ws *w);

size_t ch_ofdm_data_carriers(const ch_ofdm *o);  // Nd
size_t ch_ofdm_pilot_carriers(const ch_ofdm *o); // Np
size_t ch_ofdm_samples(const ch_ofdm *o);        // N + CP per OFDM symbol

// data [S][Nd] -> time [S][N + CP]: fill the grid (data, pilots, nulls), unitary IFFT, prepend the CP.
// S <= max_symbols, else AE_EBADLEN.
int ch_ofdm_modulate(const ch_ofdm *o, ch_ofdm_ws *w, const float *data, float *time, size_t S);

// data [S][Nd] -> grid [S][N]: the resource grid ch_ofdm_modulate transforms (data on the data
// subcarriers, the pilot values on the pilots, 0 on the nulls), without the IFFT. S <= max_symbols, else
// AE_EBADLEN.
int ch_ofdm_map(const ch_ofdm *o, const float *data, float *grid, size_t S);

// Adjoint of ch_ofdm_map with respect to data, accumulating: dgrid [S][N] -> ddata [S][Nd] (the data
// subcarriers read out; pilots and nulls carry no gradient). S <= max_symbols, else AE_EBADLEN.
int ch_ofdm_map_backward(const ch_ofdm *o, const float *dgrid, float *ddata, size_t S);

// Adjoint of ch_ofdm_modulate with respect to data, accumulating: dtime [S][N+CP] -> ddata [S][Nd]
// (the CP's gradient is added to the samples it copies, then the adjoint of the unitary IFFT, which is
// the unitary FFT, and the data subcarriers are read out).
int ch_ofdm_modulate_backward(const ch_ofdm *o, ch_ofdm_ws *w, const float *dtime, float *ddata, size_t S);

// time [S][N + CP] -> grid [S][N]: drop the CP, unitary FFT.
int ch_ofdm_demodulate(const ch_ofdm *o, ch_ofdm_ws *w, const float *time, float *grid, size_t S);

// Adjoint of ch_ofdm_demodulate, accumulating: dgrid [S][N] -> dtime [S][N + CP] (CP samples get 0).
int ch_ofdm_demodulate_backward(const ch_ofdm *o, ch_ofdm_ws *w, const float *dgrid, float *dtime, size_t S);

// LS channel estimate from received pilots: grid [S][N] -> H [S][N] complex: at pilot k, Y_k / p_k; at
// the other non-null subcarriers, linear interpolation (real and imaginary parts) between the nearest
// pilots on each side; 0 at null subcarriers. AE_EINVAL without pilots.
int ch_ofdm_estimate_ls(const ch_ofdm *o, const float *grid, float *H, size_t S);

// One-tap equalisation of the data subcarriers: grid [S][N], H [S][N] (true or estimated), n0 the noise
// variance per complex sample -> data [S][Nd] and nvar [S][Nd] (noise variance per complex symbol after
// equalisation, as ch_ofdm_equalizer says). A zero gain gives 0 and an infinite variance.
void ch_ofdm_equalize(const ch_ofdm *o, int equalizer, const float *grid, const float *H, double n0,
                      float *data, float *nvar, size_t S);

// Adjoint of ch_ofdm_equalize with respect to grid (H held fixed), accumulating: ddata [S][Nd] ->
// dgrid [S][N] (ZF: conj(1/H) ddata; MMSE: conj(conj(H) / (|H|^2 + n0)) ddata; 0 on pilots and nulls).
void ch_ofdm_equalize_backward(const ch_ofdm *o, int equalizer, const float *ddata, const float *H, double n0,
                               float *dgrid, size_t S);

// The known pilot value of pilot number i (0..Np-1) of every OFDM symbol: a unit-modulus QPSK-like
// sequence exp(j pi/4 (2 q_i + 1)) with q_i = (i (i + 1) / 2) mod 4. out [2] (re, im).
void ch_ofdm_pilot_value(size_t i, float *out);

// Subcarrier role tables (for tests and for the Eb/N0 bookkeeping): the FFT bin k (0..N-1) of data
// carrier d (0..Nd-1) and of pilot p (0..Np-1), in the frequency order above ((d + N/2) mod N for data
// without nulls or pilots); an index out of range gives N.
size_t ch_ofdm_data_index(const ch_ofdm *o, size_t d);
size_t ch_ofdm_pilot_index(const ch_ofdm *o, size_t p);

#endif
