// Layout kernels: transpose, slice, pad, concat, gather, scatter-add (semantics:
// native/src/shape_ops.cpp). All but scatter-add only move elements, so they run on 4- or 8-byte
// words whatever the dtype, one thread per output element. Gather and scatter-add check each index
// on the device: one out of range is skipped (gather writes zeros) and recorded in the fault flag,
// which the next synchronisation reports.
#include <cstring>

#include "core/strided.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

// ---- transpose ----

template <class W>
int transpose_words(const W* x, const int64_t* shape, int rank, const int* perm, W* out, int64_t n) {
  int64_t in_stride[RNN_MAX_RANK];
  contiguous_strides(shape, rank, in_stride);
  // Output axes (size, input stride), size-1 axes dropped, chained neighbours merged.
  Walk w;
  for (int i = 0; i < rank; ++i) {
    const int64_t d = shape[perm[i]], s = in_stride[perm[i]];
    if (d == 1) continue;
    if (w.rank > 0 && w.stride[w.rank - 1] == s * d) {
      w.shape[w.rank - 1] *= d;
      w.stride[w.rank - 1] = s;
      continue;
    }
    w.shape[w.rank] = d;
    w.stride[w.rank] = s;
    ++w.rank;
  }
  if (w.rank <= 1) return dev_d2d(out, x, sizeof(W) * static_cast<size_t>(n), "rnn_cuda_transpose");
  return for_each_index("rnn_cuda_transpose", n, [=] RNN_DL(int64_t i) { out[i] = x[w.offset(i)]; });
}

// ---- slice and pad: one thread per output element ----

template <class W>
int slice_words(const W* x, const int64_t* shape, int rank, const int64_t* begin, const int64_t* size, W* out,
                int64_t n) {
  Walk w;  // output coordinates (size) -> input offsets; begin folded into a base offset
  int64_t in_stride[RNN_MAX_RANK];
  contiguous_strides(shape, rank, in_stride);
  int64_t base = 0;
  w.rank = rank;
  for (int d = 0; d < rank; ++d) {
    w.shape[d] = size[d];
    w.stride[d] = in_stride[d];
    base += begin[d] * in_stride[d];
  }
  const W* xb = x + base;
  return for_each_index("rnn_cuda_slice", n, [=] RNN_DL(int64_t i) { out[i] = xb[w.offset(i)]; });
}

struct PadGeom {
  int rank;
  int64_t out_shape[RNN_MAX_RANK], before[RNN_MAX_RANK], in_shape[RNN_MAX_RANK], in_stride[RNN_MAX_RANK];
};

template <class W>
int pad_words(const W* x, const int64_t* shape, int rank, const int64_t* before, const int64_t* out_shape, W* out,
              int64_t n) {
  PadGeom g;
  g.rank = rank;
  for (int d = 0; d < rank; ++d) {
    g.out_shape[d] = out_shape[d];
    g.before[d] = before[d];
    g.in_shape[d] = shape[d];
  }
  contiguous_strides(shape, rank, g.in_stride);
  return for_each_index("rnn_cuda_pad", n, [=] RNN_DL(int64_t i) {
    int64_t rem = i, off = 0;
    bool inside = true;
    for (int d = g.rank - 1; d >= 0; --d) {
      const int64_t c = rem % g.out_shape[d] - g.before[d];
      rem /= g.out_shape[d];
      if (c < 0 || c >= g.in_shape[d]) inside = false;
      off += c * g.in_stride[d];
    }
    out[i] = inside ? x[off] : W(0);
  });
}

// ---- concat: one launch per input, each element to its place in the output ----

template <class W>
int concat_words(const W* const* xs, const int64_t* sizes, int n, int64_t outer, int64_t inner, W* out) {
  int64_t total = 0;
  for (int k = 0; k < n; ++k) total += sizes[k];
  int64_t at = 0;
  for (int k = 0; k < n; ++k) {
    const int64_t run = sizes[k] * inner, row = total * inner, start = at * inner;
    const W* x = xs[k];
    at += sizes[k];
    if (run == 0) continue;
    RNN_TRY(for_each_index("rnn_cuda_concat", outer * run, [=] RNN_DL(int64_t e) {
      const int64_t o = e / run;
      out[o * row + start + (e - o * run)] = x[e];
    }));
  }
  return RNN_OK;
}

// ---- gather / scatter-add ----

template <class W>
int gather_words(const W* x, int64_t rows, int64_t row, const int32_t* idx, int64_t n, W* out) {
  int* fault = fault_flag();
  return for_each_index("rnn_cuda_gather", n * row, [=] RNN_DL(int64_t e) {
    const int64_t i = e / row, j = e - i * row;
    const int64_t r = idx[i];
    if (r < 0 || r >= rows) {
      record_fault(fault, kFaultGather);
      out[e] = W(0);
      return;
    }
    out[e] = x[r * row + j];
  });
}

template <class T>
int scatter_typed(const int32_t* idx, int64_t n, const T* upd, int64_t row, int64_t num_rows, T* out) {
  RNN_TRY(dev_zero(out, sizeof(T) * static_cast<size_t>(num_rows * row), "rnn_cuda_scatter_add"));
  int* fault = fault_flag();
  // Atomic adds: repeated indices sum in an unspecified order (floats may differ in the last bit).
  return for_each_index("rnn_cuda_scatter_add", n * row, [=] RNN_DL(int64_t e) {
    const int64_t i = e / row, j = e - i * row;
    const int64_t r = idx[i];
    if (r < 0 || r >= num_rows) {
      record_fault(fault, kFaultScatter);
      return;
    }
    atomic_add(out + r * row + j, upd[e]);
  });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/shape_ops.inc"
