// The linear-chain CRF on the GPU: one thread per sentence running the per-row math of
// core/crf.h (sequential over time, small over tags), lengths and gold tags uploaded once.
// Parameter gradients: per-row partial sums in a double workspace, then one thread per entry
// sums the rows in order (deterministic).
#include <memory>

#include "core/crf.h"
#include "device.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

std::unique_ptr<Workspace<int32_t>> upload(const int32_t* host, int64_t n, const char* what, int* st) {
  auto w = std::make_unique<Workspace<int32_t>>(n);
  *st = dev_h2d(w->get(), host, sizeof(int32_t) * static_cast<size_t>(n), what);
  return w;
}

template <class T>
int prep_on_device(const char* what, int64_t K, const T* trans, double* et) {
  return for_each_index(what, 1, [=] RNN_DL(int64_t) { rnn::crf::prep(K, trans, et, et + K * K); });
}

template <class T>
int crf_nll_forward_typed(const rnn_crf_desc& d, const T* e, const T* trans, const T* start, const T* end, T* nll,
                          T* reserve) {
  const char* what = "rnn_cuda_crf_nll_forward";
  const int64_t B = d.batch, T_ = d.steps, K = d.tags;
  int st = RNN_OK;
  auto len = upload(d.lengths, B, what, &st);
  RNN_TRY(st);
  auto gold = upload(d.gold, B * T_, what, &st);
  RNN_TRY(st);
  Workspace<double> et(K * K + K), scratch(B * 3 * K);
  double *etp = et.get(), *sp = scratch.get();
  const int32_t *lp = len->get(), *gp = gold->get();
  RNN_TRY(prep_on_device(what, K, trans, etp));
  return for_each_index(what, B, [=] RNN_DL(int64_t b) {
    const int64_t L = lp[b];
    const T* eb = e + b * T_ * K;
    const double logz = rnn::crf::forward_row(K, L, eb, start, end, etp, etp + K * K,
                                              reserve ? reserve + b * T_ * K : static_cast<T*>(nullptr), sp + b * 3 * K);
    if (reserve) reserve[B * T_ * K + b] = T(logz);
    nll[b] = T(logz - rnn::crf::gold_score(K, L, eb, trans, start, end, gp + b * T_));
  });
}

template <class T>
int crf_nll_backward_typed(const rnn_crf_desc& d, const T* e, const T* trans, const T* end, const T* reserve,
                           const T* dnll, T* de, T* dtrans, T* dstart, T* dend) {
  const char* what = "rnn_cuda_crf_nll_backward";
  const int64_t B = d.batch, T_ = d.steps, K = d.tags, P = K * K + 2 * K;
  int st = RNN_OK;
  auto len = upload(d.lengths, B, what, &st);
  RNN_TRY(st);
  auto gold = upload(d.gold, B * T_, what, &st);
  RNN_TRY(st);
  Workspace<double> et(K * K + K), scratch(B * 4 * K), part(B * P);
  double *etp = et.get(), *sp = scratch.get(), *pp = part.get();
  const int32_t *lp = len->get(), *gp = gold->get();
  RNN_TRY(prep_on_device(what, K, trans, etp));
  RNN_TRY(dev_zero(pp, sizeof(double) * static_cast<size_t>(B * P), what));
  RNN_TRY(for_each_index(what, B, [=] RNN_DL(int64_t b) {
    double* pb = pp + b * P;
    rnn::crf::backward_row(K, T_, int64_t(lp[b]), e + b * T_ * K, end, etp, etp + K * K, reserve + b * T_ * K,
                           double(reserve[B * T_ * K + b]), double(dnll[b]), gp + b * T_, de + b * T_ * K, pb,
                           pb + K * K, pb + K * K + K, sp + b * 4 * K);
  }));
  return for_each_index(what, P, [=] RNN_DL(int64_t k) {
    double s = 0;
    for (int64_t b = 0; b < B; ++b) s += pp[b * P + k];
    if (k < K * K) dtrans[k] = T(s);
    else if (k < K * K + K) dstart[k - K * K] = T(s);
    else dend[k - K * K - K] = T(s);
  });
}

template <class T>
int crf_viterbi_typed(const rnn_crf_desc& d, const T* e, const T* trans, const T* start, const T* end, int32_t* tags,
                      double* scores) {
  const char* what = "rnn_cuda_crf_viterbi";
  const int64_t B = d.batch, T_ = d.steps, K = d.tags;
  int st = RNN_OK;
  auto len = upload(d.lengths, B, what, &st);
  RNN_TRY(st);
  Workspace<int32_t> back(B * T_ * K), dtags(B * T_);
  Workspace<double> scratch(B * 2 * K), dscores(B);
  int32_t *bp = back.get(), *tp = dtags.get();
  double *sp = scratch.get(), *scp = dscores.get();
  const int32_t* lp = len->get();
  RNN_TRY(for_each_index(what, B, [=] RNN_DL(int64_t b) {
    scp[b] = rnn::crf::viterbi_row(K, T_, int64_t(lp[b]), e + b * T_ * K, trans, start, end, bp + b * T_ * K,
                                   sp + b * 2 * K, tp + b * T_);
  }));
  RNN_TRY(dev_d2h(tags, tp, sizeof(int32_t) * static_cast<size_t>(B * T_), what));
  return dev_d2h(scores, scp, sizeof(double) * static_cast<size_t>(B), what);
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/crf.inc"
