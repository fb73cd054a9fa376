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

// ---- float32 with AVX-512: the recurrent product fused with the gates (avx512.cpp) ----
//
// Per step, for the active rows: gx = x_t W_ih^T (a small packed product into a buffer that stays in
// cache: projecting every step at once would write, then read back, B*T*3H floats through memory),
// then one call computes W_hh h + b_hh from W_hh packed once, applies the gates and writes y and
// (training) the reserve. h_{t-1} is read from y's previous row. Rows are split across our threads,
// each running the whole time loop for its block.
int gru_forward_avx512(const SeqFwd<float>& a) {
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = 3 * H, BT = B * T_;
  const bool training = a.reserve != nullptr;
  float* hprev = training ? a.reserve + BT * GH : nullptr;
  float* hn_keep = training ? a.reserve + BT * GH + BT * H : nullptr;
  float* gates = training ? a.reserve : nullptr;
  float* w_in = pack_gemm_panels(a.w_ih, true, I, GH, workspace(kSlotGemmB, gemm_panels_size(I, GH)));

  const int64_t panels = (H + 15) / 16;
  float* w = workspace(kSlotWeights, panels * H * avx512::kGruNR);
  avx512::pack_gated(nullptr, a.w_hh, 0, int(H), 3, w);
  float* bias = workspace(kSlotBias, 2 * panels * avx512::kGruNR);
  const float* bias_h = pack_gated_bias(a.b_hh, nullptr, H, 3, bias);
  const float* bias_i = pack_gated_bias(a.b_ih, nullptr, H, 3, bias + panels * avx512::kGruNR);

  zero_padded_steps(a, hprev);

  const int64_t by_rows = (B + 7) / 8;
  const int tasks = int(std::min<int64_t>(by_rows, num_threads()));
  parallel_run(tasks, [&](int k) {
    const int64_t b0 = B * k / tasks, b1 = B * (k + 1) / tasks, nb = b1 - b0;
    std::vector<const float*> hs(nb), gxs(nb), xs(nb);
    std::vector<float*> hout(nb), gts(nb), hns(nb), hps(nb), gxw(nb);
    float* scratch = workspace(kSlotScratch, nb * avx512::kGruNR);
    const int lda = avx512::a_stride(int(H));
    float* abuf = workspace(kSlotA, nb * std::max(lda, avx512::a_stride(int(I))));
    float* gx = workspace(kSlotGx, nb * GH);  // this step's input projection, row n at gx + n * 3H
    int64_t max_len = 0;
    for (int64_t b = b0; b < b1; ++b) max_len = std::max(max_len, len_of(a.lengths, b, T_));
    for (int64_t s = 0; s < max_len; ++s) {
      int n = 0;
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t L = len_of(a.lengths, b, T_);
        if (s >= L) continue;
        const int64_t row = b * T_ + time_of(s, L, a.reverse);
        const int64_t prev = s == 0 ? -1 : b * T_ + time_of(s - 1, L, a.reverse);
        hs[n] = prev < 0 ? a.h0 + b * H : a.y + prev * H;
        xs[n] = a.x + row * I;
        gxs[n] = gxw[n] = gx + n * GH;
        hout[n] = a.y + row * H;
        if (training) {
          gts[n] = gates + row * GH;
          hns[n] = hn_keep + row * H;
          hps[n] = hprev + row * H;
        }
        ++n;
      }
      avx512::gemm_rows(n, xs.data(), int(I), w_in, int(GH), gxw.data(), false, abuf);
      const avx512::GruStep st{n,
                               int(H),
                               hs.data(),
                               gxs.data(),
                               hout.data(),
                               training ? gts.data() : nullptr,
                               training ? hns.data() : nullptr,
                               training ? hps.data() : nullptr,
                               w,
                               bias_h,
                               bias_i,
                               scratch,
                               abuf,
                               lda};
      avx512::gru_fwd_step(st);
    }
  });

  for (int64_t b = 0; b < B; ++b) {
    const int64_t last = last_row(a.lengths, b, T_, a.reverse);
    copy_elems(a.h_n + b * H, last >= 0 ? a.y + last * H : a.h0 + b * H, H);
  }
  return RNN_OK;
}

}  // namespace

template <class T>
int gru_forward(const SeqFwd<T>& a) {
  if constexpr (std::is_same_v<T, float>)
    if (use_avx512() && a.B > 0 && a.T_ > 0 && a.H > 0) return gru_forward_avx512(a);
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
