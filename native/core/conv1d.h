// Stride-1 1-D convolution, batch-first and channels last, PyTorch's [Cout, Cin, K] weight:
//   y[b, t, o] = bias[o] + Σ_{c,k} w[o, c, k] · x[b, t + k − padding, c]   (out-of-range x is 0)
// One output element per call, written once for the CUDA kernels (one thread per element) and
// the emulation build. The CPU kernel (src/conv1d.cpp) does the same sums as im2col + GEMM.
#pragma once

#include <cstdint>

#include "hd.h"

namespace rnn {
namespace conv1d {

struct Dims {
  int64_t B, T, C, O, K, P, To;
};

template <class T>
RNN_HD T forward_elem(const Dims& d, const T* x, const T* w, const T* bias, int64_t b, int64_t t, int64_t o) {
  double s = bias ? double(bias[o]) : 0.0;
  for (int64_t k = 0; k < d.K; ++k) {
    const int64_t src = t + k - d.P;
    if (src < 0 || src >= d.T) continue;
    for (int64_t c = 0; c < d.C; ++c) s += double(w[(o * d.C + c) * d.K + k]) * double(x[(b * d.T + src) * d.C + c]);
  }
  return T(s);
}

// dx[b, s, c] = Σ_{k,o} dy[b, s + P − k, o] · w[o, c, k]
template <class T>
RNN_HD T dx_elem(const Dims& d, const T* w, const T* dy, int64_t b, int64_t s, int64_t c) {
  double acc = 0;
  for (int64_t k = 0; k < d.K; ++k) {
    const int64_t t = s + d.P - k;
    if (t < 0 || t >= d.To) continue;
    for (int64_t o = 0; o < d.O; ++o) acc += double(dy[(b * d.To + t) * d.O + o]) * double(w[(o * d.C + c) * d.K + k]);
  }
  return T(acc);
}

// dw[o, c, k] = Σ_{b,t} dy[b, t, o] · x[b, t + k − P, c]
template <class T>
RNN_HD T dw_elem(const Dims& d, const T* x, const T* dy, int64_t o, int64_t c, int64_t k) {
  double acc = 0;
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t t = 0; t < d.To; ++t) {
      const int64_t src = t + k - d.P;
      if (src < 0 || src >= d.T) continue;
      acc += double(dy[(b * d.To + t) * d.O + o]) * double(x[(b * d.T + src) * d.C + c]);
    }
  return T(acc);
}

template <class T>
RNN_HD T dbias_elem(const Dims& d, const T* dy, int64_t o) {
  double acc = 0;
  for (int64_t r = 0; r < d.B * d.To; ++r) acc += double(dy[r * d.O + o]);
  return T(acc);
}

}  // namespace conv1d
}  // namespace rnn
