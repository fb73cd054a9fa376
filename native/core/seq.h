// The arguments of the fused sequence and tree-level kernels after the C API's checks, typed, as
// every device's kernels receive them (see rnn_native.h for shapes and semantics).
#pragma once

#include <cstdint>

#include "hd.h"

namespace rnn {

template <class T>
struct SeqFwd {
  int64_t B, T_, I, H;
  const int32_t* lengths;  // host memory, nullable
  bool reverse;
  const T *x, *h0, *c0, *w_ih, *w_hh, *b_ih, *b_hh;
  T *y, *h_n, *c_n, *reserve;
  // Recording (inference only, reserve null): every step's gate activations [B*T, G*H] and lstm's
  // c_t [B*T, H], rows b*T + t like y, zeros at padded steps. Null: not recorded.
  T* rec_gates = nullptr;
  T* rec_c = nullptr;
};

template <class T>
struct SeqBwd {
  int64_t B, T_, I, H;
  const int32_t* lengths;  // host memory, nullable
  bool reverse;
  const T *x, *h0, *c0, *w_ih, *w_hh, *reserve, *dy, *dh_n, *dc_n;
  T *dx, *dh0, *dc0, *dw_ih, *dw_hh, *db_ih, *db_hh;
};

template <class T>
struct TreeFwd {
  int64_t N, I, H;
  const T *x, *hl, *cl, *hr, *cr, *w, *wh, *b;
  T *h, *c, *reserve;
};

template <class T>
struct TreeBwd {
  int64_t N, I, H;
  const T *x, *hl, *cl, *hr, *cr, *w, *wh, *reserve, *dh, *dc;
  T *dx, *dhl, *dcl, *dhr, *dcr, *dw, *dwh, *db;
};

// Row b's valid steps, and the time step it reads at loop step s (reversed rows run backwards
// from their own last valid step).
RNN_HDI int64_t len_of(const int32_t* lengths, int64_t b, int64_t T) { return lengths ? lengths[b] : T; }
RNN_HDI int64_t time_of(int64_t s, int64_t L, bool reverse) { return reverse ? L - 1 - s : s; }

}  // namespace rnn
