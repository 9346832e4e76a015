// blas.c - OpenBLAS threading (kept apart from GSL's randist header, whose gsl_cblas.h clashes with cblas.h).
#include "blas.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void sim_blas_single_thread(void)
{
#ifdef _OPENMP
    // OpenBLAS's OpenMP build sets the OpenMP default thread count along with its own: keep ours
    const int omp_threads = omp_get_max_threads();
    openblas_set_num_threads(1);
    omp_set_num_threads(omp_threads);
#else
    openblas_set_num_threads(1);
#endif
}
