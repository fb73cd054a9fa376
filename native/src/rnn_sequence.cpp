// The CPU's fused sequence kernels by mode: the C entry points and their checks are
// core/api/seq.inc (shared with CUDA); each mode's time loop is its cell file's.
#include "core/cells/all.h"
#include "rnn_sequence.h"

namespace rnn {
namespace {

// A cell's pass (A is SeqFwd<T> or SeqBwd<T>): its cell file's overloads.
template <class A>
int pass(cells::Lstm, const A& a) {
  return lstm(a);
}
template <class A>
int pass(cells::Gru, const A& a) {
  return gru(a);
}
template <class A, bool Relu>
int pass(cells::Simple<Relu>, const A& a) {
  return simple(a, Relu);
}

template <class T>
int seq_forward_mode(int mode, const SeqFwd<T>& a) {
  return with_cell(mode, [&](auto cell) { return pass(cell, a); });
}

template <class T>
int seq_backward_mode(int mode, const SeqBwd<T>& a) {
  return with_cell(mode, [&](auto cell) { return pass(cell, a); });
}

}  // namespace
}  // namespace rnn

#include "core/api/seq.inc"

extern "C" int RNN_API(seq_forward_record)(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0,
                                           const void* w_ih, const void* w_hh, const void* b_ih, const void* b_hh,
                                           void* y, void* h_n, void* c_n, void* gates, void* cells) {
  return seq_forward_checked(RNN_API_NAME(seq_forward_record), d, x, h0, c0, w_ih, w_hh, b_ih, b_hh, y, h_n, c_n,
                             nullptr, gates, cells, true);
}
