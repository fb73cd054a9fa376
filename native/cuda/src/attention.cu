// The attention step on the GPU, the shared equations of core/attention.h with exact activations.
// Forward: one thread per query row (b, i) writes its scores into its weights row, turns them into
// the masked softmax in place and accumulates its context row. Backward: one thread per batch row b
// (its query rows all add into the same dk_b and dval_b, so they stay in one thread, race-free),
// each writing a partial dv; a second pass sums the partials per feature in batch order
// (deterministic, no atomics). Decoding shapes (B*Tq up to a few hundred rows, Ts and D small)
// keep this simple mapping cheap; the C entry points are core/api/attention.inc, as for the CPU.
#include <memory>

#include "core/attention.h"
#include "core/scalar.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

using rnn::AttnBwd;
using rnn::AttnFwd;

// Lengths on the device, or null (all Ts).
struct DevLengths {
  std::unique_ptr<Workspace<int32_t>> buf;
  const int32_t* get() const { return buf ? buf->get() : nullptr; }
};

int upload(const int32_t* host, int64_t B, DevLengths* out, const char* what) {
  if (!host || B == 0) return RNN_OK;
  out->buf = std::make_unique<Workspace<int32_t>>(B);
  return dev_h2d(out->buf->get(), host, sizeof(int32_t) * static_cast<size_t>(B), what);
}

template <bool Add, class T>
int forward(const AttnFwd<T>& p, const int32_t* lengths, const char* what) {
  const int64_t Tq = p.Tq, Ts = p.Ts, D = p.D, Dv = p.Dv;
  const T *q = p.q, *k = p.k, *val = p.val, *v = p.v;
  T *context = p.context, *weights = p.weights;
  return for_each_index(what, p.B * Tq, [=] RNN_DL(int64_t row) {
    const int64_t b = row / Tq;
    const int64_t L = lengths ? lengths[b] : Ts;
    const T* qr = q + row * D;
    T* w = weights + row * Ts;
    for (int64_t j = 0; j < L; ++j) {
      const T* kj = k + (b * Ts + j) * D;
      T s = 0;
      for (int64_t d = 0; d < D; ++d) s += rnn::attn::score_term<Add, ExactAct>(qr[d], kj[d], Add ? v[d] : T(0));
      w[j] = s;
    }
    rnn::attn::softmax_row<ExactAct>(w, L, Ts);
    T* c = context + row * Dv;
    for (int64_t d = 0; d < Dv; ++d) c[d] = T(0);
    for (int64_t j = 0; j < L; ++j) {
      const T* vj = val + (b * Ts + j) * Dv;
      for (int64_t d = 0; d < Dv; ++d) c[d] += w[j] * vj[d];
    }
  });
}

template <bool Add, class T>
int backward(const AttnBwd<T>& p, const int32_t* lengths, const char* what) {
  const int64_t B = p.B, Tq = p.Tq, Ts = p.Ts, D = p.D, Dv = p.Dv;
  Workspace<T> g_ws(B * Ts), dv_ws(Add ? B * D : 1);
  T *g_all = g_ws.get(), *dv_part = dv_ws.get();
  const T *q = p.q, *k = p.k, *val = p.val, *v = p.v, *weights = p.weights, *dcontext = p.dcontext,
          *dweights = p.dweights;
  T *dq = p.dq, *dk = p.dk, *dval = p.dval;
  RNN_TRY(for_each_index(what, B, [=] RNN_DL(int64_t b) {
    const int64_t L = lengths ? lengths[b] : Ts;
    T* g = g_all + b * Ts;
    T* dvp = Add ? dv_part + b * D : nullptr;
    T* dkb = dk + b * Ts * D;
    T* dvb = dval + b * Ts * Dv;
    for (int64_t e = 0; e < Ts * D; ++e) dkb[e] = T(0);
    for (int64_t e = 0; e < Ts * Dv; ++e) dvb[e] = T(0);
    if (Add)
      for (int64_t d = 0; d < D; ++d) dvp[d] = T(0);
    for (int64_t i = 0; i < Tq; ++i) {
      const int64_t row = b * Tq + i;
      const T* qr = q + row * D;
      const T* w = weights + row * Ts;
      for (int64_t j = 0; j < L; ++j) {
        T s = dweights ? dweights[row * Ts + j] : T(0);
        if (dcontext) {
          const T* dc = dcontext + row * Dv;
          const T* vj = val + (b * Ts + j) * Dv;
          T* dvj = dvb + j * Dv;
          for (int64_t d = 0; d < Dv; ++d) {
            s += dc[d] * vj[d];
            dvj[d] += w[j] * dc[d];
          }
        }
        g[j] = s;
      }
      rnn::attn::softmax_grad_row(w, g, L);
      T* dqr = dq + row * D;
      for (int64_t d = 0; d < D; ++d) dqr[d] = T(0);
      for (int64_t j = 0; j < L; ++j) {
        const T* kj = k + (b * Ts + j) * D;
        T* dkj = dkb + j * D;
        T unused = 0;
        for (int64_t d = 0; d < D; ++d)
          rnn::attn::score_grad<Add, ExactAct>(g[j], qr[d], kj[d], Add ? v[d] : T(0), dqr + d, dkj + d,
                                               Add ? dvp + d : &unused);
      }
    }
  }));
  if (!Add) return RNN_OK;
  T* dv = p.dv;
  if (B == 0) return dev_zero(dv, sizeof(T) * static_cast<size_t>(D), what);
  return for_each_index(what, D, [=] RNN_DL(int64_t d) {
    T s = 0;
    for (int64_t b = 0; b < B; ++b) s += dv_part[b * D + d];
    dv[d] = s;
  });
}

template <class T>
int attn_forward_typed(const AttnFwd<T>& p) {
  const char* what = "rnn_cuda_attn_forward";
  DevLengths len;
  RNN_TRY(upload(p.lengths, p.B, &len, what));
  return p.score == RNN_ATTN_ADDITIVE ? forward<true>(p, len.get(), what) : forward<false>(p, len.get(), what);
}

template <class T>
int attn_backward_typed(const AttnBwd<T>& p) {
  const char* what = "rnn_cuda_attn_backward";
  DevLengths len;
  RNN_TRY(upload(p.lengths, p.B, &len, what));
  return p.score == RNN_ATTN_ADDITIVE ? backward<true>(p, len.get(), what) : backward<false>(p, len.get(), what);
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/attention.inc"
