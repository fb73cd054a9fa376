// The fused kernels against the CPU library (whose own tests check it against the equations and
// finite differences): every recurrent mode, float32 and float64, with and without lengths,
// forward and reversed, every optional gradient present or absent; the reserve must match too
// (same layout). Then the Tree-LSTM level and Adam.
#include "cuda_harness.h"

using cuth::Dev;
using cuth::dtype_of;
using cuth::same;

namespace {

const int kGates[] = {1, 1, 4, 3};

template <class T>
struct Seq {
  rnn_seq_desc d;
  std::vector<int32_t> lengths;
  std::vector<T> x, h0, c0, wih, whh, bih, bhh, dy, dhn, dcn;
};

template <class T>
Seq<T> make(int mode, int64_t B, int64_t T_, int64_t I, int64_t H, bool reverse, bool with_lengths) {
  Seq<T> s;
  const int G = kGates[mode];
  if (with_lengths)
    for (int64_t b = 0; b < B; ++b) s.lengths.push_back(int32_t(b == 1 ? T_ : th::randint(0, T_)));
  s.d = rnn_seq_desc{mode, dtype_of<T>(), B, T_, I, H, nullptr, reverse ? 1 : 0};
  s.x = th::random_vec<T>(size_t(B * T_ * I));
  s.h0 = th::random_vec<T>(size_t(B * H), -0.5, 0.5);
  s.c0 = th::random_vec<T>(size_t(B * H), -0.5, 0.5);
  s.wih = th::random_vec<T>(size_t(G * H * I), -0.5, 0.5);
  s.whh = th::random_vec<T>(size_t(G * H * H), -0.5, 0.5);
  s.bih = th::random_vec<T>(size_t(G * H), -0.3, 0.3);
  s.bhh = th::random_vec<T>(size_t(G * H), -0.3, 0.3);
  s.dy = th::random_vec<T>(size_t(B * T_ * H));
  s.dhn = th::random_vec<T>(size_t(B * H));
  s.dcn = th::random_vec<T>(size_t(B * H));
  return s;
}

template <class T>
void seq_case(int mode, int64_t B, int64_t T_, int64_t I, int64_t H, bool reverse, bool with_lengths, bool use_c0,
              int grads) {
  Seq<T> s = make<T>(mode, B, T_, I, H, reverse, with_lengths);
  if (with_lengths) s.d.lengths = s.lengths.data();
  const bool lstm = mode == RNN_MODE_LSTM;
  const int64_t G = kGates[mode], BTH = B * T_ * H, BH = B * H, rsize = rnn_seq_reserve_size(&s.d);
  CHECK(rsize == rnn_cuda_seq_reserve_size(&s.d));
  const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-9;
  const std::string what = std::string("mode ") + std::to_string(mode) + (reverse ? " reverse" : "") +
                           (with_lengths ? " lengths" : "") + " B" + std::to_string(B) + " T" + std::to_string(T_) +
                           " I" + std::to_string(I) + " H" + std::to_string(H);
  // CPU reference
  std::vector<T> y(static_cast<size_t>(BTH)), hn(static_cast<size_t>(BH)), cn(static_cast<size_t>(BH)), res(static_cast<size_t>(rsize));
  const T* c0h = lstm && use_c0 ? s.c0.data() : nullptr;
  CHECK_OK(rnn_seq_forward(&s.d, s.x.data(), s.h0.data(), c0h, s.wih.data(), s.whh.data(), s.bih.data(),
                           s.bhh.data(), y.data(), hn.data(), cn.data(), res.data()));
  // GPU
  Dev<T> x(s.x), h0(s.h0), c0(s.c0), wih(s.wih), whh(s.whh), bih(s.bih), bhh(s.bhh);
  Dev<T> gy(static_cast<size_t>(BTH)), ghn(static_cast<size_t>(BH)), gcn(static_cast<size_t>(BH)), gres(static_cast<size_t>(rsize));
  CU_OK(rnn_cuda_seq_forward(&s.d, x.p, h0.p, lstm && use_c0 ? c0.p : nullptr, wih.p, whh.p, bih.p, bhh.p, gy.p, ghn.p,
                             gcn.p, gres.p));
  same(gy.host(), y, tol, what + ": y");
  same(ghn.host(), hn, tol, what + ": hN");
  if (lstm) same(gcn.host(), cn, tol, what + ": cN");
  {
    // The reserve's rows at padded steps (t >= lengths[b]) are scratch that backward never reads:
    // compare only the rows of real steps.
    std::vector<T> gr = gres.host();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = with_lengths ? s.lengths[b] : T_; t < T_; ++t)
        for (int64_t off = 0, blk = 0; off < rsize; off += B * T_ * (blk == 0 ? G * H : H), ++blk) {
          const int64_t w = blk == 0 ? G * H : H;
          for (int64_t j = 0; j < w; ++j) gr[off + (b * T_ + t) * w + j] = res[off + (b * T_ + t) * w + j];
        }
    same(gr, res, tol, what + ": reserve");
  }
  // Inference (no reserve) gives the same outputs.
  Dev<T> iy(static_cast<size_t>(BTH)), ihn(static_cast<size_t>(BH)), icn(static_cast<size_t>(BH));
  CU_OK(rnn_cuda_seq_forward(&s.d, x.p, h0.p, lstm && use_c0 ? c0.p : nullptr, wih.p, whh.p, bih.p, bhh.p, iy.p, ihn.p,
                             icn.p, nullptr));
  same(iy.host(), y, tol, what + ": y (inference)");
  same(ihn.host(), hn, tol, what + ": hN (inference)");

  // Backward: grads bit 0 dy, bit 1 dhN, bit 2 dcN.
  const bool has_dy = grads & 1, has_dhn = grads & 2, has_dcn = (grads & 4) && lstm;
  const int64_t I_ = I;
  std::vector<T> dx(static_cast<size_t>(B * T_ * I_)), dh0(static_cast<size_t>(BH)), dc0(static_cast<size_t>(BH)), dwih(static_cast<size_t>(G * H * I_)),
      dwhh(static_cast<size_t>(G * H * H)), dbih(static_cast<size_t>(G * H)), dbhh(static_cast<size_t>(G * H));
  CHECK_OK(rnn_seq_backward(&s.d, s.x.data(), s.h0.data(), c0h, s.wih.data(), s.whh.data(), res.data(),
                            has_dy ? s.dy.data() : nullptr, has_dhn ? s.dhn.data() : nullptr,
                            has_dcn ? s.dcn.data() : nullptr, dx.data(), dh0.data(), dc0.data(), dwih.data(),
                            dwhh.data(), dbih.data(), dbhh.data()));
  Dev<T> ddy(s.dy), ddhn(s.dhn), ddcn(s.dcn);
  Dev<T> gdx(dx.size()), gdh0(dh0.size()), gdc0(dc0.size()), gdwih(dwih.size()), gdwhh(dwhh.size()),
      gdbih(dbih.size()), gdbhh(dbhh.size());
  CU_OK(rnn_cuda_seq_backward(&s.d, x.p, h0.p, lstm && use_c0 ? c0.p : nullptr, wih.p, whh.p, gres.p,
                              has_dy ? ddy.p : nullptr, has_dhn ? ddhn.p : nullptr, has_dcn ? ddcn.p : nullptr, gdx.p,
                              gdh0.p, gdc0.p, gdwih.p, gdwhh.p, gdbih.p, gdbhh.p));
  const double gtol = tol * 5;
  same(gdx.host(), dx, gtol, what + ": dx");
  same(gdh0.host(), dh0, gtol, what + ": dh0");
  if (lstm) same(gdc0.host(), dc0, gtol, what + ": dc0");
  same(gdwih.host(), dwih, gtol, what + ": dWih");
  same(gdwhh.host(), dwhh, gtol, what + ": dWhh");
  same(gdbih.host(), dbih, gtol, what + ": dbih");
  same(gdbhh.host(), dbhh, gtol, what + ": dbhh");
}

template <class T>
void seq_all() {
  for (int mode = 0; mode < RNN_MODE_COUNT; ++mode)
    for (bool reverse : {false, true})
      for (bool lengths : {false, true}) {
        seq_case<T>(mode, 3, 5, 4, 6, reverse, lengths, true, 7);
        seq_case<T>(mode, 2, 4, 3, 5, reverse, lengths, false, lengths ? 1 : 6);
      }
  // Workload-A-like (bigger than a tile in every GEMM) and degenerate sizes.
  seq_case<T>(RNN_MODE_LSTM, 70, 9, 8, 130, false, true, true, 7);
  seq_case<T>(RNN_MODE_GRU, 33, 6, 65, 40, true, false, true, 3);
  seq_case<T>(RNN_MODE_LSTM, 2, 3, 0, 4, false, false, true, 7);  // no input features
  seq_case<T>(RNN_MODE_GRU, 0, 3, 2, 4, false, false, true, 7);   // empty batch
  seq_case<T>(RNN_MODE_TANH, 2, 0, 2, 4, false, false, true, 7);  // no steps
}

}  // namespace

TEST(fused, sequence_float64) { seq_all<double>(); }
TEST(fused, sequence_float32) { seq_all<float>(); }

namespace {

template <class T>
void tree_case(int64_t N, int64_t I, int64_t H, bool dh_given, bool dc_given) {
  rnn_tree_desc d{dtype_of<T>(), N, I, H};
  const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-9;
  auto r = [](int64_t n, double s = 0.5) { return th::random_vec<T>(size_t(n), -s, s); };
  const auto x = r(N * I), hl = r(N * H), cl = r(N * H), hr = r(N * H), cr = r(N * H), w = r(5 * H * I),
             wh = r(10 * H * H), b = r(5 * H), dh = r(N * H, 1), dc = r(N * H, 1);
  const int64_t rs = rnn_tree_reserve_size(&d);
  CHECK(rs == rnn_cuda_tree_reserve_size(&d));
  std::vector<T> h(static_cast<size_t>(N * H)), c(static_cast<size_t>(N * H)), res(static_cast<size_t>(rs));
  CHECK_OK(rnn_tree_forward(&d, x.data(), hl.data(), cl.data(), hr.data(), cr.data(), w.data(), wh.data(), b.data(),
                            h.data(), c.data(), res.data()));
  Dev<T> gx(x), ghl(hl), gcl(cl), ghr(hr), gcr(cr), gw(w), gwh(wh), gb(b), gdh(dh), gdc(dc);
  Dev<T> gh(h.size()), gc(c.size()), gres(res.size());
  CU_OK(rnn_cuda_tree_forward(&d, gx.p, ghl.p, gcl.p, ghr.p, gcr.p, gw.p, gwh.p, gb.p, gh.p, gc.p, gres.p));
  same(gh.host(), h, tol, "tree h");
  same(gc.host(), c, tol, "tree c");
  same(gres.host(), res, tol, "tree reserve");
  std::vector<T> dx(static_cast<size_t>(N * I)), dhl(static_cast<size_t>(N * H)), dcl(static_cast<size_t>(N * H)), dhr(static_cast<size_t>(N * H)), dcr(static_cast<size_t>(N * H)),
      dw(static_cast<size_t>(5 * H * I)), dwh(static_cast<size_t>(10 * H * H)), db(static_cast<size_t>(5 * H));
  CHECK_OK(rnn_tree_backward(&d, x.data(), hl.data(), cl.data(), hr.data(), cr.data(), w.data(), wh.data(),
                             res.data(), dh_given ? dh.data() : nullptr, dc_given ? dc.data() : nullptr, dx.data(),
                             dhl.data(), dcl.data(), dhr.data(), dcr.data(), dw.data(), dwh.data(), db.data()));
  Dev<T> a(dx.size()), b1(dhl.size()), b2(dcl.size()), b3(dhr.size()), b4(dcr.size()), b5(dw.size()), b6(dwh.size()),
      b7(db.size());
  CU_OK(rnn_cuda_tree_backward(&d, gx.p, ghl.p, gcl.p, ghr.p, gcr.p, gw.p, gwh.p, gres.p, dh_given ? gdh.p : nullptr,
                               dc_given ? gdc.p : nullptr, a.p, b1.p, b2.p, b3.p, b4.p, b5.p, b6.p, b7.p));
  same(a.host(), dx, 5 * tol, "tree dx");
  same(b1.host(), dhl, 5 * tol, "tree dhL");
  same(b2.host(), dcl, 5 * tol, "tree dcL");
  same(b3.host(), dhr, 5 * tol, "tree dhR");
  same(b4.host(), dcr, 5 * tol, "tree dcR");
  same(b5.host(), dw, 5 * tol, "tree dW");
  same(b6.host(), dwh, 5 * tol, "tree dWH");
  same(b7.host(), db, 5 * tol, "tree db");
}

template <class T>
void adam_case(bool decoupled) {
  const int64_t n = 1001;
  auto p = th::random_vec<T>(size_t(n)), g = th::random_vec<T>(size_t(n)), m = th::random_vec<T>(size_t(n), 0, 0.1),
       v = th::random_vec<T>(size_t(n), 0, 0.1);
  Dev<T> dp(p), dg(g), dm(m), dv(v);
  for (int64_t step = 1; step <= 3; ++step) {
    const rnn_adam_params hp{1e-2, 0.9, 0.999, 1e-8, 0.05, step, decoupled ? 1 : 0};
    CHECK_OK(rnn_adam_step(dtype_of<T>(), p.data(), g.data(), m.data(), v.data(), n, &hp));
    CU_OK(rnn_cuda_adam_step(dtype_of<T>(), dp.p, dg.p, dm.p, dv.p, n, &hp));
  }
  const double tol = std::is_same_v<T, float> ? 1e-6 : 1e-13;
  same(dp.host(), p, tol, "adam param");
  same(dm.host(), m, tol, "adam m");
  same(dv.host(), v, tol, "adam v");
}

}  // namespace

TEST(fused, tree_level) {
  tree_case<double>(5, 3, 4, true, true);
  tree_case<double>(4, 2, 3, false, true);
  tree_case<float>(70, 16, 33, true, false);
  tree_case<float>(3, 5, 2, false, false);
}

TEST(fused, adam) {
  adam_case<float>(true);
  adam_case<float>(false);
  adam_case<double>(true);
}

namespace {

template <class T>
void attn_case(int score, int64_t B, int64_t Tq, int64_t Ts, int64_t D, int64_t Dv, std::vector<int32_t> lengths,
               bool dc_given, bool dw_given) {
  const bool add = score == RNN_ATTN_ADDITIVE;
  rnn_attn_desc d{score, dtype_of<T>(), B, Tq, Ts, D, Dv, lengths.empty() ? nullptr : lengths.data()};
  const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-9;
  auto r = [](int64_t n) { return th::random_vec<T>(size_t(n)); };
  const auto q = r(B * Tq * D), k = r(B * Ts * D), val = r(B * Ts * Dv), v = r(D), dc = r(B * Tq * Dv),
             dw = r(B * Tq * Ts);
  std::vector<T> c(size_t(B * Tq * Dv)), w(size_t(B * Tq * Ts));
  CHECK_OK(rnn_attn_forward(&d, q.data(), k.data(), val.data(), add ? v.data() : nullptr, c.data(), w.data()));
  Dev<T> gq(q), gk(k), gval(val), gv(v), gdc(dc), gdw(dw), gc(c.size()), gw(w.size());
  CU_OK(rnn_cuda_attn_forward(&d, gq.p, gk.p, gval.p, add ? gv.p : nullptr, gc.p, gw.p));
  same(gc.host(), c, tol, "attention context");
  same(gw.host(), w, tol, "attention weights");
  std::vector<T> dq(q.size()), dk(k.size()), dval(val.size()), dv(v.size());
  CHECK_OK(rnn_attn_backward(&d, q.data(), k.data(), val.data(), add ? v.data() : nullptr, w.data(),
                             dc_given ? dc.data() : nullptr, dw_given ? dw.data() : nullptr, dq.data(), dk.data(),
                             dval.data(), add ? dv.data() : nullptr));
  Dev<T> a(dq.size()), b(dk.size()), e(dval.size()), f(dv.size());
  CU_OK(rnn_cuda_attn_backward(&d, gq.p, gk.p, gval.p, add ? gv.p : nullptr, gw.p, dc_given ? gdc.p : nullptr,
                               dw_given ? gdw.p : nullptr, a.p, b.p, e.p, add ? f.p : nullptr));
  same(a.host(), dq, 5 * tol, "attention dq");
  same(b.host(), dk, 5 * tol, "attention dk");
  same(e.host(), dval, 5 * tol, "attention dval");
  if (add) same(f.host(), dv, 5 * tol, "attention dv");
}

}  // namespace

TEST(fused, attention) {
  for (int score : {RNN_ATTN_DOT, RNN_ATTN_ADDITIVE}) {
    attn_case<double>(score, 3, 1, 5, 4, 3, {5, 2, 1}, true, true);
    attn_case<double>(score, 2, 3, 4, 7, 5, {}, true, false);
    attn_case<float>(score, 5, 12, 12, 33, 17, {12, 3, 1, 7, 12}, true, true);
    attn_case<float>(score, 2, 2, 3, 4, 2, {1, 3}, false, true);
  }
}
