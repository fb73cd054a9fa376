// Adam / AdamW, PyTorch's update rule (torch.optim.Adam / AdamW, non-amsgrad):
//   AdamW: p = p * (1 - lr*wd)          Adam: g = g + wd*p
//   m = b1*m + (1-b1)*g,  v = b2*v + (1-b2)*g^2
//   p = p - (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
// Each element is computed in double and rounded once when stored, like the TypeScript backend, so
// every backend agrees to the last bit up to the rounding of sqrt and division.
#pragma once

#include <math.h>

#include <cstdint>

#include "hd.h"
#include "rnn_native.h"

namespace rnn {

// The per-call constants of one step.
struct AdamStep {
  double b1, b2, eps, step_size, sqrt_bc2, decay, l2;

  explicit AdamStep(const rnn_adam_params& hp)
      : b1(hp.beta1),
        b2(hp.beta2),
        eps(hp.eps),
        step_size(hp.lr / (1.0 - pow(hp.beta1, static_cast<double>(hp.step)))),
        sqrt_bc2(sqrt(1.0 - pow(hp.beta2, static_cast<double>(hp.step)))),
        decay(hp.decoupled ? 1.0 - hp.lr * hp.weight_decay : 1.0),
        l2(hp.decoupled ? 0.0 : hp.weight_decay) {}

  // Element i, in place.
  template <class T>
  RNN_HDI void apply(T* p, const T* g, T* m, T* v, int64_t i) const {
    double pi = static_cast<double>(p[i]) * decay;
    const double gi = static_cast<double>(g[i]) + l2 * static_cast<double>(p[i]);
    const double mi = b1 * static_cast<double>(m[i]) + (1.0 - b1) * gi;
    const double vi = b2 * static_cast<double>(v[i]) + (1.0 - b2) * gi * gi;
    pi -= step_size * mi / (sqrt(vi) / sqrt_bc2 + eps);
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    p[i] = static_cast<T>(pi);
  }
};

}  // namespace rnn
