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
// Semantics and argument checks are native/src/rnn_sequence.*'s.
#include <algorithm>
#include <memory>

#include "cells.h"
#include "gemm.h"

namespace rnn_cuda {
namespace {

template <class T>
struct Fwd {
  int64_t B, T_, I, H;
  const int32_t* lengths;  // host
  bool reverse;
  const T *x, *h0, *c0, *w_ih, *w_hh, *b_ih, *b_hh;
  T *y, *h_n, *c_n, *reserve;
};

template <class T>
struct Bwd {
  int64_t B, T_, I, H;
  const int32_t* lengths;  // host
  bool reverse;
  const T *x, *c0, *w_ih, *w_hh, *reserve, *dy, *dh_n, *dc_n;
  T *dx, *dh0, *dc0, *dw_ih, *dw_hh, *db_ih, *db_hh;
};

RNN_HD inline int64_t time_of(int64_t s, int64_t L, bool reverse) { return reverse ? L - 1 - s : s; }

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
int seq_forward(const Fwd<T>& a) {
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
      Cell::fwd(H, j, gates + row * GH, ghp + b * GH, bih, bhh, hb, cp + b * H, gates + row * GH, ex);
      y[row * H + j] = hb[j];
    }));
  }
  RNN_TRY(dev_d2d(a.h_n, hp, sizeof(T) * static_cast<size_t>(B * H), what));
  if (Cell::kCell && a.c_n) RNN_TRY(dev_d2d(a.c_n, cp, sizeof(T) * static_cast<size_t>(B * H), what));
  return RNN_OK;
}

template <class Cell, class T>
int seq_backward(const Bwd<T>& a) {
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
      Cell::bwd(H, j, gates + row * GH, extra ? extra + row * H : nullptr, c_prev, hprev + row * H, dh + b * H,
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
    RNN_TRY(gemm2d<T>(what, false, false, BT, I, rows, T(1), src, GC, a.w_ih + blk.dst * H * I, I,
                      k == 0 ? T(0) : T(1), a.dx, I));
    RNN_TRY(column_sums<T>(src, BT, rows, GC, a.db_ih + blk.dst * H));
  }
  return RNN_OK;
}

// ---- entry points ----

int gates_of(int mode) {
  switch (mode) {
    case RNN_MODE_TANH:
    case RNN_MODE_RELU: return 1;
    case RNN_MODE_LSTM: return 4;
    case RNN_MODE_GRU: return 3;
    default: return 0;
  }
}

// Elements of reserve per (b, t, h): gates, hprev, and lstm's c / gru's hn.
int reserve_per(int mode) { return gates_of(mode) + 1 + (mode == RNN_MODE_LSTM || mode == RNN_MODE_GRU ? 1 : 0); }

int check_desc(const char* what, const rnn_seq_desc* d) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(gates_of(d->mode) > 0, RNN_ERR_ARG,
              "%s: unknown mode %d (expected 0 rnn_tanh, 1 rnn_relu, 2 lstm, 3 gru)", what, d->mode);
  RNN_REQUIRE(float_dtype(d->dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
              dtype_name(d->dtype));
  RNN_REQUIRE(d->batch >= 0 && d->steps >= 0 && d->input >= 0 && d->hidden >= 0, RNN_ERR_SHAPE,
              "%s: sizes must be >= 0, got batch %lld steps %lld input %lld hidden %lld", what, (long long)d->batch,
              (long long)d->steps, (long long)d->input, (long long)d->hidden);
  // Every GEMM dimension (B*T rows, G*H columns, I, H) fits an int (cuBLAS); then no element count
  // below (at most B*T * 6H) overflows int64.
  const bool ok = fits_int(d->batch) && fits_int(d->steps) && fits_int(d->input) && fits_int(4 * d->hidden) &&
                  (d->steps == 0 || d->batch <= 2147483647 / d->steps);
  RNN_REQUIRE(ok, RNN_ERR_SHAPE, "%s: sizes too large (batch %lld, steps %lld, input %lld, hidden %lld)", what,
              (long long)d->batch, (long long)d->steps, (long long)d->input, (long long)d->hidden);
  if (d->lengths) {
    for (int64_t b = 0; b < d->batch; ++b)
      RNN_REQUIRE(d->lengths[b] >= 0 && d->lengths[b] <= d->steps, RNN_ERR_INDEX,
                  "%s: lengths[%lld] = %d is out of range; expected 0..%lld (the sequence length)", what,
                  (long long)b, d->lengths[b], (long long)d->steps);
  }
  return RNN_OK;
}

template <class T>
int forward_typed(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                  const void* w_hh, const void* b_ih, const void* b_hh, void* y, void* h_n, void* c_n,
                  void* reserve) {
  Fwd<T> a{d->batch, d->steps, d->input, d->hidden, d->lengths, d->reverse != 0,
           static_cast<const T*>(x), static_cast<const T*>(h0), static_cast<const T*>(c0),
           static_cast<const T*>(w_ih), static_cast<const T*>(w_hh), static_cast<const T*>(b_ih),
           static_cast<const T*>(b_hh), static_cast<T*>(y), static_cast<T*>(h_n), static_cast<T*>(c_n),
           static_cast<T*>(reserve)};
  switch (d->mode) {
    case RNN_MODE_LSTM: return seq_forward<LstmCell, T>(a);
    case RNN_MODE_GRU: return seq_forward<GruCell, T>(a);
    case RNN_MODE_TANH: return seq_forward<SimpleCell<false>, T>(a);
    default: return seq_forward<SimpleCell<true>, T>(a);
  }
}

template <class T>
int backward_typed(const rnn_seq_desc* d, const void* x, const void* c0, const void* w_ih, const void* w_hh,
                   const void* reserve, const void* dy, const void* dh_n, const void* dc_n, void* dx, void* dh0,
                   void* dc0, void* dw_ih, void* dw_hh, void* db_ih, void* db_hh) {
  Bwd<T> a{d->batch, d->steps, d->input, d->hidden, d->lengths, d->reverse != 0,
           static_cast<const T*>(x), static_cast<const T*>(c0), static_cast<const T*>(w_ih),
           static_cast<const T*>(w_hh), static_cast<const T*>(reserve), static_cast<const T*>(dy),
           static_cast<const T*>(dh_n), static_cast<const T*>(dc_n), static_cast<T*>(dx), static_cast<T*>(dh0),
           static_cast<T*>(dc0), static_cast<T*>(dw_ih), static_cast<T*>(dw_hh), static_cast<T*>(db_ih),
           static_cast<T*>(db_hh)};
  switch (d->mode) {
    case RNN_MODE_LSTM: return seq_backward<LstmCell, T>(a);
    case RNN_MODE_GRU: return seq_backward<GruCell, T>(a);
    case RNN_MODE_TANH: return seq_backward<SimpleCell<false>, T>(a);
    default: return seq_backward<SimpleCell<true>, T>(a);
  }
}

}  // namespace
}  // namespace rnn_cuda

using namespace rnn_cuda;

extern "C" {

int64_t rnn_cuda_seq_reserve_size(const rnn_seq_desc* d) {
  if (check_desc("rnn_cuda_seq_reserve_size", d) != RNN_OK) return -1;
  return d->batch * d->steps * d->hidden * reserve_per(d->mode);
}

int rnn_cuda_seq_forward(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                         const void* w_hh, const void* b_ih, const void* b_hh, void* y, void* h_n, void* c_n,
                         void* reserve) {
  const char* what = "rnn_cuda_seq_forward";
  return guarded(what, [&]() -> int {
    RNN_TRY(check_desc(what, d));
    const int64_t B = d->batch, T_ = d->steps, I = d->input, H = d->hidden, GH = gates_of(d->mode) * H;
    const bool lstm = d->mode == RNN_MODE_LSTM;
    RNN_NEED(x, B * T_ * I, "x");
    RNN_NEED(h0, B * H, "h0");
    RNN_NEED(w_ih, GH * I, "w_ih");
    RNN_NEED(w_hh, GH * H, "w_hh");
    RNN_NEED(b_ih, GH, "b_ih");
    RNN_NEED(b_hh, GH, "b_hh");
    RNN_NEED(y, B * T_ * H, "y");
    RNN_NEED(h_n, B * H, "h_n");
    if (lstm) RNN_NEED(c_n, B * H, "c_n");
    if (!lstm) c0 = c_n = nullptr;
    if (B * H == 0) return RNN_OK;  // no state and no output
    RNN_TRY(require_init(what));
    RNN_DISPATCH_FLOAT(d->dtype, what, forward_typed<T>(d, x, h0, c0, w_ih, w_hh, b_ih, b_hh, y, h_n, c_n, reserve));
  });
}

int rnn_cuda_seq_backward(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                          const void* w_hh, const void* reserve, const void* dy, const void* dh_n, const void* dc_n,
                          void* dx, void* dh0, void* dc0, void* dw_ih, void* dw_hh, void* db_ih, void* db_hh) {
  const char* what = "rnn_cuda_seq_backward";
  return guarded(what, [&]() -> int {
    RNN_TRY(check_desc(what, d));
    const int64_t B = d->batch, T_ = d->steps, I = d->input, H = d->hidden, GH = gates_of(d->mode) * H;
    const bool lstm = d->mode == RNN_MODE_LSTM;
    RNN_NEED(x, B * T_ * I, "x");
    RNN_NEED(w_ih, GH * I, "w_ih");
    RNN_NEED(w_hh, GH * H, "w_hh");
    RNN_NEED(reserve, B * T_ * H * reserve_per(d->mode), "reserve (run the forward with training on)");
    RNN_NEED(dx, B * T_ * I, "dx");
    RNN_NEED(dh0, B * H, "dh0");
    RNN_NEED(dw_ih, GH * I, "dw_ih");
    RNN_NEED(dw_hh, GH * H, "dw_hh");
    RNN_NEED(db_ih, GH, "db_ih");
    RNN_NEED(db_hh, GH, "db_hh");
    (void)h0;  // the reserve holds every state backward reads
    if (!lstm) c0 = dc_n = dc0 = nullptr;
    RNN_TRY(require_init(what));
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       backward_typed<T>(d, x, c0, w_ih, w_hh, reserve, dy, dh_n, dc_n, dx, dh0, dc0, dw_ih, dw_hh,
                                         db_ih, db_hh));
  });
}

}  // extern "C"
