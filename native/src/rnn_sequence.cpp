// The CPU's fused sequence kernels by mode: the C entry points and their checks are
// core/api/seq.inc (shared with CUDA); each mode's time loop is its cell file's.
#include "rnn_sequence.h"

namespace rnn {
namespace {

template <class T>
int seq_forward_mode(int mode, const SeqFwd<T>& a) {
  switch (mode) {
    case RNN_MODE_LSTM: return lstm_forward<T>(a);
    case RNN_MODE_GRU: return gru_forward<T>(a);
    case RNN_MODE_TANH: return simple_forward<T>(a, false);
    default: return simple_forward<T>(a, true);
  }
}

template <class T>
int seq_backward_mode(int mode, const SeqBwd<T>& a) {
  switch (mode) {
    case RNN_MODE_LSTM: return lstm_backward<T>(a);
    case RNN_MODE_GRU: return gru_backward<T>(a);
    case RNN_MODE_TANH: return simple_backward<T>(a, false);
    default: return simple_backward<T>(a, true);
  }
}

}  // namespace
}  // namespace rnn

#include "core/api/seq.inc"
