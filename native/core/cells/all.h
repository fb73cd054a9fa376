// Every recurrent cell of the fused sequence kernels, and the dispatch from a mode code to its type.
#pragma once

#include "gru.h"
#include "lstm.h"
#include "simple.h"

namespace rnn {

// f(Cell{}) for the cell of a sequence mode (checked by the caller: rnn_relu otherwise).
template <class F>
int with_cell(int mode, F&& f) {
  switch (mode) {
    case RNN_MODE_LSTM: return f(cells::Lstm{});
    case RNN_MODE_GRU: return f(cells::Gru{});
    case RNN_MODE_TANH: return f(cells::Simple<false>{});
    default: return f(cells::Simple<true>{});
  }
}

}  // namespace rnn
