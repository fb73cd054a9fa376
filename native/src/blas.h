// The one place that talks to CBLAS: row-major gemm for float/double and OpenBLAS's extras.
#pragma once

#include <cblas.h>

#include "parallel.h"

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

inline void blas_call(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                      int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
              B, ldb, beta, C, ldc);
}
inline void blas_call(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                      int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
              B, ldb, beta, C, ldc);
}

// How many of our threads a gemm of this size is worth: none below ~4 MFLOP (waking a worker costs
// more than it saves), and slices of at least 16 rows or columns.
inline int gemm_tasks(int M, int N, int K) {
  const int threads = num_threads();
  if (threads <= 1 || 2.0 * M * N * K < 4e6) return 1;
  const int by_size = (M > N ? M : N) / 16;
  return by_size < threads ? (by_size > 1 ? by_size : 1) : threads;
}

// op(W) [K, N] (W [N, K] when trans, else [K, N]; leading dimension ldw) into the AVX-512 kernel's
// 32-column panels at out (AVX-512 CPUs only), the panels split across our threads when large; each
// panel is packed alone, so the split changes no value (fast_gemm.cpp). sums (not trans only; may be
// null): W's column sums as column_sums computes them.
void pack_gemm_parallel(const float* W, bool trans, int K, int N, int ldw, float* out, float* sums = nullptr);

// float32 on our AVX-512 packed kernel when it may run (fast_gemm.cpp); false: not taken, use BLAS.
bool fast_sgemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                float beta, float* C, int ldc);
inline bool fast_sgemm(bool, bool, int, int, int, double, const double*, int, const double*, int, double, double*,
                       int) {
  return false;
}

// C[M, N] (+)= op(A) B for B already in the kernel's 32-column panels (bp: K x N), C's rows (or, for
// a short C, its column panels) split across our threads as fast_sgemm splits them (fast_gemm.cpp).
void packed_product(bool ta, int M, int N, int K, const float* A, int lda, const float* bp, float* C, int ldc,
                    bool accumulate);

// The weight gradients of a gated layer, dW [GH, k] = dG^T A for each A [N, k] (x, h_prev; row-major,
// leading dimension k; or over a range of dG's columns), with dG [N, GH] row-major packed once for all: each is computed as
// its transpose A^T dG (the same sums in the same order as dG^T A) and transposed into dw. Gathering
// dG^T for every product instead costs as much as the packing, once per product, and a narrow one
// (k < 16) fell to BLAS, which copies dG once more. col_sums (may be null): dG's column sums (the
// bias gradient), taken while packing in column_sums' order (the same numbers). false: the AVX-512
// kernel may not run (use gemm and column_sums).
struct WeightGrad {
  const float* a;
  int k;
  float* dw;
  int col0 = 0;   // the columns of dG this gradient is taken over: col0 .. col0 + cols
  int cols = -1;  // (-1: all GH), so dw is [cols, k]
};
bool weight_grads_shared(const float* dG, int N, int GH, int count, const WeightGrad* list, float* col_sums);

// C[M,N] = alpha * op(A) op(B) + beta * C, row-major. Guards the degenerate sizes BLAS may reject
// (a zero leading dimension) or skip (K == 0 must still scale C by beta).
//
// float32 on an AVX-512 CPU: our packed kernel (fast_gemm.cpp), faster than OpenBLAS at every size
// this library multiplies and immune to OPENBLAS_CORETYPE; BLAS for the rest.
// Threads: OpenBLAS itself runs single-threaded (runtime.cpp); a large gemm is cut into slices of C
// (rows, or columns when C is wide) that our pool runs at once. One set of threads for everything,
// sleeping when idle: OpenBLAS's own workers busy-wait after each call and would take the cores
// the recurrent kernels' threads need.
template <class T>
inline void gemm(bool ta, bool tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
                 T* C, int ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_rows(M, N, beta, C, ldc);
  if (fast_sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) return;
  const int tasks = gemm_tasks(M, N, K);
  if (tasks <= 1) return blas_call(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  const bool by_rows = M >= N;
  const int64_t n = by_rows ? M : N;
  parallel_run(tasks, [&](int k) {
    const int lo = int(n * k / tasks), hi = int(n * (k + 1) / tasks);
    if (hi <= lo) return;
    if (by_rows)  // rows lo..hi of op(A) and C
      blas_call(ta, tb, hi - lo, N, K, alpha, ta ? A + lo : A + int64_t(lo) * lda, lda, B, ldb, beta,
                C + int64_t(lo) * ldc, ldc);
    else  // columns lo..hi of op(B) and C
      blas_call(ta, tb, M, hi - lo, K, alpha, A, lda, tb ? B + int64_t(lo) * ldb : B + lo, ldb, beta, C + lo, ldc);
  });
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
