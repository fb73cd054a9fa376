// C entry points of the fused sequence kernels: argument checks, then dispatch on mode and dtype.
#include "rnn_sequence.h"

namespace rnn {
namespace {

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
              "%s: sizes must be >= 0, got batch %lld steps %lld input %lld hidden %lld", what,
              (long long)d->batch, (long long)d->steps, (long long)d->input, (long long)d->hidden);
  // Every gemm dimension (B*T rows, G*H columns, I, H) must fit BLAS's int; then no element count
  // below (at most B*T * 6H) can overflow int64.
  const bool ok = fits_int(d->batch) && fits_int(d->steps) && fits_int(d->input) && fits_int(4 * d->hidden) &&
                  (d->steps == 0 || d->batch <= 2147483647 / d->steps);
  RNN_REQUIRE(ok, RNN_ERR_SHAPE, "%s: sizes too large for BLAS (batch %lld, steps %lld, input %lld, hidden %lld)",
              what, (long long)d->batch, (long long)d->steps, (long long)d->input, (long long)d->hidden);
  if (d->lengths) {
    for (int64_t b = 0; b < d->batch; ++b)
      RNN_REQUIRE(d->lengths[b] >= 0 && d->lengths[b] <= d->steps, RNN_ERR_INDEX,
                  "%s: lengths[%lld] = %d is out of range; expected 0..%lld (the sequence length)", what,
                  (long long)b, d->lengths[b], (long long)d->steps);
  }
  return RNN_OK;
}

#define RNN_NEED(ptr, count, name)                                                                             \
  RNN_REQUIRE((ptr) != nullptr || (count) == 0, RNN_ERR_ARG, "%s: %s is null but must hold %lld elements", what, \
              name, (long long)(count))

template <class T>
int forward_typed(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                  const void* w_hh, const void* b_ih, const void* b_hh, void* y, void* h_n, void* c_n,
                  void* reserve) {
  SeqFwd<T> a{d->batch, d->steps, d->input, d->hidden, d->lengths, d->reverse != 0,
              static_cast<const T*>(x), static_cast<const T*>(h0), static_cast<const T*>(c0),
              static_cast<const T*>(w_ih), static_cast<const T*>(w_hh), static_cast<const T*>(b_ih),
              static_cast<const T*>(b_hh), static_cast<T*>(y), static_cast<T*>(h_n), static_cast<T*>(c_n),
              static_cast<T*>(reserve)};
  switch (d->mode) {
    case RNN_MODE_LSTM: return lstm_forward<T>(a);
    case RNN_MODE_GRU: return gru_forward<T>(a);
    case RNN_MODE_TANH: return simple_forward<T>(a, false);
    default: return simple_forward<T>(a, true);
  }
}

template <class T>
int backward_typed(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                   const void* w_hh, const void* reserve, const void* dy, const void* dh_n, const void* dc_n, void* dx,
                   void* dh0, void* dc0, void* dw_ih, void* dw_hh, void* db_ih, void* db_hh) {
  SeqBwd<T> a{d->batch, d->steps, d->input, d->hidden, d->lengths, d->reverse != 0,
              static_cast<const T*>(x), static_cast<const T*>(h0), static_cast<const T*>(c0),
              static_cast<const T*>(w_ih), static_cast<const T*>(w_hh), static_cast<const T*>(reserve),
              static_cast<const T*>(dy), static_cast<const T*>(dh_n), static_cast<const T*>(dc_n),
              static_cast<T*>(dx), static_cast<T*>(dh0), static_cast<T*>(dc0), static_cast<T*>(dw_ih),
              static_cast<T*>(dw_hh), static_cast<T*>(db_ih), static_cast<T*>(db_hh)};
  switch (d->mode) {
    case RNN_MODE_LSTM: return lstm_backward<T>(a);
    case RNN_MODE_GRU: return gru_backward<T>(a);
    case RNN_MODE_TANH: return simple_backward<T>(a, false);
    default: return simple_backward<T>(a, true);
  }
}

}  // namespace
}  // namespace rnn

using namespace rnn;

extern "C" {

int64_t rnn_seq_reserve_size(const rnn_seq_desc* d) {
  if (check_desc("rnn_seq_reserve_size", d) != RNN_OK) return -1;
  return d->batch * d->steps * d->hidden * reserve_per(d->mode);
}

int rnn_seq_forward(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                    const void* w_hh, const void* b_ih, const void* b_hh, void* y, void* h_n, void* c_n,
                    void* reserve) {
  const char* what = "rnn_seq_forward";
  return guarded(what, [&]() -> int {
    if (int st = check_desc(what, d)) return st;
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
    if (!lstm) c_n = nullptr;
    if (!lstm) c0 = nullptr;
    RNN_DISPATCH_FLOAT(d->dtype, what, forward_typed<T>(d, x, h0, c0, w_ih, w_hh, b_ih, b_hh, y, h_n, c_n, reserve));
  });
}

int rnn_seq_backward(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                     const void* w_hh, const void* reserve, const void* dy, const void* dh_n, const void* dc_n,
                     void* dx, void* dh0, void* dc0, void* dw_ih, void* dw_hh, void* db_ih, void* db_hh) {
  const char* what = "rnn_seq_backward";
  return guarded(what, [&]() -> int {
    if (int st = check_desc(what, d)) return st;
    const int64_t B = d->batch, T_ = d->steps, I = d->input, H = d->hidden, GH = gates_of(d->mode) * H;
    const bool lstm = d->mode == RNN_MODE_LSTM;
    RNN_NEED(x, B * T_ * I, "x");
    RNN_NEED(w_ih, GH * I, "w_ih");
    RNN_NEED(w_hh, GH * H, "w_hh");
    RNN_NEED(reserve, B * T_ * H * reserve_per(d->mode), "reserve (run the forward with training on)");
    // dx may be null: the input gradient is then not computed (x is data)
    RNN_NEED(dh0, B * H, "dh0");
    RNN_NEED(dw_ih, GH * I, "dw_ih");
    RNN_NEED(dw_hh, GH * H, "dw_hh");
    RNN_NEED(db_ih, GH, "db_ih");
    RNN_NEED(db_hh, GH, "db_hh");
    (void)h0;  // the reserve holds every state backward reads
    if (!lstm) {
      c0 = nullptr;
      dc_n = nullptr;
      dc0 = nullptr;
    }
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       backward_typed<T>(d, x, h0, c0, w_ih, w_hh, reserve, dy, dh_n, dc_n, dx, dh0, dc0, dw_ih,
                                         dw_hh, db_ih, db_hh));
  });
}

}  // extern "C"
