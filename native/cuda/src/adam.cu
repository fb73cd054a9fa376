// Adam / AdamW over flat buffers on the GPU: one thread per element running the shared update rule
// (core/adam.h: each element in double, rounded once when stored, so the GPU and CPU backends agree
// to the last bit up to the rounding of sqrt and division, both IEEE-exact without fast-math).
#include "core/adam.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

template <class T>
int adam_typed(T* p, const T* g, T* m, T* v, int64_t n, const rnn_adam_params& hp) {
  const AdamStep step(hp);
  return for_each_index("rnn_cuda_adam_step", n, [=] RNN_DL(int64_t i) { step.apply(p, g, m, v, i); });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/adam.inc"
