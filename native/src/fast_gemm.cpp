// fast_sgemm: float32 gemm on the AVX-512 packed kernel (avx512.cpp). op(B) is packed once into
// 32-column panels (a per-thread workspace; the panels packed across our threads), then chunks of C's
// rows are split across our threads; each gathers its op(A) rows k-major and streams every panel. A
// product with too few rows to split (a classifier's weight gradient: M = classes) splits its
// column panels instead. Every split computes each element as one thread would: same sums.
#include <algorithm>
#include <vector>

#include "blas.h"
#include "packed.h"
#include "workspace.h"

namespace rnn {

void pack_gemm_parallel(const float* W, bool trans, int K, int N, int ldw, float* out, float* sums) {
  constexpr int NR = avx512::kGemmNR;
  const int panels = (N + NR - 1) / NR;
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>({int64_t(num_threads()), panels / 2, int64_t(K) * N / 32768}));
  auto pack = [&](const float* w, int n, float* o, float* s) {
    if (s) avx512::pack_gemm_sums(w, K, n, ldw, o, s);
    else avx512::pack_gemm(w, trans, K, n, ldw, o);
  };
  if (tasks <= 1) return pack(W, N, out, sums);
  parallel_run(int(tasks), [&](int t) {
    const int p0 = int(panels * t / tasks), p1 = int(panels * (t + 1) / tasks);
    const int n0 = p0 * NR, n1 = std::min(N, p1 * NR);
    if (n1 > n0) pack(trans ? W + int64_t(n0) * ldw : W + n0, n1 - n0, out + int64_t(p0) * K * NR, sums ? sums + n0 : nullptr);
  });
}

void packed_product(bool ta, int M, int N, int K, const float* A, int lda, const float* bp, float* C, int ldc,
                    bool accumulate) {
  const int threads = gemm_tasks(M, N, K);
  const int tasks = std::min(threads, (M + 11) / 12);  // at least a 12-row tile each
  constexpr int NR = avx512::kGemmNR;
  const int panels = (N + NR - 1) / NR;
  if (tasks <= 1 && threads > 1 && panels >= 4) {
    const int ct = std::min(threads, panels / 2);
    parallel_run(ct, [&](int t) {
      const int p0 = panels * t / ct, p1 = panels * (t + 1) / ct;
      const int n0 = p0 * NR, n1 = std::min(N, p1 * NR);
      if (n1 <= n0) return;
      float* abuf = workspace(kSlotGemmA, int64_t(std::min(M, 192)) * avx512::a_stride(K));
      avx512::gemm_packed(ta, M, K, A, lda, bp + int64_t(p0) * K * NR, n1 - n0, C + n0, ldc, accumulate, abuf);
    });
    return;
  }
  parallel_run(tasks, [&](int t) {
    const int r0 = int(int64_t(M) * t / tasks), r1 = int(int64_t(M) * (t + 1) / tasks);
    if (r1 <= r0) return;
    float* abuf = workspace(kSlotGemmA, int64_t(std::min(r1 - r0, 192)) * avx512::a_stride(K));
    avx512::gemm_packed(ta, r1 - r0, K, ta ? A + r0 : A + int64_t(r0) * lda, lda, bp, N, C + int64_t(r0) * ldc, ldc,
                        accumulate, abuf);
  });
}

bool fast_sgemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                float beta, float* C, int ldc) {
  // alpha 1 and beta 0 or 1 are all this library uses. Narrow outputs (N < 16) would waste most of
  // a 32-column panel, and tiny products are not worth the packing.
  if (!use_avx512() || alpha != 1.0f || (beta != 0.0f && beta != 1.0f)) return false;
  if (N < 16 || M < 4 || K < 4 || 2.0 * M * N * K < 2e5) return false;
  float* bp = workspace(kSlotGemmB, gemm_panels_size(K, N));
  pack_gemm_parallel(B, tb, K, N, ldb, bp);
  packed_product(ta, M, N, K, A, lda, bp, C, ldc, beta != 0.0f);
  return true;
}

bool weight_grads_shared(const float* dG, int N, int GH, int count, const WeightGrad* list, float* col_sums) {
  if (!use_avx512() || GH < 16 || N < 4) return false;
  bool pack = false;
  for (int g = 0; g < count; ++g) pack = pack || list[g].k >= 4;
  float* bp = nullptr;
  if (pack) {
    bp = workspace(kSlotGemmB, gemm_panels_size(N, GH));
    pack_gemm_parallel(dG, false, N, GH, GH, bp, col_sums);
  } else if (col_sums) {
    column_sums(dG, N, GH, GH, col_sums);
  }
  for (int g = 0; g < count; ++g) {
    const WeightGrad& w = list[g];
    if (w.k == 0) continue;
    const int cols = w.cols < 0 ? GH : w.cols;
    if (w.k < 4) {  // too few rows for a register tile: BLAS, as gemm would
      gemm(true, false, cols, w.k, N, 1.0f, dG + w.col0, GH, w.a, w.k, 0.0f, w.dw, w.k);
      continue;
    }
    // dW^T [k, cols] = A^T dG[:, col0 .. col0 + cols): element (i, j) is the sum over the N rows of
    // A(n, i) dG(n, col0 + j), in the same depth blocks and order as dG^T A would take, so the same
    // number. The product starts at the panel holding col0 (its columns before col0 are computed and
    // not kept); then transposed into dw.
    constexpr int NR = avx512::kGemmNR;
    const int p0 = w.col0 / NR, skip = w.col0 - p0 * NR, n = skip + cols;
    float* t = workspace(kSlotGradT, int64_t(w.k) * n);
    packed_product(true, w.k, n, N, w.a, w.k, bp + int64_t(p0) * N * NR, t, n, false);
    // in 16 x 16 blocks: a column of t walked whole would touch a page per element
    for (int j0 = 0; j0 < cols; j0 += 16)
      for (int i0 = 0; i0 < w.k; i0 += 16)
        for (int j = j0; j < std::min(j0 + 16, cols); ++j)
          for (int i = i0; i < std::min(i0 + 16, w.k); ++i) w.dw[int64_t(j) * w.k + i] = t[int64_t(i) * n + skip + j];
  }
  return true;
}

bool column_sums_fast(const float* a, int64_t rows, int64_t cols, int64_t lda, float* out) {
  if (!use_avx512() || cols > (int64_t(1) << 30)) return false;
  std::vector<double> acc(static_cast<size_t>(cols) + 8);
  std::vector<float> part(static_cast<size_t>(cols) + 16);
  avx512::column_sums(a, rows, int(cols), lda, acc.data(), part.data());
  for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<float>(acc[j]);
  return true;
}

}  // namespace rnn
