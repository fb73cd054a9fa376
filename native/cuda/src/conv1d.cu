// 1-D convolution on the GPU: one thread per output element of each pass, running the sums of
// core/conv1d.h (the forward output, dx, dw and dbias each read only their own inputs, so no
// atomics and the result does not depend on the launch).
#include "core/conv1d.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

using rnn::conv1d::Dims;

template <class T>
int conv1d_forward_typed(const Dims& d, const T* x, const T* w, const T* bias, T* y) {
  return for_each_index("rnn_cuda_conv1d_forward", d.B * d.To * d.O, [=] RNN_DL(int64_t i) {
    const int64_t o = i % d.O, r = i / d.O, t = r % d.To, b = r / d.To;
    y[i] = rnn::conv1d::forward_elem(d, x, w, bias, b, t, o);
  });
}

template <class T>
int conv1d_backward_typed(const Dims& d, const T* x, const T* w, const T* dy, T* dx, T* dw, T* dbias) {
  const char* what = "rnn_cuda_conv1d_backward";
  if (dx)
    RNN_TRY(for_each_index(what, d.B * d.T * d.C, [=] RNN_DL(int64_t i) {
      const int64_t c = i % d.C, r = i / d.C, s = r % d.T, b = r / d.T;
      dx[i] = rnn::conv1d::dx_elem(d, w, dy, b, s, c);
    }));
  RNN_TRY(for_each_index(what, d.O * d.C * d.K, [=] RNN_DL(int64_t i) {
    const int64_t k = i % d.K, r = i / d.K, c = r % d.C, o = r / d.C;
    dw[i] = rnn::conv1d::dw_elem(d, x, dy, o, c, k);
  }));
  if (!dbias) return RNN_OK;
  return for_each_index(what, d.O, [=] RNN_DL(int64_t o) { dbias[o] = rnn::conv1d::dbias_elem(d, dy, o); });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/conv1d.inc"
