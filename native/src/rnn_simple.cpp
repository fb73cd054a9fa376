// Elman RNN cell for the sequence driver: h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.
// Kept per step: h' itself (both derivatives are functions of it: 1 - h'^2, and h' > 0).
#include "fastmath.h"
#include "rnn_sequence.h"
#include "simd.h"

namespace rnn {
namespace {

template <class T, bool Relu>
RNN_INLINE void simple_fwd_impl(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* gates) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T pre = gx[j] + bih[j] + gh[j] + bhh[j];
    // relu keeps NaN (pre > 0 is false for NaN, so test the other way round).
    const T v = Relu ? (pre <= T(0) ? T(0) : pre) : act_tanh<T>(pre);
    gates[j] = v;
    h[j] = v;
  }
}

template <class T, bool Relu>
RNN_INLINE void simple_bwd_impl(int64_t H, const T* gates, T* dh, T* dgs, T* dg_all) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T v = gates[j];
    const T da = Relu ? (v > T(0) ? dh[j] : T(0)) : dh[j] * (T(1) - v * v);
    dh[j] = T(0);
    dgs[j] = da;
    dg_all[j] = da;
  }
}

#define RNN_SIMPLE_ROWS(T)                                                                                       \
  RNN_CLONES void simple_fwd(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* gates,   \
                             bool relu) {                                                                        \
    if (relu) simple_fwd_impl<T, true>(H, gx, gh, bih, bhh, h, gates);                                           \
    else simple_fwd_impl<T, false>(H, gx, gh, bih, bhh, h, gates);                                               \
  }                                                                                                              \
  RNN_CLONES void simple_bwd(int64_t H, const T* gates, T* dh, T* dgs, T* dg_all, bool relu) {                  \
    if (relu) simple_bwd_impl<T, true>(H, gates, dh, dgs, dg_all);                                               \
    else simple_bwd_impl<T, false>(H, gates, dh, dgs, dg_all);                                                   \
  }
RNN_SIMPLE_ROWS(float)
RNN_SIMPLE_ROWS(double)
#undef RNN_SIMPLE_ROWS

template <bool Relu>
struct Simple {
  static constexpr int G = 1, GC = 1;
  static constexpr bool kCell = false, kExtra = false;
  static constexpr InBlock kIn[] = {{0, 0, 1}};

  template <class T>
  static void forward_row(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* /*c*/, T* gates,
                          T* /*extra*/) {
    simple_fwd(H, gx, gh, bih, bhh, h, gates, Relu);
  }
  template <class T>
  static void backward_row(int64_t H, const T* gates, const T* /*extra*/, const T* /*c_prev*/, const T* /*h_prev*/,
                           T* dh, T* /*dc*/, T* dgs, T* dg_all) {
    simple_bwd(H, gates, dh, dgs, dg_all, Relu);
  }
};

}  // namespace

template <class T>
int simple_forward(const SeqFwd<T>& a, bool relu) {
  return relu ? seq_forward<Simple<true>, T>(a) : seq_forward<Simple<false>, T>(a);
}
template <class T>
int simple_backward(const SeqBwd<T>& a, bool relu) {
  return relu ? seq_backward<Simple<true>, T>(a) : seq_backward<Simple<false>, T>(a);
}
template int simple_forward<float>(const SeqFwd<float>&, bool);
template int simple_forward<double>(const SeqFwd<double>&, bool);
template int simple_backward<float>(const SeqBwd<float>&, bool);
template int simple_backward<double>(const SeqBwd<double>&, bool);

}  // namespace rnn
