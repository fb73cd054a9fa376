// The linear-chain CRF, one sentence (row) at a time, written once for the CPU kernels, the CUDA
// kernels (one thread per row) and the emulation build. Math (pytorch-crf's conventions, see
// @rnn/core ops/crf.ts):
//   alpha_0 = start + e_0,      alpha_t[j] = e_t[j] + log Σ_i exp(alpha_{t-1}[i] + trans[i][j])
//   beta_{L-1} = end,           beta_{t-1}[i] = log Σ_j exp(trans[i][j] + e_t[j] + beta_t[j])
//   log Z = log Σ_j exp(alpha_{L-1}[j] + end[j]),   nll = log Z − score(gold)
//   d nll/d e_t[j] = P(y_t = j) − [gold_t = j],  d nll/d trans[i][j] = Σ_t P(y_{t-1}=i, y_t=j) − count
// Each step's log-sum-exp over the previous tag is done as scaled products with exp(trans) computed
// once (K exps and K logs per step instead of K²): exp(trans[i][j] − cmax[j]) ≤ 1 with cmax the
// column maximum, in double, so a transition of −inf (a forbidden move) is an exact 0.
#pragma once

#include <cmath>
#include <cstdint>

#include "hd.h"

namespace rnn {
namespace crf {

// et[i*K + j] = exp(trans[i][j] - cmax[j]); a column that is all -inf gets cmax 0 and et 0.
template <class T>
RNN_HD void prep(int64_t K, const T* trans, double* et, double* cmax) {
  for (int64_t j = 0; j < K; ++j) {
    double m = -INFINITY;
    for (int64_t i = 0; i < K; ++i) m = fmax(m, double(trans[i * K + j]));
    cmax[j] = m == -INFINITY ? 0.0 : m;
    for (int64_t i = 0; i < K; ++i) et[i * K + j] = exp(double(trans[i * K + j]) - cmax[j]);
  }
}

// The gold path's score (pytorch-crf's definition) for one row of length L.
template <class T>
RNN_HD double gold_score(int64_t K, int64_t L, const T* e, const T* trans, const T* start, const T* end,
                         const int32_t* gold) {
  double s = double(start[gold[0]]) + double(end[gold[L - 1]]);
  for (int64_t t = 0; t < L; ++t) {
    s += double(e[t * K + gold[t]]);
    if (t > 0) s += double(trans[gold[t - 1] * K + gold[t]]);
  }
  return s;
}

// The forward algorithm for one row: returns log Z; alpha [L*K] (may be null) keeps every step for
// backward. scratch: 3K doubles.
template <class T>
RNN_HD double forward_row(int64_t K, int64_t L, const T* e, const T* start, const T* end, const double* et,
                          const double* cmax, T* alpha, double* scratch) {
  double *cur = scratch, *nxt = scratch + K, *p = scratch + 2 * K;
  for (int64_t j = 0; j < K; ++j) {
    cur[j] = double(start[j]) + double(e[j]);
    if (alpha) alpha[j] = T(cur[j]);
  }
  for (int64_t t = 1; t < L; ++t) {
    double m = -INFINITY;
    for (int64_t i = 0; i < K; ++i) m = fmax(m, cur[i]);
    for (int64_t i = 0; i < K; ++i) p[i] = (m == -INFINITY) ? 0.0 : exp(cur[i] - m);
    for (int64_t j = 0; j < K; ++j) {
      double s = 0;
      for (int64_t i = 0; i < K; ++i) s += p[i] * et[i * K + j];
      nxt[j] = ((m == -INFINITY) ? m : m + cmax[j] + log(s)) + double(e[t * K + j]);
      if (alpha) alpha[t * K + j] = T(nxt[j]);
    }
    double* tmp = cur;
    cur = nxt;
    nxt = tmp;
  }
  double m = -INFINITY;
  for (int64_t j = 0; j < K; ++j) m = fmax(m, cur[j] + double(end[j]));
  if ((m == -INFINITY)) return m;
  double s = 0;
  for (int64_t j = 0; j < K; ++j) s += exp(cur[j] + double(end[j]) - m);
  return m + log(s);
}

// The gradient of g * nll for one row (T_ steps in memory, L valid). de [T_*K] is written whole
// (zeros past L); dtrans [K*K], dstart [K], dend [K] (double) are added to. scratch: 4K doubles.
template <class T>
RNN_HD void backward_row(int64_t K, int64_t T_, int64_t L, const T* e, const T* end, const double* et,
                         const double* cmax, const T* alpha, double logz, double g, const int32_t* gold, T* de,
                         double* dtrans, double* dstart, double* dend, double* scratch) {
  double *beta = scratch, *nb = scratch + K, *q = scratch + 2 * K, *pa = scratch + 3 * K;
  for (int64_t j = 0; j < K; ++j) beta[j] = double(end[j]);
  for (int64_t i = L * K; i < T_ * K; ++i) de[i] = T(0);
  for (int64_t t = L - 1; t >= 0; --t) {
    for (int64_t j = 0; j < K; ++j) {
      const double pj = exp(double(alpha[t * K + j]) + beta[j] - logz);
      de[t * K + j] = T(g * (pj - (gold[t] == j ? 1.0 : 0.0)));
      if (t == 0) dstart[j] += g * pj;
      if (t == L - 1) dend[j] += g * pj;
    }
    if (t == 0) break;
    double mv = -INFINITY, ma = -INFINITY;
    for (int64_t j = 0; j < K; ++j) mv = fmax(mv, cmax[j] + double(e[t * K + j]) + beta[j]);
    for (int64_t i = 0; i < K; ++i) ma = fmax(ma, double(alpha[(t - 1) * K + i]));
    if ((mv == -INFINITY) || (ma == -INFINITY)) {
      for (int64_t i = 0; i < K; ++i) nb[i] = -INFINITY;
    } else {
      for (int64_t j = 0; j < K; ++j) q[j] = exp(cmax[j] + double(e[t * K + j]) + beta[j] - mv);
      for (int64_t i = 0; i < K; ++i) pa[i] = exp(double(alpha[(t - 1) * K + i]) - ma);
      const double scale = g * exp(ma + mv - logz);
      for (int64_t i = 0; i < K; ++i) {
        double s = 0;
        const double* row = et + i * K;
        for (int64_t j = 0; j < K; ++j) {
          const double w = row[j] * q[j];
          s += w;
          dtrans[i * K + j] += scale * pa[i] * w;
        }
        nb[i] = mv + log(s);
      }
    }
    double* tmp = beta;
    beta = nb;
    nb = tmp;
  }
  for (int64_t t = 1; t < L; ++t) dtrans[gold[t - 1] * K + gold[t]] -= g;
  dstart[gold[0]] -= g;
  dend[gold[L - 1]] -= g;
}

// Viterbi for one row: tags [T_] (zeros past L), returns the best score. Ties go to the lowest
// tag, as an argmax. back: L*K ints; scratch: 2K doubles.
template <class T>
RNN_HD double viterbi_row(int64_t K, int64_t T_, int64_t L, const T* e, const T* trans, const T* start, const T* end,
                          int32_t* back, double* scratch, int32_t* tags) {
  double *cur = scratch, *nxt = scratch + K;
  for (int64_t j = 0; j < K; ++j) cur[j] = double(start[j]) + double(e[j]);
  for (int64_t t = 1; t < L; ++t) {
    for (int64_t j = 0; j < K; ++j) {
      double best = -INFINITY;
      int32_t arg = 0;
      for (int64_t i = 0; i < K; ++i) {
        const double v = cur[i] + double(trans[i * K + j]);
        if (v > best) {
          best = v;
          arg = int32_t(i);
        }
      }
      nxt[j] = best + double(e[t * K + j]);
      back[t * K + j] = arg;
    }
    double* tmp = cur;
    cur = nxt;
    nxt = tmp;
  }
  double best = -INFINITY;
  int32_t arg = 0;
  for (int64_t j = 0; j < K; ++j) {
    const double v = cur[j] + double(end[j]);
    if (v > best) {
      best = v;
      arg = int32_t(j);
    }
  }
  for (int64_t t = L; t < T_; ++t) tags[t] = 0;
  tags[L - 1] = arg;
  for (int64_t t = L - 1; t > 0; --t) tags[t - 1] = back[t * K + tags[t]];
  return best;
}

}  // namespace crf
}  // namespace rnn
