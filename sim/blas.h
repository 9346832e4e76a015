// blas.h - the BLAS threading policy of aesim (sim/).
#ifndef AESIM_BLAS_H
#define AESIM_BLAS_H

// aesim parallelises over Monte Carlo chunks with OpenMP; every BLAS call runs single-threaded inside
// them. Debian's OpenBLAS (pthread build) would otherwise also read OMP_NUM_THREADS and start its
// own threads inside ours. Call once, from the main thread, before any parallel region.
void sim_blas_single_thread(void);

#endif
