// Implementation of khudi_blas.h: OpenBLAS resolved with dlopen/dlsym on first use.
#define _GNU_SOURCE
#include "khudi_blas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, int, int, int, float,
                         const float *, int, const float *, int, float, float *, int);
typedef void (*sgemv_fn)(CBLAS_ORDER, CBLAS_TRANSPOSE, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_config_fn)(void);

static struct {
    pthread_once_t once;
    atomic_int loaded;
    atomic_int pending_threads;  // set before loading; 0 = none
    sgemm_fn sgemm;
    sgemv_fn sgemv;
    set_threads_fn set_threads;
    get_threads_fn get_threads;
    get_config_fn get_config;
    char error[512];
} blas = {.once = PTHREAD_ONCE_INIT};

static void load_once(void) {
    const char *explicit_path = getenv("KHUDI_OPENBLAS");
    const char *candidates[] = {"libopenblas.so.0", "libopenblas.so"};
    int is_explicit = explicit_path != NULL && explicit_path[0] != '\0';
    const char *first = is_explicit ? explicit_path : candidates[0];
    void *library = dlopen(first, RTLD_NOW | RTLD_LOCAL);
    // The first name's failure is the one reported (the fallback's would name another file).
    const char *why = library ? NULL : dlerror();
    char detail[256];
    snprintf(detail, sizeof detail, "%s", why ? why : "");
    if (library == NULL && !is_explicit) library = dlopen(candidates[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(blas.error, sizeof blas.error,
                 "cannot load OpenBLAS (%s; install libopenblas0, or set KHUDI_OPENBLAS to "
                 "the library's path): %s",
                 first, detail[0] ? detail : "not found");
        return;
    }
    blas.sgemm = (sgemm_fn)dlsym(library, "cblas_sgemm");
    blas.sgemv = (sgemv_fn)dlsym(library, "cblas_sgemv");
    blas.set_threads = (set_threads_fn)dlsym(library, "openblas_set_num_threads");
    blas.get_threads = (get_threads_fn)dlsym(library, "openblas_get_num_threads");
    blas.get_config = (get_config_fn)dlsym(library, "openblas_get_config");
    if (!blas.sgemm || !blas.sgemv || !blas.set_threads || !blas.get_threads || !blas.get_config) {
        snprintf(blas.error, sizeof blas.error,
                 "the loaded BLAS library lacks cblas_sgemm, cblas_sgemv or OpenBLAS's thread "
                 "controls (is it OpenBLAS?)");
        return;
    }
    int pending = atomic_load(&blas.pending_threads);
    if (pending > 0) blas.set_threads(pending);
    atomic_store(&blas.loaded, 1);
}

int khudi_blas_load(void) {
    if (atomic_load_explicit(&blas.loaded, memory_order_acquire)) return 0;
    pthread_once(&blas.once, load_once);
    return atomic_load(&blas.loaded) ? 0 : 1;
}

int khudi_blas_is_loaded(void) { return atomic_load_explicit(&blas.loaded, memory_order_acquire); }

const char *khudi_blas_last_error(void) { return blas.error; }

void khudi_cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB,
                       int m, int n, int k, float alpha, const float *a, int lda,
                       const float *b, int ldb, float beta, float *c, int ldc) {
    blas.sgemm(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void khudi_cblas_sgemv(CBLAS_ORDER order, CBLAS_TRANSPOSE trans, int m, int n, float alpha,
                       const float *a, int lda, const float *x, int incx, float beta,
                       float *y, int incy) {
    blas.sgemv(order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

void khudi_openblas_set_num_threads(int count) {
    atomic_store(&blas.pending_threads, count);
    if (khudi_blas_is_loaded()) blas.set_threads(count);
}

int khudi_openblas_get_num_threads(void) {
    if (!khudi_blas_is_loaded()) {
        int pending = atomic_load(&blas.pending_threads);
        if (pending > 0) return pending;
        if (khudi_blas_load() != 0) return 1;
    }
    return blas.get_threads();
}

const char *khudi_openblas_get_config(void) {
    if (khudi_blas_load() != 0) return NULL;
    return blas.get_config();
}
