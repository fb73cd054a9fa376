// Index arithmetic for broadcasting and layout kernels, host and device.
//
// make_broadcast (host) aligns K operand shapes to the output (NumPy rules, a dim of 1 gets stride
// 0), drops size-1 axes and merges neighbours whose strides chain, so most calls collapse to rank
// 1 (same shape, or a scalar operand) or 2 (a row or column broadcast). A kernel then turns each
// flat output index into K operand offsets (Bcast::offsets).
#pragma once

#include <cstdint>

#include "common.h"
#include "launch.h"

namespace rnn_cuda {

template <int K>
struct Bcast {
  int rank = 1;
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
  // True when every operand is contiguous with the output (offsets are i itself).
  bool contiguous() const {
    if (rank != 1) return false;
    for (int k = 0; k < K; ++k)
      if (stride[k][0] != 1) return false;
    return true;
  }
};

template <int K>
int make_broadcast(const char* what, const int64_t* const shapes[K], const int ranks[K], const int64_t* out_shape,
                   int out_rank, Bcast<K>* it) {
  if (int st = check_shape(what, "output", out_shape, out_rank)) return st;
  int64_t full[K][RNN_MAX_RANK];
  for (int k = 0; k < K; ++k) {
    if (int st = check_shape(what, "operand", shapes[k], ranks[k])) return st;
    RNN_REQUIRE(ranks[k] <= out_rank, RNN_ERR_SHAPE, "%s: operand %d has rank %d, above the output rank %d", what, k,
                ranks[k], out_rank);
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

// A tensor's contiguous strides, and the offset of a flat index under a shape with other strides.
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

}  // namespace rnn_cuda
