// Scalar math every kernel body uses, host and device: float/double overloads of the libm
// functions (expf vs exp...), JavaScript's ToInt32, and the exact sigmoid. Library functions (and a
// correctly rounded float tanh), no fast-math, so the composed path of every backend agrees with the
// others to a few ulp.
#pragma once

#include <math.h>
#include <string.h>

#include <cstdint>

#include "hd.h"

namespace rnn {

RNN_HDI float m_exp(float x) { return expf(x); }
RNN_HDI double m_exp(double x) { return exp(x); }
RNN_HDI float m_log(float x) { return logf(x); }
RNN_HDI double m_log(double x) { return log(x); }
#if !defined(__CUDA_ARCH__)
// e^y for 0 ≤ y ≤ 41 (or NaN) in double: y = k·ln2 + r, |r| ≤ ln2/2, a degree-12 Taylor polynomial
// of e^r (error below 2e-16) times 2^k built in the exponent bits. Branch-free, so it vectorises.
RNN_HDI double exp_small_nonneg(double y) {
  const double shift = 6755399441055744.0;  // 1.5·2^52: adding it rounds to an integer in the low bits
  double kd = y * 1.4426950408889634 + shift;
  uint64_t kb;
  memcpy(&kb, &kd, sizeof kb);
  kd -= shift;
  const double r = (y - kd * 0.6931471805598903) - kd * 5.497923018708371e-14;  // ln2 split hi + lo
  double p = 1.0 / 479001600;
  p = p * r + 1.0 / 39916800;
  p = p * r + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const uint64_t eb = (kb + 1023) << 52;  // the low bits of kb hold k (0 ≤ k ≤ 60)
  double scale;
  memcpy(&scale, &eb, sizeof scale);
  return p * scale;
}
#endif

// tanh of a float, correctly rounded: evaluated in double and rounded once — an odd series to x⁹
// below |x| = 1/16, else 1 − 2/(e^{2|x|} + 1), the sign copied back (so −0, ±inf and NaN come out
// as tanhf gives them). Over all 2^32 floats it equals (float)tanh((double)x) everywhere, where
// glibc's tanhf is 1 ulp off on 118 M of them (checked exhaustively when this was written; the
// native tests check a sweep of 2^24 values), and being branch-free it vectorises: about 6× tanhf
// in the elementwise loop with AVX2. The CUDA kernels keep the device's tanhf.
RNN_HDI float m_tanh(float x) {
#if defined(__CUDA_ARCH__)
  return tanhf(x);
#else
  const double xd = x;
  double a = fabs(xd);
  a = a > 20.0 ? 20.0 : a;  // tanh is 1 in float long before; NaN passes (the comparison is false)
  const double a2 = a * a;
  const double series =
      a + a * a2 * (-1.0 / 3 + a2 * (2.0 / 15 + a2 * (-17.0 / 315 + a2 * (62.0 / 2835 + a2 * (-1382.0 / 155925)))));
  const double big = 1.0 - 2.0 / (exp_small_nonneg(2.0 * a) + 1.0);
  return static_cast<float>(copysign(a < 0.0625 ? series : big, xd));
#endif
}
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
