// Elementwise kernels: unary ops, broadcasting binary ops, where, cast, fill.
//
// Semantics are rnn_native's (native/src/elementwise.cpp): floats compute in their own type with
// the exact library functions, int32 computes in double and stores with JavaScript's ToInt32, max
// and min propagate NaN, comparisons give 1/0 in the operands' dtype. One kernel per (op, dtype);
// binary and where have a contiguous fast path and a strided (broadcasting) one.
#include <type_traits>

#include "scalar.h"
#include "strided.h"

namespace rnn_cuda {
namespace {

// ---- unary ----

template <int Op, class F>
RNN_HD inline F unary_f(F x) {
  switch (Op) {
    case RNN_NEG: return -x;
    case RNN_EXP: return m_exp(x);
    case RNN_LOG: return m_log(x);
    case RNN_TANH: return m_tanh(x);
    case RNN_SIGMOID: return m_sigmoid(x);
    case RNN_RELU: return x <= F(0) ? F(0) : x;  // NaN stays NaN
    case RNN_SQRT: return m_sqrt(x);
    case RNN_ABS: return m_abs(x);
    case RNN_SIGN: return x > F(0) ? F(1) : (x < F(0) ? F(-1) : x);  // 0, -0 and NaN map to themselves
    case RNN_SQUARE: return x * x;
    case RNN_RECIPROCAL: return F(1) / x;
    default: return x > F(0) ? F(1) : F(0);  // RNN_STEP
  }
}

template <int Op, class T>
RNN_HD inline T unary_t(T x) {
  if constexpr (std::is_same_v<T, int32_t>) return to_int32(unary_f<Op, double>(static_cast<double>(x)));
  else return unary_f<Op, T>(x);
}

template <int Op, class T>
int unary_op(const T* x, T* y, int64_t n) {
  return for_each_index("rnn_cuda_unary", n, [=] RNN_DL(int64_t i) { y[i] = unary_t<Op, T>(x[i]); });
}

template <class T>
int unary_typed(int op, const T* x, T* y, int64_t n) {
  switch (op) {
    case RNN_NEG: return unary_op<RNN_NEG, T>(x, y, n);
    case RNN_EXP: return unary_op<RNN_EXP, T>(x, y, n);
    case RNN_LOG: return unary_op<RNN_LOG, T>(x, y, n);
    case RNN_TANH: return unary_op<RNN_TANH, T>(x, y, n);
    case RNN_SIGMOID: return unary_op<RNN_SIGMOID, T>(x, y, n);
    case RNN_RELU: return unary_op<RNN_RELU, T>(x, y, n);
    case RNN_SQRT: return unary_op<RNN_SQRT, T>(x, y, n);
    case RNN_ABS: return unary_op<RNN_ABS, T>(x, y, n);
    case RNN_SIGN: return unary_op<RNN_SIGN, T>(x, y, n);
    case RNN_SQUARE: return unary_op<RNN_SQUARE, T>(x, y, n);
    case RNN_RECIPROCAL: return unary_op<RNN_RECIPROCAL, T>(x, y, n);
    default: return unary_op<RNN_STEP, T>(x, y, n);
  }
}

// ---- binary ----

template <int Op, class F>
RNN_HD inline F binary_f(F a, F b) {
  switch (Op) {
    case RNN_ADD: return a + b;
    case RNN_SUB: return a - b;
    case RNN_MUL: return a * b;
    case RNN_DIV: return a / b;
    case RNN_MAX: return a != a ? a : (b != b ? b : (a > b ? a : b));
    case RNN_MIN: return a != a ? a : (b != b ? b : (a < b ? a : b));
    case RNN_POW: return m_pow(a, b);
    case RNN_GT: return a > b ? F(1) : F(0);
    case RNN_GE: return a >= b ? F(1) : F(0);
    default: return a == b ? F(1) : F(0);  // RNN_EQ
  }
}

template <int Op, class T>
RNN_HD inline T binary_t(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return to_int32(binary_f<Op, double>(double(a), double(b)));
  else return binary_f<Op, T>(a, b);
}

template <int Op, class T>
int binary_op(const Bcast<2>& it, const T* a, const T* b, T* out, int64_t n) {
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
int binary_typed(int op, const Bcast<2>& it, const T* a, const T* b, T* out, int64_t n) {
  switch (op) {
    case RNN_ADD: return binary_op<RNN_ADD, T>(it, a, b, out, n);
    case RNN_SUB: return binary_op<RNN_SUB, T>(it, a, b, out, n);
    case RNN_MUL: return binary_op<RNN_MUL, T>(it, a, b, out, n);
    case RNN_DIV: return binary_op<RNN_DIV, T>(it, a, b, out, n);
    case RNN_MAX: return binary_op<RNN_MAX, T>(it, a, b, out, n);
    case RNN_MIN: return binary_op<RNN_MIN, T>(it, a, b, out, n);
    case RNN_POW: return binary_op<RNN_POW, T>(it, a, b, out, n);
    case RNN_GT: return binary_op<RNN_GT, T>(it, a, b, out, n);
    case RNN_GE: return binary_op<RNN_GE, T>(it, a, b, out, n);
    default: return binary_op<RNN_EQ, T>(it, a, b, out, n);
  }
}

// ---- where ----

template <class T>
int where_typed(const Bcast<3>& it, const T* c, const T* a, const T* b, T* out, int64_t n) {
  const char* what = "rnn_cuda_where";
  if (it.contiguous())
    return for_each_index(what, n, [=] RNN_DL(int64_t i) { out[i] = c[i] != T(0) ? a[i] : b[i]; });
  return for_each_index(what, n, [=] RNN_DL(int64_t i) {
    int64_t off[3];
    it.offsets(i, off);
    out[i] = c[off[0]] != T(0) ? a[off[1]] : b[off[2]];
  });
}

// ---- cast, fill ----

template <class D, class S>
RNN_HD inline D convert(S x) {
  if constexpr (std::is_same_v<D, int32_t>) return to_int32(static_cast<double>(x));
  else return static_cast<D>(x);
}

template <class S, class D>
int cast_op(const S* x, D* y, int64_t n) {
  return for_each_index("rnn_cuda_cast", n, [=] RNN_DL(int64_t i) { y[i] = convert<D, S>(x[i]); });
}

template <class S>
int cast_from(const S* x, int dst, void* y, int64_t n) {
  switch (dst) {
    case RNN_F32: return cast_op(x, static_cast<float*>(y), n);
    case RNN_F64: return cast_op(x, static_cast<double*>(y), n);
    default: return cast_op(x, static_cast<int32_t*>(y), n);
  }
}

template <class T>
int fill_typed(T* p, int64_t n, double value) {
  const T v = store_as<T>(value);
  return for_each_index("rnn_cuda_fill", n, [=] RNN_DL(int64_t i) { p[i] = v; });
}

}  // namespace
}  // namespace rnn_cuda

using namespace rnn_cuda;

extern "C" {

int rnn_cuda_unary(int dtype, int op, const void* x, void* y, int64_t n) {
  const char* what = "rnn_cuda_unary";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(op >= 0 && op < RNN_UNARY_COUNT, RNN_ERR_ARG, "%s: unknown op code %d", what, op);
    RNN_REQUIRE(valid_dtype(dtype), RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_REQUIRE(n >= 0, RNN_ERR_ARG, "%s: n must be >= 0, got %lld", what, (long long)n);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(x && y, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    RNN_DISPATCH_ALL(dtype, what, unary_typed<T>(op, static_cast<const T*>(x), static_cast<T*>(y), n));
  });
}

int rnn_cuda_binary(int dtype, int op, const void* a, const int64_t* a_shape, int a_rank, const void* b,
                    const int64_t* b_shape, int b_rank, void* out, const int64_t* out_shape, int out_rank) {
  const char* what = "rnn_cuda_binary";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(op >= 0 && op < RNN_BINARY_COUNT, RNN_ERR_ARG, "%s: unknown op code %d", what, op);
    RNN_REQUIRE(valid_dtype(dtype), RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    const int64_t* shapes[2] = {a_shape, b_shape};
    const int ranks[2] = {a_rank, b_rank};
    Bcast<2> it;
    RNN_TRY(make_broadcast<2>(what, shapes, ranks, out_shape, out_rank, &it));
    const int64_t n = checked_numel(out_shape, out_rank);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(a && b && out, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    RNN_DISPATCH_ALL(dtype, what,
                     binary_typed<T>(op, it, static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out),
                                     n));
  });
}

int rnn_cuda_where(int dtype, const void* cond, const int64_t* cond_shape, int cond_rank, const void* a,
                   const int64_t* a_shape, int a_rank, const void* b, const int64_t* b_shape, int b_rank, void* out,
                   const int64_t* out_shape, int out_rank) {
  const char* what = "rnn_cuda_where";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(valid_dtype(dtype), RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    const int64_t* shapes[3] = {cond_shape, a_shape, b_shape};
    const int ranks[3] = {cond_rank, a_rank, b_rank};
    Bcast<3> it;
    RNN_TRY(make_broadcast<3>(what, shapes, ranks, out_shape, out_rank, &it));
    const int64_t n = checked_numel(out_shape, out_rank);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(cond && a && b && out, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    RNN_DISPATCH_ALL(dtype, what,
                     where_typed<T>(it, static_cast<const T*>(cond), static_cast<const T*>(a),
                                    static_cast<const T*>(b), static_cast<T*>(out), n));
  });
}

int rnn_cuda_cast(int src_dtype, const void* x, int dst_dtype, void* y, int64_t n) {
  const char* what = "rnn_cuda_cast";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(valid_dtype(src_dtype), RNN_ERR_ARG, "%s: unknown source dtype code %d", what, src_dtype);
    RNN_REQUIRE(valid_dtype(dst_dtype), RNN_ERR_ARG, "%s: unknown destination dtype code %d", what, dst_dtype);
    RNN_REQUIRE(n >= 0, RNN_ERR_ARG, "%s: n must be >= 0, got %lld", what, (long long)n);
    if (n == 0) return RNN_OK;
    RNN_REQUIRE(x && y, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    if (src_dtype == dst_dtype) return dev_d2d(y, x, dtype_size(src_dtype) * static_cast<size_t>(n), what);
    RNN_DISPATCH_ALL(src_dtype, what, cast_from<T>(static_cast<const T*>(x), dst_dtype, y, n));
  });
}

int rnn_cuda_fill(int dtype, void* ptr, int64_t n, double value) {
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

}  // extern "C"
