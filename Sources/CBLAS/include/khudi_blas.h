// The CBLAS calls Khudi makes, forwarded to OpenBLAS, which is loaded with dlopen the first
// time one of them needs it (see README.md: a process that multiplies no matrices never
// starts OpenBLAS's thread pool, and runs on a machine without OpenBLAS).
#ifndef KHUDI_BLAS_H
#define KHUDI_BLAS_H

// CBLAS's enumerations, with CBLAS's names and values (Khudi does not include cblas.h).
typedef enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 } CBLAS_ORDER;
typedef enum CBLAS_TRANSPOSE {
    CblasNoTrans = 111,
    CblasTrans = 112,
    CblasConjTrans = 113
} CBLAS_TRANSPOSE;

/// Loads OpenBLAS once (thread-safe): KHUDI_OPENBLAS if set (that path only), else
/// libopenblas.so.0, else libopenblas.so. Returns 0 when loaded, 1 when not
/// (khudi_blas_last_error says why).
int khudi_blas_load(void);

/// 1 when OpenBLAS is loaded in this process.
int khudi_blas_is_loaded(void);

/// Why the load failed (empty when it did not).
const char *khudi_blas_last_error(void);

/// cblas_sgemm; OpenBLAS must be loaded (khudi_blas_load).
void khudi_cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB,
                       int m, int n, int k, float alpha, const float *a, int lda,
                       const float *b, int ldb, float beta, float *c, int ldc);

/// cblas_sgemv; OpenBLAS must be loaded (khudi_blas_load).
void khudi_cblas_sgemv(CBLAS_ORDER order, CBLAS_TRANSPOSE trans, int m, int n, float alpha,
                       const float *a, int lda, const float *x, int incx, float beta,
                       float *y, int incy);

/// openblas_set_num_threads; before OpenBLAS is loaded the count is kept and applied when it
/// loads.
void khudi_openblas_set_num_threads(int count);

/// openblas_get_num_threads; before OpenBLAS is loaded, the count kept by
/// khudi_openblas_set_num_threads, or (none kept) OpenBLAS's own after loading it; 1 when it
/// cannot be loaded.
int khudi_openblas_get_num_threads(void);

/// openblas_get_config, loading OpenBLAS; NULL when it cannot be loaded.
const char *khudi_openblas_get_config(void);

#endif
