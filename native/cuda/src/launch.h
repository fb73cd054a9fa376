// Launching element-wise kernels. A kernel body is a lambda over a flat index i in [0, n):
//
//   for_each_index("what", n, [=] RNN_DL(int64_t i) { y[i] = f(x[i]); });
//
// With nvcc, RNN_DL makes it a __device__ lambda run by a grid-stride kernel on the library's
// stream; in the emulation build it is a plain lambda run by a loop. Helpers a body calls are
// RNN_HD (host and device). Bodies that need shared memory or block-wide cooperation (the tiled
// GEMM, block reductions) are CUDA-only and each has a for_each_index fallback used by the
// emulation build.
#pragma once

#include <cstdint>

#include "common.h"
#include "core/hd.h"
#include "device.h"

#ifdef RNN_CUDA_EMULATION

#define RNN_DL

namespace rnn_cuda {

template <class F>
int for_each_index(const char* /*what*/, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) f(i);
  return RNN_OK;
}

template <class T>
inline void atomic_add(T* p, T v) {
  *p += v;
}
inline void atomic_add(int32_t* p, int32_t v) {  // wraps modulo 2^32 like the GPU's atomicAdd
  *p = static_cast<int32_t>(static_cast<uint32_t>(*p) + static_cast<uint32_t>(v));
}
inline void record_fault(int* flag, int code) { *flag = code; }

}  // namespace rnn_cuda

#else  // nvcc

#include <cuda_runtime.h>

#define RNN_DL __device__

namespace rnn_cuda {

cudaStream_t stream();

template <class F>
__global__ void k_for_each(int64_t n, F f) {
  const int64_t step = int64_t(blockDim.x) * gridDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) f(i);
}

template <class F>
int for_each_index(const char* what, int64_t n, F f) {
  if (n <= 0) return RNN_OK;
  constexpr int kThreads = 256;
  constexpr int64_t kMaxBlocks = int64_t(1) << 20;  // grid-stride beyond 2^28 elements
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  k_for_each<<<static_cast<unsigned>(blocks), kThreads, 0, stream()>>>(n, f);
  return after_launch(what);
}

__device__ inline void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ inline void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ inline void atomic_add(int32_t* p, int32_t v) { atomicAdd(reinterpret_cast<int*>(p), static_cast<int>(v)); }
// The flag lives in mapped host memory: a plain store (any non-zero code will do when several race).
__device__ inline void record_fault(int* flag, int code) { *reinterpret_cast<volatile int*>(flag) = code; }

}  // namespace rnn_cuda

#endif

