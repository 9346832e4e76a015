// ranks.h - optional MPI scale-out (sim/): `make MPI=1` builds with OpenMPI (AESIM_MPI defined); without it
// every function below behaves as a single process of rank 0.
//
// Under `mpirun -np R aesim run CONFIG` every rank runs the same experiment: training is deterministic, so
// every rank trains the same model; each Monte Carlo wave of chunks is split over the ranks and the
// per-chunk counts are gathered, so every rank sums the same chunk-ordered prefix and the counts equal a
// single process's. Only rank 0 writes files and prints progress.
#ifndef AESIM_RANKS_H
#define AESIM_RANKS_H

#include <stddef.h>

// MPI_Init (when built with MPI); returns AE_OK or AE_ERUNTIME.
int sim_mpi_init(int *argc, char ***argv);
void sim_mpi_finalize(void);
int sim_mpi_rank(void); // 0 without MPI
int sim_mpi_size(void); // 1 without MPI

// Every rank's `bytes` bytes at `mine` gathered into `all` [size][bytes], in rank order (all ranks get
// all). Without MPI a copy. AE_OK or AE_ERUNTIME.
int sim_mpi_allgather(const void *mine, void *all, size_t bytes);

// The largest of every rank's flag (e.g. "interrupted"), on every rank. Without MPI the flag itself.
int sim_mpi_any(int flag);

#endif
