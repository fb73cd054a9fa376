// RNN_HD marks a function that runs on the host and, under nvcc, on the device too: the cell
// equations, the strided index arithmetic and the per-element optimizer math are written once with
// it and compiled into the CPU kernels, the CUDA kernels and the CUDA emulation alike.
// RNN_HDI also forces inlining: the CPU gate loops must keep vectorising through these calls.
#pragma once

#if defined(__CUDACC__)
#define RNN_HD __host__ __device__
#define RNN_HDI __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#define RNN_HD
#define RNN_HDI inline __attribute__((always_inline))
#else
#define RNN_HD
#define RNN_HDI inline
#endif
