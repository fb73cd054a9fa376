// Gate nonlinearities for the fused kernels.
//
// float: branch-free Cephes-style polynomials written in plain arithmetic, so the compiler can
// vectorise the gate loops (libm's expf/tanhf are scalar calls and would dominate the step time).
// Error is within a few ulp of libm over the whole range; inputs beyond about +-87 saturate.
// double: libm, exactly as the composed (primitive) path computes, for gradient checks.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace rnn {

inline float exp_approx(float x) {
  // Clamp so that 2^k stays a normal float; NaN passes through both comparisons.
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // k = round(x / ln 2) by the 1.5 * 2^23 trick (exact without -ffast-math).
  float k = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

inline float tanh_approx(float x) {
  float a = x < 0.0f ? -x : x;
  // Small |x|: odd polynomial (no cancellation); large: 1 - 2 / (e^{2|x|} + 1).
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = p * z * x + x;
  float big = 1.0f - 2.0f / (exp_approx(2.0f * a) + 1.0f);
  big = x < 0.0f ? -big : big;
  return a < 0.625f ? small : big;
}

inline double exp_approx(double x) { return std::exp(x); }
inline double sigmoid_approx(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh_approx(double x) { return std::tanh(x); }

template <class T>
inline T act_sigmoid(T x) { return sigmoid_approx(x); }
template <class T>
inline T act_tanh(T x) { return tanh_approx(x); }

// The activations the CPU runs the shared cell equations (core/cells) with; CUDA uses ExactAct.
struct FastAct {
  template <class T>
  static inline T sigmoid(T x) { return sigmoid_approx(x); }
  template <class T>
  static inline T tanh(T x) { return tanh_approx(x); }
  template <class T>
  static inline T exp(T x) { return exp_approx(x); }
};

}  // namespace rnn
