// Implementation of khudi_mpi.h over Open MPI, resolved with dlopen/dlsym.
//
// Open MPI's handles are the addresses of exported globals: MPI_COMM_WORLD is
// &ompi_mpi_comm_world, MPI_FLOAT is &ompi_mpi_float, MPI_SUM is &ompi_mpi_op_sum, and
// MPI_IN_PLACE is ((void *)1). Function signatures follow the MPI standard with those handles
// passed as pointers, which is Open MPI's ABI (MPICH uses integer handles and is not supported).
#define _GNU_SOURCE
#include "khudi_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

typedef int (*init_fn)(int *, char ***);
typedef int (*finalize_fn)(void);
typedef int (*comm_query_fn)(void *, int *);
typedef int (*barrier_fn)(void *);
typedef int (*allreduce_fn)(const void *, void *, int, void *, void *, void *);

static struct {
    void *library;
    int initialized;
    init_fn init;
    finalize_fn finalize;
    comm_query_fn comm_rank;
    comm_query_fn comm_size;
    barrier_fn barrier;
    allreduce_fn allreduce;
    void *comm_world;
    void *type_float;
    void *type_double;
    void *op_sum;
} mpi;

static char last_error[512];

static int fail(const char *what, const char *detail) {
    snprintf(last_error, sizeof last_error, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
    return 1;
}

static int fail_code(const char *call, int code) {
    char detail[32];
    snprintf(detail, sizeof detail, "error code %d", code);
    return fail(call, detail);
}

static void *resolve(const char *symbol, int *missing) {
    void *address = dlsym(mpi.library, symbol);
    if (address == NULL && *missing == 0) {
        *missing = 1;
        fail("libmpi lacks symbol (is it Open MPI?)", symbol);
    }
    return address;
}

static int load_library(const char *library_path) {
    if (mpi.library != NULL) return 0;
    const char *candidates[] = {library_path, "libmpi.so.40", "libmpi.so"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i] == NULL) continue;
        mpi.library = dlopen(candidates[i], RTLD_NOW | RTLD_GLOBAL);
        if (mpi.library != NULL) break;
    }
    if (mpi.library == NULL) {
        return fail("cannot load Open MPI's libmpi (install openmpi-bin / libopenmpi-dev)",
                    dlerror());
    }
    int missing = 0;
    mpi.init = (init_fn)resolve("MPI_Init", &missing);
    mpi.finalize = (finalize_fn)resolve("MPI_Finalize", &missing);
    mpi.comm_rank = (comm_query_fn)resolve("MPI_Comm_rank", &missing);
    mpi.comm_size = (comm_query_fn)resolve("MPI_Comm_size", &missing);
    mpi.barrier = (barrier_fn)resolve("MPI_Barrier", &missing);
    mpi.allreduce = (allreduce_fn)resolve("MPI_Allreduce", &missing);
    mpi.comm_world = resolve("ompi_mpi_comm_world", &missing);
    mpi.type_float = resolve("ompi_mpi_float", &missing);
    mpi.type_double = resolve("ompi_mpi_double", &missing);
    mpi.op_sum = resolve("ompi_mpi_op_sum", &missing);
    return missing;
}

int khudi_mpi_init(const char *library_path) {
    last_error[0] = '\0';
    if (mpi.initialized) return 0;
    if (load_library(library_path) != 0) return 1;
    int code = mpi.init(NULL, NULL);
    if (code != 0) return fail_code("MPI_Init", code);
    mpi.initialized = 1;
    return 0;
}

int khudi_mpi_is_initialized(void) { return mpi.initialized; }

int khudi_mpi_library_is_loaded(void) {
    if (mpi.library != NULL) return 1;
    // RTLD_NOLOAD only answers whether the library is already mapped in this process.
    void *probe = dlopen("libmpi.so.40", RTLD_NOW | RTLD_NOLOAD);
    if (probe == NULL) probe = dlopen("libmpi.so", RTLD_NOW | RTLD_NOLOAD);
    if (probe == NULL) return 0;
    dlclose(probe);
    return 1;
}

static int require_initialized(const char *call) {
    if (mpi.initialized) return 0;
    return fail(call, "MPI is not initialised (call khudi_mpi_init first)");
}

int khudi_mpi_rank(int *rank) {
    if (require_initialized("khudi_mpi_rank")) return 1;
    int code = mpi.comm_rank(mpi.comm_world, rank);
    return code == 0 ? 0 : fail_code("MPI_Comm_rank", code);
}

int khudi_mpi_size(int *size) {
    if (require_initialized("khudi_mpi_size")) return 1;
    int code = mpi.comm_size(mpi.comm_world, size);
    return code == 0 ? 0 : fail_code("MPI_Comm_size", code);
}

int khudi_mpi_barrier(void) {
    if (require_initialized("khudi_mpi_barrier")) return 1;
    int code = mpi.barrier(mpi.comm_world);
    return code == 0 ? 0 : fail_code("MPI_Barrier", code);
}

/// MPI counts are ints; larger buffers are reduced in chunks of at most INT_MAX elements.
static int allreduce_sum(char *buffer, size_t count, size_t element_size, void *type) {
    const size_t chunk = (size_t)INT_MAX;
    for (size_t start = 0; start < count; start += chunk) {
        size_t n = count - start < chunk ? count - start : chunk;
        int code = mpi.allreduce((void *)1, buffer + start * element_size, (int)n, type,
                                 mpi.op_sum, mpi.comm_world);
        if (code != 0) return fail_code("MPI_Allreduce", code);
    }
    return 0;
}

int khudi_mpi_allreduce_sum_float(float *buffer, size_t count) {
    if (require_initialized("khudi_mpi_allreduce_sum_float")) return 1;
    return allreduce_sum((char *)buffer, count, sizeof(float), mpi.type_float);
}

int khudi_mpi_allreduce_sum_double(double *buffer, size_t count) {
    if (require_initialized("khudi_mpi_allreduce_sum_double")) return 1;
    return allreduce_sum((char *)buffer, count, sizeof(double), mpi.type_double);
}

int khudi_mpi_finalize(void) {
    if (!mpi.initialized) return 0;
    int code = mpi.finalize();
    mpi.initialized = 0;
    return code == 0 ? 0 : fail_code("MPI_Finalize", code);
}

const char *khudi_mpi_last_error(void) { return last_error; }
