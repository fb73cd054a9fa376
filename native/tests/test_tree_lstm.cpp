// Tree-LSTM level: forward against the equations, backward against finite differences (float64).
#include "harness.h"

namespace {

double sig(double x) { return 1 / (1 + std::exp(-x)); }

struct Tree {
  int64_t N, I, H;
  std::vector<double> x, hl, cl, hr, cr, w, wh, b;
};

Tree make(int64_t N, int64_t I, int64_t H) {
  return Tree{N, I, H, th::random_vec<double>(N * I), th::random_vec<double>(N * H), th::random_vec<double>(N * H),
              th::random_vec<double>(N * H), th::random_vec<double>(N * H), th::random_vec<double>(5 * H * I, -.5, .5),
              th::random_vec<double>(10 * H * H, -.5, .5), th::random_vec<double>(5 * H, -.3, .3)};
}

void forward(const Tree& t, std::vector<double>& h, std::vector<double>& c, std::vector<double>* reserve) {
  rnn_tree_desc d{RNN_F64, t.N, t.I, t.H};
  h.assign(t.N * t.H, 0);
  c.assign(t.N * t.H, 0);
  if (reserve) reserve->assign(rnn_tree_reserve_size(&d), 0);
  CHECK_OK(rnn_tree_forward(&d, t.x.data(), t.hl.data(), t.cl.data(), t.hr.data(), t.cr.data(), t.w.data(),
                            t.wh.data(), t.b.data(), h.data(), c.data(), reserve ? reserve->data() : nullptr));
}

}  // namespace

TEST(tree_lstm, forward_matches_equations) {
  Tree t = make(5, 3, 4);
  std::vector<double> h, c;
  forward(t, h, c, nullptr);
  const int64_t H = t.H, I = t.I;
  for (int64_t n = 0; n < t.N; ++n) {
    std::vector<double> a(5 * H);
    for (int64_t r = 0; r < 5 * H; ++r) {
      double s = t.b[r];
      for (int64_t k = 0; k < I; ++k) s += t.w[r * I + k] * t.x[n * I + k];
      for (int64_t k = 0; k < H; ++k) s += t.wh[r * 2 * H + k] * t.hl[n * H + k] + t.wh[r * 2 * H + H + k] * t.hr[n * H + k];
      a[r] = s;
    }
    for (int64_t j = 0; j < H; ++j) {
      const double i = sig(a[j]), fl = sig(a[H + j]), fr = sig(a[2 * H + j]), o = sig(a[3 * H + j]),
                   u = std::tanh(a[4 * H + j]);
      const double cc = i * u + fl * t.cl[n * H + j] + fr * t.cr[n * H + j];
      CHECK_NEAR(c[n * H + j], cc, 1e-12);
      CHECK_NEAR(h[n * H + j], o * std::tanh(cc), 1e-12);
    }
  }
}

TEST(tree_lstm, backward_matches_finite_differences) {
  Tree t = make(4, 3, 3);
  auto rh = th::random_vec<double>(t.N * t.H), rc = th::random_vec<double>(t.N * t.H);
  std::vector<double> h, c, reserve;
  forward(t, h, c, &reserve);
  const int64_t N = t.N, I = t.I, H = t.H;
  std::vector<double> dx(N * I), dhl(N * H), dcl(N * H), dhr(N * H), dcr(N * H), dw(5 * H * I), dwh(10 * H * H),
      db(5 * H);
  rnn_tree_desc d{RNN_F64, N, I, H};
  CHECK_OK(rnn_tree_backward(&d, t.x.data(), t.hl.data(), t.cl.data(), t.hr.data(), t.cr.data(), t.w.data(),
                             t.wh.data(), reserve.data(), rh.data(), rc.data(), dx.data(), dhl.data(), dcl.data(),
                             dhr.data(), dcr.data(), dw.data(), dwh.data(), db.data()));
  auto loss = [&]() {
    std::vector<double> hh, cc;
    forward(t, hh, cc, nullptr);
    double s = 0;
    for (size_t i = 0; i < hh.size(); ++i) s += hh[i] * rh[i] + cc[i] * rc[i];
    return s;
  };
  CHECK_CENTRAL_DIFFERENCES(
      th::GradPairs({{&t.x, &dx}, {&t.hl, &dhl}, {&t.cl, &dcl}, {&t.hr, &dhr}, {&t.cr, &dcr}, {&t.w, &dw}, {&t.wh, &dwh}, {&t.b, &db}}), loss,
      1e-6);
  // dh / dc null mean zero: only the other one contributes
  std::vector<double> dx2(N * I);
  CHECK_OK(rnn_tree_backward(&d, t.x.data(), t.hl.data(), t.cl.data(), t.hr.data(), t.cr.data(), t.w.data(),
                             t.wh.data(), reserve.data(), nullptr, nullptr, dx2.data(), dhl.data(), dcl.data(),
                             dhr.data(), dcr.data(), dw.data(), dwh.data(), db.data()));
  for (double v : dx2) CHECK(v == 0);
}
