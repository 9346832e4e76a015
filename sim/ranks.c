// ranks.c - the thin MPI layer (a single process when built without MPI).
#include "ranks.h"

#include <string.h>

#include "ae_err.h"

#ifdef AESIM_MPI
#include <mpi.h>

static int g_rank = 0, g_size = 1, g_init = 0;

int sim_mpi_init(int *argc, char ***argv)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return AE_ERROR(AE_ERUNTIME, "MPI_Init failed");
    g_init = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    return AE_OK;
}

void sim_mpi_finalize(void)
{
    if (g_init)
        MPI_Finalize();
    g_init = 0;
}

int sim_mpi_rank(void)
{
    return g_rank;
}

int sim_mpi_size(void)
{
    return g_size;
}

int sim_mpi_allgather(const void *mine, void *all, size_t bytes)
{
    if (!g_init) {
        memcpy(all, mine, bytes);
        return AE_OK;
    }
    if (MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, MPI_COMM_WORLD) != MPI_SUCCESS)
        return AE_ERROR(AE_ERUNTIME, "MPI_Allgather failed");
    return AE_OK;
}

int sim_mpi_any(int flag)
{
    int out = flag;
    if (g_init)
        MPI_Allreduce(&flag, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

#else

int sim_mpi_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return AE_OK;
}

void sim_mpi_finalize(void) {}

int sim_mpi_rank(void)
{
    return 0;
}

int sim_mpi_size(void)
{
    return 1;
}

int sim_mpi_allgather(const void *mine, void *all, size_t bytes)
{
    memcpy(all, mine, bytes);
    return AE_OK;
}

int sim_mpi_any(int flag)
{
    return flag;
}

#endif
