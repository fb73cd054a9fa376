// One decoding step of an attentional decoder in one call (rnn_decode_step, rnn_native.h): the LSTM
// step from a per-vocabulary gate table, the folded dot attention, h~ = tanh(ctx + W_h q), the output
// projection, log-softmax and each row's best candidates. A beam-search step composed of core ops
// is ~27 backend calls and reads back the whole [R, V] log-probabilities; here it is one call that
// returns `top` candidates per row. The composed path (packages/core/src/ops/decode-step.ts) stays
// the reference: the float32 activations here are the fused kernels' fast ones (fastmath.h), so
// results agree with it to float tolerance, not bit for bit.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "blas.h"
#include "common.h"
#include "core/attention.h"
#include "fastmath.h"
#include "packed.h"
#include "parallel.h"
#include "simd.h"
#include "workspace.h"

namespace rnn {
namespace {

template <class T>
struct StepArgs {
  const rnn_decode_step_desc* d;
  const T *table, *w_hh, *h0, *c0, *keys, *values, *context, *w_h, *w_out, *b_out;
  T *h, *c, *weights, *out, *top_logp;
  int32_t* top_ids;
};

// Rows [r0, r1): the LSTM's pointwise part (gates already hold h0 W_hh^T) and the attention's
// context into out (attention 1).
template <class T>
RNN_INLINE void lstm_attend_rows_t(const StepArgs<T>& a, T* gates, T* q_scratch_w, int64_t r0, int64_t r1) {
  const rnn_decode_step_desc& d = *a.d;  // gates null: the LSTM step is done (or not asked)
  const int64_t H = d.hidden, Ts = d.sources, G = d.rows / std::max<int64_t>(d.sentences, 1);
  for (int64_t r = r0; r < r1; ++r) {
    const T* q = d.lstm ? a.h + r * H : a.h0 + r * H;
    if (gates) {
      T* g = gates + r * 4 * H;
      const T* tb = a.table + int64_t(d.tokens[r]) * 4 * H;
      const T* c0 = a.c0 + r * H;
      T* hr = a.h + r * H;
      T* cr = a.c + r * H;
#pragma omp simd
      for (int64_t j = 0; j < H; ++j) {
        const T i = act_sigmoid(g[j] + tb[j]);
        const T f = act_sigmoid(g[H + j] + tb[H + j]);
        const T gg = act_tanh(g[2 * H + j] + tb[2 * H + j]);
        const T o = act_sigmoid(g[3 * H + j] + tb[3 * H + j]);
        const T cn = f * c0[j] + i * gg;
        cr[j] = cn;
        hr[j] = o * act_tanh(cn);
      }
    }
    if (d.attention != 1) continue;
    const int64_t n = d.owner ? d.owner[r / G] : r / G;
    const int64_t L = d.lengths ? d.lengths[n] : Ts;
    const T* kb = a.keys + n * Ts * H;
    const T* vb = a.values + n * Ts * H;
    T* w = a.weights ? a.weights + r * Ts : q_scratch_w;
    for (int64_t j = 0; j < L; ++j) {
      const T* k = kb + j * H;
      T s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t x = 0; x < H; ++x) s += q[x] * k[x];
      w[j] = s;
    }
    if (L > 0) attn::softmax_row<FastAct>(w, L, Ts);
    else std::fill_n(w, Ts, T(0));
    T* ctx = a.out + r * H;
    std::fill_n(ctx, H, T(0));
    for (int64_t j = 0; j < L; ++j) {
      const T wj = w[j];
      const T* v = vb + j * H;
#pragma omp simd
      for (int64_t x = 0; x < H; ++x) ctx[x] += wj * v[x];
    }
  }
}

// Rows [r0, r1): log-softmax of the logits and the row's best `top` allowed ids (value desc, id asc).
template <class T>
RNN_INLINE void select_rows_t(const StepArgs<T>& a, T* logits, const unsigned char* banned, int64_t r0, int64_t r1) {
  const rnn_decode_step_desc& d = *a.d;
  const int64_t V = d.vocab, K = d.top;
  for (int64_t r = r0; r < r1; ++r) {
    T* l = logits + r * V;
    T m = l[0];
    for (int64_t v = 1; v < V; ++v) m = l[v] > m ? l[v] : m;
    T z = 0;
#pragma omp simd reduction(+ : z)
    for (int64_t v = 0; v < V; ++v) z += exp_approx(l[v] - m);
    const T lse = m + std::log(z);
    T* tv = a.top_logp + r * K;
    int32_t* ti = a.top_ids + r * K;
    int64_t n = 0;
    for (int64_t v = 0; v < V; ++v) {
      if (banned[v]) continue;
      const T s = l[v] - lse;
      if (n == K) {
        if (!(s > tv[K - 1])) continue;  // equal: the earlier (lower) id stays
        --n;
      }
      int64_t j = n;
      while (j > 0 && tv[j - 1] < s) {
        tv[j] = tv[j - 1];
        ti[j] = ti[j - 1];
        --j;
      }
      tv[j] = s;
      ti[j] = int32_t(v);
      ++n;
    }
  }
}

template <class T>
RNN_INLINE void tanh_in_place_t(T* o, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) o[i] = act_tanh(o[i]);
}

// target_clones does not apply to templates: one plain function per type (as attention.cpp)
#define RNN_DECODE_ROWS(T)                                                                                \
  RNN_CLONES void lstm_attend_rows(const StepArgs<T>& a, T* gates, T* w, int64_t r0, int64_t r1) {        \
    lstm_attend_rows_t<T>(a, gates, w, r0, r1);                                                           \
  }                                                                                                       \
  RNN_CLONES void select_rows(const StepArgs<T>& a, T* logits, const unsigned char* banned, int64_t r0,   \
                              int64_t r1) {                                                               \
    select_rows_t<T>(a, logits, banned, r0, r1);                                                          \
  }                                                                                                       \
  RNN_CLONES void tanh_in_place(T* o, int64_t n) { tanh_in_place_t<T>(o, n); }
RNN_DECODE_ROWS(float)
RNN_DECODE_ROWS(double)
#undef RNN_DECODE_ROWS

// The packed weights' layout: [W_hh lstm panels (lstm) | W_h gemm panels (attention) | W_out gemm panels].
struct PackLayout {
  int64_t hh = 0, h = 0, out = 0, total = 0;
};
PackLayout pack_layout(const rnn_decode_step_desc& d) {
  PackLayout p;
  const int64_t H = d.hidden, V = d.vocab;
  const int64_t nhh = d.lstm ? lstm_panels_size(0, H) : 0, nh = d.attention ? gemm_panels_size(H, H) : 0;
  p.hh = 0;
  p.h = nhh;
  p.out = nhh + nh;
  p.total = p.out + gemm_panels_size(H, V);
  return p;
}

// C[M, N] (+)= A[M, K] B for B packed (gemm panels), rows split across our threads as fast_sgemm.
void packed_product(int M, int N, int K, const float* A, const float* bp, float* C, bool accumulate) {
  const int threads = gemm_tasks(M, N, K);
  const int tasks = std::max(1, std::min(threads, (M + 11) / 12));
  parallel_run(tasks, [&](int t) {
    const int r0 = int(int64_t(M) * t / tasks), r1 = int(int64_t(M) * (t + 1) / tasks);
    if (r1 <= r0) return;
    float* abuf = workspace(kSlotGemmA, int64_t(std::min(r1 - r0, 192)) * avx512::a_stride(K));
    avx512::gemm_packed(false, r1 - r0, K, A + int64_t(r0) * K, K, bp, N, C + int64_t(r0) * N, N, accumulate, abuf);
  });
}

// float32 on AVX-512: the LSTM step on the fused step kernel (avx512.cpp), W_hh packed once here, the
// input gates read from the table rows (LstmStep::gx), rows split across our threads as rnn_lstm.cpp.
bool lstm_avx512(const StepArgs<float>& a) {
  const rnn_decode_step_desc& d = *a.d;
  if (!use_avx512()) return false;
  const int64_t R = d.rows, H = d.hidden;
  const float* w = d.packed ? d.packed + pack_layout(d).hh
                            : pack_lstm_panels(nullptr, a.w_hh, 0, H, workspace(kSlotWeights, lstm_panels_size(0, H)));
  const int64_t panels = (H + 15) / 16;
  float* bias = workspace(kSlotBias, panels * avx512::kLstmNR);
  std::fill_n(bias, panels * avx512::kLstmNR, 0.0f);  // both biases are in the table
  const int64_t by_rows = (R + 5) / 6;
  const int tasks = int(std::min<int64_t>(by_rows, num_threads()));
  parallel_run(tasks, [&](int k) {
    const int64_t r0 = R * k / tasks, r1 = R * (k + 1) / tasks, n = r1 - r0;
    std::vector<const float*> hs(n), cin(n), gx(n);
    std::vector<float*> cout(n), hout(n);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = r0 + i;
      hs[i] = a.h0 + r * H;
      cin[i] = a.c0 + r * H;
      cout[i] = a.c + r * H;
      hout[i] = a.h + r * H;
      gx[i] = a.table + int64_t(d.tokens[r]) * 4 * H;
    }
    const int lda = avx512::a_stride(int(H));
    avx512::LstmStep st{int(n), 0, int(H), hs.data() /* x: I = 0, never read */, hs.data(), cin.data(), cout.data(), hout.data(), nullptr, nullptr,
                        nullptr, nullptr, w, bias, workspace(kSlotScratch, n * avx512::kLstmNR),
                        workspace(kSlotA, n * lda), lda};
    st.gx = gx.data();
    avx512::lstm_fwd_step(st);
  });
  return true;
}
bool lstm_avx512(const StepArgs<double>&) { return false; }

int64_t tasks_for_rows(int64_t R, int64_t per_row) {
  const int64_t by_work = std::max<int64_t>(1, R * per_row / 32768);
  return std::max<int64_t>(1, std::min<int64_t>({R, int64_t(num_threads()), by_work}));
}

template <class T>
int decode_step_typed(const StepArgs<T>& a) {
  const rnn_decode_step_desc& d = *a.d;
  const int R = int(d.rows), H = int(d.hidden), V = int(d.vocab);
  const int64_t Ts = d.sources;
  Buf<T> logits = alloc<T>(int64_t(R) * V);
  const bool own_out = a.out == nullptr;
  Buf<T> out_ws = alloc<T>(own_out ? int64_t(R) * H : 0);
  StepArgs<T> s = a;
  if (own_out) s.out = out_ws.get();
  const bool fused_lstm = d.lstm && lstm_avx512(s);
  Buf<T> gates = alloc<T>(d.lstm && !fused_lstm ? int64_t(R) * 4 * H : 0);
  if (d.lstm && !fused_lstm) gemm<T>(false, true, R, 4 * H, H, T(1), a.h0, H, a.w_hh, H, T(0), gates.get(), 4 * H);
  // per task: a scratch row of Ts weights when the caller wants none back
  const int64_t tasks = tasks_for_rows(R, int64_t(H) * (d.lstm ? 8 : 0) + (d.attention == 1 ? 2 * Ts * H : 0));
  Buf<T> wscratch = alloc<T>(a.weights ? 0 : tasks * std::max<int64_t>(Ts, 1));
  if ((d.lstm && !fused_lstm) || d.attention == 1)
    parallel_run(int(tasks), [&](int t) {
      lstm_attend_rows(s, d.lstm && !fused_lstm ? gates.get() : nullptr, wscratch.get() + (a.weights ? 0 : t * std::max<int64_t>(Ts, 1)),
                          R * int64_t(t) / tasks, R * int64_t(t + 1) / tasks);
    });
  const T* q = d.lstm ? s.h : s.h0;
  if (d.attention == 2) copy_elems(s.out, a.context, int64_t(R) * H);
  const float* packed = nullptr;
  if constexpr (std::is_same_v<T, float>) packed = d.packed;
  if (d.attention != 0) {
    if constexpr (std::is_same_v<T, float>) {
      if (packed) packed_product(R, H, H, q, packed + pack_layout(d).h, s.out, true);
      else gemm<T>(false, true, R, H, H, T(1), q, H, a.w_h, H, T(1), s.out, H);
    } else {
      gemm<T>(false, true, R, H, H, T(1), q, H, a.w_h, H, T(1), s.out, H);
    }
    tanh_in_place(s.out, int64_t(R) * H);
  } else if (!own_out) {
    copy_elems(s.out, q, int64_t(R) * H);
  }
  const T* x = d.attention != 0 || !own_out ? s.out : q;
  if constexpr (std::is_same_v<T, float>) {
    if (packed) packed_product(R, V, H, x, packed + pack_layout(d).out, logits.get(), false);
    else gemm<T>(false, true, R, V, H, T(1), x, H, a.w_out, H, T(0), logits.get(), V);
  } else {
    gemm<T>(false, true, R, V, H, T(1), x, H, a.w_out, H, T(0), logits.get(), V);
  }
  if (a.b_out) {
    T* lg = logits.get();
    for (int64_t r = 0; r < R; ++r)
#pragma omp simd
      for (int64_t v = 0; v < V; ++v) lg[r * V + v] += a.b_out[v];
  }
  std::vector<unsigned char> banned(size_t(V), 0);
  for (int64_t i = 0; i < d.banned_count; ++i) banned[size_t(d.banned[i])] = 1;
  const int64_t tasks2 = tasks_for_rows(R, int64_t(V) * 8);
  parallel_run(int(tasks2), [&](int t) {
    select_rows(s, logits.get(), banned.data(), R * int64_t(t) / tasks2, R * int64_t(t + 1) / tasks2);
  });
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

extern "C" int rnn_decode_step(const rnn_decode_step_desc* d, const void* table, const void* w_hh, const void* h0,
                               const void* c0, const void* keys, const void* values, const void* context,
                               const void* w_h, const void* w_out, const void* b_out, void* h, void* c,
                               void* weights, void* out, void* top_logp, int32_t* top_ids) {
  const char* what = "rnn_decode_step";
  return rnn::guarded(what, [&]() -> int {
    RNN_REQUIRE(d != nullptr, RNN_ERR_ARG, "%s: the descriptor is null", what);
    const int64_t R = d->rows, H = d->hidden, V = d->vocab, N = d->sentences, Ts = d->sources, K = d->top;
    RNN_REQUIRE(R >= 0 && H >= 1 && V >= 1 && N >= 0 && Ts >= 0 && K >= 1 && d->banned_count >= 0, RNN_ERR_ARG,
                "%s: sizes must be rows, sentences, sources >= 0 and hidden, vocab, top >= 1; found rows %lld, "
                "hidden %lld, vocab %lld, sentences %lld, sources %lld, top %lld",
                what, (long long)R, (long long)H, (long long)V, (long long)N, (long long)Ts, (long long)K);
    RNN_REQUIRE(rnn::fits_int(R * 4 * H) && rnn::fits_int(R * V) && rnn::fits_int(V * 4 * H), RNN_ERR_ARG,
                "%s: rows %lld x hidden %lld x vocab %lld too large", what, (long long)R, (long long)H, (long long)V);
    RNN_REQUIRE(d->lstm == 0 || d->lstm == 1, RNN_ERR_ARG, "%s: lstm must be 0 or 1, found %d", what, d->lstm);
    RNN_REQUIRE(d->attention >= 0 && d->attention <= 2, RNN_ERR_ARG,
                "%s: attention must be 0 (none), 1 (folded dot) or 2 (context given), found %d", what, d->attention);
    RNN_REQUIRE(d->attention != 1 || (N >= 1 && R % N == 0) || R == 0, RNN_ERR_SHAPE,
                "%s: rows (%lld) must be a multiple of sentences (%lld)", what, (long long)R, (long long)N);
    int64_t allowed = V;
    RNN_NEED(d->banned, d->banned_count, "banned");
    for (int64_t i = 0; i < d->banned_count; ++i) {
      RNN_REQUIRE(d->banned[i] >= 0 && d->banned[i] < V, RNN_ERR_INDEX, "%s: banned[%lld] = %d is outside [0, %lld)",
                  what, (long long)i, d->banned[i], (long long)V);
      bool again = false;
      for (int64_t j = 0; j < i; ++j) again = again || d->banned[j] == d->banned[i];
      if (!again) --allowed;
    }
    RNN_REQUIRE(K <= allowed, RNN_ERR_ARG, "%s: top (%lld) exceeds the %lld ids not banned", what, (long long)K,
                (long long)allowed);
    RNN_NEED(h0, R * H, "h0");
    if (d->lstm) {
      RNN_NEED(d->tokens, R, "tokens");
      RNN_NEED(table, V * 4 * H, "table");
      RNN_NEED(w_hh, 4 * H * H, "w_hh");
      RNN_NEED(c0, R * H, "c0");
      RNN_NEED(h, R * H, "h");
      RNN_NEED(c, R * H, "c");
      for (int64_t r = 0; r < R; ++r)
        RNN_REQUIRE(d->tokens[r] >= 0 && d->tokens[r] < V, RNN_ERR_INDEX, "%s: tokens[%lld] = %d is outside [0, %lld)",
                    what, (long long)r, d->tokens[r], (long long)V);
    }
    if (d->attention == 1) {
      const int64_t M = d->owner ? d->memory : N;
      RNN_REQUIRE(M >= 0, RNN_ERR_ARG, "%s: memory must be >= 0, found %lld", what, (long long)M);
      RNN_NEED(keys, M * Ts * H, "keys");
      RNN_NEED(values, M * Ts * H, "values");
      if (d->owner)
        for (int64_t n = 0; n < N; ++n)
          RNN_REQUIRE(d->owner[n] >= 0 && d->owner[n] < M, RNN_ERR_INDEX, "%s: owner[%lld] = %d is outside [0, %lld)",
                      what, (long long)n, d->owner[n], (long long)M);
      if (d->lengths)
        for (int64_t n = 0; n < M; ++n)
          RNN_REQUIRE(d->lengths[n] >= 0 && d->lengths[n] <= Ts, RNN_ERR_INDEX,
                      "%s: lengths[%lld] = %d is outside [0, %lld]", what, (long long)n, d->lengths[n], (long long)Ts);
    }
    if (d->attention == 2) RNN_NEED(context, R * H, "context");
    if (d->attention != 0) RNN_NEED(w_h, H * H, "w_h");
    RNN_NEED(w_out, V * H, "w_out");
    RNN_NEED(top_logp, R * K, "top_logp");
    RNN_NEED(top_ids, R * K, "top_ids");
    RNN_REQUIRE(!d->packed || rnn_decode_step_pack_size(d) > 0, RNN_ERR_ARG,
                "%s: packed weights are float32 on AVX-512 CPUs only; pass none", what);
    if (R == 0) return RNN_OK;
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       (rnn::decode_step_typed<T>(rnn::StepArgs<T>{
                           d, static_cast<const T*>(table), static_cast<const T*>(w_hh), static_cast<const T*>(h0),
                           static_cast<const T*>(c0), static_cast<const T*>(keys), static_cast<const T*>(values),
                           static_cast<const T*>(context), static_cast<const T*>(w_h), static_cast<const T*>(w_out),
                           static_cast<const T*>(b_out), static_cast<T*>(h), static_cast<T*>(c),
                           d->attention == 1 ? static_cast<T*>(weights) : nullptr, static_cast<T*>(out),
                           static_cast<T*>(top_logp), top_ids})));
  });
}

extern "C" int64_t rnn_decode_step_pack_size(const rnn_decode_step_desc* d) {
  if (!d || d->dtype != RNN_F32 || !rnn::use_avx512() || d->hidden < 1 || d->vocab < 1) return 0;
  return rnn::pack_layout(*d).total;
}

extern "C" int rnn_decode_step_pack(const rnn_decode_step_desc* d, const float* w_hh, const float* w_h,
                                    const float* w_out, float* out) {
  const char* what = "rnn_decode_step_pack";
  return rnn::guarded(what, [&]() -> int {
    RNN_REQUIRE(d != nullptr, RNN_ERR_ARG, "%s: the descriptor is null", what);
    RNN_REQUIRE(rnn_decode_step_pack_size(d) > 0, RNN_ERR_ARG,
                "%s: no packed form for this call (float32 on an AVX-512 CPU only); decode without one", what);
    RNN_REQUIRE(reinterpret_cast<uintptr_t>(out) % 64 == 0, RNN_ERR_ARG, "%s: out must be 64-byte aligned", what);
    const int64_t H = d->hidden, V = d->vocab;
    RNN_NEED(w_out, V * H, "w_out");
    const rnn::PackLayout p = rnn::pack_layout(*d);
    if (d->lstm) {
      RNN_NEED(w_hh, 4 * H * H, "w_hh");
      rnn::pack_lstm_panels(nullptr, w_hh, 0, H, out + p.hh);
    }
    if (d->attention) {
      RNN_NEED(w_h, H * H, "w_h");
      rnn::pack_gemm_panels(w_h, true, H, H, out + p.h);
    }
    rnn::pack_gemm_panels(w_out, true, H, V, out + p.out);
    return RNN_OK;
  });
}
