#ifndef POLYICL_CMPI_H
#define POLYICL_CMPI_H
// Open MPI, loaded when a run is distributed rather than linked: one binary then runs
// anywhere as a single process (a laptop, a cluster node without MPI, CI), and under
// mpirun or srun loads the machine's own libmpi (Debian: openmpi-bin, libmpi.so.40). Open
// MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are the addresses of global structs
// in libmpi, found here by name as mpi.h's macros would take them.
//
// Every function returns 0 on success; otherwise it writes a message of at most
// `capacity` bytes to `error` and returns non-zero.

// Loads libmpi (POLYICL_MPI_LIBRARY, else libmpi.so.40) and calls MPI_Init_thread (funneled: only the calling thread uses MPI).
int polyicl_mpi_initialize(int *rank, int *size, char *error, long capacity);
// values[i] = the sum of values[i] over every rank, in place (MPI_Allreduce, MPI_SUM).
int polyicl_mpi_sum_floats(float *values, long count, char *error, long capacity);
// MPI_Bcast of `count` bytes from rank `root`.
int polyicl_mpi_broadcast(void *bytes, long count, int root, char *error, long capacity);
// MPI_Barrier.
int polyicl_mpi_barrier(char *error, long capacity);
// Ends every rank of the job at once (MPI_Abort): a rank that fails must not leave the
// others waiting in a collective.
void polyicl_mpi_abort(int status);
// MPI_Finalize; a no-op when MPI was never initialised.
int polyicl_mpi_finalize(void);
// Seconds on MPI's clock (MPI_Wtime).
double polyicl_mpi_time(void);

#endif
