// Batched matmul on the GEMM dispatch (gemm.h). A rank-3 operand against a shared rank-2 one is
// folded into one big GEMM when the layout allows ([batch*M, K] x [K, N]); otherwise one strided
// batched GEMM. int32 has no GEMM: one thread per output, summed in double, stored with ToInt32.
#include <type_traits>

#include "gemm.h"
#include "scalar.h"

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

using namespace rnn_cuda;

extern "C" int rnn_cuda_matmul(int dtype, const void* a, int64_t a_batch, int64_t a_rows, int64_t a_cols, int trans_a,
                               const void* b, int64_t b_batch, int64_t b_rows, int64_t b_cols, int trans_b,
                               void* out) {
  const char* what = "rnn_cuda_matmul";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(valid_dtype(dtype), RNN_ERR_ARG, "%s: unknown dtype code %d", what, dtype);
    RNN_REQUIRE(a_batch >= 0 && b_batch >= 0 && fits_int(a_batch) && fits_int(b_batch) && fits_int(a_rows) &&
                    fits_int(a_cols) && fits_int(b_rows) && fits_int(b_cols),
                RNN_ERR_SHAPE, "%s: sizes must be >= 0 and below 2^31", what);
    const int64_t K1 = trans_a ? a_rows : a_cols, K2 = trans_b ? b_cols : b_rows;
    RNN_REQUIRE(K1 == K2, RNN_ERR_SHAPE,
                "%s: inner dimensions differ: op(a) is [%lld, %lld] and op(b) is [%lld, %lld]", what,
                (long long)(trans_a ? a_cols : a_rows), (long long)K1, (long long)K2,
                (long long)(trans_b ? b_rows : b_cols));
    RNN_REQUIRE(a_batch == 0 || b_batch == 0 || a_batch == b_batch, RNN_ERR_SHAPE,
                "%s: batch sizes differ (%lld vs %lld)", what, (long long)a_batch, (long long)b_batch);
    const int64_t M = trans_a ? a_cols : a_rows, N = trans_b ? b_rows : b_cols;
    const int64_t batch = a_batch > 0 ? a_batch : (b_batch > 0 ? b_batch : 1);
    const int64_t dims[3] = {batch, M, N};
    RNN_REQUIRE(checked_numel(dims, 3) >= 0, RNN_ERR_SHAPE, "%s: output too large", what);
    if (batch * M * N == 0) return RNN_OK;
    RNN_REQUIRE(out && ((a && b) || K1 == 0), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    RNN_DISPATCH_ALL(dtype, what,
                     matmul_typed<T>(static_cast<const T*>(a), a_batch, a_rows, a_cols, trans_a != 0,
                                     static_cast<const T*>(b), b_batch, b_rows, b_cols, trans_b != 0,
                                     static_cast<T*>(out)));
  });
}
