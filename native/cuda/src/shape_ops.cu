// Layout kernels: transpose, slice, pad, concat, gather, scatter-add (semantics:
// native/src/shape_ops.cpp). All but scatter-add only move elements, so they run on 4- or 8-byte
// words whatever the dtype, one thread per output element. Gather and scatter-add check each index
// on the device: one out of range is skipped (gather writes zeros) and recorded in the fault flag,
// which the next synchronisation reports.
#include <cstring>

#include "scalar.h"
#include "strided.h"

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
int pad_words(const W* x, const PadGeom& g, W* out, int64_t n) {
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

using namespace rnn_cuda;

extern "C" {

int rnn_cuda_transpose(int dtype, const void* x, const int64_t* shape, int rank, const int* perm, void* out) {
  const char* what = "rnn_cuda_transpose";
  return guarded(what, [&]() -> int {
    const size_t es = dtype_size(dtype);
    RNN_REQUIRE(es, RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_TRY(check_shape(what, "x", shape, rank));
    bool seen[RNN_MAX_RANK] = {false};
    for (int i = 0; i < rank; ++i) {
      RNN_REQUIRE(perm && perm[i] >= 0 && perm[i] < rank && !seen[perm[i]], RNN_ERR_ARG,
                  "%s: perm is not a permutation of 0..%d", what, rank - 1);
      seen[perm[i]] = true;
    }
    const int64_t n = checked_numel(shape, rank);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(x && out, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    if (es == 4)
      return transpose_words(static_cast<const uint32_t*>(x), shape, rank, perm, static_cast<uint32_t*>(out), n);
    return transpose_words(static_cast<const uint64_t*>(x), shape, rank, perm, static_cast<uint64_t*>(out), n);
  });
}

int rnn_cuda_slice(int dtype, const void* x, const int64_t* shape, int rank, const int64_t* begin,
                   const int64_t* size, void* out) {
  const char* what = "rnn_cuda_slice";
  return guarded(what, [&]() -> int {
    const size_t es = dtype_size(dtype);
    RNN_REQUIRE(es, RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_TRY(check_shape(what, "x", shape, rank));
    RNN_REQUIRE(rank == 0 || (begin && size), RNN_ERR_ARG, "%s: begin/size are null", what);
    for (int d = 0; d < rank; ++d)
      RNN_REQUIRE(begin[d] >= 0 && size[d] >= 0 && begin[d] <= shape[d] && size[d] <= shape[d] - begin[d],
                  RNN_ERR_INDEX, "%s: axis %d: begin %lld + size %lld exceeds the dim %lld", what, d,
                  (long long)begin[d], (long long)size[d], (long long)shape[d]);
    const int64_t n = checked_numel(size, rank);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(x && out, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    if (es == 4)
      return slice_words(static_cast<const uint32_t*>(x), shape, rank, begin, size, static_cast<uint32_t*>(out), n);
    return slice_words(static_cast<const uint64_t*>(x), shape, rank, begin, size, static_cast<uint64_t*>(out), n);
  });
}

int rnn_cuda_pad(int dtype, const void* x, const int64_t* shape, int rank, const int64_t* before,
                 const int64_t* after, void* out) {
  const char* what = "rnn_cuda_pad";
  return guarded(what, [&]() -> int {
    const size_t es = dtype_size(dtype);
    RNN_REQUIRE(es, RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_TRY(check_shape(what, "x", shape, rank));
    RNN_REQUIRE(rank == 0 || (before && after), RNN_ERR_ARG, "%s: before/after are null", what);
    PadGeom g;
    g.rank = rank;
    for (int d = 0; d < rank; ++d) {
      RNN_REQUIRE(before[d] >= 0 && after[d] >= 0 && before[d] <= (int64_t(1) << 40) && after[d] <= (int64_t(1) << 40),
                  RNN_ERR_ARG, "%s: axis %d: padding (%lld, %lld) must be in 0..2^40", what, d, (long long)before[d],
                  (long long)after[d]);
      g.out_shape[d] = shape[d] + before[d] + after[d];
      g.before[d] = before[d];
      g.in_shape[d] = shape[d];
    }
    contiguous_strides(shape, rank, g.in_stride);
    const int64_t n = checked_numel(g.out_shape, rank);
    RNN_REQUIRE(n >= 0, RNN_ERR_SHAPE, "%s: output too large", what);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(out && (x || checked_numel(shape, rank) == 0), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    if (es == 4) return pad_words(static_cast<const uint32_t*>(x), g, static_cast<uint32_t*>(out), n);
    return pad_words(static_cast<const uint64_t*>(x), g, static_cast<uint64_t*>(out), n);
  });
}

int rnn_cuda_concat(int dtype, const void* const* xs, const int64_t* axis_sizes, int n, int64_t outer, int64_t inner,
                    void* out) {
  const char* what = "rnn_cuda_concat";
  return guarded(what, [&]() -> int {
    const size_t es = dtype_size(dtype);
    RNN_REQUIRE(es, RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_REQUIRE(n >= 0 && outer >= 0 && inner >= 0 && (n == 0 || (xs && axis_sizes)), RNN_ERR_ARG,
                "%s: bad arguments", what);
    int64_t total = 0;
    for (int k = 0; k < n; ++k) {
      RNN_REQUIRE(axis_sizes[k] >= 0 && axis_sizes[k] <= (int64_t(1) << 40), RNN_ERR_ARG,
                  "%s: input %d has an axis size out of range", what, k);
      RNN_REQUIRE(xs[k] || axis_sizes[k] * outer * inner == 0, RNN_ERR_ARG, "%s: input %d is null", what, k);
      total += axis_sizes[k];
    }
    const int64_t dims[3] = {outer, total, inner};
    RNN_REQUIRE(checked_numel(dims, 3) >= 0, RNN_ERR_SHAPE, "%s: output too large", what);
    if (total * outer * inner == 0) return RNN_OK;
    RNN_REQUIRE(out, RNN_ERR_ARG, "%s: null output", what);
    RNN_TRY(require_init(what));
    if (es == 4)
      return concat_words(reinterpret_cast<const uint32_t* const*>(xs), axis_sizes, n, outer, inner,
                          static_cast<uint32_t*>(out));
    return concat_words(reinterpret_cast<const uint64_t* const*>(xs), axis_sizes, n, outer, inner,
                        static_cast<uint64_t*>(out));
  });
}

int rnn_cuda_gather(int dtype, const void* x, int64_t rows, int64_t row_size, const int32_t* idx, int64_t n,
                    void* out) {
  const char* what = "rnn_cuda_gather";
  return guarded(what, [&]() -> int {
    const size_t es = dtype_size(dtype);
    RNN_REQUIRE(es, RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_REQUIRE(rows >= 0 && row_size >= 0 && n >= 0, RNN_ERR_ARG, "%s: negative size", what);
    const int64_t dims[2] = {n, row_size};
    RNN_REQUIRE(checked_numel(dims, 2) >= 0, RNN_ERR_SHAPE, "%s: output too large", what);
    if (n * row_size == 0) return RNN_OK;
    RNN_REQUIRE(idx && out && (x || rows == 0), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    if (es == 4)
      return gather_words(static_cast<const uint32_t*>(x), rows, row_size, idx, n, static_cast<uint32_t*>(out));
    return gather_words(static_cast<const uint64_t*>(x), rows, row_size, idx, n, static_cast<uint64_t*>(out));
  });
}

int rnn_cuda_scatter_add(int dtype, const int32_t* idx, int64_t n, const void* updates, int64_t row_size,
                         int64_t num_rows, void* out) {
  const char* what = "rnn_cuda_scatter_add";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(valid_dtype(dtype), RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_REQUIRE(n >= 0 && row_size >= 0 && num_rows >= 0, RNN_ERR_ARG, "%s: negative size", what);
    const int64_t dims[2] = {num_rows, row_size}, udims[2] = {n, row_size};
    RNN_REQUIRE(checked_numel(dims, 2) >= 0 && checked_numel(udims, 2) >= 0, RNN_ERR_SHAPE, "%s: too large", what);
    if (num_rows * row_size == 0) return RNN_OK;
    RNN_REQUIRE(out && ((idx && updates) || n == 0), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    RNN_DISPATCH_ALL(dtype, what,
                     scatter_typed<T>(idx, n, static_cast<const T*>(updates), row_size, num_rows,
                                      static_cast<T*>(out)));
  });
}

}  // extern "C"
