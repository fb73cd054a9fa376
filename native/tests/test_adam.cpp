// Adam/AdamW against the textbook formula.
#include "harness.h"

TEST(adam, matches_pytorch_rule) {
  for (int decoupled = 0; decoupled < 2; ++decoupled) {
    const int n = 37;
    auto p = th::random_vec<double>(n), g = th::random_vec<double>(n), m = th::random_vec<double>(n, 0, 0.1),
         v = th::random_vec<double>(n, 0, 0.1);
    auto p2 = p, m2 = m, v2 = v;
    rnn_adam_params hp{1e-2, 0.9, 0.999, 1e-8, 0.1, 3, decoupled};
    CHECK_OK(rnn_adam_step(RNN_F64, p.data(), g.data(), m.data(), v.data(), n, &hp));
    for (int i = 0; i < n; ++i) {
      double gi = g[i];
      if (decoupled) p2[i] *= 1 - hp.lr * hp.weight_decay;
      else gi += hp.weight_decay * p2[i];
      m2[i] = 0.9 * m2[i] + 0.1 * gi;
      v2[i] = 0.999 * v2[i] + 0.001 * gi * gi;
      const double mh = m2[i] / (1 - std::pow(0.9, 3)), vh = v2[i] / (1 - std::pow(0.999, 3));
      p2[i] -= hp.lr * mh / (std::sqrt(vh) + hp.eps);
    }
    CHECK_ALL_NEAR(p, p2, n, 1e-12);
    CHECK_ALL_NEAR(m, m2, n, 1e-14);
    CHECK_ALL_NEAR(v, v2, n, 1e-14);
    std::vector<float> pf(p2.begin(), p2.end());
    CHECK_OK(rnn_adam_step(RNN_F32, pf.data(), pf.data(), pf.data(), pf.data(), 0, &hp));
  }
  rnn_adam_params bad{1e-2, 1.5, 0.999, 1e-8, 0, 1, 0};
  double x = 0;
  CHECK_STATUS(rnn_adam_step(RNN_F64, &x, &x, &x, &x, 1, &bad), RNN_ERR_ARG);
  rnn_adam_params zero_step{1e-2, 0.9, 0.999, 1e-8, 0, 0, 0};
  CHECK_STATUS(rnn_adam_step(RNN_F64, &x, &x, &x, &x, 1, &zero_step), RNN_ERR_ARG);
}
