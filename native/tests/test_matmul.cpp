// Batched matmul against a triple loop, every transpose and batch combination.
#include "harness.h"

namespace {

template <class T>
void check(int64_t ab, int64_t bb, int64_t M, int64_t K, int64_t N, bool ta, bool tb, int dtype, double tol) {
  const int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
  auto a = th::random_vec<T>((ab ? ab : 1) * ar * ac, -2, 2);
  auto b = th::random_vec<T>((bb ? bb : 1) * br * bc, -2, 2);
  if (dtype == RNN_I32) {
    for (auto& v : a) v = T(th::randint(-5, 5));
    for (auto& v : b) v = T(th::randint(-5, 5));
  }
  const int64_t batch = ab ? ab : (bb ? bb : 1);
  std::vector<T> out(batch * M * N);
  CHECK_OK(rnn_matmul(dtype, a.data(), ab, ar, ac, ta, b.data(), bb, br, bc, tb, out.data()));
  std::vector<double> want(out.size());
  for (int64_t p = 0; p < batch; ++p) {
    const T* A = a.data() + (ab ? p * ar * ac : 0);
    const T* B = b.data() + (bb ? p * br * bc : 0);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += double(ta ? A[k * ac + i] : A[i * ac + k]) * double(tb ? B[j * bc + k] : B[k * bc + j]);
        want[p * M * N + i * N + j] = s;
      }
  }
  CHECK_ALL_NEAR(out, want, out.size(), tol);
}

}  // namespace

TEST(matmul, all_layouts) {
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      check<double>(0, 0, 5, 7, 3, ta, tb, RNN_F64, 1e-13);
      check<double>(4, 4, 5, 7, 3, ta, tb, RNN_F64, 1e-13);
      check<double>(4, 0, 5, 7, 3, ta, tb, RNN_F64, 1e-13);
      check<double>(0, 4, 5, 7, 3, ta, tb, RNN_F64, 1e-13);
      check<float>(3, 0, 33, 17, 65, ta, tb, RNN_F32, 1e-5);
      check<float>(0, 3, 8, 1, 9, ta, tb, RNN_F32, 1e-5);
      // big enough for the packed AVX-512 kernel where the CPU has it: two row chunks (201 > 192),
      // a partial 32-column panel (45), three depth blocks (K 300), and the folded batch path
      check<float>(0, 0, 201, 300, 45, ta, tb, RNN_F32, 1e-4);  // sums of 300 terms of up to 4
      check<float>(2, 0, 13, 64, 100, ta, tb, RNN_F32, 5e-5);
      check<int32_t>(2, 0, 4, 3, 5, ta, tb, RNN_I32, 0);
    }
}

TEST(matmul, degenerate_sizes) {
  // K = 0 gives zeros; M or N = 0 writes nothing.
  std::vector<double> out(6, 9);
  double dummy = 1;
  CHECK_OK(rnn_matmul(RNN_F64, &dummy, 0, 2, 0, 0, &dummy, 0, 0, 3, 0, out.data()));
  for (double v : out) CHECK(v == 0);
  CHECK_OK(rnn_matmul(RNN_F64, nullptr, 0, 0, 4, 0, nullptr, 0, 4, 3, 0, nullptr));
}

TEST(matmul, rejects_mismatches) {
  double a[6] = {0}, b[6] = {0}, o[9];
  CHECK_STATUS(rnn_matmul(RNN_F64, a, 0, 2, 3, 0, b, 0, 2, 3, 0, o), RNN_ERR_SHAPE);
  CHECK_STATUS(rnn_matmul(RNN_F64, a, 2, 1, 3, 0, b, 3, 3, 1, 0, o), RNN_ERR_SHAPE);
}
