// Fused sequence kernels: forward against a naive per-step reference (PyTorch equations), backward
// against central finite differences in float64, for every mode, with lengths and reverse.
#include <cstring>

#include "harness.h"

namespace {

const int kGates[] = {1, 1, 4, 3};
const char* kNames[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};

double sig(double x) { return 1 / (1 + std::exp(-x)); }

struct Problem {
  int mode;
  int64_t B, T, I, H;
  bool reverse;
  std::vector<int32_t> lengths;  // empty: all T
  std::vector<double> x, h0, c0, wih, whh, bih, bhh;

  int G() const { return kGates[mode]; }
  bool lstm() const { return mode == RNN_MODE_LSTM; }
  rnn_seq_desc desc(int dtype) const {
    return rnn_seq_desc{mode, dtype, B, T, I, H, lengths.empty() ? nullptr : lengths.data(), reverse};
  }
};

Problem make(int mode, int64_t B, int64_t T, int64_t I, int64_t H, bool reverse, bool with_lengths) {
  Problem p{mode, B, T, I, H, reverse, {}, {}, {}, {}, {}, {}, {}, {}};
  const int G = kGates[mode];
  if (with_lengths)
    for (int64_t b = 0; b < B; ++b) p.lengths.push_back(int32_t(b == 0 ? T : th::randint(1, T)));
  p.x = th::random_vec<double>(B * T * I);
  p.h0 = th::random_vec<double>(B * H, -0.5, 0.5);
  p.c0 = th::random_vec<double>(B * H, -0.5, 0.5);
  p.wih = th::random_vec<double>(G * H * I, -0.6, 0.6);
  p.whh = th::random_vec<double>(G * H * H, -0.6, 0.6);
  p.bih = th::random_vec<double>(G * H, -0.3, 0.3);
  p.bhh = th::random_vec<double>(G * H, -0.3, 0.3);
  return p;
}

// The reference: one row, one step at a time, straight from the equations.
void reference(const Problem& p, std::vector<double>& y, std::vector<double>& hn, std::vector<double>& cn) {
  const int64_t B = p.B, T = p.T, I = p.I, H = p.H;
  const int G = p.G();
  y.assign(B * T * H, 0);
  hn.assign(B * H, 0);
  cn.assign(B * H, 0);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(p.h0.begin() + b * H, p.h0.begin() + (b + 1) * H);
    std::vector<double> c(p.c0.begin() + b * H, p.c0.begin() + (b + 1) * H);
    const int64_t L = p.lengths.empty() ? T : p.lengths[b];
    for (int64_t s = 0; s < L; ++s) {
      const int64_t t = p.reverse ? L - 1 - s : s;
      const double* xt = p.x.data() + (b * T + t) * I;
      std::vector<double> gi(G * H), gh(G * H);
      for (int64_t r = 0; r < G * H; ++r) {
        double a = p.bih[r], q = p.bhh[r];
        for (int64_t k = 0; k < I; ++k) a += p.wih[r * I + k] * xt[k];
        for (int64_t k = 0; k < H; ++k) q += p.whh[r * H + k] * h[k];
        gi[r] = a;
        gh[r] = q;
      }
      std::vector<double> hnew(H);
      for (int64_t j = 0; j < H; ++j) {
        if (p.mode == RNN_MODE_TANH) hnew[j] = std::tanh(gi[j] + gh[j]);
        else if (p.mode == RNN_MODE_RELU) hnew[j] = std::max(0.0, gi[j] + gh[j]);
        else if (p.mode == RNN_MODE_LSTM) {
          const double i = sig(gi[j] + gh[j]), f = sig(gi[H + j] + gh[H + j]),
                       g = std::tanh(gi[2 * H + j] + gh[2 * H + j]), o = sig(gi[3 * H + j] + gh[3 * H + j]);
          c[j] = f * c[j] + i * g;
          hnew[j] = o * std::tanh(c[j]);
        } else {
          const double r = sig(gi[j] + gh[j]), z = sig(gi[H + j] + gh[H + j]);
          const double n = std::tanh(gi[2 * H + j] + r * gh[2 * H + j]);
          hnew[j] = (1 - z) * n + z * h[j];
        }
      }
      h = hnew;
      std::copy(h.begin(), h.end(), y.begin() + (b * T + t) * H);
    }
    std::copy(h.begin(), h.end(), hn.begin() + b * H);
    std::copy(c.begin(), c.end(), cn.begin() + b * H);
  }
}

struct Out {
  std::vector<double> y, hn, cn;
};

Out run_forward(const Problem& p, std::vector<double>* reserve) {
  Out o{std::vector<double>(p.B * p.T * p.H, -9), std::vector<double>(p.B * p.H), std::vector<double>(p.B * p.H)};
  const rnn_seq_desc d = p.desc(RNN_F64);
  if (reserve) reserve->assign(rnn_seq_reserve_size(&d), 0);
  CHECK_OK(rnn_seq_forward(&d, p.x.data(), p.h0.data(), p.c0.data(), p.wih.data(), p.whh.data(), p.bih.data(),
                           p.bhh.data(), o.y.data(), o.hn.data(), o.cn.data(), reserve ? reserve->data() : nullptr));
  return o;
}

void check_forward(const Problem& p) {
  std::vector<double> y, hn, cn;
  reference(p, y, hn, cn);
  std::vector<double> reserve;
  Out o = run_forward(p, &reserve);
  CHECK_ALL_NEAR(o.y, y, y.size(), 1e-12);
  CHECK_ALL_NEAR(o.hn, hn, hn.size(), 1e-12);
  if (p.lstm()) CHECK_ALL_NEAR(o.cn, cn, cn.size(), 1e-12);
  Out inf = run_forward(p, nullptr);  // inference keeps nothing but gives the same numbers
  CHECK_ALL_NEAR(inf.y, o.y, y.size(), 0);
  CHECK_ALL_NEAR(inf.hn, o.hn, hn.size(), 0);

  // float32 (fast gate math) against the float64 reference
  auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  auto x = f(p.x), h0 = f(p.h0), c0 = f(p.c0), wih = f(p.wih), whh = f(p.whh), bih = f(p.bih), bhh = f(p.bhh);
  std::vector<float> yf(y.size()), hf(hn.size()), cf(cn.size());
  const rnn_seq_desc d = p.desc(RNN_F32);
  std::vector<float> rf(rnn_seq_reserve_size(&d));
  CHECK_OK(rnn_seq_forward(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(), bhh.data(),
                           yf.data(), hf.data(), cf.data(), rf.data()));
  CHECK_ALL_NEAR(yf, y, y.size(), 2e-5);
  CHECK_ALL_NEAR(hf, hn, hn.size(), 2e-5);
}

// loss = sum(y * ry) + sum(hN * rh) + sum(cN * rc)
double loss(const Problem& p, const std::vector<double>& ry, const std::vector<double>& rh,
            const std::vector<double>& rc) {
  Out o = run_forward(p, nullptr);
  double s = 0;
  for (size_t i = 0; i < ry.size(); ++i) s += o.y[i] * ry[i];
  for (size_t i = 0; i < rh.size(); ++i) s += o.hn[i] * rh[i];
  if (p.lstm())
    for (size_t i = 0; i < rc.size(); ++i) s += o.cn[i] * rc[i];
  return s;
}

void check_backward(Problem p, bool use_dy, bool use_dh) {
  const int64_t B = p.B, T = p.T, I = p.I, H = p.H, GH = p.G() * H;
  std::vector<double> ry = use_dy ? th::random_vec<double>(B * T * H) : std::vector<double>(B * T * H, 0);
  std::vector<double> rh = use_dh ? th::random_vec<double>(B * H) : std::vector<double>(B * H, 0);
  std::vector<double> rc = use_dh ? th::random_vec<double>(B * H) : std::vector<double>(B * H, 0);
  std::vector<double> reserve;
  run_forward(p, &reserve);
  std::vector<double> dx(B * T * I, 9), dh0(B * H, 9), dc0(B * H, 9), dwih(GH * I, 9), dwhh(GH * H, 9),
      dbih(GH, 9), dbhh(GH, 9);
  const rnn_seq_desc d = p.desc(RNN_F64);
  CHECK_OK(rnn_seq_backward(&d, p.x.data(), p.h0.data(), p.c0.data(), p.wih.data(), p.whh.data(), reserve.data(),
                            use_dy ? ry.data() : nullptr, use_dh ? rh.data() : nullptr,
                            use_dh ? rc.data() : nullptr, dx.data(), dh0.data(), dc0.data(), dwih.data(),
                            dwhh.data(), dbih.data(), dbhh.data()));
  struct Param {
    const char* name;
    std::vector<double>* value;
    std::vector<double>* grad;
  };
  std::vector<Param> params = {{"x", &p.x, &dx},       {"h0", &p.h0, &dh0},     {"w_ih", &p.wih, &dwih},
                               {"w_hh", &p.whh, &dwhh}, {"b_ih", &p.bih, &dbih}, {"b_hh", &p.bhh, &dbhh}};
  if (p.lstm()) params.push_back({"c0", &p.c0, &dc0});
  const double eps = 1e-6;
  for (auto& prm : params) {
    for (size_t i = 0; i < prm.value->size(); ++i) {
      const double keep = (*prm.value)[i];
      (*prm.value)[i] = keep + eps;
      const double lp = loss(p, ry, rh, rc);
      (*prm.value)[i] = keep - eps;
      const double lm = loss(p, ry, rh, rc);
      (*prm.value)[i] = keep;
      const double fd = (lp - lm) / (2 * eps);
      const double got = (*prm.grad)[i];
      if (std::fabs(got - fd) > 1e-6 * (1 + std::fabs(fd))) {
        CHECK_MSG(false, std::string(kNames[p.mode]) + (p.reverse ? " reverse" : "") +
                             (p.lengths.empty() ? "" : " lengths") + ": d" + prm.name + "[" + std::to_string(i) +
                             "] = " + std::to_string(got) + ", finite difference " + std::to_string(fd));
        break;
      }
    }
  }
}

}  // namespace

TEST(sequence, forward_matches_reference) {
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode)
    for (int rev = 0; rev < 2; ++rev)
      for (int lens = 0; lens < 2; ++lens) {
        check_forward(make(mode, 4, 6, 3, 5, rev, lens));
        check_forward(make(mode, 3, 5, 2, 33, rev, lens));  // H not a multiple of the vector width
        // 13 rows (uneven row tiles), I + H and 4H past one depth block of the packed kernels
        check_forward(make(mode, 13, 4, 90, 75, rev, lens));
        check_forward(make(mode, 13, 4, 20, 75, rev, lens));
      }
}

TEST(sequence, padded_steps_are_zero_and_state_frozen) {
  Problem p = make(RNN_MODE_LSTM, 2, 5, 2, 3, true, false);
  p.lengths = {2, 5};
  Out o = run_forward(p, nullptr);
  for (int64_t t = 2; t < 5; ++t)
    for (int64_t j = 0; j < 3; ++j) CHECK(o.y[(0 * 5 + t) * 3 + j] == 0);
  // reverse: hN of row 0 is the state after reading step 0, which is y at t = 0
  for (int64_t j = 0; j < 3; ++j) CHECK(o.hn[j] == o.y[j]);
  Problem q = p;
  q.reverse = false;
  Out f = run_forward(q, nullptr);
  for (int64_t j = 0; j < 3; ++j) CHECK(f.hn[j] == f.y[(0 * 5 + 1) * 3 + j]);  // after its last valid step
  p.lengths = {0, 5};  // an empty row keeps h0
  Out e = run_forward(p, nullptr);
  for (int64_t j = 0; j < 3; ++j) CHECK(e.hn[j] == p.h0[j]);
}

TEST(sequence, backward_matches_finite_differences) {
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode)
    for (int rev = 0; rev < 2; ++rev)
      for (int lens = 0; lens < 2; ++lens) check_backward(make(mode, 3, 4, 3, 4, rev, lens), true, true);
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode) {
    check_backward(make(mode, 2, 3, 2, 3, false, true), false, true);  // dy null
    check_backward(make(mode, 2, 3, 2, 3, true, false), true, false);  // dhN, dcN null
  }
}

TEST(sequence, float32_backward_close_to_float64) {
  for (int big = 0; big < 2; ++big)
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode) {
    Problem p = big ? make(mode, 13, 4, 90, 75, mode % 2 == 0, true) : make(mode, 5, 7, 4, 19, mode % 2 == 1, true);
    const int64_t B = p.B, T = p.T, I = p.I, H = p.H, GH = p.G() * H;
    auto dy = th::random_vec<double>(B * T * H), dh = th::random_vec<double>(B * H), dc = th::random_vec<double>(B * H);
    std::vector<double> r64;
    run_forward(p, &r64);
    std::vector<double> g64[7] = {std::vector<double>(B * T * I), std::vector<double>(B * H), std::vector<double>(B * H),
                                  std::vector<double>(GH * I),    std::vector<double>(GH * H), std::vector<double>(GH),
                                  std::vector<double>(GH)};
    const rnn_seq_desc d64 = p.desc(RNN_F64);
    CHECK_OK(rnn_seq_backward(&d64, p.x.data(), p.h0.data(), p.c0.data(), p.wih.data(), p.whh.data(), r64.data(),
                              dy.data(), dh.data(), dc.data(), g64[0].data(), g64[1].data(), g64[2].data(),
                              g64[3].data(), g64[4].data(), g64[5].data(), g64[6].data()));
    auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
    auto x = f(p.x), h0 = f(p.h0), c0 = f(p.c0), wih = f(p.wih), whh = f(p.whh), bih = f(p.bih), bhh = f(p.bhh);
    auto dyf = f(dy), dhf = f(dh), dcf = f(dc);
    const rnn_seq_desc d32 = p.desc(RNN_F32);
    std::vector<float> r32(rnn_seq_reserve_size(&d32)), y(B * T * H), hn(B * H), cn(B * H);
    CHECK_OK(rnn_seq_forward(&d32, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(), bhh.data(),
                             y.data(), hn.data(), cn.data(), r32.data()));
    std::vector<float> g32[7];
    for (int k = 0; k < 7; ++k) g32[k].assign(g64[k].size(), 0);
    CHECK_OK(rnn_seq_backward(&d32, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), r32.data(), dyf.data(),
                              dhf.data(), dcf.data(), g32[0].data(), g32[1].data(), g32[2].data(), g32[3].data(),
                              g32[4].data(), g32[5].data(), g32[6].data()));
    for (int k = 0; k < 7; ++k) {
      if (k == 2 && !p.lstm()) continue;
      CHECK_ALL_NEAR(g32[k], g64[k], g64[k].size(), 1e-4);
    }
  }
}

// Rows are independent until the weight gradients, so splitting them across threads must not change
// a single bit of any output.
TEST(sequence, threads_give_identical_results) {
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode) {
    // hidden 80: a step's 19 rows hold >= 4,096 gate elements (lstm, gru), so the portable path
    // splits its per-row pass across the pool too (rnn_sequence.h, for_row_blocks)
    for (int64_t in : {7, 40})
    for (int64_t hid : {37, 80}) {
    Problem p = make(mode, 19, 6, in, hid, mode == RNN_MODE_LSTM, true);
    const int64_t B = p.B, T = p.T, I = p.I, H = p.H, GH = p.G() * H;
    auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
    auto x = f(p.x), h0 = f(p.h0), c0 = f(p.c0), wih = f(p.wih), whh = f(p.whh), bih = f(p.bih), bhh = f(p.bhh);
    auto dy = f(th::random_vec<double>(B * T * H)), dh = f(th::random_vec<double>(B * H)),
         dc = f(th::random_vec<double>(B * H));
    const rnn_seq_desc d = p.desc(RNN_F32);
    std::vector<float> out[2][10];
    const int threads[2] = {1, 3};
    const int before = rnn_get_num_threads();
    for (int k = 0; k < 2; ++k) {
      CHECK_OK(rnn_set_num_threads(threads[k]));
      std::vector<float>* o = out[k];
      o[0].assign(B * T * H, 0);
      o[1].assign(B * H, 0);
      o[2].assign(B * H, 0);
      std::vector<float> r(rnn_seq_reserve_size(&d));
      CHECK_OK(rnn_seq_forward(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(), bhh.data(),
                               o[0].data(), o[1].data(), o[2].data(), r.data()));
      const int64_t sizes[7] = {B * T * I, B * H, B * H, GH * I, GH * H, GH, GH};
      for (int g = 0; g < 7; ++g) o[3 + g].assign(sizes[g], 0);
      CHECK_OK(rnn_seq_backward(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), r.data(), dy.data(),
                                dh.data(), dc.data(), o[3].data(), o[4].data(), o[5].data(), o[6].data(), o[7].data(),
                                o[8].data(), o[9].data()));
    }
    CHECK_OK(rnn_set_num_threads(before));
    for (int g = 0; g < 10; ++g) CHECK_ALL_NEAR(out[1][g], out[0][g], out[0][g].size(), 0);
    }
  }
}

// rnn_seq_forward_record: y, h_n, c_n bit-identical to the inference forward; the recorded gates and
// c_t equal what the training forward keeps in its reserve (the same loop computes both), zeros at
// padded steps. For both dtypes, so both the fused float32 kernels and the portable loop are run.
template <class T>
void check_record(const Problem& p, int dtype) {
  const int64_t B = p.B, T_ = p.T, H = p.H, GH = p.G() * H, BT = B * T_;
  auto cast = [](const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); };
  auto x = cast(p.x), h0 = cast(p.h0), c0 = cast(p.c0), wih = cast(p.wih), whh = cast(p.whh), bih = cast(p.bih),
       bhh = cast(p.bhh);
  const rnn_seq_desc d = p.desc(dtype);
  std::vector<T> y(BT * H), hn(B * H), cn(B * H), ry(BT * H, T(-7)), rhn(B * H), rcn(B * H);
  std::vector<T> res(rnn_seq_reserve_size(&d)), ty(BT * H), thn(B * H), tcn(B * H);
  std::vector<T> gates(BT * GH, T(-7)), cells(BT * H, T(-7));
  CHECK_OK(rnn_seq_forward(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(), bhh.data(),
                           y.data(), hn.data(), cn.data(), nullptr));
  CHECK_OK(rnn_seq_forward(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(), bhh.data(),
                           ty.data(), thn.data(), tcn.data(), res.data()));
  CHECK_OK(rnn_seq_forward_record(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(),
                                  bhh.data(), ry.data(), rhn.data(), rcn.data(), gates.data(), cells.data()));
  CHECK_ALL_NEAR(ry, y, y.size(), 0);
  CHECK_ALL_NEAR(rhn, hn, hn.size(), 0);
  if (p.lstm()) CHECK_ALL_NEAR(rcn, cn, cn.size(), 0);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t L = p.lengths.empty() ? T_ : p.lengths[b];
    for (int64_t t = 0; t < T_; ++t) {
      const int64_t row = b * T_ + t;
      for (int64_t j = 0; j < GH; ++j) CHECK(gates[row * GH + j] == (t < L ? res[row * GH + j] : T(0)));
      if (p.lstm())
        for (int64_t j = 0; j < H; ++j) CHECK(cells[row * H + j] == (t < L ? res[BT * (GH + H) + row * H + j] : T(0)));
    }
  }
  if (!p.lstm()) CHECK(cells[0] == T(-7));  // no cell state: cells is not written
}

TEST(sequence, recording_equals_the_training_reserve) {
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode)
    for (int rev = 0; rev < 2; ++rev)
      for (int lens = 0; lens < 2; ++lens)
        for (const Problem& p : {make(mode, 4, 6, 3, 5, rev, lens), make(mode, 13, 4, 20, 75, rev, lens),
                                 make(mode, 7, 5, 90, 32, rev, lens)}) {
          check_record<double>(p, RNN_F64);
          check_record<float>(p, RNN_F32);
        }
  // recording needs its outputs
  Problem p = make(RNN_MODE_LSTM, 2, 3, 2, 2, false, false);
  std::vector<double> y(12), hn(4), cn(4), g(48);
  const rnn_seq_desc d = p.desc(RNN_F64);
  CHECK_STATUS(rnn_seq_forward_record(&d, p.x.data(), p.h0.data(), p.c0.data(), p.wih.data(), p.whh.data(),
                                      p.bih.data(), p.bhh.data(), y.data(), hn.data(), cn.data(), g.data(), nullptr),
               RNN_ERR_ARG);
  CHECK(std::strstr(rnn_last_error(), "cells") != nullptr);
}

TEST(sequence, rejects_bad_arguments) {
  Problem p = make(RNN_MODE_GRU, 2, 3, 2, 2, false, false);
  std::vector<double> y(12), hn(4);
  rnn_seq_desc d = p.desc(RNN_F64);
  d.mode = 9;
  CHECK_STATUS(rnn_seq_forward(&d, p.x.data(), p.h0.data(), nullptr, p.wih.data(), p.whh.data(), p.bih.data(),
                               p.bhh.data(), y.data(), hn.data(), nullptr, nullptr),
               RNN_ERR_ARG);
  d = p.desc(RNN_I32);
  CHECK_STATUS(rnn_seq_forward(&d, p.x.data(), p.h0.data(), nullptr, p.wih.data(), p.whh.data(), p.bih.data(),
                               p.bhh.data(), y.data(), hn.data(), nullptr, nullptr),
               RNN_ERR_ARG);
  std::vector<int32_t> lens = {1, 4};
  d = p.desc(RNN_F64);
  d.lengths = lens.data();
  CHECK_STATUS(rnn_seq_forward(&d, p.x.data(), p.h0.data(), nullptr, p.wih.data(), p.whh.data(), p.bih.data(),
                               p.bhh.data(), y.data(), hn.data(), nullptr, nullptr),
               RNN_ERR_INDEX);
  CHECK(std::strstr(rnn_last_error(), "lengths[1] = 4") != nullptr);
  d.lengths = nullptr;
  CHECK_STATUS(rnn_seq_forward(&d, p.x.data(), nullptr, nullptr, p.wih.data(), p.whh.data(), p.bih.data(),
                               p.bhh.data(), y.data(), hn.data(), nullptr, nullptr),
               RNN_ERR_ARG);
  std::vector<double> g(100);
  CHECK_STATUS(rnn_seq_backward(&d, p.x.data(), p.h0.data(), nullptr, p.wih.data(), p.whh.data(), nullptr, nullptr,
                                nullptr, nullptr, g.data(), g.data(), nullptr, g.data(), g.data(), g.data(), g.data()),
               RNN_ERR_ARG);
  CHECK(std::strstr(rnn_last_error(), "reserve") != nullptr);
}
