// Reductions over any set of axes, and argmax along one axis.
//
// The input is walked once in memory order. Axes are grouped into alternating runs of reduced and
// kept axes (size-1 axes dropped, neighbours of the same kind merged), so e.g. a sum over the last
// axis becomes one contiguous dot-like loop per output, and a sum over the first axis becomes
// vector adds of whole rows into the output. float32 sums accumulate in double; max/min propagate
// NaN.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "common.h"

namespace rnn {
namespace {

struct Groups {
  int rank = 0;
  int64_t shape[RNN_MAX_RANK];
  int64_t in_stride[RNN_MAX_RANK];
  int64_t out_stride[RNN_MAX_RANK];  // 0 on reduced groups
  bool reduced[RNN_MAX_RANK];
};

Groups group_axes(const int64_t* shape, int rank, const bool* red) {
  Groups g;
  for (int d = 0; d < rank; ++d) {
    if (shape[d] == 1) continue;
    if (g.rank > 0 && g.reduced[g.rank - 1] == red[d]) g.shape[g.rank - 1] *= shape[d];
    else {
      g.shape[g.rank] = shape[d];
      g.reduced[g.rank] = red[d];
      ++g.rank;
    }
  }
  int64_t is = 1, os = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    g.in_stride[d] = is;
    is *= g.shape[d];
    g.out_stride[d] = g.reduced[d] ? 0 : os;
    if (!g.reduced[d]) os *= g.shape[d];
  }
  return g;
}

template <class A>
struct SumOp {
  static A init() { return A(0); }
  template <class X>
  static A combine(A acc, X x) { return acc + static_cast<A>(x); }
};

template <class A>
struct MaxOp {
  static A init() {
    if constexpr (std::is_floating_point_v<A>) return -std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::min();
  }
  static A combine(A m, A x) { return (x > m || x != x) ? x : m; }
};

template <class A>
struct MinOp {
  static A init() {
    if constexpr (std::is_floating_point_v<A>) return std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::max();
  }
  static A combine(A m, A x) { return (x < m || x != x) ? x : m; }
};

// acc[out] = Op over the reduced groups of x; acc has the output's size and starts at Op::init().
template <class Op, class T, class A>
void reduce_into(const Groups& g, const T* x, A* acc) {
  const int r = g.rank;
  const int64_t n = g.shape[r - 1];
  const bool inner_reduced = g.reduced[r - 1];
  int64_t idx[RNN_MAX_RANK] = {0};
  int64_t in = 0, out = 0;
  for (;;) {
    const T* xp = x + in;
    if (inner_reduced) {
      A a = Op::init();
      for (int64_t i = 0; i < n; ++i) a = Op::combine(a, static_cast<A>(xp[i]));
      acc[out] = Op::combine(acc[out], a);
    } else {
      A* ap = acc + out;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) ap[i] = Op::combine(ap[i], static_cast<A>(xp[i]));
    }
    in += n;
    int d = r - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      out += g.out_stride[d];
      if (idx[d] < g.shape[d]) break;
      out -= g.out_stride[d] * g.shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <class Op, class T, class A>
void reduce_with(const Groups& g, const T* x, int64_t out_n, T* out) {
  std::vector<A> acc(static_cast<size_t>(out_n), Op::init());
  reduce_into<Op, T, A>(g, x, acc.data());
  for (int64_t i = 0; i < out_n; ++i) {
    if constexpr (std::is_same_v<T, int32_t>) out[i] = static_cast<int32_t>(static_cast<uint32_t>(acc[i]));
    else out[i] = static_cast<T>(acc[i]);
  }
}

template <class T>
int reduce_typed(int op, const T* x, const int64_t* shape, int rank, const bool* red, T* out) {
  int64_t out_n = 1, red_n = 1;
  for (int d = 0; d < rank; ++d) (red[d] ? red_n : out_n) *= shape[d];
  if (out_n == 0) return RNN_OK;
  if (red_n == 0) {  // empty reduction: the identity (int32 stores ToInt32(+-inf) = 0 for max/min)
    T v = T(0);
    if constexpr (std::is_floating_point_v<T>) {
      if (op == RNN_RMAX) v = -std::numeric_limits<T>::infinity();
      if (op == RNN_RMIN) v = std::numeric_limits<T>::infinity();
    }
    for (int64_t i = 0; i < out_n; ++i) out[i] = v;
    return RNN_OK;
  }
  const Groups g = group_axes(shape, rank, red);
  if (g.rank == 0) {  // every dim is 1: a copy
    std::memcpy(out, x, sizeof(T) * out_n);
    return RNN_OK;
  }
  using SumAcc = std::conditional_t<std::is_same_v<T, int32_t>, int64_t, double>;
  switch (op) {
    case RNN_SUM: reduce_with<SumOp<SumAcc>, T, SumAcc>(g, x, out_n, out); break;
    case RNN_RMAX: reduce_with<MaxOp<T>, T, T>(g, x, out_n, out); break;
    default: reduce_with<MinOp<T>, T, T>(g, x, out_n, out); break;
  }
  return RNN_OK;
}

template <class T>
int argmax_typed(const T* x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  std::vector<T> best(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * n * inner;
    int32_t* io = out + o * inner;
    for (int64_t i = 0; i < inner; ++i) {
      best[i] = xo[i];
      io[i] = 0;
    }
    for (int64_t k = 1; k < n; ++k) {
      const T* row = xo + k * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const T v = row[i];
        // Strictly greater keeps the first index on ties; the first NaN wins (NumPy).
        if (v > best[i] || (v != v && best[i] == best[i])) {
          best[i] = v;
          io[i] = static_cast<int32_t>(k);
        }
      }
    }
  }
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/reduce.inc"
