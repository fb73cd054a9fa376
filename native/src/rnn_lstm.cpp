// LSTM on the CPU: the portable path runs the shared cell (core/cells/lstm.h, equations there) in
// the time loop of rnn_sequence.h; float32 on AVX-512 runs the fused step kernels of avx512.cpp.
#include "core/cells/lstm.h"
#include "rnn_sequence.h"

namespace rnn {

RNN_CPU_CELL_ROWS(cells::Lstm, lstm)

namespace {

// ---- float32 with AVX-512: the fused step of avx512.cpp, batch rows split across our threads ----
//
// Forward: per step one call computes x W_ih^T + h W_hh^T + b for the active rows straight from the
// packed [W_ih | W_hh] panels, applies the gates and writes y, c and (training) the reserve. h_{t-1}
// is read from y's previous row (or h0), so there is no h buffer to copy. Rows never interact
// until the weight gradients, so each thread runs the whole time loop for its own block of rows.

// Contiguous blocks of rows, one per task; at most one task per 6 rows (the kernel's tile height).
inline int row_tasks(int64_t B) {
  const int64_t by_rows = (B + 5) / 6;
  const int n = num_threads();
  return int(by_rows < n ? by_rows : n);
}
inline int64_t block_start(int64_t B, int tasks, int k) { return B * k / tasks; }

int lstm_forward_avx512(const SeqFwd<float>& a) {
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = 4 * H, BT = B * T_;
  // Training keeps gates, h_{t-1} and c_t in the reserve; recording (inference) writes gates and c_t
  // into its outputs in the same layout; plain inference keeps c in a small buffer, in place.
  const bool training = a.reserve != nullptr;
  float* gates = training ? a.reserve : a.rec_gates;
  float* hprev = training ? a.reserve + BT * GH : nullptr;
  float* extra = training ? a.reserve + BT * GH + BT * H : a.rec_c;
  float* w = pack_lstm_panels(a.w_ih, a.w_hh, I, H, workspace(kSlotWeights, lstm_panels_size(I, H)));
  float* bias = pack_gated_bias(a.b_ih, a.b_hh, H, 4, workspace(kSlotBias, (H + 15) / 16 * avx512::kLstmNR));
  Buf<float> zeros = alloc<float>(H);
  std::fill_n(zeros.get(), H, 0.0f);
  Buf<float> cbuf = extra ? nullptr : alloc<float>(B * H);  // plain inference: c in place

  zero_padded_steps(a, hprev);
  if (cbuf)
    for (int64_t b = 0; b < B; ++b) copy_elems(cbuf.get() + b * H, a.c0 ? a.c0 + b * H : zeros.get(), H);

  const int tasks = row_tasks(B);
  parallel_run(tasks, [&](int k) {
    const int64_t b0 = block_start(B, tasks, k), b1 = block_start(B, tasks, k + 1), nb = b1 - b0;
    std::vector<const float*> xs(nb), hs(nb), cin(nb);
    std::vector<float*> cout(nb), hout(nb), gts(nb), hps(nb);
    std::vector<const float*> next_g(nb), next_c(nb);
    float* scratch = workspace(kSlotScratch, nb * avx512::kLstmNR);
    const int lda = avx512::a_stride(int(I + H));
    float* abuf = workspace(kSlotA, nb * lda);
    const int64_t max_len = max_len_of(a.lengths, b0, b1, T_);
    for (int64_t s = 0; s < max_len; ++s) {
      const int n = for_active_rows(a.lengths, T_, a.reverse, b0, b1, s, [&](int i, int64_t b, int64_t row,
                                                                               int64_t prev) {
        xs[i] = a.x + row * I;
        hs[i] = prev < 0 ? a.h0 + b * H : a.y + prev * H;
        hout[i] = a.y + row * H;
        if (extra) {
          cin[i] = prev >= 0 ? extra + prev * H : (a.c0 ? a.c0 + b * H : zeros.get());
          cout[i] = extra + row * H;
        } else {
          cin[i] = cout[i] = cbuf.get() + b * H;
        }
        if (gates) {
          gts[i] = gates + row * GH;
          const int64_t L = len_of(a.lengths, b, T_);
          const int64_t next = s + 1 < L ? b * T_ + time_of(s + 1, L, a.reverse) : -1;
          next_g[i] = next < 0 ? nullptr : gates + next * GH;
          next_c[i] = next < 0 ? nullptr : extra + next * H;
        }
        if (hprev) hps[i] = hprev + row * H;
      });
      const avx512::LstmStep st{n, int(I), int(H), xs.data(), hs.data(), cin.data(), cout.data(), hout.data(),
                                gates ? gts.data() : nullptr, hprev ? hps.data() : nullptr,
                                gates ? next_g.data() : nullptr, gates ? next_c.data() : nullptr, w, bias, scratch,
                                abuf, lda};
      avx512::lstm_fwd_step(st);
    }
  });

  if (!training) zero_padded_record(a, GH);
  copy_final_h(a);
  for (int64_t b = 0; b < B && a.c_n; ++b) {
    const int64_t last = last_row(a.lengths, b, T_, a.reverse);
    const float* c = cbuf ? cbuf.get() + b * H : (last >= 0 ? extra + last * H : (a.c0 ? a.c0 + b * H : zeros.get()));
    copy_elems(a.c_n + b * H, c, H);
  }
  return RNN_OK;
}

// Backward: per step the elementwise gate gradients of the active rows (into dG_all), then
// dh_{t-1} = dG W_hh with W_hh packed once; the weight gradients stay single gemms afterwards.
// dG_all holds only the real steps, batch row after batch row (row b's steps start at off[b], the
// lengths before it summed), so with variable lengths the weight-gradient and dx gemms run over the
// N real steps rather than all B*T (as PyTorch's packed sequences do): on a padded batch of words
// that is about half the work. h_{t-1} and x are packed the same way (one copy per row block).
int lstm_backward_avx512(const SeqBwd<float>& a) {
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = 4 * H, BT = B * T_;
  const float* gates = a.reserve;
  const float* hprev = a.reserve + BT * GH;
  const float* extra = a.reserve + BT * GH + BT * H;
  std::vector<int64_t> off(static_cast<size_t>(B) + 1, 0);
  for (int64_t b = 0; b < B; ++b) off[b + 1] = off[b] + len_of(a.lengths, b, T_);
  const int64_t N = off[B];
  const bool packed = N < BT;
  float* dg_all = workspace(kSlotGrad, std::max<int64_t>(N, 1) * GH);
  Buf<float> zeros = alloc<float>(H);
  std::fill_n(zeros.get(), H, 0.0f);
  float* dh = a.dh0;
  float* dc = a.dc0;
  Buf<float> dc_ws;
  if (!dc) dc = (dc_ws = alloc<float>(B * H)).get();
  if (a.dh_n) copy_elems(dh, a.dh_n, B * H);
  else std::fill_n(dh, B * H, 0.0f);
  if (a.dc_n) copy_elems(dc, a.dc_n, B * H);
  else std::fill_n(dc, B * H, 0.0f);
  float* w = pack_gemm_panels(a.w_hh, false, GH, H, workspace(kSlotWeights, gemm_panels_size(GH, H)));  // op(W) = W_hh

  const int tasks = row_tasks(B);
  parallel_run(tasks, [&](int k) {
    const int64_t b0 = block_start(B, tasks, k), b1 = block_start(B, tasks, k + 1), nb = b1 - b0;
    std::vector<const float*> arows(nb);
    std::vector<float*> crows(nb);
    float* abuf = workspace(kSlotA, nb * avx512::a_stride(int(GH)));
    for (int64_t s = max_len_of(a.lengths, b0, b1, T_) - 1; s >= 0; --s) {
      const int n = for_active_rows(a.lengths, T_, a.reverse, b0, b1, s, [&](int i, int64_t b, int64_t row,
                                                                               int64_t prev) {
        const float* cprev = prev < 0 ? (a.c0 ? a.c0 + b * H : zeros.get()) : extra + prev * H;
        float* dg = dg_all + (off[b] + row - b * T_) * GH;
        avx512::lstm_bwd_row(int(H), gates + row * GH, extra + row * H, cprev, dh + b * H,
                             a.dy ? a.dy + row * H : nullptr, dc + b * H, dg);
        arows[i] = dg;
        crows[i] = dh + b * H;
      });
      // LSTM has no direct h -> h_prev path: dh_{t-1} is the product alone (rows not active keep dh).
      avx512::gemm_rows(n, arows.data(), int(GH), w, int(H), crows.data(), false, abuf);
    }
  });

  const float* hp = hprev;
  const float* x = a.x;
  float* dx = a.dx;
  if (packed && N > 0) {
    float* buf = workspace(kSlotPack, N * (H + 2 * I));
    float* hpc = buf;
    float* xc = buf + N * H;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t L = off[b + 1] - off[b];
      copy_elems(hpc + off[b] * H, hprev + b * T_ * H, L * H);
      copy_elems(xc + off[b] * I, a.x + b * T_ * I, L * I);
    }
    hp = hpc;
    x = xc;
    dx = a.dx ? buf + N * (H + I) : nullptr;
  }
  if (N > 0) {
    const WeightGrad wg[2] = {{hp, int(H), a.dw_hh}, {x, int(I), a.dw_ih}};
    if (!weight_grads_shared(dg_all, int(N), int(GH), 2, wg, a.db_hh)) {
      gemm(true, false, int(GH), int(H), int(N), 1.0f, dg_all, int(GH), hp, int(H), 0.0f, a.dw_hh, int(H));
      gemm(true, false, int(GH), int(I), int(N), 1.0f, dg_all, int(GH), x, int(I), 0.0f, a.dw_ih, int(I));
      column_sums(dg_all, N, GH, GH, a.db_hh);
    }
    if (dx) gemm(false, false, int(N), int(I), int(GH), 1.0f, dg_all, int(GH), a.w_ih, int(I), 0.0f, dx, int(I));
  } else {
    std::fill_n(a.dw_hh, GH * H, 0.0f);
    std::fill_n(a.db_hh, GH, 0.0f);
    std::fill_n(a.dw_ih, GH * I, 0.0f);
  }
  if (a.dx && (packed || N == 0)) {  // unpack: padded steps get dx = 0
    for (int64_t b = 0; b < B; ++b) {
      const int64_t L = off[b + 1] - off[b];
      copy_elems(a.dx + b * T_ * I, dx + off[b] * I, L * I);
      std::fill_n(a.dx + (b * T_ + L) * I, (T_ - L) * I, 0.0f);
    }
  }
  copy_elems(a.db_ih, a.db_hh, GH);  // the same sum: both biases enter every gate pre-activation
  return RNN_OK;
}

bool fast_path(int64_t B, int64_t T_, int64_t H) { return use_avx512() && B > 0 && T_ > 0 && H > 0; }

}  // namespace

template <class T>
int lstm(const SeqFwd<T>& a) {
  if constexpr (std::is_same_v<T, float>)
    if (fast_path(a.B, a.T_, a.H)) return lstm_forward_avx512(a);
  return seq_forward<cells::Lstm, T>(a);
}
template <class T>
int lstm(const SeqBwd<T>& a) {
  if constexpr (std::is_same_v<T, float>)
    if (fast_path(a.B, a.T_, a.H)) return lstm_backward_avx512(a);
  return seq_backward<cells::Lstm, T>(a);
}
template int lstm<float>(const SeqFwd<float>&);
template int lstm<double>(const SeqFwd<double>&);
template int lstm<float>(const SeqBwd<float>&);
template int lstm<double>(const SeqBwd<double>&);

}  // namespace rnn
