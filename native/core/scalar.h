// Scalar math every kernel body uses, host and device: float/double overloads of the libm
// functions (expf vs exp...), JavaScript's ToInt32, and the exact sigmoid. Library functions, no
// fast-math, so the composed path of every backend agrees with the others to a few ulp.
#pragma once

#include <math.h>

#include <cstdint>

#include "hd.h"

namespace rnn {

RNN_HDI float m_exp(float x) { return expf(x); }
RNN_HDI double m_exp(double x) { return exp(x); }
RNN_HDI float m_log(float x) { return logf(x); }
RNN_HDI double m_log(double x) { return log(x); }
RNN_HDI float m_tanh(float x) { return tanhf(x); }
RNN_HDI double m_tanh(double x) { return tanh(x); }
RNN_HDI float m_sqrt(float x) { return sqrtf(x); }
RNN_HDI double m_sqrt(double x) { return sqrt(x); }
RNN_HDI float m_abs(float x) { return fabsf(x); }
RNN_HDI double m_abs(double x) { return fabs(x); }
RNN_HDI float m_pow(float a, float b) { return powf(a, b); }
RNN_HDI double m_pow(double a, double b) { return pow(a, b); }

template <class T>
RNN_HDI T m_sigmoid(T x) {
  return T(1) / (T(1) + m_exp(-x));
}

// What storing a Number into an Int32Array does: truncate, wrap modulo 2^32, NaN/inf to 0.
RNN_HDI int32_t to_int32(double v) {
  if (!(v == v) || v == INFINITY || v == -INFINITY) return 0;
  const double t = trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// A double stored into an array of T (float rounding, or ToInt32).
template <class T>
RNN_HDI T store_as(double v) {
  return static_cast<T>(v);
}
template <>
RNN_HDI int32_t store_as<int32_t>(double v) {
  return to_int32(v);
}

// The gate nonlinearities of the cells (cells/*.h), exact: the CUDA kernels and float64 everywhere.
// The CPU's float32 gate loops use the vectorisable approximations of src/fastmath.h instead.
struct ExactAct {
  template <class T>
  RNN_HDI static T sigmoid(T x) {
    return m_sigmoid(x);
  }
  template <class T>
  RNN_HDI static T tanh(T x) {
    return m_tanh(x);
  }
  template <class T>
  RNN_HDI static T exp(T x) {
    return m_exp(x);
  }
};

}  // namespace rnn
