// Bindings of the Tree-LSTM level kernels: treeLevelForward / treeLevelBackward (+ Async).
#include "ops.h"
#include "worker.h"

namespace addon {
namespace {

struct TreeCommon {
  rnn_tree_desc d{};
  Arr x, hl, cl, hr, cr, w, wh;
};

TreeCommon read_tree(Napi::Env env, const Napi::Object& o, const char* fn) {
  TreeCommon t;
  const int64_t N = field_int(env, o, fn, "nodes", 0, 2147483647), I = field_int(env, o, fn, "input", 0, 2147483647),
                H = field_int(env, o, fn, "hidden", 0, 2147483647 / 10);
  t.d.nodes = N;
  t.d.input = I;
  t.d.hidden = H;
  t.x = field_arr(env, o, fn, "x");
  need_float(env, t.x, fn, "x");
  const int dt = t.d.dtype = t.x.dtype;
  need_length(env, t.x, N * I, fn, "x", dims({N, I}));
  t.hl = field_arr(env, o, fn, "hL");
  t.cl = field_arr(env, o, fn, "cL");
  t.hr = field_arr(env, o, fn, "hR");
  t.cr = field_arr(env, o, fn, "cR");
  need(env, t.hl, dt, N * H, fn, "hL", dims({N, H}));
  need(env, t.cl, dt, N * H, fn, "cL", dims({N, H}));
  need(env, t.hr, dt, N * H, fn, "hR", dims({N, H}));
  need(env, t.cr, dt, N * H, fn, "cR", dims({N, H}));
  t.w = field_arr(env, o, fn, "weight");
  t.wh = field_arr(env, o, fn, "weightH");
  need(env, t.w, dt, 5 * H * I, fn, "weight", dims({5 * H, I}));
  need(env, t.wh, dt, 10 * H * H, fn, "weightH", dims({5 * H, 2 * H}));
  return t;
}

Napi::Value TreeForward(const Napi::CallbackInfo& info, bool async) {
  const char* fn = async ? "treeLevelForwardAsync" : "treeLevelForward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  TreeCommon t = read_tree(env, o, fn);
  const int dt = t.d.dtype;
  const int64_t N = t.d.nodes, H = t.d.hidden;
  Arr b = field_arr(env, o, fn, "bias");
  need(env, b, dt, 5 * H, fn, "bias", dims({5 * H}));
  const bool training = to_bool(env, o.Get("training"), fn, "training");
  Arr h = new_arr(env, dt, size_t(N * H), true), c = new_arr(env, dt, size_t(N * H), true);
  Arr reserve = training ? new_arr(env, dt, size_t(rnn_tree_reserve_size(&t.d)), true) : Arr{};
  Job job;
  job.result = Napi::Object::New(env);
  job.result.Set("h", h.ta);
  job.result.Set("c", c.ta);
  job.result.Set("reserve", training ? Napi::Value(reserve.ta) : env.Null());
  keep_all(job, {&t.x, &t.hl, &t.cl, &t.hr, &t.cr, &t.w, &t.wh, &b});
  job.run = [d = t.d, x = t.x.data, hl = t.hl.data, cl = t.cl.data, hr = t.hr.data, cr = t.cr.data, w = t.w.data,
             wh = t.wh.data, bp = b.data, hp = h.data, cp = c.data, rp = reserve.data]() {
    return rnn_tree_forward(&d, x, hl, cl, hr, cr, w, wh, bp, hp, cp, rp);
  };
  return finish(env, job, async);
}

Napi::Value TreeBackward(const Napi::CallbackInfo& info, bool async) {
  const char* fn = async ? "treeLevelBackwardAsync" : "treeLevelBackward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  TreeCommon t = read_tree(env, o, fn);
  const int dt = t.d.dtype;
  const int64_t N = t.d.nodes, I = t.d.input, H = t.d.hidden;
  Arr reserve = to_opt_arr(env, o.Get("reserve"), fn, "reserve");
  if (!reserve.present())
    throw_code(env, "E_VALUE", std::string(fn) + ": no reserve; run treeLevelForward with training: true first");
  need(env, reserve, dt, rnn_tree_reserve_size(&t.d), fn, "reserve", dims({6 * N * H}));
  Arr dh = field_opt(env, o, fn, "dh"), dc = field_opt(env, o, fn, "dc");
  if (dh.present()) need(env, dh, dt, N * H, fn, "dh", dims({N, H}));
  if (dc.present()) need(env, dc, dt, N * H, fn, "dc", dims({N, H}));
  Arr dx = new_arr(env, dt, size_t(N * I), true), dhl = new_arr(env, dt, size_t(N * H), true), dcl = new_arr(env, dt, size_t(N * H), true),
      dhr = new_arr(env, dt, size_t(N * H), true), dcr = new_arr(env, dt, size_t(N * H), true),
      dw = new_arr(env, dt, size_t(5 * H * I), true), dwh = new_arr(env, dt, size_t(10 * H * H), true),
      db = new_arr(env, dt, size_t(5 * H), true);
  Job job;
  job.result = Napi::Object::New(env);
  job.result.Set("dx", dx.ta);
  job.result.Set("dhL", dhl.ta);
  job.result.Set("dcL", dcl.ta);
  job.result.Set("dhR", dhr.ta);
  job.result.Set("dcR", dcr.ta);
  job.result.Set("dWeight", dw.ta);
  job.result.Set("dWeightH", dwh.ta);
  job.result.Set("dBias", db.ta);
  keep_all(job, {&t.x, &t.hl, &t.cl, &t.hr, &t.cr, &t.w, &t.wh, &reserve, &dh, &dc});
  job.run = [d = t.d, x = t.x.data, hl = t.hl.data, cl = t.cl.data, hr = t.hr.data, cr = t.cr.data, w = t.w.data,
             wh = t.wh.data, rp = reserve.data, dhp = dh.data, dcp = dc.data, a = dx.data, b = dhl.data, c = dcl.data,
             e = dhr.data, f = dcr.data, g = dw.data, h = dwh.data, k = db.data]() {
    return rnn_tree_backward(&d, x, hl, cl, hr, cr, w, wh, rp, dhp, dcp, a, b, c, e, f, g, h, k);
  };
  return finish(env, job, async);
}

}  // namespace

void register_tree(Napi::Env env, Napi::Object exports) {
  register_pair(env, exports, "treeLevelForward", TreeForward);
  register_pair(env, exports, "treeLevelBackward", TreeBackward);
}

}  // namespace addon
