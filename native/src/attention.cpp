// The attention step on the CPU: rows of the batch split over the thread pool, and per query row
// the shared equations (core/attention.h) in loops over the features that the compiler vectorises
// (float32 with the approximations of fastmath.h, as the gate loops). No workspace in forward: the
// scores are written into the weights row and turned into the softmax in place. Backward splits the
// batch the same way; each task keeps its own partial dv, summed in task order (deterministic).
// C entry points: core/api/attention.inc.
#include <algorithm>
#include <vector>

#include "common.h"
#include "core/attention.h"
#include "fastmath.h"
#include "parallel.h"
#include "simd.h"
#include "workspace.h"

namespace rnn {
namespace {

using attn::score_grad;
using attn::score_term;

int64_t len_of_row(const int32_t* lengths, int64_t b, int64_t Ts) { return lengths ? lengths[b] : Ts; }

template <bool Add, class T>
RNN_INLINE T score(const T* q, const T* k, const T* v, int64_t D) {
  T s = 0;
  if (Add) {
#pragma omp simd reduction(+ : s)
    for (int64_t d = 0; d < D; ++d) s += score_term<true, FastAct>(q[d], k[d], v[d]);
  } else {
#pragma omp simd reduction(+ : s)
    for (int64_t d = 0; d < D; ++d) s += score_term<false, FastAct>(q[d], k[d], T(0));
  }
  return s;
}

template <bool Add, class T>
RNN_INLINE void forward_rows(const AttnFwd<T>& p, int64_t b0, int64_t b1) {
  const int64_t Tq = p.Tq, Ts = p.Ts, D = p.D, Dv = p.Dv;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t L = len_of_row(p.lengths, b, Ts);
    const T* kb = p.k + b * Ts * D;
    const T* vb = p.val + b * Ts * Dv;
    for (int64_t i = 0; i < Tq; ++i) {
      const T* q = p.q + (b * Tq + i) * D;
      T* w = p.weights + (b * Tq + i) * Ts;
      T* c = p.context + (b * Tq + i) * Dv;
      for (int64_t j = 0; j < L; ++j) w[j] = score<Add>(q, kb + j * D, p.v, D);
      attn::softmax_row<FastAct>(w, L, Ts);
      std::fill_n(c, Dv, T(0));
      for (int64_t j = 0; j < L; ++j) {
        const T wj = w[j];
        const T* vj = vb + j * Dv;
#pragma omp simd
        for (int64_t d = 0; d < Dv; ++d) c[d] += wj * vj[d];
      }
    }
  }
}

// Rows [b0, b1): dq, dk, dval of those rows written whole; dv_part (additive) accumulated.
template <bool Add, class T>
RNN_INLINE void backward_rows(const AttnBwd<T>& p, int64_t b0, int64_t b1, T* g, T* dv_part) {
  const int64_t Tq = p.Tq, Ts = p.Ts, D = p.D, Dv = p.Dv;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t L = len_of_row(p.lengths, b, Ts);
    const T* kb = p.k + b * Ts * D;
    const T* vb = p.val + b * Ts * Dv;
    T* dkb = p.dk + b * Ts * D;
    T* dvb = p.dval + b * Ts * Dv;
    std::fill_n(dkb, Ts * D, T(0));
    std::fill_n(dvb, Ts * Dv, T(0));
    for (int64_t i = 0; i < Tq; ++i) {
      const int64_t row = b * Tq + i;
      const T* q = p.q + row * D;
      const T* w = p.weights + row * Ts;
      const T* dc = p.dcontext ? p.dcontext + row * Dv : nullptr;
      T* dq = p.dq + row * D;
      for (int64_t j = 0; j < L; ++j) {
        T s = p.dweights ? p.dweights[row * Ts + j] : T(0);
        if (dc) {
          const T* vj = vb + j * Dv;
          T* dvj = dvb + j * Dv;
          const T wj = w[j];
          T acc = 0;
#pragma omp simd reduction(+ : acc)
          for (int64_t d = 0; d < Dv; ++d) {
            acc += dc[d] * vj[d];
            dvj[d] += wj * dc[d];
          }
          s += acc;
        }
        g[j] = s;
      }
      attn::softmax_grad_row(w, g, L);
      std::fill_n(dq, D, T(0));
      for (int64_t j = 0; j < L; ++j) {
        const T de = g[j];
        const T* kj = kb + j * D;
        T* dkj = dkb + j * D;
        if (Add) {
#pragma omp simd
          for (int64_t d = 0; d < D; ++d) score_grad<true, FastAct>(de, q[d], kj[d], p.v[d], dq + d, dkj + d, dv_part + d);
        } else {
#pragma omp simd
          for (int64_t d = 0; d < D; ++d) score_grad<false, FastAct>(de, q[d], kj[d], T(0), dq + d, dkj + d, dv_part);
        }
      }
    }
  }
}

// Tasks of whole batch rows, enough work each to be worth a wake-up (~32k multiply-adds).
int64_t tasks_for(int64_t B, int64_t per_row) {
  const int64_t by_work = std::max<int64_t>(1, B * per_row / 32768);
  return std::max<int64_t>(1, std::min<int64_t>({B, int64_t(num_threads()), by_work}));
}

#define RNN_ATTN_ROWS(T)                                                                                   \
  RNN_CLONES void attn_fwd(const AttnFwd<T>& p, int64_t b0, int64_t b1) {                                  \
    if (p.score == RNN_ATTN_ADDITIVE) forward_rows<true>(p, b0, b1);                                       \
    else forward_rows<false>(p, b0, b1);                                                                   \
  }                                                                                                        \
  RNN_CLONES void attn_bwd(const AttnBwd<T>& p, int64_t b0, int64_t b1, T* g, T* dv_part) {                \
    if (p.score == RNN_ATTN_ADDITIVE) backward_rows<true>(p, b0, b1, g, dv_part);                          \
    else backward_rows<false>(p, b0, b1, g, dv_part);                                                      \
  }
RNN_ATTN_ROWS(float)
RNN_ATTN_ROWS(double)
#undef RNN_ATTN_ROWS

template <class T>
int attn_forward_typed(const AttnFwd<T>& p) {
  const int64_t tasks = tasks_for(p.B, p.Tq * p.Ts * (p.D + p.Dv));
  parallel_run(int(tasks), [&](int t) { attn_fwd(p, p.B * t / tasks, p.B * (t + 1) / tasks); });
  return RNN_OK;
}

template <class T>
int attn_backward_typed(const AttnBwd<T>& p) {
  const bool add = p.score == RNN_ATTN_ADDITIVE;
  const int64_t tasks = tasks_for(p.B, p.Tq * p.Ts * (p.D + p.Dv));
  // per task: a scratch row of Ts gradients and (additive) its partial dv
  Buf<T> ws = alloc<T>(tasks * (p.Ts + p.D));
  std::fill_n(ws.get(), tasks * (p.Ts + p.D), T(0));
  parallel_run(int(tasks), [&](int t) {
    T* g = ws.get() + t * (p.Ts + p.D);
    attn_bwd(p, p.B * t / tasks, p.B * (t + 1) / tasks, g, g + p.Ts);
  });
  if (add) {
    std::fill_n(p.dv, p.D, T(0));
    for (int64_t t = 0; t < tasks; ++t)
      for (int64_t d = 0; d < p.D; ++d) p.dv[d] += ws.get()[t * (p.Ts + p.D) + p.Ts + d];
  }
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/attention.inc"
