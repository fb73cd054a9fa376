// Adam / AdamW over flat buffers on the CPU: the update rule is core/adam.h's (shared with CUDA),
// the C entry point core/api/adam.inc.
#include "common.h"
#include "core/adam.h"

namespace rnn {
namespace {

template <class T>
int adam_typed(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t n,
               const rnn_adam_params& hp) {
  const AdamStep step(hp);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) step.apply(p, g, m, v, i);
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/adam.inc"
