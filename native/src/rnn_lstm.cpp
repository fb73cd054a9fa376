// LSTM cell for the sequence driver (PyTorch gate order i, f, g, o):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
//   c' = f*c + i*g                            h' = o*tanh(c')
// Kept per step: (i, f, g, o) and c'. Backward recomputes tanh(c').
#include "fastmath.h"
#include "rnn_sequence.h"
#include "simd.h"

namespace rnn {
namespace {

template <class T>
RNN_INLINE void lstm_fwd_impl(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* c, T* gates,
                              T* c_keep) {
  // gx and gates may be the same row: each j reads its four inputs before writing them.
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T i = act_sigmoid<T>(gx[j] + bih[j] + gh[j] + bhh[j]);
    const T f = act_sigmoid<T>(gx[H + j] + bih[H + j] + gh[H + j] + bhh[H + j]);
    const T g = act_tanh<T>(gx[2 * H + j] + bih[2 * H + j] + gh[2 * H + j] + bhh[2 * H + j]);
    const T o = act_sigmoid<T>(gx[3 * H + j] + bih[3 * H + j] + gh[3 * H + j] + bhh[3 * H + j]);
    const T cn = f * c[j] + i * g;
    gates[j] = i;
    gates[H + j] = f;
    gates[2 * H + j] = g;
    gates[3 * H + j] = o;
    c[j] = cn;
    c_keep[j] = cn;
    h[j] = o * act_tanh<T>(cn);
  }
}

template <class T>
RNN_INLINE void lstm_bwd_impl(int64_t H, const T* gates, const T* c_t, const T* c_prev, T* dh, T* dc, T* dgs,
                              T* dg_all) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const T tc = act_tanh<T>(c_t[j]);
    const T dhj = dh[j];
    const T dct = dc[j] + dhj * o * (T(1) - tc * tc);
    const T di = dct * g * i * (T(1) - i);
    const T df = dct * c_prev[j] * f * (T(1) - f);
    const T dg = dct * i * (T(1) - g * g);
    const T dout = dhj * tc * o * (T(1) - o);
    dc[j] = dct * f;
    dh[j] = T(0);  // no direct path from h to h_prev; the gemm adds dGates W_hh
    dgs[j] = di;
    dgs[H + j] = df;
    dgs[2 * H + j] = dg;
    dgs[3 * H + j] = dout;
    dg_all[j] = di;
    dg_all[H + j] = df;
    dg_all[2 * H + j] = dg;
    dg_all[3 * H + j] = dout;
  }
}

RNN_CLONES void lstm_fwd(int64_t H, const float* gx, const float* gh, const float* bih, const float* bhh, float* h,
                         float* c, float* gates, float* c_keep) {
  lstm_fwd_impl(H, gx, gh, bih, bhh, h, c, gates, c_keep);
}
RNN_CLONES void lstm_fwd(int64_t H, const double* gx, const double* gh, const double* bih, const double* bhh,
                         double* h, double* c, double* gates, double* c_keep) {
  lstm_fwd_impl(H, gx, gh, bih, bhh, h, c, gates, c_keep);
}
RNN_CLONES void lstm_bwd(int64_t H, const float* gates, const float* c_t, const float* c_prev, float* dh, float* dc,
                         float* dgs, float* dg_all) {
  lstm_bwd_impl(H, gates, c_t, c_prev, dh, dc, dgs, dg_all);
}
RNN_CLONES void lstm_bwd(int64_t H, const double* gates, const double* c_t, const double* c_prev, double* dh,
                         double* dc, double* dgs, double* dg_all) {
  lstm_bwd_impl(H, gates, c_t, c_prev, dh, dc, dgs, dg_all);
}

struct Lstm {
  static constexpr int G = 4, GC = 4;
  static constexpr bool kCell = true, kExtra = true;
  static constexpr InBlock kIn[] = {{0, 0, 4}};

  template <class T>
  static void forward_row(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* c, T* gates,
                          T* extra) {
    lstm_fwd(H, gx, gh, bih, bhh, h, c, gates, extra);
  }
  template <class T>
  static void backward_row(int64_t H, const T* gates, const T* extra, const T* c_prev, const T* /*h_prev*/, T* dh,
                           T* dc, T* dgs, T* dg_all) {
    lstm_bwd(H, gates, extra, c_prev, dh, dc, dgs, dg_all);
  }
};

}  // namespace

template <class T>
int lstm_forward(const SeqFwd<T>& a) {
  return seq_forward<Lstm, T>(a);
}
template <class T>
int lstm_backward(const SeqBwd<T>& a) {
  return seq_backward<Lstm, T>(a);
}
template int lstm_forward<float>(const SeqFwd<float>&);
template int lstm_forward<double>(const SeqFwd<double>&);
template int lstm_backward<float>(const SeqBwd<float>&);
template int lstm_backward<double>(const SeqBwd<double>&);

}  // namespace rnn
