// Tree-LSTM mini-batch schedule (rnn_tree_batch_*): forward against the level API run node by node,
// backward against finite differences (float64), float32 with several threads against float64 with
// one, and the plan checks.
#include "harness.h"

namespace {

// Two trees in row order. Level 0: leaves 0..4; level 1: 5 = (0, 1), 6 = (2, 3); level 2: 7 = (5, 4),
// level 3: 8 = (6, 7). Words on the leaves and on node 6.
struct Plan {
  std::vector<int32_t> level_start{0, 5, 7, 8, 9}, left{-1, -1, -1, -1, -1, 0, 2, 5, 6},
      right{-1, -1, -1, -1, -1, 1, 3, 4, 7}, word_row{0, 1, 2, 3, 4, 6};
  rnn_tree_batch_desc desc(int dtype, int64_t I, int64_t H) const {
    return rnn_tree_batch_desc{dtype, int64_t(left.size()), int64_t(level_start.size() - 1), int64_t(word_row.size()),
                               I, H, level_start.data(), left.data(), right.data(), word_row.data()};
  }
};

struct Params {
  int64_t I, H;
  std::vector<double> x, w, wh, b;
};

Params params(const Plan& p, int64_t I, int64_t H) {
  return Params{I, H, th::random_vec<double>(p.word_row.size() * I), th::random_vec<double>(5 * H * I, -.5, .5),
                th::random_vec<double>(10 * H * H, -.5, .5), th::random_vec<double>(5 * H, -.3, .3)};
}

// The reference: rnn_tree_forward one node at a time.
void reference(const Plan& p, const Params& q, std::vector<double>& h, std::vector<double>& c) {
  const int64_t N = p.left.size(), I = q.I, H = q.H;
  h.assign(N * H, 0);
  c.assign(N * H, 0);
  std::vector<double> zeros(H, 0), x(I), hh(H), cc(H);
  for (int64_t r = 0; r < N; ++r) {
    std::fill(x.begin(), x.end(), 0.0);
    for (size_t k = 0; k < p.word_row.size(); ++k)
      if (p.word_row[k] == r) std::copy(q.x.begin() + k * I, q.x.begin() + (k + 1) * I, x.begin());
    auto at = [&](const std::vector<double>& v, int32_t row) { return row >= 0 ? v.data() + row * H : zeros.data(); };
    rnn_tree_desc d{RNN_F64, 1, I, H};
    CHECK_OK(rnn_tree_forward(&d, x.data(), at(h, p.left[r]), at(c, p.left[r]), at(h, p.right[r]), at(c, p.right[r]),
                              q.w.data(), q.wh.data(), q.b.data(), hh.data(), cc.data(), nullptr));
    std::copy(hh.begin(), hh.end(), h.begin() + r * H);
    std::copy(cc.begin(), cc.end(), c.begin() + r * H);
  }
}

void batch_forward(const Plan& p, const Params& q, std::vector<double>& h, std::vector<double>& c,
                   std::vector<double>* reserve) {
  const rnn_tree_batch_desc d = p.desc(RNN_F64, q.I, q.H);
  h.assign(d.nodes * q.H, 0);
  c.assign(d.nodes * q.H, 0);
  if (reserve) reserve->assign(rnn_tree_batch_reserve_size(&d), 0);
  CHECK_OK(rnn_tree_batch_forward(&d, q.x.data(), q.w.data(), q.wh.data(), q.b.data(), h.data(), c.data(),
                                  reserve ? reserve->data() : nullptr));
}

}  // namespace

TEST(tree_batch, forward_matches_the_level_api_node_by_node) {
  Plan p;
  Params q = params(p, 3, 4);
  std::vector<double> h, c, rh, rc;
  batch_forward(p, q, h, c, nullptr);
  reference(p, q, rh, rc);
  CHECK_ALL_NEAR(h.data(), rh.data(), h.size(), 1e-12);
  CHECK_ALL_NEAR(c.data(), rc.data(), c.size(), 1e-12);
}

TEST(tree_batch, backward_matches_finite_differences) {
  Plan p;
  Params q = params(p, 3, 3);
  const int64_t N = p.left.size(), W = p.word_row.size(), I = q.I, H = q.H;
  auto gh = th::random_vec<double>(N * H), gc = th::random_vec<double>(N * H);
  std::vector<double> h, c, reserve;
  batch_forward(p, q, h, c, &reserve);
  std::vector<double> dx(W * I), dw(5 * H * I), dwh(10 * H * H), db(5 * H);
  const rnn_tree_batch_desc d = p.desc(RNN_F64, I, H);
  CHECK_OK(rnn_tree_batch_backward(&d, q.x.data(), q.w.data(), q.wh.data(), h.data(), c.data(), reserve.data(),
                                   gh.data(), gc.data(), dx.data(), dw.data(), dwh.data(), db.data()));
  auto loss = [&]() {
    std::vector<double> hh, cc;
    batch_forward(p, q, hh, cc, nullptr);
    double s = 0;
    for (size_t i = 0; i < hh.size(); ++i) s += hh[i] * gh[i] + cc[i] * gc[i];
    return s;
  };
  CHECK_CENTRAL_DIFFERENCES(th::GradPairs({{&q.x, &dx}, {&q.w, &dw}, {&q.wh, &dwh}, {&q.b, &db}}), loss, 1e-6);
}

// A wide level (64 rows per level, so several tasks) in float32 with 2 threads against float64 with 1.
TEST(tree_batch, float32_on_two_threads_matches_float64) {
  Plan p;
  p.level_start = {0};
  p.left.clear();
  p.right.clear();
  p.word_row.clear();
  const int32_t leaves = 128;
  for (int32_t r = 0; r < leaves; ++r) p.left.push_back(-1), p.right.push_back(-1), p.word_row.push_back(r);
  p.level_start.push_back(leaves);
  for (int32_t r = 0; r < leaves / 2; ++r) p.left.push_back(2 * r), p.right.push_back(2 * r + 1);
  p.level_start.push_back(leaves + leaves / 2);
  for (int32_t r = 0; r < leaves / 4; ++r) p.left.push_back(leaves + 2 * r), p.right.push_back(leaves + 2 * r + 1);
  p.level_start.push_back(int32_t(p.left.size()));
  const int64_t I = 20, H = 24, N = p.left.size(), W = p.word_row.size();
  Params q = params(p, I, H);
  auto gh = th::random_vec<double>(N * H);
  auto run = [&](int dtype, int threads, std::vector<double>& h, std::vector<double>& dwh, std::vector<double>& dx) {
    CHECK_OK(rnn_set_num_threads(threads));
    const rnn_tree_batch_desc d = p.desc(dtype, I, H);
    const int64_t R = rnn_tree_batch_reserve_size(&d);
    auto f = [&](const std::vector<double>& v) {
      std::vector<float> o(v.begin(), v.end());
      return o;
    };
    if (dtype == RNN_F64) {
      std::vector<double> c(N * H), res(R), dw(5 * H * I), db(5 * H);
      h.assign(N * H, 0), dwh.assign(10 * H * H, 0), dx.assign(W * I, 0);
      CHECK_OK(rnn_tree_batch_forward(&d, q.x.data(), q.w.data(), q.wh.data(), q.b.data(), h.data(), c.data(), res.data()));
      CHECK_OK(rnn_tree_batch_backward(&d, q.x.data(), q.w.data(), q.wh.data(), h.data(), c.data(), res.data(),
                                       gh.data(), nullptr, dx.data(), dw.data(), dwh.data(), db.data()));
      return;
    }
    auto x = f(q.x), w = f(q.w), wh = f(q.wh), b = f(q.b), g = f(gh);
    std::vector<float> hf(N * H), c(N * H), res(R), dw(5 * H * I), db(5 * H), dwhf(10 * H * H), dxf(W * I);
    CHECK_OK(rnn_tree_batch_forward(&d, x.data(), w.data(), wh.data(), b.data(), hf.data(), c.data(), res.data()));
    CHECK_OK(rnn_tree_batch_backward(&d, x.data(), w.data(), wh.data(), hf.data(), c.data(), res.data(), g.data(),
                                     nullptr, dxf.data(), dw.data(), dwhf.data(), db.data()));
    h.assign(hf.begin(), hf.end()), dwh.assign(dwhf.begin(), dwhf.end()), dx.assign(dxf.begin(), dxf.end());
  };
  std::vector<double> h1, dwh1, dx1, h2, dwh2, dx2;
  run(RNN_F64, 1, h1, dwh1, dx1);
  run(RNN_F32, 2, h2, dwh2, dx2);
  CHECK_OK(rnn_set_num_threads(1));
  CHECK_ALL_NEAR(h2.data(), h1.data(), h1.size(), 1e-4);
  CHECK_ALL_NEAR(dwh2.data(), dwh1.data(), dwh1.size(), 1e-3);
  CHECK_ALL_NEAR(dx2.data(), dx1.data(), dx1.size(), 1e-4);
}

TEST(tree_batch, plan_checks) {
  Plan p;
  const int64_t I = 2, H = 2;
  Params q = params(p, I, H);
  std::vector<double> h(9 * H), c(9 * H);
  auto fwd = [&](const Plan& bad) {
    const rnn_tree_batch_desc d = bad.desc(RNN_F64, I, H);
    return rnn_tree_batch_forward(&d, q.x.data(), q.w.data(), q.wh.data(), q.b.data(), h.data(), c.data(), nullptr);
  };
  Plan later = p;
  later.left[5] = 6;  // a child in a later level
  CHECK_STATUS(fwd(later), RNN_ERR_INDEX);
  CHECK(std::string(rnn_last_error()).find("left[5] = 6 is not -1 or a row of an earlier level (0..4)") != std::string::npos);
  Plan twice = p;
  twice.right[6] = 1;  // row 1 already the child of node 5
  CHECK_STATUS(fwd(twice), RNN_ERR_INDEX);
  CHECK(std::string(rnn_last_error()).find("row 1 is the child of two nodes") != std::string::npos);
  Plan words = p;
  words.word_row[5] = 4;
  CHECK_STATUS(fwd(words), RNN_ERR_INDEX);
  CHECK(std::string(rnn_last_error()).find("word_row[5] = 4 is a row that already has a word") != std::string::npos);
  Plan ends = p;
  ends.level_start.back() = 8;
  CHECK_STATUS(fwd(ends), RNN_ERR_INDEX);
  Plan order = p;
  order.level_start = {0, 5, 4, 8, 9};
  CHECK_STATUS(fwd(order), RNN_ERR_INDEX);
  for (double v : h) CHECK(v == 0);  // nothing written
}
