// Adam / AdamW over flat buffers, PyTorch's update rule (see native/src/adam.cpp): each element in
// double, rounded once when stored, so the GPU and CPU backends agree to the last bit in float32
// up to the device's sqrt/division rounding (both IEEE-exact in CUDA without fast-math).
#include <cmath>

#include "scalar.h"

namespace rnn_cuda {
namespace {

template <class T>
int adam_typed(T* p, const T* g, T* m, T* v, int64_t n, const rnn_adam_params& hp) {
  const double b1 = hp.beta1, b2 = hp.beta2, eps = hp.eps, lr = hp.lr, wd = hp.weight_decay;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(hp.step));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(hp.step));
  const double step_size = lr / bc1, sqrt_bc2 = std::sqrt(bc2);
  const double decay = hp.decoupled ? 1.0 - lr * wd : 1.0;
  const double l2 = hp.decoupled ? 0.0 : wd;
  return for_each_index("rnn_cuda_adam_step", n, [=] RNN_DL(int64_t i) {
    double pi = static_cast<double>(p[i]) * decay;
    const double gi = static_cast<double>(g[i]) + l2 * static_cast<double>(p[i]);
    const double mi = b1 * static_cast<double>(m[i]) + (1.0 - b1) * gi;
    const double vi = b2 * static_cast<double>(v[i]) + (1.0 - b2) * gi * gi;
    pi -= step_size * mi / (sqrt(vi) / sqrt_bc2 + eps);
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    p[i] = static_cast<T>(pi);
  });
}

}  // namespace
}  // namespace rnn_cuda

using namespace rnn_cuda;

extern "C" int rnn_cuda_adam_step(int dtype, void* param, const void* grad, void* m, void* v, int64_t n,
                                  const rnn_adam_params* hp) {
  const char* what = "rnn_cuda_adam_step";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(hp, RNN_ERR_ARG, "%s: params are null", what);
    RNN_REQUIRE(n >= 0, RNN_ERR_ARG, "%s: n must be >= 0, got %lld", what, (long long)n);
    RNN_REQUIRE(n == 0 || (param && grad && m && v), RNN_ERR_ARG, "%s: a buffer pointer is null", what);
    RNN_REQUIRE(hp->step >= 1, RNN_ERR_ARG, "%s: step is 1-based; got %lld", what, (long long)hp->step);
    RNN_REQUIRE(std::isfinite(hp->lr) && std::isfinite(hp->beta1) && std::isfinite(hp->beta2) &&
                    std::isfinite(hp->eps) && std::isfinite(hp->weight_decay),
                RNN_ERR_ARG, "%s: lr, betas, eps and weight decay must be finite", what);
    RNN_REQUIRE(hp->beta1 >= 0 && hp->beta1 < 1 && hp->beta2 >= 0 && hp->beta2 < 1, RNN_ERR_ARG,
                "%s: betas must be in [0, 1), got %g and %g", what, hp->beta1, hp->beta2);
    RNN_REQUIRE(float_dtype(dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
                dtype_name(dtype));
    if (n == 0) return RNN_OK;
    RNN_TRY(require_init(what));
    RNN_DISPATCH_FLOAT(dtype, what,
                       adam_typed<T>(static_cast<T*>(param), static_cast<const T*>(grad), static_cast<T*>(m),
                                     static_cast<T*>(v), n, *hp));
  });
}
