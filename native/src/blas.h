// The one place that talks to CBLAS: row-major gemm for float/double and OpenBLAS's extras.
#pragma once

#include <cblas.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace rnn {

template <class T>
inline void scale_rows(int M, int N, T beta, T* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    T* row = C + static_cast<int64_t>(i) * ldc;
    if (beta == T(0)) std::memset(row, 0, sizeof(T) * static_cast<size_t>(N));
    else if (beta != T(1))
      for (int j = 0; j < N; ++j) row[j] *= beta;
  }
}

// C[M,N] = alpha * op(A) op(B) + beta * C, row-major. Guards the degenerate sizes BLAS may reject
// (a zero leading dimension) or skip (K == 0 must still scale C by beta).
inline void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_rows(M, N, beta, C, ldc);
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
              B, ldb, beta, C, ldc);
}

inline void gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                 int ldb, double beta, double* C, int ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_rows(M, N, beta, C, ldc);
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
              B, ldb, beta, C, ldc);
}

inline void blas_set_threads(int n) {
#ifdef RNN_HAVE_OPENBLAS
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

inline std::string blas_description() {
#ifdef RNN_HAVE_OPENBLAS
  std::string s = openblas_get_config();
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
#else
  return "CBLAS (vendor unknown)";
#endif
}

}  // namespace rnn
