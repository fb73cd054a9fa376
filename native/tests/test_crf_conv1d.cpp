// The CRF and conv1d C API: values against brute force / a direct loop (float64), and the
// memory-safety refusals of rnn_crf_check_args, rnn_conv1d_check_args and the entry points.
#include <cstring>

#include "harness.h"

namespace {

bool says(const char* text) { return std::strstr(rnn_last_error(), text) != nullptr; }

// B=2, T=3, K=2; row 1 has length 2.
struct Crf {
  int64_t B = 2, T = 3, K = 2;
  std::vector<double> e = th::random_vec<double>(12, -2, 2), tr = th::random_vec<double>(4), st = th::random_vec<double>(2),
                      en = th::random_vec<double>(2);
  std::vector<int32_t> len{3, 2}, gold{1, 0, 1, 0, 1, 0};
  rnn_crf_desc desc() const { return rnn_crf_desc{RNN_F64, B, T, K, len.data(), gold.data()}; }
  double score(int64_t b, const std::vector<int>& p) const {
    double s = st[p[0]] + en[p.back()];
    for (size_t t = 0; t < p.size(); ++t) s += e[(b * T + t) * K + p[t]] + (t ? tr[p[t - 1] * K + p[t]] : 0);
    return s;
  }
};

}  // namespace

TEST(crf_conv1d, crf_nll_and_viterbi_match_brute_force) {
  Crf c;
  rnn_crf_desc d = c.desc();
  std::vector<double> nll(2), reserve(rnn_crf_reserve_size(&d));
  CHECK_OK(rnn_crf_nll_forward(&d, c.e.data(), c.tr.data(), c.st.data(), c.en.data(), nll.data(), reserve.data()));
  std::vector<int32_t> tags(6);
  std::vector<double> scores(2);
  CHECK_OK(rnn_crf_viterbi(&d, c.e.data(), c.tr.data(), c.st.data(), c.en.data(), tags.data(), scores.data()));
  for (int64_t b = 0; b < 2; ++b) {
    const int L = c.len[b];
    double z = 0, best = -1e300;
    std::vector<int> arg;
    for (int m = 0; m < (1 << L); ++m) {
      std::vector<int> p(L);
      for (int t = 0; t < L; ++t) p[t] = (m >> (L - 1 - t)) & 1;
      const double s = c.score(b, p);
      z += std::exp(s);
      if (s > best) best = s, arg = p;
    }
    std::vector<int> g(c.gold.begin() + b * 3, c.gold.begin() + b * 3 + L);
    CHECK_NEAR(nll[b], std::log(z) - c.score(b, g), 1e-12);
    CHECK_NEAR(scores[b], best, 1e-12);
    for (int t = 0; t < L; ++t) CHECK(tags[b * 3 + t] == arg[t]);
  }
  CHECK(tags[5] == 0);  // past row 1's length
}

TEST(crf_conv1d, crf_backward_emission_gradients_are_marginals_minus_gold) {
  Crf c;
  rnn_crf_desc d = c.desc();
  std::vector<double> nll(2), reserve(rnn_crf_reserve_size(&d)), dnll{1, 1}, de(12), dtr(4), dst(2), den(2);
  CHECK_OK(rnn_crf_nll_forward(&d, c.e.data(), c.tr.data(), c.st.data(), c.en.data(), nll.data(), reserve.data()));
  CHECK_OK(rnn_crf_nll_backward(&d, c.e.data(), c.tr.data(), c.en.data(), reserve.data(), dnll.data(), de.data(),
                                dtr.data(), dst.data(), den.data()));
  // central differences on one emission of each row and on every transition
  auto total = [&](const std::vector<double>& e, const std::vector<double>& tr) {
    std::vector<double> out(2);
    CHECK_OK(rnn_crf_nll_forward(&d, e.data(), tr.data(), c.st.data(), c.en.data(), out.data(), nullptr));
    return out[0] + out[1];
  };
  const double h = 1e-6;
  for (int i : {0, 3, 7}) {
    auto ep = c.e, em = c.e;
    ep[i] += h, em[i] -= h;
    CHECK_NEAR(de[i], (total(ep, c.tr) - total(em, c.tr)) / (2 * h), 1e-6);
  }
  for (int i = 0; i < 4; ++i) {
    auto tp = c.tr, tm = c.tr;
    tp[i] += h, tm[i] -= h;
    CHECK_NEAR(dtr[i], (total(c.e, tp) - total(c.e, tm)) / (2 * h), 1e-6);
  }
  for (int k = 0; k < 2; ++k) CHECK(de[(1 * 3 + 2) * 2 + k] == 0);  // padded step of row 1
}

TEST(crf_conv1d, crf_refuses_what_could_corrupt_memory) {
  Crf c;
  rnn_crf_desc d = c.desc();
  rnn_array_info a[RNN_CRF_ARG_COUNT] = {{12, RNN_F64}, {4, RNN_F64}, {2, RNN_F64}, {2, RNN_F64},
                                         {2, RNN_I32},  {6, RNN_I32}, {-1, -1},    {-1, -1}};
  CHECK_OK(rnn_crf_check_args(&d, RNN_PASS_FORWARD, a));
  a[RNN_CRF_TRANS].count = 3;
  CHECK_STATUS(rnn_crf_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_SHAPE);
  CHECK(says("trans has 3 elements but shape [2, 2] needs 4"));
  a[RNN_CRF_TRANS].count = 4;
  CHECK_STATUS(rnn_crf_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_ARG);
  CHECK(says("no reserve"));
  a[RNN_CRF_RESERVE] = {13, RNN_F64};
  a[RNN_CRF_DNLL] = {2, RNN_F64};
  CHECK_STATUS(rnn_crf_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_SHAPE);
  CHECK(says("the reserve has 13 elements but these arguments need 14"));
  c.gold[4] = 2;
  CHECK_STATUS(rnn_crf_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_INDEX);
  CHECK(says("gold[1][1] = 2 is out of range; expected 0..1"));
  std::vector<double> nll(2);
  CHECK_STATUS(rnn_crf_nll_forward(&d, c.e.data(), c.tr.data(), c.st.data(), c.en.data(), nll.data(), nullptr),
               RNN_ERR_INDEX);
  c.gold[4] = 1;
  c.len[1] = 0;
  CHECK_STATUS(rnn_crf_check_args(&d, RNN_PASS_VITERBI, a), RNN_ERR_INDEX);
  CHECK(says("lengths[1] = 0 is out of range; expected 1..3"));
  c.len[1] = 2;
  std::vector<int32_t> tags(6);
  std::vector<double> scores(2);
  CHECK_STATUS(rnn_crf_viterbi(&d, nullptr, c.tr.data(), c.st.data(), c.en.data(), tags.data(), scores.data()),
               RNN_ERR_ARG);
  CHECK(says("emissions is null"));
}

TEST(crf_conv1d, conv1d_matches_a_direct_loop_and_its_gradients) {
  const int64_t B = 2, T = 5, C = 3, O = 4, K = 3, P = 1, To = T + 2 * P - K + 1;
  rnn_conv1d_desc d{RNN_F64, B, T, C, O, K, P};
  auto x = th::random_vec<double>(B * T * C), w = th::random_vec<double>(O * C * K), b = th::random_vec<double>(O);
  auto dy = th::random_vec<double>(B * To * O);
  std::vector<double> y(B * To * O), dx(B * T * C), dw(O * C * K), db(O);
  CHECK_OK(rnn_conv1d_forward(&d, x.data(), w.data(), b.data(), y.data()));
  CHECK_OK(rnn_conv1d_backward(&d, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data()));
  std::vector<double> wdx(B * T * C, 0), wdw(O * C * K, 0), wdb(O, 0);
  for (int64_t bb = 0; bb < B; ++bb)
    for (int64_t t = 0; t < To; ++t)
      for (int64_t o = 0; o < O; ++o) {
        double s = b[o];
        const double g = dy[(bb * To + t) * O + o];
        wdb[o] += g;
        for (int64_t k = 0; k < K; ++k) {
          const int64_t src = t + k - P;
          if (src < 0 || src >= T) continue;
          for (int64_t cc = 0; cc < C; ++cc) {
            s += w[(o * C + cc) * K + k] * x[(bb * T + src) * C + cc];
            wdx[(bb * T + src) * C + cc] += g * w[(o * C + cc) * K + k];
            wdw[(o * C + cc) * K + k] += g * x[(bb * T + src) * C + cc];
          }
        }
        CHECK_NEAR(y[(bb * To + t) * O + o], s, 1e-12);
      }
  CHECK_ALL_NEAR(dx, wdx, dx.size(), 1e-12);
  CHECK_ALL_NEAR(dw, wdw, dw.size(), 1e-12);
  CHECK_ALL_NEAR(db, wdb, db.size(), 1e-12);
}

TEST(crf_conv1d, conv1d_refuses_what_could_corrupt_memory) {
  rnn_conv1d_desc d{RNN_F32, 2, 5, 3, 4, 3, 0};
  rnn_array_info a[RNN_CONV1D_ARG_COUNT] = {{30, RNN_F32}, {36, RNN_F32}, {4, RNN_F32}, {-1, -1}};
  CHECK_OK(rnn_conv1d_check_args(&d, RNN_PASS_FORWARD, a));
  a[RNN_CONV1D_BIAS].count = 3;
  CHECK_STATUS(rnn_conv1d_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_SHAPE);
  CHECK(says("bias has 3 elements but shape [4] needs 4"));
  CHECK_STATUS(rnn_conv1d_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_ARG);
  CHECK(says("dy is missing"));
  a[RNN_CONV1D_DY] = {2 * 3 * 4, RNN_F64};
  CHECK_STATUS(rnn_conv1d_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_DTYPE);
  d.kernel = 7;  // longer than the input: no output step
  CHECK_STATUS(rnn_conv1d_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_SHAPE);
  CHECK(says("the output must have at least one step"));
  float buf[64] = {};
  CHECK_STATUS(rnn_conv1d_forward(&d, buf, buf, nullptr, buf), RNN_ERR_SHAPE);
}
