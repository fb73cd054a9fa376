// rnn_native.node's binding of rnn_decode_step (one decoding step of an attentional decoder; CPU
// only: the CUDA backend decodes through the composed ops). Options object:
//   decodeStep({ rows, hidden, vocab, sentences, sources, top, attention: 0|1|2, h0,
//                lstm?: { tokens: Int32Array, table, weightHh, c0 },
//                keys?, values? [memory, Ts, H], lengths?: Int32Array [memory], owner?: Int32Array
//                [sentences] with memory (attention 1: each sentence's memory row), context? (attention 2),
//                weightH? (attention 1, 2), weightOut, biasOut?, banned: Int32Array,
//                wantWeights: boolean, wantOut: boolean, packed?: decodeStepPack's Float32Array })
//     -> { h, c (null without lstm), weights (null unless attention 1 and wantWeights),
//          out (null unless wantOut), topLogp [rows, top], topIds: Int32Array [rows, top] }
// Sizes are checked here against the arrays; index values (tokens, lengths, banned) by the C API.
#pragma once

#include "napi/glue.h"

#include <cstdlib>

namespace addon {

template <class Dev>
struct DecodeStepGlue {
  using G = Glue<Dev>;
  using Buf = typename Dev::Buf;

  static Arr ids(Napi::Env env, const Napi::Value& v, const char* fn, const char* name, int64_t n) {
    Arr a = to_arr(env, v, fn, name);
    need_dtype(env, a.dtype, RNN_I32, fn, name);
    if (n >= 0) need_length(env, int64_t(a.length), n, fn, name, shape_str({n}));
    return a;
  }

  static Napi::Value Step(const Napi::CallbackInfo& cb) {
    const char* fn = "decodeStep";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    rnn_decode_step_desc d{};
    d.rows = G::field_int(env, o, fn, "rows", 0, 2147483647);
    d.hidden = G::field_int(env, o, fn, "hidden", 1, 2147483647);
    d.vocab = G::field_int(env, o, fn, "vocab", 1, 2147483647);
    d.sentences = G::field_int(env, o, fn, "sentences", 0, 2147483647);
    d.sources = G::field_int(env, o, fn, "sources", 0, 2147483647);
    d.top = G::field_int(env, o, fn, "top", 1, 2147483647);
    d.attention = int(G::field_int(env, o, fn, "attention", 0, 2));
    const int64_t R = d.rows, H = d.hidden, V = d.vocab, N = d.sentences, Ts = d.sources, K = d.top;
    Buf h0 = G::field(env, o, fn, "h0");
    d.dtype = h0.dtype();
    const int dt = d.dtype;
    G::need(env, h0, dt, R * H, fn, "h0", shape_str({R, H}));
    Buf table, w_hh, c0, keys, values, context, w_h, b_out;
    Arr tokens, lengths, owner;
    const Napi::Value lstm = o.Get("lstm");
    d.lstm = lstm.IsObject() ? 1 : 0;
    if (d.lstm) {
      Napi::Object l = lstm.As<Napi::Object>();
      tokens = ids(env, l.Get("tokens"), fn, "lstm.tokens", R);
      table = G::field(env, l, fn, "table");
      G::need(env, table, dt, V * 4 * H, fn, "lstm.table", shape_str({V, 4 * H}));
      w_hh = G::field(env, l, fn, "weightHh");
      G::need(env, w_hh, dt, 4 * H * H, fn, "lstm.weightHh", shape_str({4 * H, H}));
      c0 = G::field(env, l, fn, "c0");
      G::need(env, c0, dt, R * H, fn, "lstm.c0", shape_str({R, H}));
      d.tokens = static_cast<const int32_t*>(tokens.data);
    }
    if (d.attention == 1) {
      owner = to_opt_arr(env, o.Get("owner"), fn, "owner");
      int64_t M = N;
      if (owner.present()) {
        need_dtype(env, owner.dtype, RNN_I32, fn, "owner");
        need_length(env, int64_t(owner.length), N, fn, "owner", shape_str({N}));
        d.owner = static_cast<const int32_t*>(owner.data);
        M = d.memory = G::field_int(env, o, fn, "memory", 0, 2147483647);
      }
      keys = G::field(env, o, fn, "keys");
      G::need(env, keys, dt, M * Ts * H, fn, "keys", shape_str({M, Ts, H}));
      values = G::field(env, o, fn, "values");
      G::need(env, values, dt, M * Ts * H, fn, "values", shape_str({M, Ts, H}));
      lengths = to_opt_arr(env, o.Get("lengths"), fn, "lengths");
      if (lengths.present()) {
        need_dtype(env, lengths.dtype, RNN_I32, fn, "lengths");
        need_length(env, int64_t(lengths.length), M, fn, "lengths", shape_str({M}));
        d.lengths = static_cast<const int32_t*>(lengths.data);
      }
    }
    if (d.attention == 2) {
      context = G::field(env, o, fn, "context");
      G::need(env, context, dt, R * H, fn, "context", shape_str({R, H}));
    }
    if (d.attention != 0) {
      w_h = G::field(env, o, fn, "weightH");
      G::need(env, w_h, dt, H * H, fn, "weightH", shape_str({H, H}));
    }
    Buf w_out = G::field(env, o, fn, "weightOut");
    G::need(env, w_out, dt, V * H, fn, "weightOut", shape_str({V, H}));
    b_out = G::field_opt(env, o, fn, "biasOut");
    if (b_out.present()) G::need(env, b_out, dt, V, fn, "biasOut", shape_str({V}));
    Arr packed = to_opt_arr(env, o.Get("packed"), fn, "packed");
    if (packed.present()) {
      need_dtype(env, packed.dtype, RNN_F32, fn, "packed");
      const int64_t want = rnn_decode_step_pack_size(&d);
      if (int64_t(packed.length) != want)
        throw_code(env, "E_SHAPE", std::string(fn) + ": packed holds " + std::to_string(packed.length) +
                                       " floats but this step's weights packed need " + std::to_string(want) +
                                       "; pass decodeStepPack's result for the same weights (lstm, attention)");
      if (reinterpret_cast<uintptr_t>(packed.data) % 64 != 0)
        throw_code(env, "E_VALUE", std::string(fn) + ": packed must be decodeStepPack's array (64-byte aligned)");
      d.packed = static_cast<const float*>(packed.data);
    }
    Arr banned = ids(env, o.Get("banned"), fn, "banned", -1);
    d.banned = static_cast<const int32_t*>(banned.data);
    d.banned_count = int64_t(banned.length);
    const bool want_weights = d.attention == 1 && to_bool(env, o.Get("wantWeights"), fn, "wantWeights");
    const bool want_out = to_bool(env, o.Get("wantOut"), fn, "wantOut");
    Buf h = d.lstm ? Dev::out(env, dt, R * H) : Buf{}, c = d.lstm ? Dev::out(env, dt, R * H) : Buf{};
    Buf weights = want_weights ? Dev::out(env, dt, R * Ts) : Buf{}, out = want_out ? Dev::out(env, dt, R * H) : Buf{};
    Buf top_logp = Dev::out(env, dt, R * K), top_ids = Dev::out(env, RNN_I32, R * K);
    rnn::FlushDenormals flush;
    G::run(env, rnn_decode_step(&d, G::ptr(table), G::ptr(w_hh), G::ptr(h0), G::ptr(c0), G::ptr(keys), G::ptr(values),
                                G::ptr(context), G::ptr(w_h), G::ptr(w_out), G::ptr(b_out), G::ptr(h), G::ptr(c),
                                G::ptr(weights), G::ptr(out), G::ptr(top_logp),
                                static_cast<int32_t*>(G::ptr(top_ids))));
    return fields(env)("h", G::js(env, h))("c", G::js(env, c))("weights", G::js(env, weights))("out", G::js(env, out))(
               "topLogp", G::js(env, top_logp))("topIds", G::js(env, top_ids))
        .object;
  }

  // decodeStepPack({ hidden, vocab, lstm: boolean, attention: 0|1|2, weightHh?, weightH?, weightOut })
  //   -> Float32Array (64-byte aligned, the addon's memory) for decodeStep's `packed`, or null where
  //   there is no packed form (float64, a CPU without AVX-512)
  static Napi::Value Pack(const Napi::CallbackInfo& cb) {
    const char* fn = "decodeStepPack";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    rnn_decode_step_desc d{};
    d.hidden = G::field_int(env, o, fn, "hidden", 1, 2147483647);
    d.vocab = G::field_int(env, o, fn, "vocab", 1, 2147483647);
    d.attention = int(G::field_int(env, o, fn, "attention", 0, 2));
    d.lstm = to_bool(env, o.Get("lstm"), fn, "lstm") ? 1 : 0;
    const int64_t H = d.hidden, V = d.vocab;
    Buf w_out = G::field(env, o, fn, "weightOut");
    d.dtype = w_out.dtype();
    G::need(env, w_out, d.dtype, V * H, fn, "weightOut", shape_str({V, H}));
    Buf w_hh, w_h;
    if (d.lstm) {
      w_hh = G::field(env, o, fn, "weightHh");
      G::need(env, w_hh, d.dtype, 4 * H * H, fn, "weightHh", shape_str({4 * H, H}));
    }
    if (d.attention) {
      w_h = G::field(env, o, fn, "weightH");
      G::need(env, w_h, d.dtype, H * H, fn, "weightH", shape_str({H, H}));
    }
    const int64_t n = rnn_decode_step_pack_size(&d);
    if (n <= 0) return env.Null();
    const size_t bytes = (size_t(n) * sizeof(float) + 63) / 64 * 64;
    void* mem = std::aligned_alloc(64, bytes);
    if (!mem) throw_code(env, "E_BACKEND", std::string(fn) + ": out of memory for the packed weights");
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, mem, bytes, [](Napi::Env, void* p) { std::free(p); });
    G::run(env, rnn_decode_step_pack(&d, static_cast<const float*>(G::ptr(w_hh)), static_cast<const float*>(G::ptr(w_h)),
                                     static_cast<const float*>(G::ptr(w_out)), static_cast<float*>(mem)));
    return Napi::Float32Array::New(env, size_t(n), ab, 0);
  }

  static void register_all(Napi::Env env, Napi::Object exports) {
    exports.Set("decodeStepPack", Napi::Function::New(env, Pack, "decodeStepPack"));
    exports.Set("decodeStep", Napi::Function::New(env, Step, "decodeStep"));
  }
};

}  // namespace addon
