// GRU cell (PyTorch gate order r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
//   h' = (1 - z) * n + z * h
// Kept per step: (r, z, n) and hn = W_hn h + b_hn (extra; needed for dr and dh's path through r).
//
// The input and hidden sides see different n-gate gradients (dA_n vs dA_n * r), so dG_all has four
// H-blocks: [dA_r, dA_z, dA_n * r, dA_n]. The hidden side (per-step gemm, dW_hh, db_hh) uses the
// first three; the input side (dx, dW_ih, db_ih) blocks 0-1 and 3 (kIn).
#pragma once

#include "cell.h"

namespace rnn::cells {

struct Gru : CellShape<3, 4, false, true> {
  static constexpr int kInBlocks = 2;
  static constexpr InBlock kIn[2] = {{0, 0, 2}, {3, 2, 1}};

  template <class Act, class T>
  RNN_HDI static void fwd(int64_t H, int64_t j, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* /*c*/,
                          T* gates, T* extra) {
    const T r = Act::sigmoid(gx[j] + bih[j] + gh[j] + bhh[j]);
    const T z = Act::sigmoid(gx[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
    const T hn = gh[2 * H + j] + bhh[2 * H + j];
    const T n = Act::tanh(gx[2 * H + j] + bih[2 * H + j] + r * hn);
    const T hp = h[j];
    gates[j] = r;
    gates[H + j] = z;
    gates[2 * H + j] = n;
    extra[j] = hn;
    h[j] = (T(1) - z) * n + z * hp;
  }

  template <class Act, class T>
  RNN_HDI static void bwd(int64_t H, int64_t j, const T* gates, const T* extra, T /*c_prev*/, const T* h_prev, T* dh,
                          T* /*dc*/, T* dgs, T* dg_all) {
    const T r = gates[j], z = gates[H + j], n = gates[2 * H + j];
    const T dhj = dh[j];
    const T dan = dhj * (T(1) - z) * (T(1) - n * n);
    const T dar = dan * extra[j] * r * (T(1) - r);
    const T daz = dhj * (h_prev[j] - n) * z * (T(1) - z);
    const T danh = dan * r;
    dh[j] = dhj * z;  // the direct path h -> h'; the dh gemm adds dGates_h W_hh
    dgs[j] = dg_all[j] = dar;
    dgs[H + j] = dg_all[H + j] = daz;
    dgs[2 * H + j] = dg_all[2 * H + j] = danh;
    dg_all[3 * H + j] = dan;
  }
};

}  // namespace rnn::cells
