// The linear-chain CRF on the CPU: the per-row math of core/crf.h, rows spread over our threads
// when the batch is large enough to pay for waking them. Parameter gradients are summed per row
// into a double workspace, then over rows in order (deterministic for any thread count).
#include <algorithm>
#include <vector>

#include "common.h"
#include "core/crf.h"
#include "parallel.h"

namespace rnn {
namespace {

// Rows lo..hi of fn(b), over up to num_threads() tasks of at least 8 rows each.
template <class F>
void for_rows(int64_t B, F fn) {
  parallel_ranges(B, 8, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) fn(b);
  });
}

template <class T>
int crf_nll_forward_typed(const rnn_crf_desc& d, const T* e, const T* trans, const T* start, const T* end, T* nll,
                          T* reserve) {
  const int64_t B = d.batch, T_ = d.steps, K = d.tags;
  std::vector<double> et(K * K + K), scratch(B * 3 * K);
  crf::prep(K, trans, et.data(), et.data() + K * K);
  for_rows(B, [&](int64_t b) {
    const int64_t L = d.lengths[b];
    const T* eb = e + b * T_ * K;
    const double logz = crf::forward_row(K, L, eb, start, end, et.data(), et.data() + K * K,
                                         reserve ? reserve + b * T_ * K : static_cast<T*>(nullptr),
                                         scratch.data() + b * 3 * K);
    if (reserve) reserve[B * T_ * K + b] = T(logz);
    nll[b] = T(logz - crf::gold_score(K, L, eb, trans, start, end, d.gold + b * T_));
  });
  return RNN_OK;
}

template <class T>
int crf_nll_backward_typed(const rnn_crf_desc& d, const T* e, const T* trans, const T* end, const T* reserve,
                           const T* dnll, T* de, T* dtrans, T* dstart, T* dend) {
  const int64_t B = d.batch, T_ = d.steps, K = d.tags, P = K * K + 2 * K;
  std::vector<double> et(K * K + K), scratch(B * 4 * K), part(B * P, 0.0);
  crf::prep(K, trans, et.data(), et.data() + K * K);
  for_rows(B, [&](int64_t b) {
    double* pb = part.data() + b * P;
    crf::backward_row(K, T_, int64_t(d.lengths[b]), e + b * T_ * K, end, et.data(), et.data() + K * K,
                      reserve + b * T_ * K, double(reserve[B * T_ * K + b]), double(dnll[b]), d.gold + b * T_,
                      de + b * T_ * K, pb, pb + K * K, pb + K * K + K, scratch.data() + b * 4 * K);
  });
  for (int64_t k = 0; k < P; ++k) {
    double s = 0;
    for (int64_t b = 0; b < B; ++b) s += part[b * P + k];
    (k < K * K ? dtrans[k] : k < K * K + K ? dstart[k - K * K] : dend[k - K * K - K]) = T(s);
  }
  return RNN_OK;
}

template <class T>
int crf_viterbi_typed(const rnn_crf_desc& d, const T* e, const T* trans, const T* start, const T* end, int32_t* tags,
                      double* scores) {
  const int64_t B = d.batch, T_ = d.steps, K = d.tags;
  std::vector<int32_t> back(B * T_ * K);
  std::vector<double> scratch(B * 2 * K);
  for_rows(B, [&](int64_t b) {
    scores[b] = crf::viterbi_row(K, T_, int64_t(d.lengths[b]), e + b * T_ * K, trans, start, end,
                                 back.data() + b * T_ * K, scratch.data() + b * 2 * K, tags + b * T_);
  });
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/crf.inc"
