// The attention step (packages/core/src/ops/attention.ts), the equations both devices run, per
// query row (b, i) with L = lengths[b] valid source steps:
//   dot       e_j = Σ_d q_d k_jd
//   additive  e_j = Σ_d v_d tanh(q_d + k_jd)
//   w_j = exp(e_j - max e) / Σ_{l<L} exp(e_l - max e) for j < L, exactly 0 for j >= L
//   c   = Σ_{j<L} w_j val_j
// Backward, from dc (and dw, a gradient reaching the weights themselves):
//   g_j  = dw_j + dc · val_j,  de_j = w_j (g_j - Σ_l w_l g_l)   (the softmax's Jacobian)
//   dval_j += w_j dc
//   dot:      dq += de_j k_j,  dk_j += de_j q
//   additive: t = tanh(q + k_j), s = de_j v (1 - t²): dq += s, dk_j += s, dv += de_j t
// Nothing past L is read or receives a gradient. Per-element terms here; the loops (vectorised on
// the CPU, one thread per row on CUDA) in src/attention.cpp and cuda/src/attention.cu. The typed
// arguments after the C API's checks (api/attention.inc) are AttnFwd / AttnBwd.
#pragma once

#include <cstdint>

#include "hd.h"

namespace rnn {

template <class T>
struct AttnFwd {
  int score;  // RNN_ATTN_DOT or RNN_ATTN_ADDITIVE
  int64_t B, Tq, Ts, D, Dv;
  const int32_t* lengths;  // host memory, nullable (all Ts)
  const T *q, *k, *val, *v;
  T *context, *weights;
};

template <class T>
struct AttnBwd {
  int score;
  int64_t B, Tq, Ts, D, Dv;
  const int32_t* lengths;
  const T *q, *k, *val, *v, *weights, *dcontext, *dweights;  // dcontext, dweights nullable (zero)
  T *dq, *dk, *dval, *dv;                                    // dv only for additive
};

namespace attn {

// One term of e_j: q_d k_jd, or v_d tanh(q_d + k_jd) (the score is a template argument, so the
// loops over d carry no branch and vectorise).
template <bool Additive, class Act, class T>
RNN_HDI T score_term(T q, T k, T v) {
  if (Additive) return v * Act::tanh(q + k);
  return q * k;
}

// The terms of de_j's backward at feature d: added to dq_d, dk_jd, and (additive) dv_d.
template <bool Additive, class Act, class T>
RNN_HDI void score_grad(T de, T q, T k, T v, T* dq, T* dk, T* dv) {
  if (Additive) {
    const T t = Act::tanh(q + k);
    const T s = de * v * (T(1) - t * t);
    *dq += s;
    *dk += s;
    *dv += de * t;
  } else {
    *dq += de * k;
    *dk += de * q;
  }
}

// Scores e[0..L) into weights w[0..Ts): the masked softmax, in place.
template <class Act, class T>
RNN_HDI void softmax_row(T* w, int64_t L, int64_t Ts) {
  T m = w[0];
  for (int64_t j = 1; j < L; ++j) m = w[j] > m ? w[j] : m;
  T z = 0;
  for (int64_t j = 0; j < L; ++j) {
    w[j] = Act::exp(w[j] - m);
    z += w[j];
  }
  const T inv = T(1) / z;
  for (int64_t j = 0; j < L; ++j) w[j] *= inv;
  for (int64_t j = L; j < Ts; ++j) w[j] = T(0);
}

// g[0..L) (the gradient reaching each weight) into de[0..L), in place.
template <class T>
RNN_HDI void softmax_grad_row(const T* w, T* g, int64_t L) {
  T s = 0;
  for (int64_t j = 0; j < L; ++j) s += w[j] * g[j];
  for (int64_t j = 0; j < L; ++j) g[j] = w[j] * (g[j] - s);
}

}  // namespace attn
}  // namespace rnn
