// Test helpers for the CUDA library: device buffers (RAII), upload/download, and comparison with
// the CPU library (rnn_native), which is the reference for every kernel.
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "harness.h"
#include "rnn_cuda.h"

// One error store serves both C APIs (native/core/errors.cpp): the CPU harness's checks apply.
#define CU_OK CHECK_OK
#define CU_STATUS CHECK_STATUS

namespace cuth {

// A device buffer of n elements of T (at least one byte, so empty tensors get a real pointer).
template <class T>
struct Dev {
  T* p = nullptr;
  size_t n = 0;
  explicit Dev(size_t count) : n(count) {
    if (rnn_cuda_alloc(reinterpret_cast<void**>(&p), sizeof(T) * (n ? n : 1)) != RNN_OK) {
      std::fprintf(stderr, "device allocation failed: %s\n", rnn_cuda_last_error());
      std::abort();
    }
  }
  explicit Dev(const std::vector<T>& host) : Dev(host.size()) {
    if (n) CU_OK(rnn_cuda_copy_h2d(p, host.data(), sizeof(T) * n));
  }
  ~Dev() { rnn_cuda_free(p); }
  Dev(const Dev&) = delete;
  Dev& operator=(const Dev&) = delete;
  std::vector<T> host() const {
    std::vector<T> v(n);
    if (n) CU_OK(rnn_cuda_copy_d2h(v.data(), p, sizeof(T) * n));
    return v;
  }
};

// Element-wise comparison; reports the first mismatch with its index.
template <class T>
bool same(const std::vector<T>& got, const std::vector<T>& want, double tol, const std::string& what) {
  if (got.size() != want.size())
    return th::report(false, __FILE__, __LINE__, what + ": sizes differ");
  for (size_t i = 0; i < got.size(); ++i) {
    ++th::checks;
    if (!th::near(double(got[i]), double(want[i]), tol)) {
      return th::report(false, __FILE__, __LINE__,
                        what + " at " + std::to_string(i) + ": " + std::to_string(double(got[i])) + " vs " +
                            std::to_string(double(want[i])));
    }
  }
  return true;
}

template <class T>
double tol_of() {
  if constexpr (std::is_same_v<T, float>) return 2e-5;
  else if constexpr (std::is_same_v<T, double>) return 1e-12;
  else return 0;
}

template <class T>
int dtype_of() {
  if constexpr (std::is_same_v<T, float>) return RNN_F32;
  else if constexpr (std::is_same_v<T, double>) return RNN_F64;
  else return RNN_I32;
}

// Random values that every dtype holds (int32: small integers, some negative).
template <class T>
std::vector<T> values(size_t n, double lo = -3, double hi = 3) {
  std::vector<T> v(n);
  for (auto& x : v) {
    const double u = th::uniform(lo, hi);
    if constexpr (std::is_same_v<T, int32_t>) x = static_cast<int32_t>(u * 7);
    else x = static_cast<T>(u);
  }
  return v;
}

}  // namespace cuth
