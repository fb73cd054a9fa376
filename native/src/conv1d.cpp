// 1-D convolution on the CPU by im2col + GEMM (measured faster than direct loops at the char-CNN
// sizes, see tools/bench/micro.mjs): the K shifted windows of the input side by side as
// cols [B*To, K*C] (column k*C + c, zeros where the window leaves the input), the weight
// reordered to [O, K*C] to match. Forward y = cols W^T + bias; backward dW = dy^T cols,
// dcols = dy W scattered back into dx (col2im), dbias = column sums of dy.
#include <cstring>
#include <vector>

#include "blas.h"
#include "common.h"
#include "core/conv1d.h"

namespace rnn {
namespace {

using conv1d::Dims;

template <class T>
void im2col(const Dims& d, const T* x, T* cols) {
  const int64_t KC = d.K * d.C;
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t t = 0; t < d.To; ++t) {
      T* row = cols + (b * d.To + t) * KC;
      for (int64_t k = 0; k < d.K; ++k) {
        const int64_t src = t + k - d.P;
        if (src < 0 || src >= d.T) std::memset(row + k * d.C, 0, sizeof(T) * size_t(d.C));
        else std::memcpy(row + k * d.C, x + (b * d.T + src) * d.C, sizeof(T) * size_t(d.C));
      }
    }
}

// w [O, C, K] -> wk [O, K*C]
template <class T>
void reorder_weight(const Dims& d, const T* w, T* wk) {
  for (int64_t o = 0; o < d.O; ++o)
    for (int64_t c = 0; c < d.C; ++c)
      for (int64_t k = 0; k < d.K; ++k) wk[(o * d.K + k) * d.C + c] = w[(o * d.C + c) * d.K + k];
}

template <class T>
int conv1d_forward_typed(const Dims& d, const T* x, const T* w, const T* bias, T* y) {
  const int64_t M = d.B * d.To, KC = d.K * d.C;
  std::vector<T> cols(M * KC), wk(d.O * KC);
  im2col(d, x, cols.data());
  reorder_weight(d, w, wk.data());
  for (int64_t r = 0; r < M; ++r)
    for (int64_t o = 0; o < d.O; ++o) y[r * d.O + o] = bias ? bias[o] : T(0);
  gemm<T>(false, true, int(M), int(d.O), int(KC), T(1), cols.data(), int(KC), wk.data(), int(KC), T(1), y, int(d.O));
  return RNN_OK;
}

template <class T>
int conv1d_backward_typed(const Dims& d, const T* x, const T* w, const T* dy, T* dx, T* dw, T* dbias) {
  const int64_t M = d.B * d.To, KC = d.K * d.C;
  std::vector<T> cols(M * KC), wk(d.O * KC), dwk(d.O * KC);
  im2col(d, x, cols.data());
  gemm<T>(true, false, int(d.O), int(KC), int(M), T(1), dy, int(d.O), cols.data(), int(KC), T(0), dwk.data(), int(KC));
  for (int64_t o = 0; o < d.O; ++o)
    for (int64_t c = 0; c < d.C; ++c)
      for (int64_t k = 0; k < d.K; ++k) dw[(o * d.C + c) * d.K + k] = dwk[(o * d.K + k) * d.C + c];
  if (dbias) {
    std::vector<double> acc(d.O, 0.0);
    for (int64_t r = 0; r < M; ++r)
      for (int64_t o = 0; o < d.O; ++o) acc[o] += double(dy[r * d.O + o]);
    for (int64_t o = 0; o < d.O; ++o) dbias[o] = T(acc[o]);
  }
  if (dx) {
    reorder_weight(d, w, wk.data());
    gemm<T>(false, false, int(M), int(KC), int(d.O), T(1), dy, int(d.O), wk.data(), int(KC), T(0), cols.data(), int(KC));
    std::memset(dx, 0, sizeof(T) * size_t(d.B * d.T * d.C));
    for (int64_t b = 0; b < d.B; ++b)
      for (int64_t t = 0; t < d.To; ++t) {
        const T* row = cols.data() + (b * d.To + t) * KC;
        for (int64_t k = 0; k < d.K; ++k) {
          const int64_t src = t + k - d.P;
          if (src < 0 || src >= d.T) continue;
          T* dst = dx + (b * d.T + src) * d.C;
          for (int64_t c = 0; c < d.C; ++c) dst[c] += row[k * d.C + c];
        }
      }
  }
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/conv1d.inc"
