// Reductions over any set of axes, and argmax along one axis (semantics: native/src/reduce.cpp).
//
// The input's axes are grouped into kept and reduced dims (size-1 axes dropped, neighbours of the
// same kind merged), giving two index walks: outputs over the kept dims, terms over the reduced
// ones. Short reductions run one thread per output; long ones (GPU only) one block per output with
// a shared-memory tree, a fixed order, so results are deterministic. Sums accumulate in double
// (int32: in int64, wrapped on store); max/min propagate NaN.
#include <limits>
#include <type_traits>

#include "core/scalar.h"
#include "core/strided.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

template <class T>
using SumAcc = std::conditional_t<std::is_same_v<T, int32_t>, int64_t, double>;

template <class T>
struct SumOp {
  using A = SumAcc<T>;
  RNN_HD static A init() { return A(0); }
  RNN_HD static A combine(A acc, A x) { return acc + x; }
  RNN_HD static T store(A a) {
    if constexpr (std::is_same_v<T, int32_t>) return static_cast<int32_t>(static_cast<uint32_t>(a));
    else return static_cast<T>(a);
  }
};

template <class T>
struct MaxOp {
  using A = T;
  RNN_HD static A init() {
    if constexpr (std::is_same_v<T, int32_t>) return INT32_MIN;
    else return -INFINITY;
  }
  RNN_HD static A combine(A m, A x) { return (x > m || x != x) ? x : m; }
  RNN_HD static T store(A a) { return a; }
};

template <class T>
struct MinOp {
  using A = T;
  RNN_HD static A init() {
    if constexpr (std::is_same_v<T, int32_t>) return INT32_MAX;
    else return INFINITY;
  }
  RNN_HD static A combine(A m, A x) { return (x < m || x != x) ? x : m; }
  RNN_HD static T store(A a) { return a; }
};

struct Plan {
  Walk kept, red;  // shapes and input strides of the kept (output) and reduced dims
  int64_t out_n = 1, red_n = 1;
};

Plan plan(const int64_t* shape, int rank, const bool* reduced) {
  int64_t stride[RNN_MAX_RANK];
  contiguous_strides(shape, rank, stride);
  Plan p;
  for (int d = 0; d < rank; ++d) {
    if (shape[d] == 1) continue;
    Walk& w = reduced[d] ? p.red : p.kept;
    // Merge into the previous dim of the same walk when contiguous with it.
    if (w.rank > 0 && w.stride[w.rank - 1] == stride[d] * shape[d]) {
      w.shape[w.rank - 1] *= shape[d];
      w.stride[w.rank - 1] = stride[d];
    } else {
      w.shape[w.rank] = shape[d];
      w.stride[w.rank] = stride[d];
      ++w.rank;
    }
    (reduced[d] ? p.red_n : p.out_n) *= shape[d];
  }
  return p;
}

template <class Op, class T>
int reduce_threads(const Plan& p, const T* x, T* out) {
  using A = typename Op::A;
  const Walk kept = p.kept, red = p.red;
  const int64_t rn = p.red_n;
  return for_each_index("rnn_cuda_reduce", p.out_n, [=] RNN_DL(int64_t o) {
    const T* base = x + kept.offset(o);
    A acc = Op::init();
    for (int64_t r = 0; r < rn; ++r) acc = Op::combine(acc, static_cast<A>(base[red.offset(r)]));
    out[o] = Op::store(acc);
  });
}

#ifndef RNN_CUDA_EMULATION
constexpr int kBlock = 256;

template <class Op, class T>
__global__ void __launch_bounds__(kBlock) k_reduce_block(Walk kept, Walk red, int64_t out_n, int64_t red_n,
                                                         const T* __restrict__ x, T* __restrict__ out) {
  using A = typename Op::A;
  __shared__ A part[kBlock];
  for (int64_t o = blockIdx.x; o < out_n; o += gridDim.x) {
    const T* base = x + kept.offset(o);
    A acc = Op::init();
    for (int64_t r = threadIdx.x; r < red_n; r += kBlock) acc = Op::combine(acc, static_cast<A>(base[red.offset(r)]));
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = kBlock / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s) part[threadIdx.x] = Op::combine(part[threadIdx.x], part[threadIdx.x + s]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[o] = Op::store(part[0]);
    __syncthreads();
  }
}
#endif

template <class Op, class T>
int reduce_with(const Plan& p, const T* x, T* out) {
#ifndef RNN_CUDA_EMULATION
  // Many terms per output and too few outputs to fill the GPU with threads: a block per output.
  if (p.red_n >= 512 && p.out_n < (int64_t(1) << 16)) {
    const unsigned blocks = static_cast<unsigned>(p.out_n < 65535 ? p.out_n : 65535);
    k_reduce_block<Op, T><<<blocks, kBlock, 0, stream()>>>(p.kept, p.red, p.out_n, p.red_n, x, out);
    return after_launch("rnn_cuda_reduce");
  }
#endif
  return reduce_threads<Op, T>(p, x, out);
}

template <class T>
int reduce_typed(int op, const T* x, const int64_t* shape, int rank, const bool* reduced, T* out) {
  const char* what = "rnn_cuda_reduce";
  const Plan p = plan(shape, rank, reduced);
  int64_t out_n = 1, red_n = 1;  // from the full shape: plan() skips size-1 and size-0 alike
  for (int d = 0; d < rank; ++d) (reduced[d] ? red_n : out_n) *= shape[d];
  if (out_n == 0) return RNN_OK;
  if (red_n == 0) {  // empty reduction: the identity (int32 stores ToInt32(+-inf) = 0 for max/min)
    double v = 0;
    if constexpr (!std::is_same_v<T, int32_t>) {
      if (op == RNN_RMAX) v = -INFINITY;
      if (op == RNN_RMIN) v = INFINITY;
    }
    return rnn_cuda_fill(std::is_same_v<T, float> ? RNN_F32 : std::is_same_v<T, double> ? RNN_F64 : RNN_I32, out,
                         out_n, v);
  }
  if (red_n == 1) return dev_d2d(out, x, sizeof(T) * static_cast<size_t>(out_n), what);  // nothing to combine
  switch (op) {
    case RNN_SUM: return reduce_with<SumOp<T>, T>(p, x, out);
    case RNN_RMAX: return reduce_with<MaxOp<T>, T>(p, x, out);
    default: return reduce_with<MinOp<T>, T>(p, x, out);
  }
}

template <class T>
int argmax_typed(const T* x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  return for_each_index("rnn_cuda_argmax", outer * inner, [=] RNN_DL(int64_t e) {
    const int64_t o = e / inner, i = e - o * inner;
    const T* p = x + o * n * inner + i;
    T best = p[0];
    int32_t at = 0;
    for (int64_t k = 1; k < n; ++k) {
      const T v = p[k * inner];
      // Strictly greater keeps the first index on ties; the first NaN wins (NumPy).
      if (v > best || (v != v && best == best)) {
        best = v;
        at = static_cast<int32_t>(k);
      }
    }
    out[e] = at;
  });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/reduce.inc"
