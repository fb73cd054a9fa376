// The per-element semantics of the elementwise primitives, written once for every device (host and
// device code): floats compute in their own type with the exact library functions, int32 computes
// in double and stores with JavaScript's ToInt32, max and min propagate NaN, comparisons give 1/0
// in the operands' dtype. The dispatchers turn a runtime op code into a compile-time one, so each
// device instantiates one straight loop (or kernel) per op.
#pragma once

#include <type_traits>

#include "rnn_native.h"
#include "scalar.h"

namespace rnn {

template <int Op, class F>
RNN_HDI F unary_f(F x) {
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
RNN_HDI T unary_t(T x) {
  if constexpr (std::is_same_v<T, int32_t>) return to_int32(unary_f<Op, double>(static_cast<double>(x)));
  else return unary_f<Op, T>(x);
}

template <int Op, class F>
RNN_HDI F binary_f(F a, F b) {
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
RNN_HDI T binary_t(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return to_int32(binary_f<Op, double>(double(a), double(b)));
  else return binary_f<Op, T>(a, b);
}

// A value of S stored as D (float rounding, or ToInt32 from a float).
template <class D, class S>
RNN_HDI D convert(S x) {
  if constexpr (std::is_same_v<D, int32_t> && !std::is_same_v<S, int32_t>) return to_int32(static_cast<double>(x));
  else return static_cast<D>(x);
}

template <int Op>
using OpCode = std::integral_constant<int, Op>;

// f(OpCode<op>{}) for the op among Ops, each a compile-time constant in f (the caller checks the
// range; an op outside it gets the last one).
template <int... Ops, class F>
int with_op(int op, F&& f) {
  int result = 0;
  const bool found = ((op == Ops && ((result = f(OpCode<Ops>{})), true)) || ...);
  constexpr int ops[] = {Ops...};
  return found ? result : f(OpCode<ops[sizeof...(Ops) - 1]>{});
}

template <class F>
int with_unary_op(int op, F&& f) {
  return with_op<RNN_NEG, RNN_EXP, RNN_LOG, RNN_TANH, RNN_SIGMOID, RNN_RELU, RNN_SQRT, RNN_ABS, RNN_SIGN, RNN_SQUARE,
                 RNN_RECIPROCAL, RNN_STEP>(op, f);
}

template <class F>
int with_binary_op(int op, F&& f) {
  return with_op<RNN_ADD, RNN_SUB, RNN_MUL, RNN_DIV, RNN_MAX, RNN_MIN, RNN_POW, RNN_GT, RNN_GE, RNN_EQ>(op, f);
}

// f((D*)y) for a destination dtype code (checked by the caller).
template <class F>
int with_dst_type(int dtype, void* y, F&& f) {
  switch (dtype) {
    case RNN_F32: return f(static_cast<float*>(y));
    case RNN_F64: return f(static_cast<double*>(y));
    default: return f(static_cast<int32_t*>(y));
  }
}

}  // namespace rnn
