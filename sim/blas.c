// blas.c - OpenBLAS threading (kept apart from GSL's randist header, whose gsl_cblas.h clashes with cblas.h).
#include "blas.h"

#include <cblas.h>

void sim_blas_single_thread(void)
{
    openblas_set_num_threads(1);
}
