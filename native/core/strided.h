// Strided N-d iteration for broadcasting kernels: K input operands against a contiguous output.
//
// make_broadcast (host) aligns the operand shapes to the output's (NumPy: a dim of 1 gets stride
// 0), drops size-1 axes and merges neighbours whose strides chain, so the common cases collapse to
// one long run (same shape), a run with a stride-0 operand (scalar or row broadcast), or a few
// nested runs. The CPU walks runs (for_each_run: inner loops it can vectorise); a GPU thread turns
// its flat output index into operand offsets (offsets, RNN_HD).
#pragma once

#include <cstdint>

#include "errors.h"
#include "hd.h"

namespace rnn {

template <int K>
struct Strided {
  int rank = 1;  // >= 1 after make_broadcast
  int64_t shape[RNN_MAX_RANK];
  int64_t stride[K][RNN_MAX_RANK];

  // Offsets into each operand of output element i.
  RNN_HD void offsets(int64_t i, int64_t* off) const {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t n = shape[d];
      const int64_t c = i % n;
      i /= n;
      for (int k = 0; k < K; ++k) off[k] += c * stride[k][d];
    }
  }
  // True when every operand is contiguous with the output (its offsets are i itself).
  bool contiguous() const {
    if (rank != 1) return false;
    for (int k = 0; k < K; ++k)
      if (stride[k][0] != 1) return false;
    return true;
  }
};

template <int K>
int make_broadcast(const char* what, const int64_t* const shapes[K], const int ranks[K], const int64_t* out_shape,
                   int out_rank, Strided<K>* it) {
  RNN_TRY(check_shape(what, "output", out_shape, out_rank));
  int64_t full[K][RNN_MAX_RANK];
  for (int k = 0; k < K; ++k) {
    RNN_TRY(check_shape(what, "operand", shapes[k], ranks[k]));
    RNN_REQUIRE(ranks[k] <= out_rank, RNN_ERR_SHAPE, "%s: operand %d has rank %d, above the output rank %d", what, k,
                ranks[k], out_rank);
    // Contiguous strides of operand k, aligned to the output's axes.
    int64_t s = 1;
    for (int d = out_rank - 1; d >= 0; --d) {
      const int src = d - (out_rank - ranks[k]);
      if (src < 0) {
        full[k][d] = 0;
        continue;
      }
      const int64_t dim = shapes[k][src];
      RNN_REQUIRE(dim == out_shape[d] || dim == 1, RNN_ERR_SHAPE,
                  "%s: operand %d dim %lld at axis %d does not broadcast to the output dim %lld", what, k,
                  (long long)dim, src, (long long)out_shape[d]);
      full[k][d] = dim == 1 ? 0 : s;
      s *= dim;
    }
  }
  // Drop size-1 axes, then merge axis d into d+1 where every operand's strides chain.
  int r = 0;
  for (int d = 0; d < out_rank; ++d) {
    if (out_shape[d] == 1) continue;
    if (r > 0) {
      bool chain = true;
      for (int k = 0; k < K; ++k) chain = chain && it->stride[k][r - 1] == full[k][d] * out_shape[d];
      if (chain) {
        it->shape[r - 1] *= out_shape[d];
        for (int k = 0; k < K; ++k) it->stride[k][r - 1] = full[k][d];
        continue;
      }
    }
    it->shape[r] = out_shape[d];
    for (int k = 0; k < K; ++k) it->stride[k][r] = full[k][d];
    ++r;
  }
  if (r == 0) {  // a scalar (or all-ones) output
    it->shape[0] = 1;
    for (int k = 0; k < K; ++k) it->stride[k][0] = 0;
    r = 1;
  }
  it->rank = r;
  return RNN_OK;
}

// Calls run(off[K], out_off, n, inner_stride[K]) for each innermost run, in output order (host).
template <int K, class Run>
void for_each_run(const Strided<K>& it, Run&& run) {
  const int r = it.rank;
  const int64_t n = it.shape[r - 1];
  int64_t inner[K];
  for (int k = 0; k < K; ++k) inner[k] = it.stride[k][r - 1];
  for (int d = 0; d < r; ++d)
    if (it.shape[d] == 0) return;
  int64_t idx[RNN_MAX_RANK] = {0};
  int64_t off[K] = {0};
  int64_t out = 0;
  for (;;) {
    run(off, out, n, inner);
    out += n;
    int d = r - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < K; ++k) off[k] += it.stride[k][d];
      if (idx[d] < it.shape[d]) break;
      for (int k = 0; k < K; ++k) off[k] -= it.stride[k][d] * it.shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// A shape with arbitrary strides: the offset of a flat (row-major) index under it.
struct Walk {
  int rank = 0;
  int64_t shape[RNN_MAX_RANK];
  int64_t stride[RNN_MAX_RANK];

  RNN_HD int64_t offset(int64_t i) const {
    int64_t off = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t c = i % shape[d];
      i /= shape[d];
      off += c * stride[d];
    }
    return off;
  }
};

inline void contiguous_strides(const int64_t* shape, int rank, int64_t* stride) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    stride[d] = s;
    s *= shape[d];
  }
}

}  // namespace rnn
