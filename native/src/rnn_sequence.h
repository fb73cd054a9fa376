// The CPU's time loop shared by every recurrent mode (cuDNN-style), apart from the cells that plug
// into it: the cell equations are core/cells/*.h (shared with CUDA), run here by the vectorised row
// loops of RNN_CPU_CELL_ROWS.
//
// Forward, for one layer and one direction over x [B, T, I]:
//   1. Gx = X_all W_ih^T for all B*T rows at once (one gemm); rows are in x's own order b*T + t.
//   2. for each step s: Gh = H W_hh^T (one gemm, all B rows), then one pass per active row for the
//      gate nonlinearities and the state update (Cell::forward_row), biases added in that pass.
// Row b at step s reads time t = s (forward) or lengths[b]-1-s (reverse) and is active while
// s < lengths[b]; inactive rows keep their state, and y is zero at every t >= lengths[b].
//
// Reserve (kept for backward), all rows in x's order b*T + t:
//   gates  [B*T, G*H]  the gate activations (Gx is overwritten in place)
//   hprev  [B*T, H]    the hidden state each step read (zero at padded steps)
//   extra  [B*T, H]    lstm: c_t; gru: W_hn h + b_hn; rnn: none
//
// Backward walks the steps in reverse: per step one pass per active row turning dh/dc into the
// gate gradients (Cell::backward_row), then dh_prev += dGates W_hh (one gemm). After the loop the
// weight gradients are single large gemms over all B*T rows: dW_ih = dG^T X, dW_hh = dG^T Hprev,
// and dx = dG W_ih.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "blas.h"
#include "common.h"
#include "core/cells/cell.h"
#include "core/seq.h"
#include "fastmath.h"
#include "packed.h"
#include "simd.h"
#include "workspace.h"

namespace rnn {

// How the CPU runs a cell's per-unit equations over a row of H units: one vectorised loop (the
// gate nonlinearities are fastmath.h's for float32), compiled for the baseline and for AVX2 by the
// RNN_CLONES functions RNN_CPU_CELL_ROWS defines, which CpuRows<Cell> names for seq_forward.
template <class Cell, class T>
RNN_INLINE void cell_fwd_row(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* c, T* gates,
                             T* extra) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) Cell::template fwd<FastAct>(H, j, gx, gh, bih, bhh, h, c, gates, extra);
}

template <class Cell, class T>
RNN_INLINE void cell_bwd_row(int64_t H, const T* gates, const T* extra, const T* c_prev, const T* h_prev, T* dh,
                             T* dc, T* dgs, T* dg_all) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j)
    Cell::template bwd<FastAct>(H, j, gates, extra, Cell::kCell ? c_prev[j] : T(0), h_prev, dh, dc, dgs, dg_all);
}

template <class Cell>
struct CpuRows;

#define RNN_CPU_CELL_ROWS_T(Cell, tag, T)                                                                        \
  RNN_CLONES void tag##_fwd_row(int64_t H, const T* gx, const T* gh, const T* bih, const T* bhh, T* h, T* c,     \
                                T* gates, T* extra) {                                                           \
    cell_fwd_row<Cell, T>(H, gx, gh, bih, bhh, h, c, gates, extra);                                             \
  }                                                                                                             \
  RNN_CLONES void tag##_bwd_row(int64_t H, const T* gates, const T* extra, const T* c_prev, const T* h_prev, T* dh, \
                                T* dc, T* dgs, T* dg_all) {                                                     \
    cell_bwd_row<Cell, T>(H, gates, extra, c_prev, h_prev, dh, dc, dgs, dg_all);                                \
  }

// Defines the row functions of a cell (float and double, cloned) and CpuRows<Cell> naming them.
#define RNN_CPU_CELL_ROWS(Cell, tag)                    \
  RNN_CPU_CELL_ROWS_T(Cell, tag, float)                 \
  RNN_CPU_CELL_ROWS_T(Cell, tag, double)                \
  template <>                                           \
  struct CpuRows<Cell> {                                \
    template <class... A>                               \
    static void fwd(A... a) {                           \
      tag##_fwd_row(a...);                              \
    }                                                   \
    template <class... A>                               \
    static void bwd(A... a) {                           \
      tag##_bwd_row(a...);                              \
    }                                                   \
  };

// Zeros y (and hprev when given) at every padded step t >= lengths[b].
template <class T>
void zero_padded_steps(const SeqFwd<T>& a, T* hprev) {
  for (int64_t b = 0; b < a.B; ++b) {
    const int64_t L = len_of(a.lengths, b, a.T_);
    if (L >= a.T_) continue;
    std::fill_n(a.y + (b * a.T_ + L) * a.H, (a.T_ - L) * a.H, T(0));
    if (hprev) std::fill_n(hprev + (b * a.T_ + L) * a.H, (a.T_ - L) * a.H, T(0));
  }
}

// Zeros the recorded gates (GH wide) and c_t (H wide) at every padded step t >= lengths[b]: the time
// loops never write those rows (the portable loop leaves Gx there).
template <class T>
void zero_padded_record(const SeqFwd<T>& a, int64_t GH) {
  for (int64_t b = 0; b < a.B && a.rec_gates; ++b) {
    const int64_t L = len_of(a.lengths, b, a.T_);
    if (L >= a.T_) continue;
    std::fill_n(a.rec_gates + (b * a.T_ + L) * GH, (a.T_ - L) * GH, T(0));
    if (a.rec_c) std::fill_n(a.rec_c + (b * a.T_ + L) * a.H, (a.T_ - L) * a.H, T(0));
  }
}

// The row (b * T + t) of batch row b's last real step, whose output is its final state; -1 when
// the row is empty (its final state is h0 / c0).
inline int64_t last_row(const int32_t* lengths, int64_t b, int64_t T, bool reverse) {
  const int64_t L = len_of(lengths, b, T);
  return L > 0 ? b * T + time_of(L - 1, L, reverse) : -1;
}

// The longest row among batch rows [b0, b1).
inline int64_t max_len_of(const int32_t* lengths, int64_t b0, int64_t b1, int64_t T) {
  int64_t m = 0;
  for (int64_t b = b0; b < b1; ++b) m = std::max(m, len_of(lengths, b, T));
  return m;
}

// Calls f(n, b, row, prev) for each batch row in [b0, b1) still active at loop step s, n counting
// them from 0: row is the (b * T + t) row this step reads, prev the previous step's (-1 at s = 0).
// Returns how many there were. (The avx512 kernels gather the active rows of a step this way.)
template <class F>
int for_active_rows(const int32_t* lengths, int64_t T, bool reverse, int64_t b0, int64_t b1, int64_t s, F&& f) {
  int n = 0;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t L = len_of(lengths, b, T);
    if (s >= L) continue;
    const int64_t prev = s == 0 ? -1 : b * T + time_of(s - 1, L, reverse);
    f(n++, b, b * T + time_of(s, L, reverse), prev);
  }
  return n;
}

// The portable path's per-row pass of one step (gate nonlinearities and state update, or their
// gradients) split across the pool: batch rows never interact within a step, and each row's work is
// the same at any thread count (the same bits). Issue 22: unsplit, it was the serial part that held
// the portable path's 2 threads to ~1.3x one (the step's gemm was already split). Worth a region
// once a step holds kRowSplitMin gate elements (a region costs a few microseconds; a gate element a
// few nanoseconds); at least 2 rows per task.
constexpr int64_t kRowSplitMin = 4096;
template <class F>
void for_row_blocks(int64_t B, int64_t per_row, F&& f) {
  if (B * per_row < kRowSplitMin) return f(int64_t(0), B);
  parallel_ranges(B, 2, f);
}

// h_n of the kernels that keep no h buffer (avx512 paths): each row's last real output, or h0.
template <class T>
void copy_final_h(const SeqFwd<T>& a) {
  for (int64_t b = 0; b < a.B; ++b) {
    const int64_t last = last_row(a.lengths, b, a.T_, a.reverse);
    copy_elems(a.h_n + b * a.H, last >= 0 ? a.y + last * a.H : a.h0 + b * a.H, a.H);
  }
}

template <class Cell, class T>
int seq_forward(const SeqFwd<T>& a) {
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = Cell::G * H, BT = B * T_;
  const bool training = a.reserve != nullptr;

  Buf<T> gx_ws;
  // Recording writes the gates where inference would keep Gx: the same buffer, handed in.
  T* gates = training ? a.reserve : a.rec_gates ? a.rec_gates : (gx_ws = alloc<T>(BT * GH)).get();
  T* hprev = training ? a.reserve + BT * GH : nullptr;
  T* extra = training && Cell::kExtra ? a.reserve + BT * GH + BT * H : nullptr;
  Buf<T> extra_ws = Cell::kExtra && !training ? alloc<T>(B * H) : nullptr;

  Buf<T> h = alloc<T>(B * H), c = alloc<T>(Cell::kCell ? B * H : 1), gh = alloc<T>(B * GH);
  copy_elems(h.get(), a.h0, B * H);
  if (Cell::kCell) {
    if (a.c0) copy_elems(c.get(), a.c0, B * H);
    else std::fill_n(c.get(), B * H, T(0));
  }

  // Step 1: input projection of every (b, t) at once; biases join in the gate pass.
  gemm(false, true, int(BT), int(GH), int(I), T(1), a.x, int(I), a.w_ih, int(I), T(0), gates, int(GH));

  // Padded steps: zero output, and zero hprev so the dW_hh gemm sees no garbage.
  zero_padded_steps(a, hprev);
  int64_t max_len = 0;
  for (int64_t b = 0; b < B; ++b) max_len = std::max(max_len, len_of(a.lengths, b, T_));

  StepGemm<T> step(B, H, GH, a.w_hh, true);  // gh = h W_hh^T
  for (int64_t s = 0; s < max_len; ++s) {
    step.run(h.get(), gh.get(), false);
    for_row_blocks(B, GH, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t L = len_of(a.lengths, b, T_);
        if (s >= L) continue;
        const int64_t row = b * T_ + time_of(s, L, a.reverse);
        T* hb = h.get() + b * H;
        if (hprev) copy_elems(hprev + row * H, hb, H);
        T* ex = extra ? extra + row * H : (extra_ws ? extra_ws.get() + b * H : nullptr);
        CpuRows<Cell>::fwd(H, gates + row * GH, gh.get() + b * GH, a.b_ih, a.b_hh, hb,
                           Cell::kCell ? c.get() + b * H : nullptr, gates + row * GH, ex);
        copy_elems(a.y + row * H, hb, H);
        if (Cell::kCell && a.rec_c) copy_elems(a.rec_c + row * H, c.get() + b * H, H);
      }
    });
  }

  zero_padded_record(a, GH);
  copy_elems(a.h_n, h.get(), B * H);
  if (Cell::kCell && a.c_n) copy_elems(a.c_n, c.get(), B * H);
  return RNN_OK;
}

template <class Cell, class T>
int seq_backward(const SeqBwd<T>& a) {
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = Cell::G * H, BT = B * T_;
  const int64_t GC = Cell::GC * H;  // columns of dG_all
  const T* gates = a.reserve;
  const T* hprev = a.reserve + BT * GH;
  const T* extra = Cell::kExtra ? a.reserve + BT * GH + BT * H : nullptr;

  Buf<T> dg_all = alloc<T>(BT * GC), dgs = alloc<T>(B * GH);
  Buf<T> zeros;  // c_{-1} when the caller passed no c0
  if (Cell::kCell && !a.c0) {
    zeros = alloc<T>(H);
    std::fill_n(zeros.get(), H, T(0));
  }
  T* dh = a.dh0;  // the carried dh lives in the output buffer
  T* dc = Cell::kCell ? a.dc0 : nullptr;
  Buf<T> dc_ws;
  if (Cell::kCell && !dc) dc = (dc_ws = alloc<T>(B * H)).get();
  if (a.dh_n) copy_elems(dh, a.dh_n, B * H);
  else std::fill_n(dh, B * H, T(0));
  if (Cell::kCell) {
    if (a.dc_n) copy_elems(dc, a.dc_n, B * H);
    else std::fill_n(dc, B * H, T(0));
  }

  int64_t max_len = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t L = len_of(a.lengths, b, T_);
    max_len = std::max(max_len, L);
    if (L < T_) std::fill_n(dg_all.get() + (b * T_ + L) * GC, (T_ - L) * GC, T(0));
  }

  StepGemm<T> step(B, GH, H, a.w_hh, false);  // dh += dGates W_hh
  for (int64_t s = max_len - 1; s >= 0; --s) {
    for_row_blocks(B, GH, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t L = len_of(a.lengths, b, T_);
        T* dgs_b = dgs.get() + b * GH;
        if (s >= L) {
          std::fill_n(dgs_b, GH, T(0));
          continue;
        }
        const int64_t t = time_of(s, L, a.reverse);
        const int64_t row = b * T_ + t;
        T* dhb = dh + b * H;
        if (a.dy) {
          const T* dyr = a.dy + row * H;
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) dhb[j] += dyr[j];
        }
        const T* cprev = nullptr;
        if (Cell::kCell) {
          if (s == 0) cprev = a.c0 ? a.c0 + b * H : zeros.get();
          else cprev = extra + (b * T_ + time_of(s - 1, L, a.reverse)) * H;
        }
        CpuRows<Cell>::bwd(H, gates + row * GH, extra ? extra + row * H : nullptr, cprev, hprev + row * H, dhb,
                           Cell::kCell ? dc + b * H : nullptr, dgs_b, dg_all.get() + row * GC);
      }
    });
    // dh_prev = (direct part the cell left in dh) + dGates W_hh; inactive rows add zeros.
    step.run(dgs.get(), dh, true);
  }

  // Weight gradients: single gemms over every (b, t) row. float32 on AVX-512: dG_all packed once for
  // all of them, the bias gradients summed while packing (fast_gemm.cpp, weight_grads_shared: the
  // same sums in the same order as the gemms and column_sums below).
  bool shared = false;
  if constexpr (std::is_same_v<T, float>) {
    std::vector<WeightGrad> wg{{hprev, int(H), a.dw_hh, 0, int(GH)}};
    for (const InBlock& blk : Cell::kIn)
      wg.push_back({a.x, int(I), a.dw_ih + blk.dst * H * I, int(blk.src * H), int(blk.rows * H)});
    std::vector<float> sums(static_cast<size_t>(GC));
    shared = weight_grads_shared(dg_all.get(), int(BT), int(GC), int(wg.size()), wg.data(), sums.data());
    if (shared) {
      copy_elems(a.db_hh, sums.data(), GH);
      for (const InBlock& blk : Cell::kIn) copy_elems(a.db_ih + blk.dst * H, sums.data() + blk.src * H, blk.rows * H);
    }
  }
  if (!shared) {
    gemm(true, false, int(GH), int(H), int(BT), T(1), dg_all.get(), int(GC), hprev, int(H), T(0), a.dw_hh, int(H));
    column_sums(dg_all.get(), BT, GH, GC, a.db_hh);
  }
  bool first = true;
  for (const InBlock& blk : Cell::kIn) {
    const T* src = dg_all.get() + blk.src * H;
    const int64_t rows = blk.rows * H;
    if (!shared) {
      gemm(true, false, int(rows), int(I), int(BT), T(1), src, int(GC), a.x, int(I), T(0), a.dw_ih + blk.dst * H * I,
           int(I));
      column_sums(src, BT, rows, GC, a.db_ih + blk.dst * H);
    }
    if (a.dx)
      gemm(false, false, int(BT), int(I), int(rows), T(1), src, int(GC), a.w_ih + blk.dst * H * I, int(I),
           first ? T(0) : T(1), a.dx, int(I));
    first = false;
  }
  return RNN_OK;
}

// Each cell file's forward (SeqFwd) and backward (SeqBwd), instantiated for float and double;
// rnn_sequence.cpp picks one by mode.
template <class T> int lstm(const SeqFwd<T>& a);
template <class T> int lstm(const SeqBwd<T>& a);
template <class T> int gru(const SeqFwd<T>& a);
template <class T> int gru(const SeqBwd<T>& a);
template <class T> int simple(const SeqFwd<T>& a, bool relu);
template <class T> int simple(const SeqBwd<T>& a, bool relu);

}  // namespace rnn
