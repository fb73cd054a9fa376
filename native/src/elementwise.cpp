// Elementwise kernels on the CPU: unary ops, broadcasting binary ops, where, cast. The per-element
// semantics (core/elementwise.h) and the C entry points (core/api/elementwise.inc) are shared with
// the CUDA backend; here is how the CPU walks the elements: one straight loop per (op, dtype),
// vectorisable where libm allows, and strided runs for broadcasting.
#include <cstring>
#include <type_traits>

#include "common.h"
#include "core/elementwise.h"
#include "core/strided.h"
#include "simd.h"

namespace rnn {
namespace {

// float tanh (m_tanh: evaluated in double, no libm call) compiled for AVX2+FMA too, picked at load
// time: 4 doubles a vector instead of 2.
RNN_CLONES void tanh_f32(const float* __restrict x, float* __restrict y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = m_tanh(x[i]);
}

template <class T>
int unary_typed(int op, const T* x, T* y, int64_t n) {
  return with_unary_op(op, [&](auto o) {
    constexpr int Op = decltype(o)::value;
    if constexpr (Op == RNN_TANH && std::is_same_v<T, float>) {
      tanh_f32(x, y, n);
      return RNN_OK;
    }
    const T* __restrict xs = x;
    T* __restrict ys = y;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) ys[i] = unary_t<Op, T>(xs[i]);
    return RNN_OK;
  });
}

template <class T, int Op>
void binary_run(const T* a, const T* b, T* __restrict o, int64_t n, int64_t sa, int64_t sb) {
  if (sa == 1 && sb == 1) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<Op, T>(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const T av = a[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<Op, T>(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = b[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<Op, T>(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = binary_t<Op, T>(a[i * sa], b[i * sb]);
  }
}

template <class T>
int binary_typed(int op, const Strided<2>& it, const T* a, const T* b, T* out, int64_t /*n*/) {
  return with_binary_op(op, [&](auto o) {
    constexpr int Op = decltype(o)::value;
    for_each_run<2>(it, [&](const int64_t* off, int64_t at, int64_t n, const int64_t* s) {
      binary_run<T, Op>(a + off[0], b + off[1], out + at, n, s[0], s[1]);
    });
    return RNN_OK;
  });
}

template <class T>
int where_typed(const Strided<3>& it, const T* c, const T* a, const T* b, T* out, int64_t /*n*/) {
  for_each_run<3>(it, [&](const int64_t* off, int64_t o, int64_t n, const int64_t* s) {
    const T* cp = c + off[0];
    const T* ap = a + off[1];
    const T* bp = b + off[2];
    T* op = out + o;
    if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) op[i] = cp[i] != T(0) ? ap[i] : bp[i];
    } else {
      for (int64_t i = 0; i < n; ++i) op[i] = cp[i * s[0]] != T(0) ? ap[i * s[1]] : bp[i * s[2]];
    }
  });
  return RNN_OK;
}

template <class S>
int cast_from(const S* x, int dst, void* y, int64_t n) {
  return with_dst_type(dst, y, [&](auto* out) {
    using D = std::remove_pointer_t<decltype(out)>;
    const S* __restrict xs = x;
    D* __restrict ys = out;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) ys[i] = convert<D, S>(xs[i]);
    return RNN_OK;
  });
}

}  // namespace
}  // namespace rnn

#include "core/api/elementwise.inc"
