// rnn_native.node's bindings of the Tree-LSTM mini-batch schedule (rnn_tree_batch_*, CPU only:
// the CUDA backend runs the level-by-level path). Options objects:
//   treeBatchForward({ levelStart, left, right, wordRow: Int32Array, input, hidden, x, weight,
//                      weightH, bias, training, reserveOut? }) -> { h, c, reserve (null unless training) }
//     reserveOut: a recycled buffer of at least the reserve's size to write into (training only);
//     the reserve returned is then that buffer, whole
//   treeBatchBackward({ ...the plan and weights, x, h, c, reserve, dh, dc (nullable) })
//                      -> { dx, dWeight, dWeightH, dBias }
//   addInPlace(dst, src): dst += src, both float32 or both float64 of one length (a view of the flat
//     gradient buffer and a parameter's gradient), split across our threads; returns nothing
//   fillInPlace(dst, value): every element of dst (float32 or float64) set to value, split across our
//     threads when large (zeroGrad's fill of the flat gradient buffer); returns nothing
//   poolStats() -> { enabled, regions, cpuMs, threadCpuMs }: with RNN_POOL_STATS=1, the regions our pool
//     ran split and the calling threads' CPU time inside them; threadCpuMs: this thread's CPU time so
//     far (ns resolution). The serial part of a step = threadCpuMs - cpuMs, differenced
//     (tools/bench/trees-step.mjs --serial)
// Array lengths are checked here against the plan's sizes; the plan's entries by the C API.
#pragma once

#include "napi/glue.h"
#include <time.h>

#include "src/parallel.h"

namespace addon {

template <class Dev>
struct TreeBatchGlue {
  using G = Glue<Dev>;
  using Buf = typename Dev::Buf;

  struct Batch {
    rnn_tree_batch_desc d{};
    Arr level_start, left, right, word_row;
    Buf x, w, wh;
  };

  static Arr plan_array(Napi::Env env, const Napi::Object& o, const char* fn, const char* name, int64_t n) {
    Arr a = to_arr(env, o.Get(name), fn, name);
    need_dtype(env, a.dtype, RNN_I32, fn, name);
    if (n >= 0) need_length(env, int64_t(a.length), n, fn, name, shape_str({n}));
    return a;
  }

  static Batch read(Napi::Env env, const Napi::Object& o, const char* fn) {
    Batch b;
    b.level_start = plan_array(env, o, fn, "levelStart", -1);
    b.left = plan_array(env, o, fn, "left", -1);
    const int64_t N = int64_t(b.left.length);
    b.right = plan_array(env, o, fn, "right", N);
    b.word_row = plan_array(env, o, fn, "wordRow", -1);
    if (b.level_start.length == 0) throw_code(env, "E_SHAPE", std::string(fn) + ": levelStart must hold at least one entry");
    b.d.nodes = N;
    b.d.levels = int64_t(b.level_start.length) - 1;
    b.d.words = int64_t(b.word_row.length);
    b.d.input = G::field_int(env, o, fn, "input", 0, 2147483647);
    b.d.hidden = G::field_int(env, o, fn, "hidden", 0, 100000000);
    b.d.level_start = static_cast<const int32_t*>(b.level_start.data);
    b.d.left = static_cast<const int32_t*>(b.left.data);
    b.d.right = static_cast<const int32_t*>(b.right.data);
    b.d.word_row = static_cast<const int32_t*>(b.word_row.data);
    b.x = G::field(env, o, fn, "x");
    b.d.dtype = b.x.dtype();
    const int64_t I = b.d.input, H = b.d.hidden;
    G::need(env, b.x, b.d.dtype, b.d.words * I, fn, "x", shape_str({b.d.words, I}));
    b.w = G::field(env, o, fn, "weight");
    G::need(env, b.w, b.d.dtype, 5 * H * I, fn, "weight", shape_str({5 * H, I}));
    b.wh = G::field(env, o, fn, "weightH");
    G::need(env, b.wh, b.d.dtype, 10 * H * H, fn, "weightH", shape_str({5 * H, 2 * H}));
    G::run(env, rnn_tree_batch_check_plan(&b.d));
    return b;
  }

  // A reserve argument: this dtype and at least the plan's reserve size (a recycled buffer may be longer).
  static void need_reserve(Napi::Env env, const Buf& r, const Batch& t, const char* fn, const char* name) {
    need_dtype(env, r.dtype(), t.d.dtype, fn, name);
    const int64_t n = rnn_tree_batch_reserve_size(&t.d);
    if (r.length() < n)
      throw_code(env, "E_SHAPE", std::string(fn) + ": " + name + " holds " + std::to_string(r.length()) +
                                     " elements; this plan's reserve needs " + std::to_string(n) +
                                     " (pass the forward's reserve, with training on)");
  }

  static Napi::Value Forward(const Napi::CallbackInfo& cb) {
    const char* fn = "treeBatchForward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Batch t = read(env, o, fn);
    const int64_t N = t.d.nodes, H = t.d.hidden;
    Buf bias = G::field(env, o, fn, "bias");
    G::need(env, bias, t.d.dtype, 5 * H, fn, "bias", shape_str({5 * H}));
    const bool training = to_bool(env, o.Get("training"), fn, "training");
    Buf h = Dev::out(env, t.d.dtype, N * H), c = Dev::out(env, t.d.dtype, N * H);
    Buf reserve = training ? G::field_opt(env, o, fn, "reserveOut") : Buf{};
    if (reserve.present()) need_reserve(env, reserve, t, fn, "reserveOut");
    else if (training) reserve = Dev::out(env, t.d.dtype, rnn_tree_batch_reserve_size(&t.d));
    rnn::FlushDenormals flush;
    G::run(env, rnn_tree_batch_forward(&t.d, G::ptr(t.x), G::ptr(t.w), G::ptr(t.wh), G::ptr(bias), G::ptr(h),
                                       G::ptr(c), G::ptr(reserve)));
    return fields(env)("h", G::js(env, h))("c", G::js(env, c))("reserve", G::js(env, reserve)).object;
  }

  static Napi::Value Backward(const Napi::CallbackInfo& cb) {
    const char* fn = "treeBatchBackward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Batch t = read(env, o, fn);
    const int dt = t.d.dtype;
    const int64_t N = t.d.nodes, W = t.d.words, I = t.d.input, H = t.d.hidden;
    const std::string nh = shape_str({N, H});
    Buf h = G::field(env, o, fn, "h"), c = G::field(env, o, fn, "c"), reserve = G::field(env, o, fn, "reserve");
    G::need(env, h, dt, N * H, fn, "h", nh);
    G::need(env, c, dt, N * H, fn, "c", nh);
    need_reserve(env, reserve, t, fn, "reserve");
    Buf dh = G::field_opt(env, o, fn, "dh"), dc = G::field_opt(env, o, fn, "dc");
    if (dh.present()) G::need(env, dh, dt, N * H, fn, "dh", nh);
    if (dc.present()) G::need(env, dc, dt, N * H, fn, "dc", nh);
    Buf dx = Dev::out(env, dt, W * I), dw = Dev::out(env, dt, 5 * H * I), dwh = Dev::out(env, dt, 10 * H * H),
        db = Dev::out(env, dt, 5 * H);
    rnn::FlushDenormals flush;
    G::run(env, rnn_tree_batch_backward(&t.d, G::ptr(t.x), G::ptr(t.w), G::ptr(t.wh), G::ptr(h), G::ptr(c),
                                        G::ptr(reserve), G::ptr(dh), G::ptr(dc), G::ptr(dx), G::ptr(dw), G::ptr(dwh),
                                        G::ptr(db)));
    return fields(env)("dx", G::js(env, dx))("dWeight", G::js(env, dw))("dWeightH", G::js(env, dwh))(
               "dBias", G::js(env, db))
        .object;
  }

  static Napi::Value AddInPlace(const Napi::CallbackInfo& cb) {
    const char* fn = "addInPlace";
    Napi::Env env = cb.Env();
    need_args(env, cb, 2, fn);
    Arr dst = to_arr(env, cb[0], fn, "dst"), src = to_arr(env, cb[1], fn, "src");
    if (dst.dtype != RNN_F32 && dst.dtype != RNN_F64) throw_code(env, "E_DTYPE", std::string(fn) + ": dst must be float32 or float64");
    need_dtype(env, src.dtype, dst.dtype, fn, "src");
    need_length(env, int64_t(src.length), int64_t(dst.length), fn, "src", shape_str({int64_t(dst.length)}));
    const char* a = static_cast<const char*>(src.data);
    const char* d = static_cast<const char*>(dst.data);
    const size_t bytes = src.length * (dst.dtype == RNN_F32 ? 4 : 8);
    if (bytes && a < d + bytes && d < a + bytes) throw_code(env, "E_VALUE", std::string(fn) + ": dst and src overlap; pass distinct buffers");
    if (dst.dtype == RNN_F32) rnn::add_inplace(static_cast<float*>(dst.data), static_cast<const float*>(src.data), int64_t(dst.length));
    else rnn::add_inplace(static_cast<double*>(dst.data), static_cast<const double*>(src.data), int64_t(dst.length));
    return env.Undefined();
  }

  static Napi::Value FillInPlace(const Napi::CallbackInfo& cb) {
    const char* fn = "fillInPlace";
    Napi::Env env = cb.Env();
    need_args(env, cb, 2, fn);
    Arr dst = to_arr(env, cb[0], fn, "dst");
    if (dst.dtype != RNN_F32 && dst.dtype != RNN_F64) throw_code(env, "E_DTYPE", std::string(fn) + ": dst must be float32 or float64");
    if (!cb[1].IsNumber()) throw_code(env, "E_VALUE", std::string(fn) + ": value must be a number");
    const double v = cb[1].As<Napi::Number>().DoubleValue();
    if (dst.dtype == RNN_F32) rnn::fill_inplace(static_cast<float*>(dst.data), float(v), int64_t(dst.length));
    else rnn::fill_inplace(static_cast<double*>(dst.data), v, int64_t(dst.length));
    return env.Undefined();
  }

  static Napi::Value PoolStats(const Napi::CallbackInfo& cb) {
    int64_t regions = 0, ns = 0;
    const bool on = rnn::pool_stats(&regions, &ns);
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    const double thread_ms = double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
    return fields(cb.Env())("enabled", on)("regions", double(regions))("cpuMs", double(ns) / 1e6)(
               "threadCpuMs", thread_ms)
        .object;
  }

  static void register_all(Napi::Env env, Napi::Object exports) {
    exports.Set("addInPlace", Napi::Function::New(env, AddInPlace, "addInPlace"));
    exports.Set("fillInPlace", Napi::Function::New(env, FillInPlace, "fillInPlace"));
    exports.Set("poolStats", Napi::Function::New(env, PoolStats, "poolStats"));
    exports.Set("treeBatchForward", Napi::Function::New(env, Forward, "treeBatchForward"));
    exports.Set("treeBatchBackward", Napi::Function::New(env, Backward, "treeBatchBackward"));
  }
};

}  // namespace addon
