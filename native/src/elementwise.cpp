// Elementwise kernels: unary ops, broadcasting binary ops, where, cast.
//
// float32/float64 compute in their own type with libm (the fused kernels have their own fast
// nonlinearities; these stay exact so the composed path is the reference). int32 computes in
// double and stores with JavaScript's ToInt32, which is what the TypeScript backend's Int32Array
// stores do, so the two backends agree bit for bit on integers.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "common.h"
#include "strided.h"

namespace rnn {
namespace {

// ---- unary ----

template <class F>
F unary_f(int op, F x) {
  switch (op) {
    case RNN_NEG: return -x;
    case RNN_EXP: return std::exp(x);
    case RNN_LOG: return std::log(x);
    case RNN_TANH: return std::tanh(x);
    case RNN_SIGMOID: return F(1) / (F(1) + std::exp(-x));
    case RNN_RELU: return x <= F(0) ? F(0) : x;  // NaN stays NaN
    case RNN_SQRT: return std::sqrt(x);
    case RNN_ABS: return std::fabs(x);
    case RNN_SIGN: return x > F(0) ? F(1) : (x < F(0) ? F(-1) : x);  // 0, -0 and NaN map to themselves
    case RNN_SQUARE: return x * x;
    case RNN_RECIPROCAL: return F(1) / x;
    default: return x > F(0) ? F(1) : F(0);  // RNN_STEP
  }
}

template <class F, int Op>
void unary_loop(const F* __restrict x, F* __restrict y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = unary_f<F>(Op, x[i]);
}

template <class F>
void unary_float(int op, const F* x, F* y, int64_t n) {
  // One loop per op so each is a straight (vectorisable where libm allows) loop.
  switch (op) {
    case RNN_NEG: return unary_loop<F, RNN_NEG>(x, y, n);
    case RNN_EXP: return unary_loop<F, RNN_EXP>(x, y, n);
    case RNN_LOG: return unary_loop<F, RNN_LOG>(x, y, n);
    case RNN_TANH: return unary_loop<F, RNN_TANH>(x, y, n);
    case RNN_SIGMOID: return unary_loop<F, RNN_SIGMOID>(x, y, n);
    case RNN_RELU: return unary_loop<F, RNN_RELU>(x, y, n);
    case RNN_SQRT: return unary_loop<F, RNN_SQRT>(x, y, n);
    case RNN_ABS: return unary_loop<F, RNN_ABS>(x, y, n);
    case RNN_SIGN: return unary_loop<F, RNN_SIGN>(x, y, n);
    case RNN_SQUARE: return unary_loop<F, RNN_SQUARE>(x, y, n);
    case RNN_RECIPROCAL: return unary_loop<F, RNN_RECIPROCAL>(x, y, n);
    default: return unary_loop<F, RNN_STEP>(x, y, n);
  }
}

template <class T>
int unary_typed(int op, const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, int32_t>) {
    for (int64_t i = 0; i < n; ++i) y[i] = to_int32(unary_f<double>(op, static_cast<double>(x[i])));
  } else {
    unary_float<T>(op, x, y, n);
  }
  return RNN_OK;
}

// ---- binary ----

template <class F>
inline F binary_f(int op, F a, F b) {
  switch (op) {
    case RNN_ADD: return a + b;
    case RNN_SUB: return a - b;
    case RNN_MUL: return a * b;
    case RNN_DIV: return a / b;
    case RNN_MAX: return a != a ? a : (b != b ? b : (a > b ? a : b));
    case RNN_MIN: return a != a ? a : (b != b ? b : (a < b ? a : b));
    case RNN_POW: return std::pow(a, b);
    case RNN_GT: return a > b ? F(1) : F(0);
    case RNN_GE: return a >= b ? F(1) : F(0);
    default: return a == b ? F(1) : F(0);  // RNN_EQ
  }
}

template <class T, int Op>
inline T binary_t(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return to_int32(binary_f<double>(Op, double(a), double(b)));
  else return binary_f<T>(Op, a, b);
}

template <class T, int Op>
void binary_run(const T* a, const T* b, T* __restrict o, int64_t n, int64_t sa, int64_t sb) {
  if (sa == 1 && sb == 1) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<T, Op>(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const T av = a[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<T, Op>(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = b[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<T, Op>(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<T, Op>(a[i * sa], b[i * sb]);
  }
}

template <class T, int Op>
void binary_all(const Strided<2>& it, const T* a, const T* b, T* out) {
  for_each_run<2>(it, [&](const int64_t* off, int64_t o, int64_t n, const int64_t* s) {
    binary_run<T, Op>(a + off[0], b + off[1], out + o, n, s[0], s[1]);
  });
}

template <class T>
int binary_typed(int op, const Strided<2>& it, const T* a, const T* b, T* out) {
  switch (op) {
    case RNN_ADD: binary_all<T, RNN_ADD>(it, a, b, out); break;
    case RNN_SUB: binary_all<T, RNN_SUB>(it, a, b, out); break;
    case RNN_MUL: binary_all<T, RNN_MUL>(it, a, b, out); break;
    case RNN_DIV: binary_all<T, RNN_DIV>(it, a, b, out); break;
    case RNN_MAX: binary_all<T, RNN_MAX>(it, a, b, out); break;
    case RNN_MIN: binary_all<T, RNN_MIN>(it, a, b, out); break;
    case RNN_POW: binary_all<T, RNN_POW>(it, a, b, out); break;
    case RNN_GT: binary_all<T, RNN_GT>(it, a, b, out); break;
    case RNN_GE: binary_all<T, RNN_GE>(it, a, b, out); break;
    default: binary_all<T, RNN_EQ>(it, a, b, out); break;
  }
  return RNN_OK;
}

// ---- where ----

template <class T>
int where_typed(const Strided<3>& it, const T* c, const T* a, const T* b, T* out) {
  for_each_run<3>(it, [&](const int64_t* off, int64_t o, int64_t n, const int64_t* s) {
    const T* cp = c + off[0];
    const T* ap = a + off[1];
    const T* bp = b + off[2];
    T* op = out + o;
    if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) op[i] = cp[i] != T(0) ? ap[i] : bp[i];
    } else {
      for (int64_t i = 0; i < n; ++i) op[i] = cp[i * s[0]] != T(0) ? ap[i * s[1]] : bp[i * s[2]];
    }
  });
  return RNN_OK;
}

// ---- cast ----

template <class S, class D>
void cast_loop(const S* __restrict x, D* __restrict y, int64_t n) {
  if constexpr (std::is_same_v<D, int32_t> && !std::is_same_v<S, int32_t>) {
    for (int64_t i = 0; i < n; ++i) y[i] = to_int32(static_cast<double>(x[i]));
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<D>(x[i]);
  }
}

template <class S>
int cast_from(const S* x, int dst, void* y, int64_t n) {
  switch (dst) {
    case RNN_F32: cast_loop(x, static_cast<float*>(y), n); return RNN_OK;
    case RNN_F64: cast_loop(x, static_cast<double*>(y), n); return RNN_OK;
    default: cast_loop(x, static_cast<int32_t*>(y), n); return RNN_OK;
  }
}

}  // namespace
}  // namespace rnn

using namespace rnn;

extern "C" {

int rnn_unary(int dtype, int op, const void* x, void* y, int64_t n) {
  const char* what = "rnn_unary";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(op >= 0 && op < RNN_UNARY_COUNT, RNN_ERR_ARG, "%s: unknown op code %d", what, op);
    RNN_REQUIRE(n >= 0, RNN_ERR_ARG, "%s: n must be >= 0, got %lld", what, (long long)n);
    RNN_REQUIRE(n == 0 || (x && y), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_DISPATCH_ALL(dtype, what, unary_typed<T>(op, static_cast<const T*>(x), static_cast<T*>(y), n));
  });
}

int rnn_binary(int dtype, int op, const void* a, const int64_t* a_shape, int a_rank, const void* b,
               const int64_t* b_shape, int b_rank, void* out, const int64_t* out_shape, int out_rank) {
  const char* what = "rnn_binary";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(op >= 0 && op < RNN_BINARY_COUNT, RNN_ERR_ARG, "%s: unknown op code %d", what, op);
    const int64_t* shapes[2] = {a_shape, b_shape};
    const int ranks[2] = {a_rank, b_rank};
    Strided<2> it;
    if (int st = make_broadcast<2>(what, shapes, ranks, out_shape, out_rank, &it)) return st;
    if (checked_numel(out_shape, out_rank) == 0) return RNN_OK;
    RNN_REQUIRE(a && b && out, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_DISPATCH_ALL(dtype, what,
                     binary_typed<T>(op, it, static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out)));
  });
}

int rnn_where(int dtype, const void* cond, const int64_t* cond_shape, int cond_rank, const void* a,
              const int64_t* a_shape, int a_rank, const void* b, const int64_t* b_shape, int b_rank, void* out,
              const int64_t* out_shape, int out_rank) {
  const char* what = "rnn_where";
  return guarded(what, [&]() -> int {
    const int64_t* shapes[3] = {cond_shape, a_shape, b_shape};
    const int ranks[3] = {cond_rank, a_rank, b_rank};
    Strided<3> it;
    if (int st = make_broadcast<3>(what, shapes, ranks, out_shape, out_rank, &it)) return st;
    if (checked_numel(out_shape, out_rank) == 0) return RNN_OK;
    RNN_REQUIRE(cond && a && b && out, RNN_ERR_ARG, "%s: null buffer", what);
    RNN_DISPATCH_ALL(dtype, what,
                     where_typed<T>(it, static_cast<const T*>(cond), static_cast<const T*>(a),
                                    static_cast<const T*>(b), static_cast<T*>(out)));
  });
}

int rnn_cast(int src_dtype, const void* x, int dst_dtype, void* y, int64_t n) {
  const char* what = "rnn_cast";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(valid_dtype(dst_dtype), RNN_ERR_ARG, "%s: unknown destination dtype code %d", what, dst_dtype);
    RNN_REQUIRE(n >= 0, RNN_ERR_ARG, "%s: n must be >= 0, got %lld", what, (long long)n);
    RNN_REQUIRE(n == 0 || (x && y), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_DISPATCH_ALL(src_dtype, what, cast_from<T>(static_cast<const T*>(x), dst_dtype, y, n));
  });
}

}  // extern "C"
