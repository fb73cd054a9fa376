// Batched matmul on BLAS gemm. A rank-3 operand against a shared rank-2 one is folded into one big
// gemm when the layout allows ([batch*M, K] x [K, N]); otherwise one gemm per batch entry.
// int32 has no BLAS: a plain triple loop, summed in double and stored with ToInt32 like the TS
// backend.
#include <cstring>
#include <type_traits>

#include "blas.h"
#include "common.h"

namespace rnn {
namespace {

void naive_int32(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const int32_t* A, const int32_t* B,
                 int32_t* C) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double a = ta ? A[k * M + i] : A[i * K + k];
        const double b = tb ? B[j * K + k] : B[k * N + j];
        s += a * b;
      }
      C[i * N + j] = to_int32(s);
    }
}

template <class T>
int matmul_typed(const T* a, int64_t a_batch, int64_t a_rows, int64_t a_cols, bool ta, const T* b, int64_t b_batch,
                 int64_t b_rows, int64_t b_cols, bool tb, T* out) {
  const int64_t M = ta ? a_cols : a_rows, K = ta ? a_rows : a_cols, N = tb ? b_rows : b_cols;
  const int64_t batch = a_batch > 0 ? a_batch : (b_batch > 0 ? b_batch : 1);
  const int64_t a_step = a_batch > 0 ? a_rows * a_cols : 0, b_step = b_batch > 0 ? b_rows * b_cols : 0;
  if constexpr (std::is_same_v<T, int32_t>) {
    for (int64_t i = 0; i < batch; ++i) naive_int32(ta, tb, M, N, K, a + i * a_step, b + i * b_step, out + i * M * N);
  } else {
    const int lda = int(a_cols), ldb = int(b_cols);
    if (a_batch > 0 && b_batch == 0 && !ta && fits_int(a_batch * M)) {
      gemm(false, tb, int(a_batch * M), int(N), int(K), T(1), a, lda, b, ldb, T(0), out, int(N));
    } else {
      for (int64_t i = 0; i < batch; ++i)
        gemm(ta, tb, int(M), int(N), int(K), T(1), a + i * a_step, lda, b + i * b_step, ldb, T(0), out + i * M * N,
             int(N));
    }
  }
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/matmul.inc"
