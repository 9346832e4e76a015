// blas.h - the BLAS threading policy of aesim (sim/).
#ifndef AESIM_BLAS_H
#define AESIM_BLAS_H

// aesim parallelises over Monte Carlo chunks and over the pieces of a training batch with OpenMP; every
// BLAS call runs single-threaded, inside those regions and between them (the products are small). The
// Makefile links Debian's OpenMP build of OpenBLAS, which shares aesim's OpenMP runtime and keeps no
// spinning workers of its own. Sets OpenBLAS to one thread and leaves the OpenMP default thread count
// as it was. Call once, from the main thread, before any parallel region.
void sim_blas_single_thread(void);

#endif
