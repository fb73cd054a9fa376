// Adam / AdamW over flat buffers on the CPU: the update rule is core/adam.h's (shared with CUDA),
// the C entry point core/api/adam.inc.
#include "common.h"
#include "core/adam.h"
#include "parallel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rnn {
namespace {

template <class T>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t lo, int64_t hi,
                const AdamStep& step) {
#pragma omp simd
  for (int64_t i = lo; i < hi; ++i) step.apply(p, g, m, v, i);
}

// Elements per task at least: a training step updates every parameter (a word-vector table of
// millions of elements), memory-bound work that the pool's threads split in contiguous ranges.
constexpr int64_t kAdamMinChunk = 1 << 16;

template <class T>
int adam_typed(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t n,
               const rnn_adam_params& hp) {
  const AdamStep step(hp);
  parallel_ranges(n, kAdamMinChunk, [&](int64_t lo, int64_t hi) { adam_range(p, g, m, v, lo, hi, step); });
  return RNN_OK;
}

}  // namespace

// dst += src over n elements, contiguous ranges split across the pool as Adam's: the flat gradient
// buffer's accumulation (autodiff adds each parameter's gradient into its view), which a step of
// the tree nets otherwise runs on one thread as an add into a new buffer and a copy back.
template <class T>
void add_inplace(T* __restrict dst, const T* __restrict src, int64_t n) {
  parallel_ranges(n, kAdamMinChunk, [&](int64_t lo, int64_t hi) {
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) dst[i] += src[i];
  });
}
template void add_inplace<float>(float*, const float*, int64_t);
template void add_inplace<double>(double*, const double*, int64_t);

template <class T>
void fill_inplace(T* dst, T value, int64_t n) {
  // zero (the gradients' case) as memset: the C library's stores beat the vectorised loop fill_n
  // compiles to for a value known only at run time (measured: 1-thread zeroGrad +30 % without it)
  const bool zero = value == T(0) && !std::signbit(double(value));
  parallel_ranges(n, kAdamMinChunk, [&](int64_t lo, int64_t hi) {
    if (zero) std::memset(dst + lo, 0, size_t(hi - lo) * sizeof(T));
    else std::fill_n(dst + lo, hi - lo, value);
  });
}
template void fill_inplace<float>(float*, float, int64_t);
template void fill_inplace<double>(double*, double, int64_t);
template void fill_inplace<int32_t>(int32_t*, int32_t, int64_t);

}  // namespace rnn

#include "core/api/adam.inc"
