// Workspace helpers for the fused kernels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace rnn {

template <class T>
using Buf = std::unique_ptr<T[]>;

template <class T>
inline Buf<T> alloc(int64_t n) {
  return Buf<T>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))]);
}

// memcpy of n elements that is also defined when n == 0 and a pointer is null (an empty tensor's
// buffer): memcpy itself requires valid pointers even for zero bytes.
template <class T>
inline void copy_elems(T* dst, const T* src, int64_t n) {
  if (n > 0) std::memcpy(dst, src, sizeof(T) * static_cast<size_t>(n));
}

// The AVX-512 version (avx512.cpp: float sums over blocks of 32 rows, added into double); set up by
// packed.h, where the CPU check lives.
bool column_sums_fast(const float* a, int64_t rows, int64_t cols, int64_t lda, float* out);
inline bool column_sums_fast(const double*, int64_t, int64_t, int64_t, double*) { return false; }

// Column sums of the [rows, cols] block of a (leading dimension lda) into out[cols], in double.
template <class T>
void column_sums(const T* a, int64_t rows, int64_t cols, int64_t lda, T* out) {
  if (column_sums_fast(a, rows, cols, lda, out)) return;
  std::vector<double> acc(static_cast<size_t>(cols), 0.0);
  double* s = acc.data();
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = a + r * lda;
#pragma omp simd
    for (int64_t j = 0; j < cols; ++j) s[j] += static_cast<double>(row[j]);
  }
  for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<T>(s[j]);
}

}  // namespace rnn
