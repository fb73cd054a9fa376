// Scalar math for kernel bodies, host and device: float/double overloads of the libm functions
// (expf vs exp etc.), JavaScript's ToInt32, and the gate nonlinearities. Exact library functions
// everywhere (no fast-math), so the composed and fused paths agree with the CPU backends to a few
// ulp.
#pragma once

#include <math.h>

#include <cstdint>

#include "launch.h"

namespace rnn_cuda {

RNN_HD inline float m_exp(float x) { return expf(x); }
RNN_HD inline double m_exp(double x) { return exp(x); }
RNN_HD inline float m_log(float x) { return logf(x); }
RNN_HD inline double m_log(double x) { return log(x); }
RNN_HD inline float m_tanh(float x) { return tanhf(x); }
RNN_HD inline double m_tanh(double x) { return tanh(x); }
RNN_HD inline float m_sqrt(float x) { return sqrtf(x); }
RNN_HD inline double m_sqrt(double x) { return sqrt(x); }
RNN_HD inline float m_abs(float x) { return fabsf(x); }
RNN_HD inline double m_abs(double x) { return fabs(x); }
RNN_HD inline float m_pow(float a, float b) { return powf(a, b); }
RNN_HD inline double m_pow(double a, double b) { return pow(a, b); }

template <class T>
RNN_HD inline T m_sigmoid(T x) {
  return T(1) / (T(1) + m_exp(-x));
}

// What storing a Number into an Int32Array does: truncate, wrap modulo 2^32, NaN/inf to 0.
RNN_HD inline int32_t to_int32(double v) {
  if (!(v == v) || v == INFINITY || v == -INFINITY) return 0;
  const double t = trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// A double stored into an array of T (float rounding, or ToInt32).
template <class T>
RNN_HD inline T store_as(double v) {
  return static_cast<T>(v);
}
template <>
RNN_HD inline int32_t store_as<int32_t>(double v) {
  return to_int32(v);
}

}  // namespace rnn_cuda
