// Elman RNN (tanh or relu) on the CPU: the shared cell (core/cells/simple.h) in the time loop of
// rnn_sequence.h.
#include "core/cells/simple.h"
#include "rnn_sequence.h"

namespace rnn {

RNN_CPU_CELL_ROWS(cells::Simple<false>, simple_tanh)
RNN_CPU_CELL_ROWS(cells::Simple<true>, simple_relu)

template <class T>
int simple(const SeqFwd<T>& a, bool relu) {
  return relu ? seq_forward<cells::Simple<true>, T>(a) : seq_forward<cells::Simple<false>, T>(a);
}
template <class T>
int simple(const SeqBwd<T>& a, bool relu) {
  return relu ? seq_backward<cells::Simple<true>, T>(a) : seq_backward<cells::Simple<false>, T>(a);
}
template int simple<float>(const SeqFwd<float>&, bool);
template int simple<double>(const SeqFwd<double>&, bool);
template int simple<float>(const SeqBwd<float>&, bool);
template int simple<double>(const SeqBwd<double>&, bool);

}  // namespace rnn
