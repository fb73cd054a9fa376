// Elementwise kernels on the GPU: unary ops, broadcasting binary ops, where, cast, fill. The
// per-element semantics (core/elementwise.h) and the C entry points (core/api/elementwise.inc) are
// shared with the CPU library; here each (op, dtype) is one kernel over flat indices, with a
// contiguous fast path and a strided (broadcasting) one.
#include <type_traits>

#include "core/elementwise.h"
#include "core/strided.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

// (nvcc allows no device lambda inside the generic lambdas of with_*_op: each kernel is a function.)
template <int Op, class T>
int unary_op(const T* x, T* y, int64_t n) {
  return for_each_index("rnn_cuda_unary", n, [=] RNN_DL(int64_t i) { y[i] = unary_t<Op, T>(x[i]); });
}

template <class T>
int unary_typed(int op, const T* x, T* y, int64_t n) {
  return with_unary_op(op, [&](auto o) { return unary_op<decltype(o)::value, T>(x, y, n); });
}

template <int Op, class T>
int binary_op(const Strided<2>& it, const T* a, const T* b, T* out, int64_t n) {
  const char* what = "rnn_cuda_binary";
  if (it.contiguous())
    return for_each_index(what, n, [=] RNN_DL(int64_t i) { out[i] = binary_t<Op, T>(a[i], b[i]); });
  return for_each_index(what, n, [=] RNN_DL(int64_t i) {
    int64_t off[2];
    it.offsets(i, off);
    out[i] = binary_t<Op, T>(a[off[0]], b[off[1]]);
  });
}

template <class T>
int binary_typed(int op, const Strided<2>& it, const T* a, const T* b, T* out, int64_t n) {
  return with_binary_op(op, [&](auto o) { return binary_op<decltype(o)::value, T>(it, a, b, out, n); });
}

template <class T>
int where_typed(const Strided<3>& it, const T* c, const T* a, const T* b, T* out, int64_t n) {
  const char* what = "rnn_cuda_where";
  if (it.contiguous())
    return for_each_index(what, n, [=] RNN_DL(int64_t i) { out[i] = c[i] != T(0) ? a[i] : b[i]; });
  return for_each_index(what, n, [=] RNN_DL(int64_t i) {
    int64_t off[3];
    it.offsets(i, off);
    out[i] = c[off[0]] != T(0) ? a[off[1]] : b[off[2]];
  });
}

template <class S, class D>
int cast_op(const S* x, D* y, int64_t n) {
  return for_each_index("rnn_cuda_cast", n, [=] RNN_DL(int64_t i) { y[i] = convert<D, S>(x[i]); });
}

template <class S>
int cast_from(const S* x, int dst, void* y, int64_t n) {
  if (dtype_size(dst) == sizeof(S) && (dst == RNN_I32) == std::is_same_v<S, int32_t>)  // same dtype: a copy
    return dev_d2d(y, x, sizeof(S) * static_cast<size_t>(n), "rnn_cuda_cast");
  return with_dst_type(dst, y, [&](auto* out) { return cast_op(x, out, n); });
}

template <class T>
int fill_typed(T* p, int64_t n, double value) {
  const T v = store_as<T>(value);
  return for_each_index("rnn_cuda_fill", n, [=] RNN_DL(int64_t i) { p[i] = v; });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/elementwise.inc"

using namespace rnn_cuda;

// fill has no CPU twin: host memory is filled by the TypeScript side.
extern "C" int rnn_cuda_fill(int dtype, void* ptr, int64_t n, double value) {
  const char* what = "rnn_cuda_fill";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(valid_dtype(dtype), RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_REQUIRE(n >= 0, RNN_ERR_ARG, "%s: n must be >= 0, got %lld", what, (long long)n);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(ptr, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    if (value == 0.0 && !(1.0 / value < 0)) return dev_zero(ptr, dtype_size(dtype) * static_cast<size_t>(n), what);
    RNN_DISPATCH_ALL(dtype, what, fill_typed<T>(static_cast<T*>(ptr), n, value));
  });
}
