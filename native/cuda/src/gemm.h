// GEMM for matmul and the fused kernels: row-major, strided-batched
//   C[z] = alpha op(A[z]) op(B[z]) + beta C[z],  z < batch,  X[z] = X + z * stride_x
// (stride 0 shares one operand across the batch). beta == 0 never reads C. Three implementations,
// picked by rnn_cuda_set_gemm: cuBLAS (loaded at run time, cublas.cu), the built-in tiled kernel
// (shared-memory tiles, gemm_tiled.cu) and a one-thread-per-output reference that is also the
// emulation build's GEMM.
#pragma once

#include <cstdint>

#include "common.h"

namespace rnn_cuda {

struct GemmArgs {
  bool ta, tb;
  int64_t m, n, k;
  int64_t lda, ldb, ldc;
  int64_t stride_a, stride_b, stride_c;
  int64_t batch;
};

// Called once by rnn_cuda_init: loads cuBLAS (unless RNN_CUDA_CUBLAS=0) and self-tests it.
int gemm_init();

template <class T>
int gemm(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c);

// Plain 2-D form for the fused kernels.
template <class T>
int gemm2d(const char* what, bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
           const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  return gemm<T>(what, GemmArgs{ta, tb, m, n, k, lda, ldb, ldc, 0, 0, 0, 1}, alpha, a, b, beta, c);
}

// The reference (used by the emulation build and as the tests' yardstick on the GPU).
template <class T>
int gemm_reference(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c);

#ifndef RNN_CUDA_EMULATION
template <class T>
int gemm_tiled(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c);
#endif

}  // namespace rnn_cuda
