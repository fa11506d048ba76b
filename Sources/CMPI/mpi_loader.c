#include "cmpi.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Open MPI's handle types are pointers to its structs; only their addresses are used here.
typedef void *mpi_handle;
enum { MPI_SUCCESS_CODE = 0, MPI_THREAD_FUNNELED_LEVEL = 1, MPI_MAX_ERROR_STRING_LENGTH = 256 };
#define MPI_IN_PLACE_ADDRESS ((void *)1)

static struct {
    void *library;
    int initialized;
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(mpi_handle, int *);
    int (*comm_size)(mpi_handle, int *);
    int (*allreduce)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle);
    int (*bcast)(void *, int, mpi_handle, int, mpi_handle);
    int (*barrier)(mpi_handle);
    int (*abort)(mpi_handle, int);
    int (*finalize)(void);
    int (*error_string)(int, char *, int *);
    double (*wtime)(void);
    mpi_handle comm_world, float_type, byte_type, sum_op;
} mpi;

static int fail(char *error, long capacity, const char *format, const char *detail) {
    if (error && capacity > 0) snprintf(error, (size_t)capacity, format, detail ? detail : "");
    return 1;
}

static int fail_code(char *error, long capacity, const char *call, int code) {
    char text[MPI_MAX_ERROR_STRING_LENGTH] = "";
    int length = 0;
    if (mpi.error_string) mpi.error_string(code, text, &length);
    if (error && capacity > 0) snprintf(error, (size_t)capacity, "%s failed: %s (MPI error %d)", call, text, code);
    return 1;
}

static int load(char *error, long capacity) {
    if (mpi.library) return 0;
    // RTLD_GLOBAL: Open MPI's components are libraries of their own that expect libmpi's
    // symbols to be global, as they are when it is linked.
    // POLYICL_MPI_LIBRARY names another libmpi (a cluster's module, for example).
    const char *chosen = getenv("POLYICL_MPI_LIBRARY");
    const char *names[] = {chosen && *chosen ? chosen : "libmpi.so.40", "libmpi.so"};
    unsigned tries = chosen && *chosen ? 1 : 2;
    void *library = NULL;
    for (unsigned i = 0; i < tries && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        return fail(error, capacity,
                    "Open MPI's library could not be loaded (%s). Install Open MPI (Debian: apt-get install openmpi-bin), point POLYICL_MPI_LIBRARY at its libmpi.so, or run a single process",
                    dlerror());
    }
#define FIND(field, name) \
    if (!(*(void **)&mpi.field = dlsym(library, name))) { \
        dlclose(library); \
        return fail(error, capacity, "libmpi has no symbol %s: this build speaks Open MPI's ABI (4.x or later)", name); \
    }
    FIND(init_thread, "MPI_Init_thread")
    FIND(comm_rank, "MPI_Comm_rank")
    FIND(comm_size, "MPI_Comm_size")
    FIND(allreduce, "MPI_Allreduce")
    FIND(bcast, "MPI_Bcast")
    FIND(barrier, "MPI_Barrier")
    FIND(abort, "MPI_Abort")
    FIND(finalize, "MPI_Finalize")
    FIND(error_string, "MPI_Error_string")
    FIND(wtime, "MPI_Wtime")
    FIND(comm_world, "ompi_mpi_comm_world")
    FIND(float_type, "ompi_mpi_float")
    FIND(byte_type, "ompi_mpi_byte")
    FIND(sum_op, "ompi_mpi_op_sum")
#undef FIND
    mpi.library = library;
    return 0;
}

int polyicl_mpi_initialize(int *rank, int *size, char *error, long capacity) {
    if (load(error, capacity)) return 1;
    if (!mpi.initialized) {
        int provided = 0;
        int code = mpi.init_thread(NULL, NULL, MPI_THREAD_FUNNELED_LEVEL, &provided);
        if (code != MPI_SUCCESS_CODE) return fail_code(error, capacity, "MPI_Init_thread", code);
        mpi.initialized = 1;
    }
    int code = mpi.comm_rank(mpi.comm_world, rank);
    if (code != MPI_SUCCESS_CODE) return fail_code(error, capacity, "MPI_Comm_rank", code);
    code = mpi.comm_size(mpi.comm_world, size);
    if (code != MPI_SUCCESS_CODE) return fail_code(error, capacity, "MPI_Comm_size", code);
    return 0;
}

int polyicl_mpi_sum_floats(float *values, long count, char *error, long capacity) {
    if (!mpi.initialized) return fail(error, capacity, "MPI is not initialised%s", NULL);
    // MPI counts are ints: sum in pieces of at most 2^30 values.
    for (long start = 0; start < count; start += 1L << 30) {
        long n = count - start < (1L << 30) ? count - start : (1L << 30);
        int code = mpi.allreduce(MPI_IN_PLACE_ADDRESS, values + start, (int)n, mpi.float_type, mpi.sum_op, mpi.comm_world);
        if (code != MPI_SUCCESS_CODE) return fail_code(error, capacity, "MPI_Allreduce", code);
    }
    return 0;
}

int polyicl_mpi_broadcast(void *bytes, long count, int root, char *error, long capacity) {
    if (!mpi.initialized) return fail(error, capacity, "MPI is not initialised%s", NULL);
    if (count > INT_MAX) return fail(error, capacity, "a broadcast of more than 2 GB was asked for%s", NULL);
    int code = mpi.bcast(bytes, (int)count, mpi.byte_type, root, mpi.comm_world);
    return code == MPI_SUCCESS_CODE ? 0 : fail_code(error, capacity, "MPI_Bcast", code);
}

int polyicl_mpi_barrier(char *error, long capacity) {
    if (!mpi.initialized) return fail(error, capacity, "MPI is not initialised%s", NULL);
    int code = mpi.barrier(mpi.comm_world);
    return code == MPI_SUCCESS_CODE ? 0 : fail_code(error, capacity, "MPI_Barrier", code);
}

void polyicl_mpi_abort(int status) {
    if (mpi.initialized) mpi.abort(mpi.comm_world, status);
}

int polyicl_mpi_finalize(void) {
    if (!mpi.initialized) return 0;
    mpi.initialized = 0;
    return mpi.finalize();
}

double polyicl_mpi_time(void) { return mpi.wtime ? mpi.wtime() : 0; }
