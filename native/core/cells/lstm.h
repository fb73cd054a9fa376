// LSTM cell (PyTorch gate order i, f, g, o):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
//   c' = f*c + i*g                            h' = o*tanh(c')
// Kept per step: (i, f, g, o) and c' (extra). Backward recomputes tanh(c'); no direct h -> h_prev
// path, so dh is cleared and the dh gemm (dGates W_hh) supplies all of dh_prev.
#pragma once

#include "cell.h"

namespace rnn::cells {

struct Lstm : CellShape<4, 4, true, true> {
  static constexpr int kInBlocks = 1;
  static constexpr InBlock kIn[1] = {{0, 0, 4}};

  template <class Act, class T>
  RNN_HDI static void fwd(int64_t H, int64_t j, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* c,
                          T* gates, T* extra) {
    const T i = Act::sigmoid(gx[j] + bih[j] + gh[j] + bhh[j]);
    const T f = Act::sigmoid(gx[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
    const T g = Act::tanh(gx[2 * H + j] + bih[2 * H + j] + gh[2 * H + j] + bhh[2 * H + j]);
    const T o = Act::sigmoid(gx[3 * H + j] + bih[3 * H + j] + gh[3 * H + j] + bhh[3 * H + j]);
    const T cn = f * c[j] + i * g;
    gates[j] = i;
    gates[H + j] = f;
    gates[2 * H + j] = g;
    gates[3 * H + j] = o;
    c[j] = cn;
    extra[j] = cn;
    h[j] = o * Act::tanh(cn);
  }

  template <class Act, class T>
  RNN_HDI static void bwd(int64_t H, int64_t j, const T* gates, const T* extra, T c_prev, const T* /*h_prev*/, T* dh,
                          T* dc, T* dgs, T* dg_all) {
    const T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const T tc = Act::tanh(extra[j]);
    const T dhj = dh[j];
    const T dct = dc[j] + dhj * o * (T(1) - tc * tc);
    const T di = dct * g * i * (T(1) - i);
    const T df = dct * c_prev * f * (T(1) - f);
    const T dg = dct * i * (T(1) - g * g);
    const T dout = dhj * tc * o * (T(1) - o);
    dc[j] = dct * f;
    dh[j] = T(0);
    dgs[j] = dg_all[j] = di;
    dgs[H + j] = dg_all[H + j] = df;
    dgs[2 * H + j] = dg_all[2 * H + j] = dg;
    dgs[3 * H + j] = dg_all[3 * H + j] = dout;
  }
};

}  // namespace rnn::cells
