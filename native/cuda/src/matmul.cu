// Batched matmul on the GEMM dispatch (gemm.h). A rank-3 operand against a shared rank-2 one is
// folded into one big GEMM when the layout allows ([batch*M, K] x [K, N]); otherwise one strided
// batched GEMM. int32 has no GEMM: one thread per output, summed in double, stored with ToInt32.
#include <type_traits>

#include "gemm.h"
#include "core/scalar.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

int matmul_int32(const GemmArgs& g, const int32_t* a, const int32_t* b, int32_t* c) {
  const int64_t N = g.n, K = g.k, MN = g.m * g.n, lda = g.lda, ldb = g.ldb, sa = g.stride_a, sb = g.stride_b;
  const bool ta = g.ta, tb = g.tb;
  return for_each_index("rnn_cuda_matmul", g.batch * MN, [=] RNN_DL(int64_t e) {
    const int64_t z = e / MN, r = e - z * MN, i = r / N, j = r - i * N;
    const int32_t* az = a + z * sa;
    const int32_t* bz = b + z * sb;
    double s = 0;
    for (int64_t k = 0; k < K; ++k)
      s += double(ta ? az[k * lda + i] : az[i * lda + k]) * double(tb ? bz[j * ldb + k] : bz[k * ldb + j]);
    c[e] = to_int32(s);
  });
}

template <class T>
int matmul_typed(const T* a, int64_t a_batch, int64_t a_rows, int64_t a_cols, bool ta, const T* b, int64_t b_batch,
                 int64_t b_rows, int64_t b_cols, bool tb, T* out) {
  const char* what = "rnn_cuda_matmul";
  const int64_t M = ta ? a_cols : a_rows, K = ta ? a_rows : a_cols, N = tb ? b_rows : b_cols;
  const int64_t batch = a_batch > 0 ? a_batch : (b_batch > 0 ? b_batch : 1);
  GemmArgs g{ta, tb, M, N, K, a_cols, b_cols, N, a_batch > 0 ? a_rows * a_cols : 0, b_batch > 0 ? b_rows * b_cols : 0,
             M * N, batch};
  if constexpr (std::is_same_v<T, int32_t>) {
    return matmul_int32(g, a, b, out);
  } else {
    if (a_batch > 0 && b_batch == 0 && !ta) {  // [batch*M, K] x [K, N]
      g.m = a_batch * M;
      g.batch = 1;
      g.stride_a = g.stride_c = 0;
    }
    return gemm<T>(what, g, T(1), a, b, T(0), out);
  }
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/matmul.inc"
