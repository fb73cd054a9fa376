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
