// Layout kernels against naive index arithmetic.
#include <algorithm>
#include <cstring>
#include <vector>
#include <numeric>

#include "harness.h"

namespace {

using th::Shape;
using th::numel;

std::vector<int64_t> strides(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t k = 1;
  for (int d = int(s.size()) - 1; d >= 0; --d) {
    st[d] = k;
    k *= s[d];
  }
  return st;
}

void check_transpose(const Shape& shape, const std::vector<int>& perm) {
  const int64_t n = numel(shape);
  std::vector<double> x(n);
  std::iota(x.begin(), x.end(), 0.0);
  std::vector<double> out(n, -1);
  CHECK_OK(rnn_transpose(RNN_F64, x.data(), shape.data(), int(shape.size()), perm.data(), out.data()));
  Shape os(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) os[i] = shape[perm[i]];
  const auto is = strides(shape);
  for (int64_t o = 0; o < n; ++o) {
    int64_t rem = o, src = 0;
    for (int d = int(os.size()) - 1; d >= 0; --d) {
      src += (rem % os[d]) * is[perm[d]];
      rem /= os[d];
    }
    if (out[o] != x[src]) {
      CHECK_MSG(false, "transpose mismatch at " + std::to_string(o));
      return;
    }
  }
  std::vector<float> xf(x.begin(), x.end()), of(n);
  CHECK_OK(rnn_transpose(RNN_F32, xf.data(), shape.data(), int(shape.size()), perm.data(), of.data()));
  CHECK_ALL_NEAR(of, out, n, 0);
}

}  // namespace

TEST(shape_ops, transpose_all_perms) {
  const std::vector<Shape> shapes = {{5}, {3, 4}, {2, 3, 4}, {3, 1, 5, 2}, {70, 45}, {4, 33, 40}};
  for (const auto& s : shapes) {
    std::vector<int> perm(s.size());
    std::iota(perm.begin(), perm.end(), 0);
    do check_transpose(s, perm);
    while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(shape_ops, slice_and_pad) {
  const Shape s = {4, 5, 6};
  const int64_t n = numel(s);
  std::vector<double> x(n);
  std::iota(x.begin(), x.end(), 0.0);
  const auto st = strides(s);
  const int64_t begin[3] = {1, 0, 2}, size[3] = {2, 5, 3};
  std::vector<double> out(2 * 5 * 3);
  CHECK_OK(rnn_slice(RNN_F64, x.data(), s.data(), 3, begin, size, out.data()));
  int64_t k = 0;
  bool ok = true;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      for (int64_t l = 0; l < 3; ++l) ok = ok && out[k++] == x[(i + 1) * st[0] + j * st[1] + (l + 2) * st[2]];
  CHECK(ok);
  // pad then slice back is the identity; padding is zero
  const int64_t before[3] = {1, 0, 2}, after[3] = {0, 3, 1};
  const Shape ps = {5, 8, 9};
  std::vector<double> padded(numel(ps), 7);
  CHECK_OK(rnn_pad(RNN_F64, x.data(), s.data(), 3, before, after, padded.data()));
  std::vector<double> back(n);
  CHECK_OK(rnn_slice(RNN_F64, padded.data(), ps.data(), 3, before, s.data(), back.data()));
  CHECK_ALL_NEAR(back, x, n, 0);
  double total = 0;
  for (double v : padded) total += v;
  CHECK_NEAR(total, std::accumulate(x.begin(), x.end(), 0.0), 0);
  const int64_t bad[3] = {3, 0, 0};
  CHECK_STATUS(rnn_slice(RNN_F64, x.data(), s.data(), 3, bad, size, out.data()), RNN_ERR_INDEX);
}

TEST(shape_ops, concat_along_middle_axis) {
  // [2, 1, 3] ++ [2, 2, 3] along axis 1
  float a[6] = {1, 2, 3, 4, 5, 6}, b[12] = {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, out[18];
  const void* xs[2] = {a, b};
  const int64_t sizes[2] = {1, 2};
  CHECK_OK(rnn_concat(RNN_F32, xs, sizes, 2, 2, 3, out));
  const float want[18] = {1, 2, 3, 7, 8, 9, 10, 11, 12, 4, 5, 6, 13, 14, 15, 16, 17, 18};
  CHECK_ALL_NEAR(out, want, 18, 0);
}

TEST(shape_ops, gather_and_scatter_add) {
  double x[8] = {0, 1, 10, 11, 20, 21, 30, 31};  // [4, 2]
  int32_t idx[5] = {3, 0, 3, 2, 1};
  double g[10];
  CHECK_OK(rnn_gather(RNN_F64, x, 4, 2, idx, 5, g));
  const double gw[10] = {30, 31, 0, 1, 30, 31, 20, 21, 10, 11};
  CHECK_ALL_NEAR(g, gw, 10, 0);
  double s[8];
  CHECK_OK(rnn_scatter_add(RNN_F64, idx, 5, g, 2, 4, s));
  const double sw[8] = {0, 1, 10, 11, 20, 21, 60, 62};
  CHECK_ALL_NEAR(s, sw, 8, 0);
  int32_t bad[2] = {0, 4};
  CHECK_STATUS(rnn_gather(RNN_F64, x, 4, 2, bad, 2, g), RNN_ERR_INDEX);
  CHECK(std::strstr(rnn_last_error(), "out of range") != nullptr);
  int32_t neg[1] = {-1};
  CHECK_STATUS(rnn_scatter_add(RNN_F64, neg, 1, g, 2, 4, s), RNN_ERR_INDEX);
  int32_t iu[2] = {5, 6}, io[2];
  int32_t one[2] = {1, 1};
  CHECK_OK(rnn_scatter_add(RNN_I32, one, 2, iu, 1, 2, io));
  CHECK(io[0] == 0 && io[1] == 11);
}

// An embedding-sized gradient: its zero fill is split across the pool (fill_inplace, issue 22); every
// element untouched by an index is still 0 and the sums are those of one thread, at 1 and 2 threads,
// for row counts that do not divide evenly between the threads.
TEST(shape_ops, scatter_add_large_split_fill) {
  const int64_t rows = 3001, row = 97;  // 291,097 elements: above the split's 65,536 per task
  std::vector<int32_t> idx = {3000, 0, 1500, 3000, 7};
  std::vector<float> upd(idx.size() * row);
  for (size_t i = 0; i < upd.size(); ++i) upd[i] = float(i % 13) * 0.25f + 1.0f;
  const int before = rnn_get_num_threads();
  std::vector<float> out[2];
  for (int t = 1; t <= 2; ++t) {
    CHECK_OK(rnn_set_num_threads(t));
    std::vector<float>& o = out[t - 1];
    o.assign(size_t(rows * row), -7.0f);  // garbage the fill must overwrite
    CHECK_OK(rnn_scatter_add(RNN_F32, idx.data(), int64_t(idx.size()), upd.data(), row, rows, o.data()));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < row; ++j) {
        float want = 0;
        for (size_t i = 0; i < idx.size(); ++i)
          if (idx[i] == r) want += upd[i * row + j];
        CHECK(o[size_t(r * row + j)] == want);
      }
  }
  CHECK_OK(rnn_set_num_threads(before));
  CHECK(std::memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(float)) == 0);
}
