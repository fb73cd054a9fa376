// GRU on the CPU: the portable path runs the shared cell (core/cells/gru.h, equations and the
// four-block dG layout there) in the time loop of rnn_sequence.h; float32 forward on AVX-512 runs
// the fused step of avx512.cpp.
#include "core/cells/gru.h"
#include "rnn_sequence.h"

namespace rnn {

RNN_CPU_CELL_ROWS(cells::Gru, gru)

namespace {

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
  float* gates = training ? a.reserve : a.rec_gates;  // recording: the same layout, handed in
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
    std::vector<const float*> next_g(nb);
    float* scratch = workspace(kSlotScratch, nb * avx512::kGruNR);
    const int lda = avx512::a_stride(int(H));
    float* abuf = workspace(kSlotA, nb * std::max(lda, avx512::a_stride(int(I))));
    float* gx = workspace(kSlotGx, nb * GH);  // this step's input projection, row n at gx + n * 3H
    const int64_t max_len = max_len_of(a.lengths, b0, b1, T_);
    for (int64_t s = 0; s < max_len; ++s) {
      const int n = for_active_rows(a.lengths, T_, a.reverse, b0, b1, s, [&](int i, int64_t b, int64_t row,
                                                                               int64_t prev) {
        hs[i] = prev < 0 ? a.h0 + b * H : a.y + prev * H;
        xs[i] = a.x + row * I;
        gxs[i] = gxw[i] = gx + i * GH;
        hout[i] = a.y + row * H;
        if (gates) {
          gts[i] = gates + row * GH;
          const int64_t L = len_of(a.lengths, b, T_);
          next_g[i] = s + 1 < L ? gates + (b * T_ + time_of(s + 1, L, a.reverse)) * GH : nullptr;
        }
        if (training) {
          hns[i] = hn_keep + row * H;
          hps[i] = hprev + row * H;
        }
      });
      avx512::gemm_rows(n, xs.data(), int(I), w_in, int(GH), gxw.data(), false, abuf);
      const avx512::GruStep st{n, int(H), hs.data(), gxs.data(), hout.data(), gates ? gts.data() : nullptr,
                               training ? hns.data() : nullptr, training ? hps.data() : nullptr,
                               gates ? next_g.data() : nullptr, w, bias_h, bias_i,
                               scratch, abuf, lda};
      avx512::gru_fwd_step(st);
    }
  });

  if (!training) zero_padded_record(a, GH);
  copy_final_h(a);
  return RNN_OK;
}

}  // namespace

template <class T>
int gru(const SeqFwd<T>& a) {
  if constexpr (std::is_same_v<T, float>)
    if (use_avx512() && a.B > 0 && a.T_ > 0 && a.H > 0) return gru_forward_avx512(a);
  return seq_forward<cells::Gru, T>(a);
}
template <class T>
int gru(const SeqBwd<T>& a) {
  return seq_backward<cells::Gru, T>(a);
}
template int gru<float>(const SeqFwd<float>&);
template int gru<double>(const SeqFwd<double>&);
template int gru<float>(const SeqBwd<float>&);
template int gru<double>(const SeqBwd<double>&);

}  // namespace rnn
