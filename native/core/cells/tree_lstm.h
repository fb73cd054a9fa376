// Binary Tree-LSTM node (Tai et al. 2015, N-ary form, N = 2), one hidden unit j of one node:
//   [a_i, a_fl, a_fr, a_o, a_u] = W x + WH [hl; hr]      (the gemms, before this function)
//   i, fl, fr, o = σ(a_* + b_*),  u = tanh(a_u + b_u)
//   c = i*u + fl*cl + fr*cr,  h = o*tanh(c)
// Forward overwrites the pre-activations a [5H] with the gates (kept for backward with c).
#pragma once

#include "cell.h"

namespace rnn::cells {

struct TreeLstm {
  template <class Act, class T>
  RNN_HDI static void fwd(int64_t H, int64_t j, T* a, const T* bias, T cl, T cr, T* h, T* c, T* c_keep) {
    const T i = Act::sigmoid(a[j] + bias[j]);
    const T fl = Act::sigmoid(a[H + j] + bias[H + j]);
    const T fr = Act::sigmoid(a[2 * H + j] + bias[2 * H + j]);
    const T o = Act::sigmoid(a[3 * H + j] + bias[3 * H + j]);
    const T u = Act::tanh(a[4 * H + j] + bias[4 * H + j]);
    const T cn = i * u + fl * cl + fr * cr;
    a[j] = i;
    a[H + j] = fl;
    a[2 * H + j] = fr;
    a[3 * H + j] = o;
    a[4 * H + j] = u;
    c[j] = cn;
    c_keep[j] = cn;
    h[j] = o * Act::tanh(cn);
  }

  // dh, dc: the incoming gradients of this unit (0 when none); writes da [5H], dcl, dcr.
  template <class Act, class T>
  RNN_HDI static void bwd(int64_t H, int64_t j, const T* g, T c, T cl, T cr, T dh, T dc, T* da, T* dcl, T* dcr) {
    const T i = g[j], fl = g[H + j], fr = g[2 * H + j], o = g[3 * H + j], u = g[4 * H + j];
    const T tc = Act::tanh(c);
    const T dct = dc + dh * o * (T(1) - tc * tc);
    da[j] = dct * u * i * (T(1) - i);
    da[H + j] = dct * cl * fl * (T(1) - fl);
    da[2 * H + j] = dct * cr * fr * (T(1) - fr);
    da[3 * H + j] = dh * tc * o * (T(1) - o);
    da[4 * H + j] = dct * i * (T(1) - u * u);
    dcl[j] = dct * fl;
    dcr[j] = dct * fr;
  }
};

}  // namespace rnn::cells
