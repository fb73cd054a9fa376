// GRU cell for the sequence driver (PyTorch gate order r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
//   h' = (1 - z) * n + z * h
// Kept per step: (r, z, n) and hn = W_hn h + b_hn (needed for dr and for dh's path through r).
//
// The input and hidden sides see different n-gate gradients (dA_n vs dA_n * r), so dG_all has four
// H-blocks: [dA_r, dA_z, dA_n * r, dA_n]. The hidden side (per-step gemm, dW_hh, db_hh) uses the
// first three; the input side (dx, dW_ih, db_ih) uses blocks 0-1 and 3.
#include "fastmath.h"
#include "rnn_sequence.h"
#include "simd.h"

namespace rnn {
namespace {

template <class T>
RNN_INLINE void gru_fwd_impl(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* gates,
                             T* hn_keep) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T r = act_sigmoid<T>(gx[j] + bih[j] + gh[j] + bhh[j]);
    const T z = act_sigmoid<T>(gx[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
    const T hn = gh[2 * H + j] + bhh[2 * H + j];
    const T n = act_tanh<T>(gx[2 * H + j] + bih[2 * H + j] + r * hn);
    const T hp = h[j];
    gates[j] = r;
    gates[H + j] = z;
    gates[2 * H + j] = n;
    hn_keep[j] = hn;
    h[j] = (T(1) - z) * n + z * hp;
  }
}

template <class T>
RNN_INLINE void gru_bwd_impl(int64_t H, const T* gates, const T* hn, const T* h_prev, T* dh, T* dgs, T* dg_all) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T r = gates[j], z = gates[H + j], n = gates[2 * H + j];
    const T dhj = dh[j];
    const T dan = dhj * (T(1) - z) * (T(1) - n * n);
    const T dar = dan * hn[j] * r * (T(1) - r);
    const T daz = dhj * (h_prev[j] - n) * z * (T(1) - z);
    const T danh = dan * r;
    dh[j] = dhj * z;  // direct path h -> h'; the gemm adds dGates_h W_hh
    dgs[j] = dar;
    dgs[H + j] = daz;
    dgs[2 * H + j] = danh;
    dg_all[j] = dar;
    dg_all[H + j] = daz;
    dg_all[2 * H + j] = danh;
    dg_all[3 * H + j] = dan;
  }
}

RNN_CLONES void gru_fwd(int64_t H, const float* gx, const float* gh, const float* bih, const float* bhh, float* h,
                        float* gates, float* hn) {
  gru_fwd_impl(H, gx, gh, bih, bhh, h, gates, hn);
}
RNN_CLONES void gru_fwd(int64_t H, const double* gx, const double* gh, const double* bih, const double* bhh,
                        double* h, double* gates, double* hn) {
  gru_fwd_impl(H, gx, gh, bih, bhh, h, gates, hn);
}
RNN_CLONES void gru_bwd(int64_t H, const float* gates, const float* hn, const float* h_prev, float* dh, float* dgs,
                        float* dg_all) {
  gru_bwd_impl(H, gates, hn, h_prev, dh, dgs, dg_all);
}
RNN_CLONES void gru_bwd(int64_t H, const double* gates, const double* hn, const double* h_prev, double* dh,
                        double* dgs, double* dg_all) {
  gru_bwd_impl(H, gates, hn, h_prev, dh, dgs, dg_all);
}

struct Gru {
  static constexpr int G = 3, GC = 4;
  static constexpr bool kCell = false, kExtra = true;
  static constexpr InBlock kIn[] = {{0, 0, 2}, {3, 2, 1}};

  template <class T>
  static void forward_row(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* /*c*/, T* gates,
                          T* extra) {
    gru_fwd(H, gx, gh, bih, bhh, h, gates, extra);
  }
  template <class T>
  static void backward_row(int64_t H, const T* gates, const T* extra, const T* /*c_prev*/, const T* h_prev, T* dh,
                           T* /*dc*/, T* dgs, T* dg_all) {
    gru_bwd(H, gates, extra, h_prev, dh, dgs, dg_all);
  }
};

}  // namespace

template <class T>
int gru_forward(const SeqFwd<T>& a) {
  return seq_forward<Gru, T>(a);
}
template <class T>
int gru_backward(const SeqBwd<T>& a) {
  return seq_backward<Gru, T>(a);
}
template int gru_forward<float>(const SeqFwd<float>&);
template int gru_forward<double>(const SeqFwd<double>&);
template int gru_backward<float>(const SeqBwd<float>&);
template int gru_backward<double>(const SeqBwd<double>&);

}  // namespace rnn
