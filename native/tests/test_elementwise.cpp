// Elementwise kernels against naive index arithmetic.
#include <cstring>
#include <limits>

#include "harness.h"

namespace {

using th::Shape;
using th::numel;

// Flat index into operand `s` (right-aligned, broadcast) of the output's flat index `o`.
int64_t bcast_index(const Shape& out, const Shape& s, int64_t o) {
  int64_t idx = 0, stride = 1;
  for (int d = int(out.size()) - 1, k = int(s.size()) - 1; d >= 0; --d, --k) {
    const int64_t c = o % out[d];
    o /= out[d];
    if (k >= 0) {
      if (s[k] != 1) idx += c * stride;
      stride *= s[k];
    }
  }
  return idx;
}

double ref_binary(int op, double a, double b) {
  switch (op) {
    case RNN_ADD: return a + b;
    case RNN_SUB: return a - b;
    case RNN_MUL: return a * b;
    case RNN_DIV: return a / b;
    case RNN_MAX: return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    case RNN_MIN: return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    case RNN_POW: return std::pow(a, b);
    case RNN_GT: return a > b;
    case RNN_GE: return a >= b;
    default: return a == b;
  }
}

void check_binary_case(const Shape& as, const Shape& bs, const Shape& os) {
  auto a = th::random_vec<double>(numel(as), 0.1, 2);
  auto b = th::random_vec<double>(numel(bs), 0.1, 2);
  if (!b.empty()) b[0] = a.empty() ? 1 : a[0];  // an equal pair for eq/ge
  for (int op = 0; op < RNN_BINARY_COUNT; ++op) {
    std::vector<double> out(numel(os), -7);
    CHECK_OK(rnn_binary(RNN_F64, op, a.data(), as.data(), int(as.size()), b.data(), bs.data(), int(bs.size()),
                        out.data(), os.data(), int(os.size())));
    std::vector<double> want(out.size());
    for (int64_t o = 0; o < numel(os); ++o) want[o] = ref_binary(op, a[bcast_index(os, as, o)], b[bcast_index(os, bs, o)]);
    CHECK_ALL_NEAR(out, want, out.size(), 1e-15);
    // float32 agrees to rounding
    std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end()), of(out.size());
    CHECK_OK(rnn_binary(RNN_F32, op, af.data(), as.data(), int(as.size()), bf.data(), bs.data(), int(bs.size()),
                        of.data(), os.data(), int(os.size())));
    std::vector<double> wantf(out.size());
    for (int64_t o = 0; o < numel(os); ++o)
      wantf[o] = ref_binary(op, af[bcast_index(os, as, o)], bf[bcast_index(os, bs, o)]);
    CHECK_ALL_NEAR(of, wantf, of.size(), 1e-6);
  }
}

}  // namespace

TEST(elementwise, unary_float_matches_libm) {
  auto x = th::random_vec<double>(1000, -5, 5);
  x[0] = 0;
  x[1] = -0.0;
  x[2] = NAN;
  x[3] = 1e-30;
  for (int op = 0; op < RNN_UNARY_COUNT; ++op) {
    std::vector<double> y(x.size());
    CHECK_OK(rnn_unary(RNN_F64, op, x.data(), y.data(), int64_t(x.size())));
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      double w;
      switch (op) {
        case RNN_NEG: w = -v; break;
        case RNN_EXP: w = std::exp(v); break;
        case RNN_LOG: w = std::log(v); break;
        case RNN_TANH: w = std::tanh(v); break;
        case RNN_SIGMOID: w = 1 / (1 + std::exp(-v)); break;
        case RNN_RELU: w = std::isnan(v) ? v : (v > 0 ? v : 0); break;
        case RNN_SQRT: w = std::sqrt(v); break;
        case RNN_ABS: w = std::fabs(v); break;
        case RNN_SIGN: w = std::isnan(v) ? v : (v > 0 ? 1 : (v < 0 ? -1 : 0)); break;
        case RNN_SQUARE: w = v * v; break;
        case RNN_RECIPROCAL: w = 1 / v; break;
        default: w = v > 0 ? 1 : 0;
      }
      if (!th::near(y[i], w, 1e-15)) {
        CHECK_MSG(false, "unary op " + std::to_string(op) + " at x=" + std::to_string(v));
        break;
      }
    }
    std::vector<float> xf(x.begin(), x.end()), yf(x.size());
    CHECK_OK(rnn_unary(RNN_F32, op, xf.data(), yf.data(), int64_t(x.size())));
    for (size_t i = 0; i < x.size(); ++i) CHECK_NEAR(yf[i], y[i], op == RNN_LOG || op == RNN_RECIPROCAL ? 1e-5 : 1e-6);
  }
}

// float32 tanh is evaluated in double and rounded once (core/scalar.h m_tanh): it must equal
// (float)tanh((double)x) bit for bit. 2^24 floats spread over every exponent (the stride walks all
// bit patterns; written against an exhaustive check of all 2^32), plus the special values.
TEST(elementwise, tanh_f32_is_correctly_rounded) {
  const int64_t n = int64_t(1) << 24;
  std::vector<float> x(size_t(n) + 8), y(x.size());
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = uint32_t(i) * 256u + uint32_t(i % 251);
    std::memcpy(&x[size_t(i)], &bits, sizeof bits);
  }
  const float special[8] = {0.f, -0.f, INFINITY, -INFINITY, NAN, 1e-45f, 0.0625f, 20.f};
  for (int k = 0; k < 8; ++k) x[size_t(n) + size_t(k)] = special[k];
  CHECK_OK(rnn_unary(RNN_F32, RNN_TANH, x.data(), y.data(), int64_t(x.size())));
  int64_t wrong = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = static_cast<float>(std::tanh(static_cast<double>(x[i])));
    uint32_t a, b;
    std::memcpy(&a, &y[i], sizeof a);
    std::memcpy(&b, &want, sizeof b);
    if (a != b && !(std::isnan(want) && std::isnan(y[i]))) {
      if (wrong == 0) CHECK_MSG(false, "tanh at x=" + std::to_string(x[i]) + ": " + std::to_string(y[i]) + ", want " + std::to_string(want));
      ++wrong;
    }
  }
  CHECK(wrong == 0);
  CHECK(std::signbit(y[size_t(n) + 1]) && y[size_t(n) + 2] == 1.f && y[size_t(n) + 3] == -1.f && std::isnan(y[size_t(n) + 4]));
}

TEST(elementwise, sigmoid_saturates_without_nan) {
  float x[4] = {-1000.f, 1000.f, -90.f, 90.f}, y[4];
  CHECK_OK(rnn_unary(RNN_F32, RNN_SIGMOID, x, y, 4));
  CHECK(y[0] == 0.f && y[1] == 1.f && y[2] >= 0.f && y[3] == 1.f);
}

TEST(elementwise, unary_int32_uses_js_semantics) {
  int32_t x[5] = {-3, 0, 7, 2147483647, -2147483647 - 1}, y[5];
  CHECK_OK(rnn_unary(RNN_I32, RNN_NEG, x, y, 5));
  CHECK(y[0] == 3 && y[1] == 0 && y[2] == -7 && y[3] == -2147483647 && y[4] == -2147483647 - 1);
  CHECK_OK(rnn_unary(RNN_I32, RNN_SQUARE, x, y, 3));
  CHECK(y[0] == 9 && y[2] == 49);
  CHECK_OK(rnn_unary(RNN_I32, RNN_SIGN, x, y, 3));
  CHECK(y[0] == -1 && y[1] == 0 && y[2] == 1);
}

TEST(elementwise, binary_broadcasting) {
  check_binary_case({3, 4}, {3, 4}, {3, 4});
  check_binary_case({3, 1}, {1, 4}, {3, 4});
  check_binary_case({}, {2, 3}, {2, 3});
  check_binary_case({2, 3}, {}, {2, 3});
  check_binary_case({2, 3, 4}, {4}, {2, 3, 4});
  check_binary_case({2, 1, 4}, {3, 1}, {2, 3, 4});
  check_binary_case({5, 1, 1, 3}, {1, 2, 7, 1}, {5, 2, 7, 3});
  check_binary_case({1}, {1}, {1});
  check_binary_case({0, 3}, {3}, {0, 3});
  check_binary_case({}, {}, {});
  check_binary_case({4, 1}, {4, 6}, {4, 6});
}

TEST(elementwise, binary_int32_wraps_like_js) {
  int32_t a[4] = {7, -7, 2147483647, 5}, b[4] = {2, 2, 1, 0}, o[4];
  const int64_t s[1] = {4};
  CHECK_OK(rnn_binary(RNN_I32, RNN_DIV, a, s, 1, b, s, 1, o, s, 1));
  CHECK(o[0] == 3 && o[1] == -3 && o[2] == 2147483647 && o[3] == 0);  // 5/0 = Infinity -> 0
  CHECK_OK(rnn_binary(RNN_I32, RNN_ADD, a, s, 1, b, s, 1, o, s, 1));
  CHECK(o[2] == -2147483647 - 1);
}

TEST(elementwise, binary_rejects_bad_shapes) {
  double a[6] = {0}, b[4] = {0}, o[6];
  const int64_t as[2] = {2, 3}, bs[1] = {4}, os[2] = {2, 3};
  CHECK_STATUS(rnn_binary(RNN_F64, RNN_ADD, a, as, 2, b, bs, 1, o, os, 2), RNN_ERR_SHAPE);
  CHECK(std::strstr(rnn_last_error(), "broadcast") != nullptr);
  CHECK_STATUS(rnn_binary(RNN_F64, 99, a, as, 2, a, as, 2, o, os, 2), RNN_ERR_ARG);
  CHECK_STATUS(rnn_binary(7, RNN_ADD, a, as, 2, a, as, 2, o, os, 2), RNN_ERR_ARG);
  const int64_t neg[2] = {-1, 3};
  CHECK_STATUS(rnn_binary(RNN_F64, RNN_ADD, a, neg, 2, a, as, 2, o, os, 2), RNN_ERR_SHAPE);
}

TEST(elementwise, where_broadcasts_three_ways) {
  const Shape cs = {2, 1}, as = {3}, bs = {2, 3}, os = {2, 3};
  double c[2] = {1, 0}, a[3] = {1, 2, 3}, b[6] = {10, 20, 30, 40, 50, 60}, o[6];
  CHECK_OK(rnn_where(RNN_F64, c, cs.data(), 2, a, as.data(), 1, b, bs.data(), 2, o, os.data(), 2));
  const double want[6] = {1, 2, 3, 40, 50, 60};
  CHECK_ALL_NEAR(o, want, 6, 0);
  double cn[2] = {NAN, 0};  // NaN != 0 picks a
  CHECK_OK(rnn_where(RNN_F64, cn, cs.data(), 2, a, as.data(), 1, b, bs.data(), 2, o, os.data(), 2));
  CHECK(o[0] == 1);
}

TEST(elementwise, cast_follows_to_int32) {
  double x[7] = {2.7, -2.7, NAN, 4294967301.0, 2147483648.0, -1e300, 0.5};
  int32_t y[7];
  CHECK_OK(rnn_cast(RNN_F64, x, RNN_I32, y, 7));
  CHECK(y[0] == 2 && y[1] == -2 && y[2] == 0 && y[3] == 5 && y[4] == -2147483647 - 1 && y[6] == 0);
  int32_t i[3] = {1, -2, 3};
  float f[3];
  CHECK_OK(rnn_cast(RNN_I32, i, RNN_F32, f, 3));
  CHECK(f[0] == 1.f && f[1] == -2.f && f[2] == 3.f);
  double d[3];
  CHECK_OK(rnn_cast(RNN_F32, f, RNN_F64, d, 3));
  CHECK(d[1] == -2.0);
}
