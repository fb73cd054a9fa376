// The fused whole-sequence kernels (one layer, one direction), cuDNN-style, on the GPU:
//
// forward   Gx = X W_ih^T for all B*T rows at once (one GEMM), then per step s:
//           Gh = H W_hh^T (one GEMM over the batch) and ONE pointwise kernel that applies the cell
//           to every (b, j) whose row is still active (s < lengths[b]) and writes y, h, c and the
//           reserve. Row b at step s reads time t = s, or lengths[b]-1-s when reversed.
// backward  per step, reversed: one pointwise kernel turns dh/dc into gate gradients, then
//           dh_prev += dGates W_hh (one GEMM); after the loop dW_ih, dW_hh and dx are single large
//           GEMMs over all B*T rows and the bias gradients deterministic column sums.
//
// Reserve layout (rows in x's order b*T + t), the same as the CPU backend's:
//   gates [B*T, G*H] | hprev [B*T, H] | extra [B*T, H] (lstm: c_t, gru: W_hn h + b_hn)
// The cells are the shared core's (core/cells/*.h, exact activations); the C entry points and
// their checks core/api/seq.inc, as for the CPU.
#include <algorithm>
#include <memory>

#include "core/cells/all.h"
#include "core/scalar.h"
#include "core/seq.h"
#include "gemm.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

// Lengths on the device (null when every row runs all T steps), and the longest.
struct Lengths {
  std::unique_ptr<Workspace<int32_t>> dev;
  int64_t max_len = 0;
  bool ragged = false;  // some row stops before T
};

int upload_lengths(const int32_t* host, int64_t B, int64_t T_, Lengths* out) {
  if (!host) {
    out->max_len = B > 0 ? T_ : 0;
    return RNN_OK;
  }
  for (int64_t b = 0; b < B; ++b) {
    out->max_len = std::max<int64_t>(out->max_len, host[b]);
    out->ragged = out->ragged || host[b] < T_;
  }
  out->dev = std::make_unique<Workspace<int32_t>>(B);
  return dev_h2d(out->dev->get(), host, sizeof(int32_t) * static_cast<size_t>(B), "rnn_cuda_seq");
}

// out[j] = sum over rows of a[r * lda + j], in double, in a fixed order: partial sums over chunks of
// 64 rows, then the chunks in order.
template <class T>
int column_sums(const T* a, int64_t rows, int64_t cols, int64_t lda, T* out) {
  const char* what = "rnn_cuda_seq (bias gradient)";
  if (cols == 0) return RNN_OK;
  if (rows == 0) return dev_zero(out, sizeof(T) * static_cast<size_t>(cols), what);
  constexpr int64_t kChunk = 64;
  const int64_t chunks = (rows + kChunk - 1) / kChunk;
  Workspace<double> part(chunks * cols);
  double* p = part.get();
  RNN_TRY(for_each_index(what, chunks * cols, [=] RNN_DL(int64_t e) {
    const int64_t ch = e / cols, j = e - ch * cols;
    const int64_t r1 = (ch + 1) * kChunk < rows ? (ch + 1) * kChunk : rows;
    double s = 0;
    for (int64_t r = ch * kChunk; r < r1; ++r) s += static_cast<double>(a[r * lda + j]);
    p[e] = s;
  }));
  return for_each_index(what, cols, [=] RNN_DL(int64_t j) {
    double s = 0;
    for (int64_t ch = 0; ch < chunks; ++ch) s += p[ch * cols + j];
    out[j] = static_cast<T>(s);
  });
}

template <class Cell, class T>
int seq_pass(const SeqFwd<T>& a) {
  const char* what = "rnn_cuda_seq_forward";
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = Cell::G * H, BT = B * T_;
  const bool training = a.reserve != nullptr, reverse = a.reverse;

  std::unique_ptr<Workspace<T>> gates_ws;
  T* gates = training ? a.reserve : (gates_ws = std::make_unique<Workspace<T>>(BT * GH))->get();
  T* hprev = training ? a.reserve + BT * GH : nullptr;
  T* extra = training && Cell::kExtra ? a.reserve + BT * GH + BT * H : nullptr;
  Workspace<T> h(B * H), c(Cell::kCell ? B * H : 1), gh(B * GH), extra_ws(Cell::kExtra && !training ? B * H : 1);
  Lengths len;
  RNN_TRY(upload_lengths(a.lengths, B, T_, &len));

  RNN_TRY(dev_d2d(h.get(), a.h0, sizeof(T) * static_cast<size_t>(B * H), what));
  if (Cell::kCell) {
    if (a.c0) RNN_TRY(dev_d2d(c.get(), a.c0, sizeof(T) * static_cast<size_t>(B * H), what));
    else RNN_TRY(dev_zero(c.get(), sizeof(T) * static_cast<size_t>(B * H), what));
  }
  // Padded steps: zero output, and zero hprev (and extra, never read there) so the reserve holds
  // no stale device memory and the dW_hh GEMM sees no garbage.
  if (len.ragged) {
    RNN_TRY(dev_zero(a.y, sizeof(T) * static_cast<size_t>(BT * H), what));
    if (hprev) RNN_TRY(dev_zero(hprev, sizeof(T) * static_cast<size_t>(BT * H * (Cell::kExtra ? 2 : 1)), what));
  }
  // Input projection of every (b, t) at once; the biases join in the pointwise pass.
  RNN_TRY(gemm2d<T>(what, false, true, BT, GH, I, T(1), a.x, I, a.w_ih, I, T(0), gates, GH));

  const int32_t* lens = len.dev ? len.dev->get() : nullptr;
  T *hp = h.get(), *cp = c.get(), *ghp = gh.get(), *exw = extra_ws.get(), *y = a.y;
  const T *bih = a.b_ih, *bhh = a.b_hh;
  for (int64_t s = 0; s < len.max_len; ++s) {
    RNN_TRY(gemm2d<T>(what, false, true, B, GH, H, T(1), hp, H, a.w_hh, H, T(0), ghp, GH));
    RNN_TRY(for_each_index(what, B * H, [=] RNN_DL(int64_t e) {
      const int64_t b = e / H, j = e - b * H;
      const int64_t L = lens ? lens[b] : T_;
      if (s >= L) return;
      const int64_t row = b * T_ + time_of(s, L, reverse);
      T* hb = hp + b * H;
      if (hprev) hprev[row * H + j] = hb[j];
      T* ex = extra ? extra + row * H : exw + b * H;
      Cell::template fwd<ExactAct>(H, j, gates + row * GH, ghp + b * GH, bih, bhh, hb, cp + b * H, gates + row * GH, ex);
      y[row * H + j] = hb[j];
    }));
  }
  RNN_TRY(dev_d2d(a.h_n, hp, sizeof(T) * static_cast<size_t>(B * H), what));
  if (Cell::kCell && a.c_n) RNN_TRY(dev_d2d(a.c_n, cp, sizeof(T) * static_cast<size_t>(B * H), what));
  return RNN_OK;
}

template <class Cell, class T>
int seq_pass(const SeqBwd<T>& a) {
  const char* what = "rnn_cuda_seq_backward";
  const int64_t B = a.B, T_ = a.T_, I = a.I, H = a.H, GH = Cell::G * H, GC = Cell::GC * H, BT = B * T_;
  const bool reverse = a.reverse;
  const T* gates = a.reserve;
  const T* hprev = a.reserve + BT * GH;
  const T* extra = Cell::kExtra ? a.reserve + BT * GH + BT * H : nullptr;

  Workspace<T> dg_all(BT * GC), dgs(B * GH), dc_ws(Cell::kCell && !a.dc0 ? B * H : 1);
  T* dh = a.dh0;  // the carried dh lives in the output buffer
  T* dc = Cell::kCell ? (a.dc0 ? a.dc0 : dc_ws.get()) : nullptr;
  Lengths len;
  RNN_TRY(upload_lengths(a.lengths, B, T_, &len));
  const size_t state_bytes = sizeof(T) * static_cast<size_t>(B * H);
  if (a.dh_n) RNN_TRY(dev_d2d(dh, a.dh_n, state_bytes, what));
  else RNN_TRY(dev_zero(dh, state_bytes, what));
  if (Cell::kCell) {
    if (a.dc_n) RNN_TRY(dev_d2d(dc, a.dc_n, state_bytes, what));
    else RNN_TRY(dev_zero(dc, state_bytes, what));
  }
  if (len.ragged) RNN_TRY(dev_zero(dg_all.get(), sizeof(T) * static_cast<size_t>(BT * GC), what));

  const int32_t* lens = len.dev ? len.dev->get() : nullptr;
  const T *dy = a.dy, *c0 = a.c0;
  T *dgsp = dgs.get(), *dga = dg_all.get();
  for (int64_t s = len.max_len - 1; s >= 0; --s) {
    RNN_TRY(for_each_index(what, B * H, [=] RNN_DL(int64_t e) {
      const int64_t b = e / H, j = e - b * H;
      const int64_t L = lens ? lens[b] : T_;
      if (s >= L) {  // finished rows add nothing to the dh GEMM
        for (int g = 0; g < Cell::G; ++g) dgsp[b * GH + g * H + j] = T(0);
        return;
      }
      const int64_t row = b * T_ + time_of(s, L, reverse);
      if (dy) dh[b * H + j] += dy[row * H + j];
      // The cell state this step started from (lstm only; extra holds each step's c).
      const T c_prev = !Cell::kCell ? T(0)
                       : s == 0     ? (c0 ? c0[b * H + j] : T(0))
                                    : extra[(b * T_ + time_of(s - 1, L, reverse)) * H + j];
      Cell::template bwd<ExactAct>(H, j, gates + row * GH, extra ? extra + row * H : nullptr, c_prev, hprev + row * H, dh + b * H,
                dc ? dc + b * H : nullptr, dgsp + b * GH, dga + row * GC);
    }));
    // dh_prev = (the direct part the cell left in dh) + dGates W_hh; finished rows add zeros.
    RNN_TRY(gemm2d<T>(what, false, false, B, H, GH, T(1), dgsp, GH, a.w_hh, H, T(1), dh, H));
  }

  // Weight gradients: single GEMMs over every (b, t) row.
  RNN_TRY(gemm2d<T>(what, true, false, GH, H, BT, T(1), dga, GC, hprev, H, T(0), a.dw_hh, H));
  RNN_TRY(column_sums<T>(dga, BT, GH, GC, a.db_hh));
  for (int k = 0; k < Cell::kInBlocks; ++k) {
    const InBlock blk = Cell::kIn[k];
    const T* src = dga + blk.src * H;
    const int64_t rows = blk.rows * H;
    RNN_TRY(gemm2d<T>(what, true, false, rows, I, BT, T(1), src, GC, a.x, I, T(0), a.dw_ih + blk.dst * H * I, I));
    if (a.dx)  // null: x is data, no input gradient wanted
      RNN_TRY(gemm2d<T>(what, false, false, BT, I, rows, T(1), src, GC, a.w_ih + blk.dst * H * I, I,
                        k == 0 ? T(0) : T(1), a.dx, I));
    RNN_TRY(column_sums<T>(src, BT, rows, GC, a.db_ih + blk.dst * H));
  }
  return RNN_OK;
}

// ---- by mode (core/api/seq.inc calls these) ----

template <class T>
int seq_forward_mode(int mode, const SeqFwd<T>& a) {
  return with_cell(mode, [&](auto cell) { return seq_pass<decltype(cell)>(a); });
}

template <class T>
int seq_backward_mode(int mode, const SeqBwd<T>& a) {
  return with_cell(mode, [&](auto cell) { return seq_pass<decltype(cell)>(a); });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/seq.inc"
