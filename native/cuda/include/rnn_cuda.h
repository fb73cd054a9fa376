/*
 * rnn_cuda: the C kernel API of the rnn CUDA backend.
 *
 * The same kernels as rnn_native.h (same op codes, descriptors and semantics, see there), on
 * DEVICE pointers: every array argument of a kernel is device memory from rnn_cuda_alloc, except
 * the shapes, the descriptors and rnn_seq_desc.lengths, which stay on the host. Kernels are queued
 * on one stream and return as soon as they are queued; rnn_cuda_copy_d2h and rnn_cuda_synchronize
 * wait for them.
 *
 * Every function returns an rnn_status. Arguments (shapes, sizes, codes, null pointers) are
 * checked on the host before anything is queued, and before the first CUDA call, so a bad call
 * fails the same way with or without a GPU. Index VALUES (gather, scatter-add) live on the device:
 * a kernel that meets one out of range skips it (nothing outside a buffer is touched) and records
 * the fault, which the next rnn_cuda_synchronize / rnn_cuda_copy_d2h reports as RNN_ERR_INDEX.
 *
 * Built twice from the same sources: with nvcc for the GPU, and as plain C++ with
 * RNN_CUDA_EMULATION defined, where "device" memory is host memory and each kernel is a loop. The
 * emulation exists so the host-side logic (argument checks, index arithmetic, the fused time
 * loops) is tested on machines without a GPU; rnn_cuda_is_emulation() tells the two apart.
 */
#ifndef RNN_CUDA_H
#define RNN_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "rnn_native.h" /* rnn_status, rnn_dtype, op codes, rnn_seq_desc, rnn_tree_desc, rnn_adam_params */

#ifdef __cplusplus
extern "C" {
#endif

#define RNN_CUDA_VERSION "0.1.0"
/** A CUDA call failed, no device answers, or a kernel faulted (in addition to rnn_status). */
#define RNN_ERR_DEVICE 6

/* ---- runtime ---- */

/** What the machine offers; never fails (status holds cudaGetDeviceCount's cudaError_t). */
typedef struct rnn_cuda_probe_result {
  int device_count;    /* 0 when no device answers */
  int driver_version;  /* e.g. 13000; 0 when no driver is installed */
  int runtime_version; /* the CUDA runtime this library was built with, e.g. 13000 */
  int status;          /* 0 when the query worked */
  char message[256];   /* why no device answers; "" when one does */
} rnn_cuda_probe_result;

int rnn_cuda_probe(rnn_cuda_probe_result* out);

/** Picks `device`, creates the stream and the memory pool, loads cuBLAS when allowed. Idempotent
 * for the same device; RNN_ERR_ARG for another one once initialised. */
int rnn_cuda_init(int device);

typedef struct rnn_cuda_device_info {
  int device;
  char name[256];
  int major, minor; /* compute capability */
  int multiprocessors;
  size_t total_memory;
} rnn_cuda_device_info;

int rnn_cuda_get_device_info(rnn_cuda_device_info* out);
/** The message of the last failed call on this thread ("" if none). */
const char* rnn_cuda_last_error(void);
const char* rnn_cuda_version(void);
/** 1 in the CPU emulation build, else 0. */
int rnn_cuda_is_emulation(void);
/** The GPU architectures compiled in, e.g. "90-real;90-virtual (nvcc 13.0.88)" (sm_90 code plus compute_90
 * PTX), or "emulation". */
const char* rnn_cuda_archs(void);

/* Which GEMM matmul and the fused kernels use. AUTO: cuBLAS when it loaded and passed its self
 * test, else the built-in tiled kernel. REFERENCE: one thread per output (slow; for tests). */
enum { RNN_GEMM_AUTO = 0, RNN_GEMM_TILED = 1, RNN_GEMM_REFERENCE = 2, RNN_GEMM_CUBLAS = 3 };
int rnn_cuda_set_gemm(int mode);
/** e.g. "cuBLAS 130100 (libcublas.so.13)" or "built-in tiled (cuBLAS: libcublas.so.13 not found)". */
const char* rnn_cuda_gemm_info(void);

/* ---- memory (runtime.cpp) ---- */

int rnn_cuda_alloc(void** ptr, size_t bytes);
/** Stream-ordered: work already queued that reads ptr finishes first. Null is a no-op. */
int rnn_cuda_free(void* ptr);
/** src is host memory the caller may reuse as soon as this returns. */
int rnn_cuda_copy_h2d(void* dst, const void* src, size_t bytes);
/** Waits for queued work, then copies; reports kernel faults and device-side index errors. */
int rnn_cuda_copy_d2h(void* dst, const void* src, size_t bytes);
int rnn_cuda_copy_d2d(void* dst, const void* src, size_t bytes);
/** n elements of dtype, all `value` (converted like a typed-array store). */
int rnn_cuda_fill(int dtype, void* ptr, int64_t n, double value);
int rnn_cuda_synchronize(void);
/** Bytes this library holds in live allocations. */
int64_t rnn_cuda_bytes_in_use(void);

/* ---- kernels: rnn_native.h's, on device pointers ----
 *
 * Every kernel of rnn_native.h as rnn_cuda_*, declared by the same list (RNN_KERNELS_DECL). Where
 * host and device memory differ: concat's xs is a HOST array of n device pointers; a sequence
 * descriptor's lengths is a host array (copied to the device by the call); gather and scatter-add
 * check their index values on the device (see above); cast to the same dtype is a copy. */
RNN_KERNELS_DECL(rnn_cuda_)

/** Row-major C[M,N] = alpha op(A) op(B) + beta C with leading dimensions (float dtypes). */
int rnn_cuda_gemm(int dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, double alpha, const void* a,
                  int64_t lda, const void* b, int64_t ldb, double beta, void* c, int64_t ldc);

#ifdef __cplusplus
}
#endif

#endif /* RNN_CUDA_H */
