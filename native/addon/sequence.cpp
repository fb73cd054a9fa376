// Bindings of the whole-sequence RNN kernels: sequenceForward / sequenceBackward and their Async variants.
#include "ops.h"
#include "worker.h"

namespace addon {
namespace {

const int kGates[RNN_MODE_COUNT] = {1, 1, 4, 3};

// ---- sequence ----

struct SeqCommon {
  rnn_seq_desc d{};
  int G = 0;
  Arr x, h0, c0, wih, whh, lengths;
};

SeqCommon read_seq(Napi::Env env, const Napi::Object& o, const char* fn) {
  SeqCommon s;
  s.d.mode = int(field_int(env, o, fn, "mode", 0, RNN_MODE_COUNT - 1));
  s.G = kGates[s.d.mode];
  const int64_t B = field_int(env, o, fn, "batch", 0, 2147483647), T = field_int(env, o, fn, "steps", 0, 2147483647),
                I = field_int(env, o, fn, "input", 0, 2147483647),
                H = field_int(env, o, fn, "hidden", 0, 2147483647 / 4);
  if (T > 0 && B > 2147483647 / T) throw_code(env, "E_SHAPE", std::string(fn) + ": batch * steps is too large");
  s.d.batch = B;
  s.d.steps = T;
  s.d.input = I;
  s.d.hidden = H;
  s.d.reverse = to_bool(env, o.Get("reverse"), fn, "reverse") ? 1 : 0;
  s.x = field_arr(env, o, fn, "x");
  need_float(env, s.x, fn, "x");
  const int dt = s.d.dtype = s.x.dtype;
  const int64_t GH = s.G * H;
  need_length(env, s.x, B * T * I, fn, "x", dims({B, T, I}));
  s.h0 = field_arr(env, o, fn, "h0");
  need(env, s.h0, dt, B * H, fn, "h0", dims({B, H}));
  if (s.d.mode == RNN_MODE_LSTM) {
    s.c0 = field_opt(env, o, fn, "c0");
    if (s.c0.present()) need(env, s.c0, dt, B * H, fn, "c0", dims({B, H}));
  }
  s.wih = field_arr(env, o, fn, "weightIh");
  need(env, s.wih, dt, GH * I, fn, "weightIh", dims({GH, I}));
  s.whh = field_arr(env, o, fn, "weightHh");
  need(env, s.whh, dt, GH * H, fn, "weightHh", dims({GH, H}));
  s.lengths = field_opt(env, o, fn, "lengths");
  if (s.lengths.present()) {
    need_dtype(env, s.lengths, RNN_I32, fn, "lengths");
    need_length(env, s.lengths, B, fn, "lengths", dims({B}));
    s.d.lengths = static_cast<const int32_t*>(s.lengths.data);
  }
  return s;
}

Napi::Value SeqForward(const Napi::CallbackInfo& info, bool async) {
  const char* fn = async ? "sequenceForwardAsync" : "sequenceForward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  SeqCommon s = read_seq(env, o, fn);
  const int dt = s.d.dtype;
  const int64_t B = s.d.batch, T = s.d.steps, H = s.d.hidden, GH = s.G * H;
  Arr bih = field_arr(env, o, fn, "biasIh"), bhh = field_arr(env, o, fn, "biasHh");
  need(env, bih, dt, GH, fn, "biasIh", dims({GH}));
  need(env, bhh, dt, GH, fn, "biasHh", dims({GH}));
  const bool training = to_bool(env, o.Get("training"), fn, "training");
  const int64_t rsize = rnn_seq_reserve_size(&s.d);  // also checks lengths
  if (rsize < 0) check_status(env, RNN_ERR_INDEX);

  // Every element of the outputs is written by the kernel (padded steps as zeros): no zero-fill.
  Arr y = new_arr(env, dt, size_t(B * T * H), true), hn = new_arr(env, dt, size_t(B * H), true);
  const bool lstm = s.d.mode == RNN_MODE_LSTM;
  Arr cn = lstm ? new_arr(env, dt, size_t(B * H), true) : Arr{};
  Arr reserve;
  if (training) {
    // A recycled reserve (the backend's pool) must be exactly this call's size and dtype.
    Arr given = to_opt_arr(env, o.Get("reserveOut"), fn, "reserveOut");
    if (given.present()) {
      need_dtype(env, given, dt, fn, "reserveOut");
      need_length(env, given, rsize, fn, "reserveOut", dims({rsize}));
      reserve = given;
    } else {
      reserve = new_arr(env, dt, size_t(rsize), true);
    }
  }
  Job job;
  job.result = Napi::Object::New(env);
  job.result.Set("y", y.ta);
  job.result.Set("hN", hn.ta);
  job.result.Set("cN", lstm ? Napi::Value(cn.ta) : env.Null());
  job.result.Set("reserve", training ? Napi::Value(reserve.ta) : env.Null());
  keep_all(job, {&s.x, &s.h0, &s.c0, &s.wih, &s.whh, &s.lengths, &bih, &bhh, &reserve});
  job.run = [d = s.d, x = s.x.data, h0 = s.h0.data, c0 = s.c0.data, wih = s.wih.data, whh = s.whh.data,
             bi = bih.data, bh = bhh.data, yp = y.data, hp = hn.data, cp = cn.data, rp = reserve.data]() {
    return rnn_seq_forward(&d, x, h0, c0, wih, whh, bi, bh, yp, hp, cp, rp);
  };
  return finish(env, job, async);
}

Napi::Value SeqBackward(const Napi::CallbackInfo& info, bool async) {
  const char* fn = async ? "sequenceBackwardAsync" : "sequenceBackward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  SeqCommon s = read_seq(env, o, fn);
  const int dt = s.d.dtype;
  const int64_t B = s.d.batch, T = s.d.steps, I = s.d.input, H = s.d.hidden, GH = s.G * H;
  const int64_t rsize = rnn_seq_reserve_size(&s.d);
  if (rsize < 0) check_status(env, RNN_ERR_INDEX);
  Arr reserve = to_opt_arr(env, o.Get("reserve"), fn, "reserve");
  if (!reserve.present())
    throw_code(env, "E_VALUE", std::string(fn) + ": no reserve; run sequenceForward with training: true first");
  need_dtype(env, reserve, dt, fn, "reserve");
  if (int64_t(reserve.length) != rsize)
    throw_code(env, "E_SHAPE", std::string(fn) + ": the reserve has " + std::to_string(reserve.length) +
                                   " elements but these arguments need " + std::to_string(rsize) +
                                   "; pass the reserve of the forward call with the same arguments");
  Arr dy = field_opt(env, o, fn, "dy"), dhn = field_opt(env, o, fn, "dhN");
  if (dy.present()) need(env, dy, dt, B * T * H, fn, "dy", dims({B, T, H}));
  if (dhn.present()) need(env, dhn, dt, B * H, fn, "dhN", dims({B, H}));
  const bool lstm = s.d.mode == RNN_MODE_LSTM;
  Arr dcn = lstm ? field_opt(env, o, fn, "dcN") : Arr{};
  if (dcn.present()) need(env, dcn, dt, B * H, fn, "dcN", dims({B, H}));

  // needDx: false when x is data (no gradient wanted): dx is neither allocated nor computed.
  const Napi::Value nd = o.Get("needDx");
  const bool need_dx = nd.IsUndefined() || to_bool(env, nd, fn, "needDx");
  Arr dx = need_dx ? new_arr(env, dt, size_t(B * T * I), true) : Arr{};
  Arr dh0 = new_arr(env, dt, size_t(B * H), true);
  Arr dc0 = lstm ? new_arr(env, dt, size_t(B * H), true) : Arr{};
  Arr dwih = new_arr(env, dt, size_t(GH * I), true), dwhh = new_arr(env, dt, size_t(GH * H), true);
  Arr dbih = new_arr(env, dt, size_t(GH), true), dbhh = new_arr(env, dt, size_t(GH), true);
  Job job;
  job.result = Napi::Object::New(env);
  job.result.Set("dx", need_dx ? Napi::Value(dx.ta) : env.Null());
  job.result.Set("dh0", dh0.ta);
  job.result.Set("dc0", lstm ? Napi::Value(dc0.ta) : env.Null());
  job.result.Set("dWeightIh", dwih.ta);
  job.result.Set("dWeightHh", dwhh.ta);
  job.result.Set("dBiasIh", dbih.ta);
  job.result.Set("dBiasHh", dbhh.ta);
  keep_all(job, {&s.x, &s.h0, &s.c0, &s.wih, &s.whh, &s.lengths, &reserve, &dy, &dhn, &dcn});
  job.run = [d = s.d, x = s.x.data, h0 = s.h0.data, c0 = s.c0.data, wih = s.wih.data, whh = s.whh.data,
             rp = reserve.data, dyp = dy.data, dhp = dhn.data, dcp = dcn.data, a = dx.data, b = dh0.data,
             c = dc0.data, e = dwih.data, f = dwhh.data, g = dbih.data, h = dbhh.data]() {
    return rnn_seq_backward(&d, x, h0, c0, wih, whh, rp, dyp, dhp, dcp, a, b, c, e, f, g, h);
  };
  return finish(env, job, async);
}

}  // namespace

void register_sequence(Napi::Env env, Napi::Object exports) {
  register_pair(env, exports, "sequenceForward", SeqForward);
  register_pair(env, exports, "sequenceBackward", SeqBackward);
}

}  // namespace addon
