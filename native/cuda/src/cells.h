// The recurrent cells of the fused sequence kernels, one hidden unit j at a time (host and device).
// Equations and gate order are PyTorch's; the math is native/src/rnn_lstm.cpp, rnn_gru.cpp and
// rnn_simple.cpp, which hold the derivations. Pointers are rows: gx/gates [G*H] (one (b, t) row),
// gh [G*H] (this batch row's recurrent projection), extra [H], dgs [G*H], dg_all [GC*H].
//
//   LSTM (i, f, g, o):  c' = f*c + i*g, h' = o*tanh(c')        kept: gates, c'
//   GRU (r, z, n):      n = tanh(gx_n + b_in + r*(W_hn h + b_hn)), h' = (1-z)*n + z*h
//                       kept: gates, hn = W_hn h + b_hn; dg_all has 4 blocks [dr, dz, dn*r, dn]
//   RNN (tanh | relu):  h' = act(gx + b_ih + gh + b_hh)        kept: h'
#pragma once

#include <cstdint>

#include "scalar.h"

namespace rnn_cuda {

// Which column blocks of dG_all (units of H) feed which row blocks of W_ih (units of H).
struct InBlock {
  int src, dst, rows;
};

struct LstmCell {
  static constexpr int G = 4, GC = 4;
  static constexpr bool kCell = true, kExtra = true;
  static constexpr int kInBlocks = 1;
  static constexpr InBlock kIn[1] = {{0, 0, 4}};

  template <class T>
  RNN_HD static void fwd(int64_t H, int64_t j, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* c,
                         T* gates, T* extra) {
    // gx and gates may be the same row: every input is read before any output is written.
    const T i = m_sigmoid(gx[j] + bih[j] + gh[j] + bhh[j]);
    const T f = m_sigmoid(gx[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
    const T g = m_tanh(gx[2 * H + j] + bih[2 * H + j] + gh[2 * H + j] + bhh[2 * H + j]);
    const T o = m_sigmoid(gx[3 * H + j] + bih[3 * H + j] + gh[3 * H + j] + bhh[3 * H + j]);
    const T cn = f * c[j] + i * g;
    gates[j] = i;
    gates[H + j] = f;
    gates[2 * H + j] = g;
    gates[3 * H + j] = o;
    c[j] = cn;
    extra[j] = cn;
    h[j] = o * m_tanh(cn);
  }

  template <class T>
  RNN_HD static void bwd(int64_t H, int64_t j, const T* gates, const T* extra, T c_prev, const T* /*h_prev*/, T* dh,
                         T* dc, T* dgs, T* dg_all) {
    const T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const T tc = m_tanh(extra[j]);
    const T dhj = dh[j];
    const T dct = dc[j] + dhj * o * (T(1) - tc * tc);
    const T di = dct * g * i * (T(1) - i);
    const T df = dct * c_prev * f * (T(1) - f);
    const T dg = dct * i * (T(1) - g * g);
    const T dout = dhj * tc * o * (T(1) - o);
    dc[j] = dct * f;
    dh[j] = T(0);  // no direct path h -> h_prev; the GEMM adds dGates W_hh
    dgs[j] = dg_all[j] = di;
    dgs[H + j] = dg_all[H + j] = df;
    dgs[2 * H + j] = dg_all[2 * H + j] = dg;
    dgs[3 * H + j] = dg_all[3 * H + j] = dout;
  }
};

struct GruCell {
  static constexpr int G = 3, GC = 4;
  static constexpr bool kCell = false, kExtra = true;
  static constexpr int kInBlocks = 2;
  static constexpr InBlock kIn[2] = {{0, 0, 2}, {3, 2, 1}};

  template <class T>
  RNN_HD static void fwd(int64_t H, int64_t j, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* /*c*/,
                         T* gates, T* extra) {
    const T r = m_sigmoid(gx[j] + bih[j] + gh[j] + bhh[j]);
    const T z = m_sigmoid(gx[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
    const T hn = gh[2 * H + j] + bhh[2 * H + j];
    const T n = m_tanh(gx[2 * H + j] + bih[2 * H + j] + r * hn);
    const T hp = h[j];
    gates[j] = r;
    gates[H + j] = z;
    gates[2 * H + j] = n;
    extra[j] = hn;
    h[j] = (T(1) - z) * n + z * hp;
  }

  template <class T>
  RNN_HD static void bwd(int64_t H, int64_t j, const T* gates, const T* extra, T /*c_prev*/, const T* h_prev, T* dh,
                         T* /*dc*/, T* dgs, T* dg_all) {
    const T r = gates[j], z = gates[H + j], n = gates[2 * H + j];
    const T dhj = dh[j];
    const T dan = dhj * (T(1) - z) * (T(1) - n * n);
    const T dar = dan * extra[j] * r * (T(1) - r);
    const T daz = dhj * (h_prev[j] - n) * z * (T(1) - z);
    const T danh = dan * r;
    dh[j] = dhj * z;  // direct path h -> h'; the GEMM adds dGates_h W_hh
    dgs[j] = dg_all[j] = dar;
    dgs[H + j] = dg_all[H + j] = daz;
    dgs[2 * H + j] = dg_all[2 * H + j] = danh;
    dg_all[3 * H + j] = dan;
  }
};

template <bool Relu>
struct SimpleCell {
  static constexpr int G = 1, GC = 1;
  static constexpr bool kCell = false, kExtra = false;
  static constexpr int kInBlocks = 1;
  static constexpr InBlock kIn[1] = {{0, 0, 1}};

  template <class T>
  RNN_HD static void fwd(int64_t /*H*/, int64_t j, const T* gx, const T* gh, const T* bih, const T* bhh, T* h,
                         T* /*c*/, T* gates, T* /*extra*/) {
    const T pre = gx[j] + bih[j] + gh[j] + bhh[j];
    const T v = Relu ? (pre <= T(0) ? T(0) : pre) : m_tanh(pre);  // relu keeps NaN
    gates[j] = v;
    h[j] = v;
  }

  template <class T>
  RNN_HD static void bwd(int64_t /*H*/, int64_t j, const T* gates, const T* /*extra*/, T /*c_prev*/,
                         const T* /*h_prev*/, T* dh, T* /*dc*/, T* dgs, T* dg_all) {
    const T v = gates[j];
    const T da = Relu ? (v > T(0) ? dh[j] : T(0)) : dh[j] * (T(1) - v * v);
    dh[j] = T(0);
    dgs[j] = dg_all[j] = da;
  }
};

}  // namespace rnn_cuda
