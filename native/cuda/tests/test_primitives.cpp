// Every primitive kernel against the CPU library (rnn_native) on the same inputs: all ops, all
// dtypes, broadcasting and layout shapes that hit each code path (contiguous, strided, block
// reductions, tiled/reference/cuBLAS GEMM, edge tiles), plus device-side index faults.
#include <limits>

#include "cuda_harness.h"

using cuth::Dev;
using cuth::dtype_of;
using cuth::same;
using cuth::tol_of;
using cuth::values;

namespace {

int64_t numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Special values for the float kernels' NaN / inf / signed-zero semantics.
template <class T>
std::vector<T> with_specials(std::vector<T> v) {
  if constexpr (!std::is_same_v<T, int32_t>) {
    const T specials[] = {T(0), -T(0), std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                          std::numeric_limits<T>::quiet_NaN(), T(1e-30), T(-88.5), T(90)};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0] && i < v.size(); ++i) v[i * 3 % v.size()] = specials[i];
  }
  return v;
}

template <class T>
void unary_all() {
  const auto x = with_specials(values<T>(301));
  Dev<T> dx(x), dy(x.size());
  for (int op = 0; op < RNN_UNARY_COUNT; ++op) {
    std::vector<T> want(x.size());
    CHECK_OK(rnn_unary(dtype_of<T>(), op, x.data(), want.data(), int64_t(x.size())));
    CU_OK(rnn_cuda_unary(dtype_of<T>(), op, dx.p, dy.p, int64_t(x.size())));
    same(dy.host(), want, std::is_same_v<T, int32_t> ? 0 : 4 * tol_of<T>(), "unary op " + std::to_string(op));
  }
}

struct BShapes {
  std::vector<int64_t> a, b, out;
};

const BShapes kBinaryShapes[] = {
    {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},  // contiguous
    {{2, 3, 4}, {}, {2, 3, 4}},         // scalar
    {{2, 3, 4}, {4}, {2, 3, 4}},        // row broadcast
    {{2, 1, 4}, {3, 1}, {2, 3, 4}},     // both sides broadcast
    {{5, 1}, {1, 7}, {5, 7}},           // outer product
    {{1}, {1}, {1}},                    // all ones
    {{0, 3}, {3}, {0, 3}},              // empty
    {{3, 1, 2, 1, 2}, {1, 4, 1, 3, 2}, {3, 4, 2, 3, 2}},
};

template <class T>
void binary_all() {
  for (const auto& sh : kBinaryShapes) {
    const auto a = with_specials(values<T>(size_t(numel(sh.a)) + 3));
    const auto b = values<T>(size_t(numel(sh.b)) + 3, 0.5, 2.5);  // positive: pow with fractional exponents
    Dev<T> da(a), db(b), dout(size_t(numel(sh.out)));
    for (int op = 0; op < RNN_BINARY_COUNT; ++op) {
      std::vector<T> want(size_t(numel(sh.out)));
      CHECK_OK(rnn_binary(dtype_of<T>(), op, a.data(), sh.a.data(), int(sh.a.size()), b.data(), sh.b.data(),
                          int(sh.b.size()), want.data(), sh.out.data(), int(sh.out.size())));
      CU_OK(rnn_cuda_binary(dtype_of<T>(), op, da.p, sh.a.data(), int(sh.a.size()), db.p, sh.b.data(),
                            int(sh.b.size()), dout.p, sh.out.data(), int(sh.out.size())));
      same(dout.host(), want, 4 * tol_of<T>(), "binary op " + std::to_string(op));
    }
    // where(cond = a (zeros, NaN, both signs), b, a)
    std::vector<T> want(size_t(numel(sh.out)));
    CHECK_OK(rnn_where(dtype_of<T>(), a.data(), sh.a.data(), int(sh.a.size()), b.data(), sh.b.data(),
                       int(sh.b.size()), a.data(), sh.a.data(), int(sh.a.size()), want.data(), sh.out.data(),
                       int(sh.out.size())));
    CU_OK(rnn_cuda_where(dtype_of<T>(), da.p, sh.a.data(), int(sh.a.size()), db.p, sh.b.data(), int(sh.b.size()),
                         da.p, sh.a.data(), int(sh.a.size()), dout.p, sh.out.data(), int(sh.out.size())));
    same(dout.host(), want, 0, "where");
  }
}

template <class S>
void cast_from() {
  auto x = with_specials(values<S>(64, -1e10, 1e10));
  Dev<S> dx(x);
  auto run = [&](auto tag) {
    using D = decltype(tag);
    std::vector<D> want(x.size());
    Dev<D> dy(x.size());
    CHECK_OK(rnn_cast(dtype_of<S>(), x.data(), dtype_of<D>(), want.data(), int64_t(x.size())));
    CU_OK(rnn_cuda_cast(dtype_of<S>(), dx.p, dtype_of<D>(), dy.p, int64_t(x.size())));
    same(dy.host(), want, 0, "cast");
  };
  run(float());
  run(double());
  run(int32_t());
}

}  // namespace

TEST(primitives, unary) {
  unary_all<float>();
  unary_all<double>();
  unary_all<int32_t>();
}

TEST(primitives, binary_and_where) {
  binary_all<float>();
  binary_all<double>();
  binary_all<int32_t>();
}

TEST(primitives, cast_and_fill) {
  cast_from<float>();
  cast_from<double>();
  cast_from<int32_t>();
  Dev<int32_t> di(5);
  CU_OK(rnn_cuda_fill(RNN_I32, di.p, 5, 4294967297.0));  // ToInt32 wraps to 1
  same(di.host(), std::vector<int32_t>(5, 1), 0, "fill int32");
  Dev<float> df(7);
  CU_OK(rnn_cuda_fill(RNN_F32, df.p, 7, -0.0));
  CHECK(std::signbit(df.host()[3]));
  CU_OK(rnn_cuda_fill(RNN_F32, df.p, 7, 2.5));
  same(df.host(), std::vector<float>(7, 2.5f), 0, "fill float");
}

namespace {

template <class T>
void reduce_case(const std::vector<int64_t>& shape, const std::vector<int>& axes) {
  const auto x = values<T>(size_t(numel(shape)));
  Dev<T> dx(x);
  int64_t out_n = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    bool red = false;
    for (int a : axes) red = red || a == int(d);
    if (!red) out_n *= shape[d];
  }
  Dev<T> dout(static_cast<size_t>(out_n));
  for (int op = 0; op < RNN_REDUCE_COUNT; ++op) {
    std::vector<T> want(static_cast<size_t>(out_n));
    CHECK_OK(rnn_reduce(dtype_of<T>(), op, x.data(), shape.data(), int(shape.size()), axes.data(), int(axes.size()),
                        want.data()));
    CU_OK(rnn_cuda_reduce(dtype_of<T>(), op, dx.p, shape.data(), int(shape.size()), axes.data(), int(axes.size()),
                          dout.p));
    same(dout.host(), want, op == RNN_SUM ? 10 * tol_of<T>() : 0, "reduce op " + std::to_string(op));
  }
}

template <class T>
void reduce_all() {
  reduce_case<T>({2, 3, 4}, {1});
  reduce_case<T>({2, 3, 4}, {0, 2});
  reduce_case<T>({2, 3, 4}, {0, 1, 2});
  reduce_case<T>({5, 1, 7}, {1});       // only size-1 axes reduced: a copy
  reduce_case<T>({3, 0, 2}, {1});       // empty reduction: the identity
  reduce_case<T>({4, 3000}, {1});       // long rows: the block path on the GPU
  reduce_case<T>({3000, 6}, {0});       // long columns, strided
  reduce_case<T>({2, 700, 3, 2}, {1, 3});
}

template <class T>
void argmax_case(int64_t outer, int64_t n, int64_t inner) {
  auto x = values<T>(size_t(outer * n * inner));
  if constexpr (!std::is_same_v<T, int32_t>)
    if (x.size() > 5) x[5] = std::numeric_limits<T>::quiet_NaN();
  Dev<T> dx(x);
  Dev<int32_t> dout(static_cast<size_t>(outer * inner));
  std::vector<int32_t> want(static_cast<size_t>(outer * inner));
  CHECK_OK(rnn_argmax(dtype_of<T>(), x.data(), outer, n, inner, want.data()));
  CU_OK(rnn_cuda_argmax(dtype_of<T>(), dx.p, outer, n, inner, dout.p));
  same(dout.host(), want, 0, "argmax");
}

}  // namespace

TEST(primitives, reduce_and_argmax) {
  reduce_all<float>();
  reduce_all<double>();
  reduce_all<int32_t>();
  for (auto dims : {std::vector<int64_t>{3, 5, 4}, {1, 9, 1}, {7, 2, 1}}) {
    argmax_case<float>(dims[0], dims[1], dims[2]);
    argmax_case<double>(dims[0], dims[1], dims[2]);
    argmax_case<int32_t>(dims[0], dims[1], dims[2]);
  }
}

namespace {

template <class T>
void matmul_case(int64_t ab, int64_t bb, int64_t M, int64_t N, int64_t K, bool ta, bool tb) {
  const int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
  const int64_t batch = ab ? ab : (bb ? bb : 1);
  const auto a = values<T>(size_t((ab ? ab : 1) * ar * ac)), b = values<T>(size_t((bb ? bb : 1) * br * bc));
  Dev<T> da(a), db(b), dout(static_cast<size_t>(batch * M * N));
  std::vector<T> want(static_cast<size_t>(batch * M * N));
  CHECK_OK(rnn_matmul(dtype_of<T>(), a.data(), ab, ar, ac, ta, b.data(), bb, br, bc, tb, want.data()));
  CU_OK(rnn_cuda_matmul(dtype_of<T>(), da.p, ab, ar, ac, ta, db.p, bb, br, bc, tb, dout.p));
  same(dout.host(), want, std::is_same_v<T, float> ? 1e-4 : 1e-10,
       "matmul " + std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K) + " ta " +
           std::to_string(ta) + " tb " + std::to_string(tb) + " batch " + std::to_string(ab) + "/" + std::to_string(bb));
}

template <class T>
void matmul_all() {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      matmul_case<T>(0, 0, 5, 7, 3, ta, tb);
      matmul_case<T>(0, 0, 67, 130, 33, ta, tb);  // partial edge tiles
      matmul_case<T>(3, 3, 9, 4, 17, ta, tb);     // strided batch
      matmul_case<T>(4, 0, 6, 5, 8, ta, tb);      // shared b (folded when a is not transposed)
      matmul_case<T>(0, 2, 6, 5, 8, ta, tb);      // shared a
      matmul_case<T>(0, 0, 4, 6, 0, ta, tb);      // K = 0: zeros
    }
}

}  // namespace

TEST(primitives, matmul) {
  matmul_all<float>();
  matmul_all<double>();
  matmul_all<int32_t>();
}

TEST(primitives, gemm_implementations_agree) {
  // The same products through each GEMM the build has, against the CPU library.
  const int modes[] = {RNN_GEMM_REFERENCE, RNN_GEMM_TILED, RNN_GEMM_CUBLAS, RNN_GEMM_AUTO};
  for (int mode : modes) {
    if (rnn_cuda_set_gemm(mode) != RNN_OK) {
      std::printf("  (GEMM mode %d unavailable here: %s)\n", mode, rnn_cuda_last_error());
      continue;
    }
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        matmul_case<float>(0, 0, 129, 65, 200, ta, tb);
        matmul_case<double>(2, 2, 64, 64, 16, ta, tb);
      }
    // alpha/beta and leading dimensions wider than the rows
    const int64_t M = 37, N = 29, K = 23, lda = K + 5, ldb = N + 3, ldc = N + 7;
    const auto a = values<float>(size_t(M * lda)), b = values<float>(size_t(K * ldb)), c = values<float>(size_t(M * ldc));
    Dev<float> da(a), db(b), dc(c);
    CU_OK(rnn_cuda_gemm(RNN_F32, 0, 0, M, N, K, 0.5, da.p, lda, db.p, ldb, 2.0, dc.p, ldc));
    std::vector<float> want = c;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += double(a[size_t(i * lda + k)]) * double(b[size_t(k * ldb + j)]);
        want[size_t(i * ldc + j)] = float(0.5 * s + 2.0 * double(c[size_t(i * ldc + j)]));
      }
    same(dc.host(), want, 1e-4, "gemm alpha/beta/ld (mode " + std::to_string(mode) + ")");
  }
  CU_OK(rnn_cuda_set_gemm(RNN_GEMM_AUTO));
}

namespace {

template <class T>
void layout_all() {
  const int dt = dtype_of<T>();
  // transpose
  const std::vector<int64_t> s = {2, 3, 4, 5};
  const auto x = values<T>(size_t(numel(s)));
  Dev<T> dx(x), dout(x.size());
  for (auto perm : {std::vector<int>{3, 2, 1, 0}, {0, 2, 1, 3}, {1, 0, 2, 3}, {0, 1, 2, 3}, {2, 3, 0, 1}}) {
    std::vector<T> want(x.size());
    CHECK_OK(rnn_transpose(dt, x.data(), s.data(), 4, perm.data(), want.data()));
    CU_OK(rnn_cuda_transpose(dt, dx.p, s.data(), 4, perm.data(), dout.p));
    same(dout.host(), want, 0, "transpose");
  }
  // slice
  const std::vector<int64_t> begin = {1, 0, 2, 1}, size = {1, 3, 2, 3};
  {
    std::vector<T> want(size_t(numel(size)));
    Dev<T> ds(want.size());
    CHECK_OK(rnn_slice(dt, x.data(), s.data(), 4, begin.data(), size.data(), want.data()));
    CU_OK(rnn_cuda_slice(dt, dx.p, s.data(), 4, begin.data(), size.data(), ds.p));
    same(ds.host(), want, 0, "slice");
  }
  // pad
  const std::vector<int64_t> before = {0, 1, 2, 0}, after = {1, 0, 1, 2};
  {
    int64_t n = 1;
    for (int d = 0; d < 4; ++d) n *= s[size_t(d)] + before[size_t(d)] + after[size_t(d)];
    std::vector<T> want(static_cast<size_t>(n));
    Dev<T> dp(static_cast<size_t>(n));
    CHECK_OK(rnn_pad(dt, x.data(), s.data(), 4, before.data(), after.data(), want.data()));
    CU_OK(rnn_cuda_pad(dt, dx.p, s.data(), 4, before.data(), after.data(), dp.p));
    same(dp.host(), want, 0, "pad");
  }
  // concat of three inputs along a middle axis (outer 2, inner 5), one of them empty
  {
    const auto x1 = values<T>(2 * 3 * 5), x2 = values<T>(2 * 0 * 5), x3 = values<T>(2 * 4 * 5);
    Dev<T> d1(x1), d2(x2), d3(x3), dc(2 * 7 * 5);
    const void* hx[] = {x1.data(), x2.data(), x3.data()};
    const void* dxs[] = {d1.p, d2.p, d3.p};
    const int64_t sizes[] = {3, 0, 4};
    std::vector<T> want(2 * 7 * 5);
    CHECK_OK(rnn_concat(dt, hx, sizes, 3, 2, 5, want.data()));
    CU_OK(rnn_cuda_concat(dt, dxs, sizes, 3, 2, 5, dc.p));
    same(dc.host(), want, 0, "concat");
  }
  // gather and scatter-add with repeated indices
  {
    const std::vector<int32_t> idx = {3, 0, 3, 1, 3};
    const auto table = values<T>(4 * 6);
    const auto upd = values<T>(5 * 6);
    Dev<int32_t> di(idx);
    Dev<T> dt_(table), du(upd), dg(5 * 6), dsc(4 * 6);
    std::vector<T> want_g(5 * 6), want_s(4 * 6);
    CHECK_OK(rnn_gather(dt, table.data(), 4, 6, idx.data(), 5, want_g.data()));
    CU_OK(rnn_cuda_gather(dt, dt_.p, 4, 6, di.p, 5, dg.p));
    same(dg.host(), want_g, 0, "gather");
    CHECK_OK(rnn_scatter_add(dt, idx.data(), 5, upd.data(), 6, 4, want_s.data()));
    CU_OK(rnn_cuda_scatter_add(dt, di.p, 5, du.p, 6, 4, dsc.p));
    same(dsc.host(), want_s, 8 * tol_of<T>(), "scatter_add");  // atomics: any summation order
  }
}

}  // namespace

TEST(primitives, layout) {
  layout_all<float>();
  layout_all<double>();
  layout_all<int32_t>();
}

TEST(primitives, index_faults_are_reported_at_the_next_sync) {
  const std::vector<int32_t> idx = {0, 4, 1};
  Dev<int32_t> di(idx);
  Dev<float> table(std::vector<float>(8, 1.0f)), out(6);
  CU_OK(rnn_cuda_gather(RNN_F32, table.p, 4, 2, di.p, 3, out.p));  // queued: the fault is on the device
  std::vector<float> host(6);
  CU_STATUS(rnn_cuda_copy_d2h(host.data(), out.p, sizeof(float) * 6), RNN_ERR_INDEX);
  CHECK(std::string(rnn_cuda_last_error()).find("gather") != std::string::npos);
  CHECK(host[2] == 0.0f && host[3] == 0.0f && host[0] == 1.0f);  // the bad row is zeros, the rest is right
  CU_OK(rnn_cuda_synchronize());                                  // reported once, then cleared
  const std::vector<int32_t> neg = {-1};
  Dev<int32_t> dn(neg);
  Dev<float> upd(std::vector<float>(2, 1.0f)), acc(8);
  CU_OK(rnn_cuda_scatter_add(RNN_F32, dn.p, 1, upd.p, 2, 4, acc.p));
  CU_STATUS(rnn_cuda_synchronize(), RNN_ERR_INDEX);
  CHECK(std::string(rnn_cuda_last_error()).find("scatterAdd") != std::string::npos);
  same(acc.host(), std::vector<float>(8, 0.0f), 0, "scatter with a bad index leaves zeros");
}

TEST(primitives, memory) {
  const int64_t before = rnn_cuda_bytes_in_use();
  {
    Dev<double> a(1000);
    CHECK(rnn_cuda_bytes_in_use() >= before + 8000);
    const std::vector<double> v = values<double>(1000);
    CU_OK(rnn_cuda_copy_h2d(a.p, v.data(), 8000));
    Dev<double> b(1000);
    CU_OK(rnn_cuda_copy_d2d(b.p, a.p, 8000));
    same(b.host(), v, 0, "d2d copy");
  }
  CHECK(rnn_cuda_bytes_in_use() == before);
  CU_OK(rnn_cuda_free(nullptr));
}
