// Elman RNN cell: h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.
// Kept per step: h' itself (the gates row); both derivatives are functions of it: 1 - h'^2, h' > 0.
#pragma once

#include "cell.h"

namespace rnn::cells {

template <bool Relu>
struct Simple : CellShape<1, 1, false, false> {
  static constexpr int kInBlocks = 1;
  static constexpr InBlock kIn[1] = {{0, 0, 1}};

  template <class Act, class T>
  RNN_HDI static void fwd(int64_t /*H*/, int64_t j, const T* gx, const T* gh, const T* bih, const T* bhh, T* h,
                          T* /*c*/, T* gates, T* /*extra*/) {
    const T pre = gx[j] + bih[j] + gh[j] + bhh[j];
    // relu keeps NaN (pre > 0 is false for NaN, so test the other way round).
    const T v = Relu ? (pre <= T(0) ? T(0) : pre) : Act::tanh(pre);
    gates[j] = v;
    h[j] = v;
  }

  template <class Act, class T>
  RNN_HDI static void bwd(int64_t /*H*/, int64_t j, const T* gates, const T* /*extra*/, T /*c_prev*/,
                          const T* /*h_prev*/, T* dh, T* /*dc*/, T* dgs, T* dg_all) {
    const T v = gates[j];
    const T da = Relu ? (v > T(0) ? dh[j] : T(0)) : dh[j] * (T(1) - v * v);
    dh[j] = T(0);
    dgs[j] = dg_all[j] = da;
  }
};

}  // namespace rnn::cells
