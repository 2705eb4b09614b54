// khudi_mpi: the smallest MPI surface Khudi's data-parallel training needs.
//
// The shim loads Open MPI's libmpi with dlopen() on first use instead of linking it, so an
// executable started without mpirun/srun never needs an MPI runtime installed, and never
// initialises one. Every call returns 0 on success; on failure it returns a non-zero code and
// khudi_mpi_last_error() describes what went wrong.
#ifndef KHUDI_MPI_H
#define KHUDI_MPI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads libmpi (RTLD_GLOBAL, so Open MPI's plugins resolve) and calls MPI_Init.
/// `library_path` may be NULL to try the usual sonames (libmpi.so.40, libmpi.so).
int khudi_mpi_init(const char *library_path);

/// 1 when khudi_mpi_init succeeded and khudi_mpi_finalize has not run yet.
int khudi_mpi_is_initialized(void);

/// 1 when this process has loaded libmpi (through this shim or otherwise).
int khudi_mpi_library_is_loaded(void);

/// Rank of this process in MPI_COMM_WORLD.
int khudi_mpi_rank(int *rank);

/// Number of processes in MPI_COMM_WORLD.
int khudi_mpi_size(int *size);

/// Blocks until every rank has called it.
int khudi_mpi_barrier(void);

/// In-place sum over all ranks of `count` floats.
int khudi_mpi_allreduce_sum_float(float *buffer, size_t count);

/// In-place sum over all ranks of `count` doubles.
int khudi_mpi_allreduce_sum_double(double *buffer, size_t count);

/// Calls MPI_Finalize. The library stays loaded (Open MPI cannot be unloaded safely).
int khudi_mpi_finalize(void);

/// A description of the last failure, or an empty string.
const char *khudi_mpi_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
