// The attention step: forward against the equations (float64 and float32), masking (weights past a
// row's length exactly 0, nothing there read or given a gradient), backward against finite
// differences (float64), and the binding checks (rnn_attn_check_args).
#include <cstring>

#include "harness.h"

namespace {

struct Attn {
  int score;
  int64_t B, Tq, Ts, D, Dv;
  std::vector<int32_t> lengths;  // empty: all Ts
  std::vector<double> q, k, val, v;
  rnn_attn_desc desc(int dtype) const {
    return rnn_attn_desc{score, dtype, B, Tq, Ts, D, Dv, lengths.empty() ? nullptr : lengths.data()};
  }
};

Attn make(int score, int64_t B, int64_t Tq, int64_t Ts, int64_t D, int64_t Dv, std::vector<int32_t> lengths) {
  return Attn{score, B, Tq, Ts, D, Dv, std::move(lengths), th::random_vec<double>(B * Tq * D),
              th::random_vec<double>(B * Ts * D), th::random_vec<double>(B * Ts * Dv), th::random_vec<double>(D)};
}

// The equations, one element at a time.
void reference(const Attn& a, std::vector<double>& c, std::vector<double>& w) {
  c.assign(a.B * a.Tq * a.Dv, 0);
  w.assign(a.B * a.Tq * a.Ts, 0);
  for (int64_t b = 0; b < a.B; ++b) {
    const int64_t L = a.lengths.empty() ? a.Ts : a.lengths[b];
    for (int64_t i = 0; i < a.Tq; ++i) {
      std::vector<double> e(L);
      double m = -1e300, z = 0;
      for (int64_t j = 0; j < L; ++j) {
        double s = 0;
        for (int64_t d = 0; d < a.D; ++d) {
          const double qd = a.q[(b * a.Tq + i) * a.D + d], kd = a.k[(b * a.Ts + j) * a.D + d];
          s += a.score == RNN_ATTN_DOT ? qd * kd : a.v[d] * std::tanh(qd + kd);
        }
        e[j] = s;
        m = std::max(m, s);
      }
      for (int64_t j = 0; j < L; ++j) z += std::exp(e[j] - m);
      for (int64_t j = 0; j < L; ++j) {
        const double wj = std::exp(e[j] - m) / z;
        w[(b * a.Tq + i) * a.Ts + j] = wj;
        for (int64_t d = 0; d < a.Dv; ++d) c[(b * a.Tq + i) * a.Dv + d] += wj * a.val[(b * a.Ts + j) * a.Dv + d];
      }
    }
  }
}

template <class T>
void forward(const Attn& a, std::vector<double>& c, std::vector<double>& w) {
  auto cast = [](const std::vector<double>& x) { return std::vector<T>(x.begin(), x.end()); };
  const auto q = cast(a.q), k = cast(a.k), val = cast(a.val), v = cast(a.v);
  std::vector<T> ct(a.B * a.Tq * a.Dv, T(-7)), wt(a.B * a.Tq * a.Ts, T(-7));  // every element must be written
  const rnn_attn_desc d = a.desc(std::is_same_v<T, float> ? RNN_F32 : RNN_F64);
  CHECK_OK(rnn_attn_forward(&d, q.data(), k.data(), val.data(), a.score == RNN_ATTN_ADDITIVE ? v.data() : nullptr,
                            ct.data(), wt.data()));
  c.assign(ct.begin(), ct.end());
  w.assign(wt.begin(), wt.end());
}

const std::vector<Attn>& cases() {
  static const std::vector<Attn> all = {
      make(RNN_ATTN_DOT, 3, 1, 5, 4, 3, {5, 2, 1}), make(RNN_ATTN_ADDITIVE, 3, 1, 5, 4, 3, {5, 2, 1}),
      make(RNN_ATTN_DOT, 2, 3, 4, 19, 5, {}),       make(RNN_ATTN_ADDITIVE, 2, 3, 4, 19, 5, {}),
      make(RNN_ATTN_DOT, 4, 2, 3, 37, 33, {3, 1, 2, 3}), make(RNN_ATTN_ADDITIVE, 4, 2, 3, 37, 33, {3, 1, 2, 3}),
  };
  return all;
}

bool says(const char* text) { return std::strstr(rnn_last_error(), text) != nullptr; }

}  // namespace

TEST(attention, forward_matches_equations) {
  for (const Attn& a : cases()) {
    std::vector<double> c, w, rc, rw;
    reference(a, rc, rw);
    forward<double>(a, c, w);
    CHECK_ALL_NEAR(c, rc, rc.size(), 1e-12);
    CHECK_ALL_NEAR(w, rw, rw.size(), 1e-12);
    forward<float>(a, c, w);
    CHECK_ALL_NEAR(c, rc, rc.size(), 2e-5);
    CHECK_ALL_NEAR(w, rw, rw.size(), 2e-5);
    // past each row's length: exactly 0
    for (int64_t b = 0; b < a.B && !a.lengths.empty(); ++b)
      for (int64_t i = 0; i < a.Tq; ++i)
        for (int64_t j = a.lengths[b]; j < a.Ts; ++j) CHECK(w[(b * a.Tq + i) * a.Ts + j] == 0.0);
  }
}

TEST(attention, backward_matches_finite_differences) {
  for (Attn a : cases()) {
    const bool add = a.score == RNN_ATTN_ADDITIVE;
    const auto rc = th::random_vec<double>(a.B * a.Tq * a.Dv), rw = th::random_vec<double>(a.B * a.Tq * a.Ts);
    std::vector<double> c, w;
    forward<double>(a, c, w);
    std::vector<double> dq(a.q.size(), 9), dk(a.k.size(), 9), dval(a.val.size(), 9), dv(a.v.size(), 9);
    const rnn_attn_desc d = a.desc(RNN_F64);
    CHECK_OK(rnn_attn_backward(&d, a.q.data(), a.k.data(), a.val.data(), add ? a.v.data() : nullptr, w.data(),
                               rc.data(), rw.data(), dq.data(), dk.data(), dval.data(), add ? dv.data() : nullptr));
    auto loss = [&]() {
      std::vector<double> cc, ww;
      forward<double>(a, cc, ww);
      double s = 0;
      for (size_t i = 0; i < cc.size(); ++i) s += cc[i] * rc[i];
      for (size_t i = 0; i < ww.size(); ++i) s += ww[i] * rw[i];
      return s;
    };
    th::GradPairs ps = {{&a.q, &dq}, {&a.k, &dk}, {&a.val, &dval}};
    if (add) ps.push_back({&a.v, &dv});
    CHECK_CENTRAL_DIFFERENCES(ps, loss, 1e-6);
    // padded source steps: no gradient at all (their values were never read)
    for (int64_t b = 0; b < a.B && !a.lengths.empty(); ++b)
      for (int64_t j = a.lengths[b]; j < a.Ts; ++j) {
        for (int64_t e = 0; e < a.D; ++e) CHECK(dk[(b * a.Ts + j) * a.D + e] == 0.0);
        for (int64_t e = 0; e < a.Dv; ++e) CHECK(dval[(b * a.Ts + j) * a.Dv + e] == 0.0);
      }
  }
}

TEST(attention, backward_without_incoming_gradients_is_zero) {
  Attn a = make(RNN_ATTN_ADDITIVE, 2, 2, 3, 4, 2, {3, 1});
  std::vector<double> c, w;
  forward<double>(a, c, w);
  std::vector<double> dq(a.q.size(), 9), dk(a.k.size(), 9), dval(a.val.size(), 9), dv(a.v.size(), 9);
  const rnn_attn_desc d = a.desc(RNN_F64);
  CHECK_OK(rnn_attn_backward(&d, a.q.data(), a.k.data(), a.val.data(), a.v.data(), w.data(), nullptr, nullptr,
                             dq.data(), dk.data(), dval.data(), dv.data()));
  for (auto* g : {&dq, &dk, &dval, &dv})
    for (double x : *g) CHECK(x == 0.0);
}

TEST(attention, refuses_bad_descriptors) {
  Attn a = make(RNN_ATTN_DOT, 2, 1, 3, 2, 2, {3, 4});
  std::vector<double> c(2 * 2), w(2 * 3);
  rnn_attn_desc d = a.desc(RNN_F64);
  CHECK_STATUS(rnn_attn_forward(&d, a.q.data(), a.k.data(), a.val.data(), nullptr, c.data(), w.data()), RNN_ERR_INDEX);
  CHECK(says("lengths[1] = 4 is out of range; expected 1..3"));
  a.lengths = {0, 1};
  d = a.desc(RNN_F64);
  CHECK_STATUS(rnn_attn_forward(&d, a.q.data(), a.k.data(), a.val.data(), nullptr, c.data(), w.data()), RNN_ERR_INDEX);
  d = a.desc(RNN_I32);
  d.lengths = nullptr;
  CHECK_STATUS(rnn_attn_forward(&d, a.q.data(), a.k.data(), a.val.data(), nullptr, c.data(), w.data()), RNN_ERR_ARG);
  d = a.desc(RNN_F64);
  d.lengths = nullptr;
  d.score = 2;
  CHECK_STATUS(rnn_attn_forward(&d, a.q.data(), a.k.data(), a.val.data(), nullptr, c.data(), w.data()), RNN_ERR_ARG);
  CHECK(says("unknown score 2"));
  d.score = RNN_ATTN_ADDITIVE;
  CHECK_STATUS(rnn_attn_forward(&d, a.q.data(), a.k.data(), a.val.data(), nullptr, c.data(), w.data()), RNN_ERR_ARG);
  CHECK(says("v is null"));
  d.score = RNN_ATTN_DOT;
  d.sources = 0;
  CHECK_STATUS(rnn_attn_forward(&d, a.q.data(), a.k.data(), a.val.data(), nullptr, c.data(), w.data()), RNN_ERR_SHAPE);
  CHECK(says("no source steps"));
}

TEST(check_args, attention) {
  // dot, batch 2, queries 1, sources 3, features 4, values 5
  std::vector<int32_t> lengths = {3, 2};
  rnn_attn_desc d{RNN_ATTN_DOT, RNN_F32, 2, 1, 3, 4, 5, nullptr};
  rnn_array_info a[RNN_ATTN_ARG_COUNT];
  for (auto& x : a) x = {-1, -1};
  a[RNN_ATTN_Q] = {8, RNN_F32};
  a[RNN_ATTN_K] = {24, RNN_F32};
  a[RNN_ATTN_VAL] = {30, RNN_F32};
  CHECK_OK(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a));
  a[RNN_ATTN_VAL].count = 29;
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_SHAPE);
  CHECK(says("val has 29 elements but shape [2, 3, 5] needs 30"));
  a[RNN_ATTN_VAL].count = 30;
  a[RNN_ATTN_K].dtype = RNN_F64;
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_DTYPE);
  a[RNN_ATTN_K].dtype = RNN_F32;
  d.score = RNN_ATTN_ADDITIVE;
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_ARG);
  CHECK(says("v is missing"));
  a[RNN_ATTN_V] = {4, RNN_F32};
  CHECK_OK(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a));
  // lengths: counted before any value is read
  d.lengths = lengths.data();
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_ARG);
  a[RNN_ATTN_LENGTHS] = {1, RNN_I32};
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_SHAPE);
  a[RNN_ATTN_LENGTHS] = {2, RNN_I32};
  CHECK_OK(rnn_attn_check_args(&d, RNN_PASS_FORWARD, a));
  // backward needs the forward's weights
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_ARG);
  CHECK(says("weights is missing"));
  a[RNN_ATTN_WEIGHTS] = {6, RNN_F32};
  a[RNN_ATTN_DCONTEXT] = {9, RNN_F32};
  CHECK_STATUS(rnn_attn_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_SHAPE);
  CHECK(says("dcontext has 9 elements but shape [2, 1, 5] needs 10"));
  a[RNN_ATTN_DCONTEXT] = {10, RNN_F32};
  CHECK_OK(rnn_attn_check_args(&d, RNN_PASS_BACKWARD, a));
}
