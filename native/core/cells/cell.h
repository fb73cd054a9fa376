// What every recurrent cell of the fused sequence kernels declares, and the one gate-count table.
//
// A cell is a struct of constants and two RNN_HDI functions over ONE hidden unit j of one batch
// row (lstm.h, gru.h, simple.h): the CPU calls them from a vectorised loop over j, a CUDA thread
// calls them for its own (b, j). Pointers are rows: gx/gates [G*H] (one (b, t) row; gx and gates
// may be the same row: a cell reads all of its inputs before it writes), gh [G*H] (this batch row's
// recurrent projection h W_hh^T), h/c [H] (state, updated in place), extra [H] (kept for backward),
// dgs [G*H] (this step's gate gradients for the dh gemm), dg_all [GC*H] (kept for the weight
// gradients). `Act` supplies sigmoid and tanh (exact, or the CPU's float32 approximations).
#pragma once

#include <cstdint>

#include "../hd.h"
#include "rnn_native.h"

namespace rnn {

// Which column blocks of dG_all (units of H) feed which row blocks of W_ih (units of H).
struct InBlock {
  int src, dst, rows;
};

// The constants a cell declares: its gates G per hidden unit, the H-blocks GC of its kept gate
// gradients dG_all, whether it carries a cell state (lstm's c), whether it keeps an `extra` row per
// step for backward. A cell adds kIn: which dG_all blocks feed which W_ih row blocks.
template <int Gates, int GradBlocks, bool CellState, bool Extra>
struct CellShape {
  static constexpr int G = Gates, GC = GradBlocks;
  static constexpr bool kCell = CellState, kExtra = Extra;
};

// Gates per mode (PyTorch's layouts): rnn_tanh/rnn_relu 1, lstm 4 (i, f, g, o), gru 3 (r, z, n);
// 0 for an unknown mode. TypeScript's twin is GATES in packages/core/src/backend.ts.
inline int gates_of(int mode) {
  switch (mode) {
    case RNN_MODE_TANH:
    case RNN_MODE_RELU: return 1;
    case RNN_MODE_LSTM: return 4;
    case RNN_MODE_GRU: return 3;
    default: return 0;
  }
}

// Elements of the sequence reserve per (b, t, h): the gates, h_prev, and lstm's c / gru's hn.
inline int seq_reserve_per(int mode) {
  return gates_of(mode) + 1 + (mode == RNN_MODE_LSTM || mode == RNN_MODE_GRU ? 1 : 0);
}

// The Tree-LSTM level: gates i, fl, fr, o, u; reserve = gates and c per node.
constexpr int kTreeGates = 5;
constexpr int kTreeReservePer = kTreeGates + 1;

}  // namespace rnn
