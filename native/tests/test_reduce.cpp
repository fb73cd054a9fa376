// Reductions against naive loops over every subset of axes.
#include "harness.h"

namespace {

using Shape = std::vector<int64_t>;

void check_case(const Shape& shape, const std::vector<int>& axes) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  auto x = th::random_vec<double>(n, -3, 3);
  std::vector<bool> red(shape.size(), false);
  for (int a : axes) red[a] = true;
  Shape out_shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!red[d]) out_shape.push_back(shape[d]);
  int64_t on = 1;
  for (auto d : out_shape) on *= d;
  for (int op = 0; op < RNN_REDUCE_COUNT; ++op) {
    std::vector<double> want(on, op == RNN_SUM ? 0 : (op == RNN_RMAX ? -INFINITY : INFINITY));
    for (int64_t i = 0; i < n; ++i) {
      int64_t rem = i, o = 0, stride = 1;
      for (int d = int(shape.size()) - 1; d >= 0; --d) {
        const int64_t c = rem % shape[d];
        rem /= shape[d];
        if (!red[d]) {
          o += c * stride;
          stride *= shape[d];
        }
      }
      if (op == RNN_SUM) want[o] += x[i];
      else if (op == RNN_RMAX) want[o] = std::max(want[o], x[i]);
      else want[o] = std::min(want[o], x[i]);
    }
    std::vector<double> got(on);
    CHECK_OK(rnn_reduce(RNN_F64, op, x.data(), shape.data(), int(shape.size()), axes.data(), int(axes.size()),
                        got.data()));
    CHECK_ALL_NEAR(got, want, on, 1e-12);
    std::vector<float> xf(x.begin(), x.end()), gf(on);
    CHECK_OK(rnn_reduce(RNN_F32, op, xf.data(), shape.data(), int(shape.size()), axes.data(), int(axes.size()),
                        gf.data()));
    CHECK_ALL_NEAR(gf, want, on, 1e-5);
  }
}

}  // namespace

TEST(reduce, every_axis_subset) {
  const std::vector<Shape> shapes = {{7}, {3, 5}, {2, 3, 4}, {4, 1, 3, 2}, {1, 6, 1}, {2, 3, 2, 3, 2}};
  for (const auto& s : shapes) {
    const int r = int(s.size());
    for (int mask = 1; mask < (1 << r); ++mask) {
      std::vector<int> axes;
      for (int d = 0; d < r; ++d)
        if (mask & (1 << d)) axes.push_back(d);
      check_case(s, axes);
    }
  }
}

TEST(reduce, nan_propagates_and_empty_gives_identity) {
  double x[4] = {1, NAN, 3, 2}, o[1];
  const int64_t s[1] = {4};
  const int ax[1] = {0};
  CHECK_OK(rnn_reduce(RNN_F64, RNN_RMAX, x, s, 1, ax, 1, o));
  CHECK(std::isnan(o[0]));
  CHECK_OK(rnn_reduce(RNN_F64, RNN_RMIN, x, s, 1, ax, 1, o));
  CHECK(std::isnan(o[0]));
  const int64_t e[2] = {3, 0};
  const int ax1[1] = {1};
  double oe[3];
  CHECK_OK(rnn_reduce(RNN_F64, RNN_SUM, nullptr, e, 2, ax1, 1, oe));
  CHECK(oe[0] == 0 && oe[2] == 0);
  CHECK_OK(rnn_reduce(RNN_F64, RNN_RMAX, nullptr, e, 2, ax1, 1, oe));
  CHECK(oe[1] == -INFINITY);
}

TEST(reduce, int32_sum) {
  int32_t x[6] = {1, 2, 3, 4, 5, 6}, o[2];
  const int64_t s[2] = {2, 3};
  const int ax[1] = {1};
  CHECK_OK(rnn_reduce(RNN_I32, RNN_SUM, x, s, 2, ax, 1, o));
  CHECK(o[0] == 6 && o[1] == 15);
}

TEST(reduce, rejects_bad_axes) {
  double x[6] = {0}, o[6];
  const int64_t s[2] = {2, 3};
  const int bad[1] = {2}, twice[2] = {1, 1};
  CHECK_STATUS(rnn_reduce(RNN_F64, RNN_SUM, x, s, 2, bad, 1, o), RNN_ERR_INDEX);
  CHECK_STATUS(rnn_reduce(RNN_F64, RNN_SUM, x, s, 2, twice, 2, o), RNN_ERR_ARG);
}

TEST(reduce, argmax_first_index_on_ties) {
  // [2, 3, 2]: argmax over the middle axis
  double x[12] = {1, 5, 3, 5, 3, 0,  //
                  -1, -1, -1, -1, -2, -1};
  int32_t o[4];
  CHECK_OK(rnn_argmax(RNN_F64, x, 2, 3, 2, o));
  CHECK(o[0] == 1 && o[1] == 0 && o[2] == 0 && o[3] == 0);
  float xf[5] = {0, 2, 7, 7, 1};
  CHECK_OK(rnn_argmax(RNN_F32, xf, 1, 5, 1, o));
  CHECK(o[0] == 2);
  CHECK_STATUS(rnn_argmax(RNN_F32, xf, 1, 0, 1, o), RNN_ERR_SHAPE);
}
