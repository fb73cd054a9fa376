// Bindings of the fused kernels: sequenceForward / sequenceBackward, treeLevelForward / treeLevelBackward,
// adamStep. Options objects as in the CPU addon (native/addon/sequence.cpp, tree.cpp, adam.cpp),
// with DeviceBuffers for every array except `lengths`, a host Int32Array. The kernels are queued on
// the backend's stream, so these return as soon as the work is queued: no async variants needed.
#include <initializer_list>
#include <string>
#include <vector>

#include "buffer.h"
#include "ops.h"

namespace cuda_addon {
namespace {

using addon::need_object;
using addon::to_bool;

const int kGates[RNN_MODE_COUNT] = {1, 1, 4, 3};

std::string dims(std::initializer_list<int64_t> d) { return addon::shape_str(std::vector<int64_t>(d)); }

int64_t field_int(Napi::Env env, const Napi::Object& o, const char* fn, const char* name, int64_t lo, int64_t hi) {
  return addon::to_int(env, o.Get(name), fn, name, lo, hi);
}
DeviceBuffer* field_buf(Napi::Env env, const Napi::Object& o, const char* fn, const char* name) {
  return to_buf(env, o.Get(name), fn, name);
}
DeviceBuffer* field_opt(Napi::Env env, const Napi::Object& o, const char* fn, const char* name) {
  return to_opt_buf(env, o.Get(name), fn, name);
}
void* ptr(DeviceBuffer* b) { return b ? b->data() : nullptr; }
Napi::Value value_or_null(Napi::Env env, const Napi::Object* o) { return o ? Napi::Value(*o) : env.Null(); }

// ---- sequence ----

struct Seq {
  rnn_seq_desc d{};
  int G = 0;
  DeviceBuffer *x = nullptr, *h0 = nullptr, *c0 = nullptr, *wih = nullptr, *whh = nullptr;
  addon::Arr lengths;
};

Seq read_seq(Napi::Env env, const Napi::Object& o, const char* fn) {
  Seq s;
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
  s.x = field_buf(env, o, fn, "x");
  need_float(env, s.x, fn, "x");
  const int dt = s.d.dtype = s.x->dtype();
  const int64_t GH = s.G * H;
  need_length(env, s.x, B * T * I, fn, "x", dims({B, T, I}));
  s.h0 = field_buf(env, o, fn, "h0");
  need(env, s.h0, dt, B * H, fn, "h0", dims({B, H}));
  if (s.d.mode == RNN_MODE_LSTM) {
    s.c0 = field_opt(env, o, fn, "c0");
    if (s.c0) need(env, s.c0, dt, B * H, fn, "c0", dims({B, H}));
  }
  s.wih = field_buf(env, o, fn, "weightIh");
  need(env, s.wih, dt, GH * I, fn, "weightIh", dims({GH, I}));
  s.whh = field_buf(env, o, fn, "weightHh");
  need(env, s.whh, dt, GH * H, fn, "weightHh", dims({GH, H}));
  s.lengths = addon::to_opt_arr(env, o.Get("lengths"), fn, "lengths");
  if (s.lengths.present()) {
    addon::need_dtype(env, s.lengths, RNN_I32, fn, "lengths");
    addon::need_length(env, s.lengths, B, fn, "lengths", dims({B}));
    s.d.lengths = static_cast<const int32_t*>(s.lengths.data);
  }
  return s;
}

int64_t reserve_size(Napi::Env env, const rnn_seq_desc& d) {
  const int64_t r = rnn_cuda_seq_reserve_size(&d);  // also checks lengths
  if (r < 0) check(env, RNN_ERR_INDEX);
  return r;
}

Napi::Value SeqForward(const Napi::CallbackInfo& info) {
  const char* fn = "sequenceForward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  Seq s = read_seq(env, o, fn);
  const int dt = s.d.dtype;
  const int64_t B = s.d.batch, T = s.d.steps, H = s.d.hidden, GH = s.G * H;
  DeviceBuffer* bih = field_buf(env, o, fn, "biasIh");
  DeviceBuffer* bhh = field_buf(env, o, fn, "biasHh");
  need(env, bih, dt, GH, fn, "biasIh", dims({GH}));
  need(env, bhh, dt, GH, fn, "biasHh", dims({GH}));
  const bool training = to_bool(env, o.Get("training"), fn, "training");
  const int64_t rsize = reserve_size(env, s.d);
  const bool lstm = s.d.mode == RNN_MODE_LSTM;

  Napi::Object y = DeviceBuffer::Create(env, dt, B * T * H), hn = DeviceBuffer::Create(env, dt, B * H);
  Napi::Object cn, reserve;
  if (lstm) cn = DeviceBuffer::Create(env, dt, B * H);
  if (training) reserve = DeviceBuffer::Create(env, dt, rsize);
  check(env, rnn_cuda_seq_forward(&s.d, s.x->data(), s.h0->data(), ptr(s.c0), s.wih->data(), s.whh->data(),
                                  bih->data(), bhh->data(), DeviceBuffer::Unwrap(y)->data(),
                                  DeviceBuffer::Unwrap(hn)->data(), lstm ? DeviceBuffer::Unwrap(cn)->data() : nullptr,
                                  training ? DeviceBuffer::Unwrap(reserve)->data() : nullptr));
  Napi::Object r = Napi::Object::New(env);
  r.Set("y", y);
  r.Set("hN", hn);
  r.Set("cN", value_or_null(env, lstm ? &cn : nullptr));
  r.Set("reserve", value_or_null(env, training ? &reserve : nullptr));
  return r;
}

Napi::Value SeqBackward(const Napi::CallbackInfo& info) {
  const char* fn = "sequenceBackward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  Seq s = read_seq(env, o, fn);
  const int dt = s.d.dtype;
  const int64_t B = s.d.batch, T = s.d.steps, I = s.d.input, H = s.d.hidden, GH = s.G * H;
  const int64_t rsize = reserve_size(env, s.d);
  DeviceBuffer* reserve = field_opt(env, o, fn, "reserve");
  if (!reserve) throw_code(env, "E_VALUE", std::string(fn) + ": no reserve; run sequenceForward with training: true first");
  need_dtype(env, reserve, dt, fn, "reserve");
  if (reserve->length() != rsize)
    throw_code(env, "E_SHAPE", std::string(fn) + ": the reserve has " + std::to_string(reserve->length()) +
                                   " elements but these arguments need " + std::to_string(rsize) +
                                   "; pass the reserve of the forward call with the same arguments");
  DeviceBuffer* dy = field_opt(env, o, fn, "dy");
  DeviceBuffer* dhn = field_opt(env, o, fn, "dhN");
  if (dy) need(env, dy, dt, B * T * H, fn, "dy", dims({B, T, H}));
  if (dhn) need(env, dhn, dt, B * H, fn, "dhN", dims({B, H}));
  const bool lstm = s.d.mode == RNN_MODE_LSTM;
  DeviceBuffer* dcn = lstm ? field_opt(env, o, fn, "dcN") : nullptr;
  if (dcn) need(env, dcn, dt, B * H, fn, "dcN", dims({B, H}));

  Napi::Object dx = DeviceBuffer::Create(env, dt, B * T * I), dh0 = DeviceBuffer::Create(env, dt, B * H);
  Napi::Object dc0;
  if (lstm) dc0 = DeviceBuffer::Create(env, dt, B * H);
  Napi::Object dwih = DeviceBuffer::Create(env, dt, GH * I), dwhh = DeviceBuffer::Create(env, dt, GH * H);
  Napi::Object dbih = DeviceBuffer::Create(env, dt, GH), dbhh = DeviceBuffer::Create(env, dt, GH);
  auto p = [](const Napi::Object& b) { return DeviceBuffer::Unwrap(b)->data(); };
  check(env, rnn_cuda_seq_backward(&s.d, s.x->data(), s.h0->data(), ptr(s.c0), s.wih->data(), s.whh->data(),
                                   reserve->data(), ptr(dy), ptr(dhn), ptr(dcn), p(dx), p(dh0),
                                   lstm ? p(dc0) : nullptr, p(dwih), p(dwhh), p(dbih), p(dbhh)));
  Napi::Object r = Napi::Object::New(env);
  r.Set("dx", dx);
  r.Set("dh0", dh0);
  r.Set("dc0", value_or_null(env, lstm ? &dc0 : nullptr));
  r.Set("dWeightIh", dwih);
  r.Set("dWeightHh", dwhh);
  r.Set("dBiasIh", dbih);
  r.Set("dBiasHh", dbhh);
  return r;
}

// ---- tree level ----

struct Tree {
  rnn_tree_desc d{};
  DeviceBuffer *x, *hl, *cl, *hr, *cr, *w, *wh;
};

Tree read_tree(Napi::Env env, const Napi::Object& o, const char* fn) {
  Tree t;
  const int64_t N = field_int(env, o, fn, "nodes", 0, 2147483647), I = field_int(env, o, fn, "input", 0, 2147483647),
                H = field_int(env, o, fn, "hidden", 0, 2147483647 / 10);
  t.d.nodes = N;
  t.d.input = I;
  t.d.hidden = H;
  t.x = field_buf(env, o, fn, "x");
  need_float(env, t.x, fn, "x");
  const int dt = t.d.dtype = t.x->dtype();
  need_length(env, t.x, N * I, fn, "x", dims({N, I}));
  t.hl = field_buf(env, o, fn, "hL");
  t.cl = field_buf(env, o, fn, "cL");
  t.hr = field_buf(env, o, fn, "hR");
  t.cr = field_buf(env, o, fn, "cR");
  need(env, t.hl, dt, N * H, fn, "hL", dims({N, H}));
  need(env, t.cl, dt, N * H, fn, "cL", dims({N, H}));
  need(env, t.hr, dt, N * H, fn, "hR", dims({N, H}));
  need(env, t.cr, dt, N * H, fn, "cR", dims({N, H}));
  t.w = field_buf(env, o, fn, "weight");
  t.wh = field_buf(env, o, fn, "weightH");
  need(env, t.w, dt, 5 * H * I, fn, "weight", dims({5 * H, I}));
  need(env, t.wh, dt, 10 * H * H, fn, "weightH", dims({5 * H, 2 * H}));
  return t;
}

Napi::Value TreeForward(const Napi::CallbackInfo& info) {
  const char* fn = "treeLevelForward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  Tree t = read_tree(env, o, fn);
  const int dt = t.d.dtype;
  const int64_t N = t.d.nodes, H = t.d.hidden;
  DeviceBuffer* b = field_buf(env, o, fn, "bias");
  need(env, b, dt, 5 * H, fn, "bias", dims({5 * H}));
  const bool training = to_bool(env, o.Get("training"), fn, "training");
  Napi::Object h = DeviceBuffer::Create(env, dt, N * H), c = DeviceBuffer::Create(env, dt, N * H);
  Napi::Object reserve;
  if (training) reserve = DeviceBuffer::Create(env, dt, rnn_cuda_tree_reserve_size(&t.d));
  check(env, rnn_cuda_tree_forward(&t.d, t.x->data(), t.hl->data(), t.cl->data(), t.hr->data(), t.cr->data(),
                                   t.w->data(), t.wh->data(), b->data(), DeviceBuffer::Unwrap(h)->data(),
                                   DeviceBuffer::Unwrap(c)->data(),
                                   training ? DeviceBuffer::Unwrap(reserve)->data() : nullptr));
  Napi::Object r = Napi::Object::New(env);
  r.Set("h", h);
  r.Set("c", c);
  r.Set("reserve", value_or_null(env, training ? &reserve : nullptr));
  return r;
}

Napi::Value TreeBackward(const Napi::CallbackInfo& info) {
  const char* fn = "treeLevelBackward";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  Tree t = read_tree(env, o, fn);
  const int dt = t.d.dtype;
  const int64_t N = t.d.nodes, I = t.d.input, H = t.d.hidden;
  DeviceBuffer* reserve = field_opt(env, o, fn, "reserve");
  if (!reserve) throw_code(env, "E_VALUE", std::string(fn) + ": no reserve; run treeLevelForward with training: true first");
  need(env, reserve, dt, rnn_cuda_tree_reserve_size(&t.d), fn, "reserve", dims({6 * N * H}));
  DeviceBuffer* dh = field_opt(env, o, fn, "dh");
  DeviceBuffer* dc = field_opt(env, o, fn, "dc");
  if (dh) need(env, dh, dt, N * H, fn, "dh", dims({N, H}));
  if (dc) need(env, dc, dt, N * H, fn, "dc", dims({N, H}));
  Napi::Object dx = DeviceBuffer::Create(env, dt, N * I), dhl = DeviceBuffer::Create(env, dt, N * H),
               dcl = DeviceBuffer::Create(env, dt, N * H), dhr = DeviceBuffer::Create(env, dt, N * H),
               dcr = DeviceBuffer::Create(env, dt, N * H), dw = DeviceBuffer::Create(env, dt, 5 * H * I),
               dwh = DeviceBuffer::Create(env, dt, 10 * H * H), db = DeviceBuffer::Create(env, dt, 5 * H);
  auto p = [](const Napi::Object& b) { return DeviceBuffer::Unwrap(b)->data(); };
  check(env, rnn_cuda_tree_backward(&t.d, t.x->data(), t.hl->data(), t.cl->data(), t.hr->data(), t.cr->data(),
                                    t.w->data(), t.wh->data(), reserve->data(), ptr(dh), ptr(dc), p(dx), p(dhl),
                                    p(dcl), p(dhr), p(dcr), p(dw), p(dwh), p(db)));
  Napi::Object r = Napi::Object::New(env);
  r.Set("dx", dx);
  r.Set("dhL", dhl);
  r.Set("dcL", dcl);
  r.Set("dhR", dhr);
  r.Set("dcR", dcr);
  r.Set("dWeight", dw);
  r.Set("dWeightH", dwh);
  r.Set("dBias", db);
  return r;
}

// ---- Adam ----

Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  const char* fn = "adamStep";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  DeviceBuffer* p = field_buf(env, o, fn, "param");
  need_float(env, p, fn, "param");
  const std::string shape = "[" + std::to_string(p->length()) + "]";
  DeviceBuffer* g = field_buf(env, o, fn, "grad");
  DeviceBuffer* m = field_buf(env, o, fn, "m");
  DeviceBuffer* v = field_buf(env, o, fn, "v");
  need(env, g, p->dtype(), p->length(), fn, "grad", shape);
  need(env, m, p->dtype(), p->length(), fn, "m", shape);
  need(env, v, p->dtype(), p->length(), fn, "v", shape);
  rnn_adam_params hp{};
  hp.lr = addon::to_double(env, o.Get("lr"), fn, "lr");
  hp.beta1 = addon::to_double(env, o.Get("beta1"), fn, "beta1");
  hp.beta2 = addon::to_double(env, o.Get("beta2"), fn, "beta2");
  hp.eps = addon::to_double(env, o.Get("eps"), fn, "eps");
  hp.weight_decay = addon::to_double(env, o.Get("weightDecay"), fn, "weightDecay");
  hp.step = field_int(env, o, fn, "step", 1, int64_t(1) << 52);
  hp.decoupled = to_bool(env, o.Get("decoupled"), fn, "decoupled") ? 1 : 0;
  check(env, rnn_cuda_adam_step(p->dtype(), p->data(), g->data(), m->data(), v->data(), p->length(), &hp));
  return env.Undefined();
}

}  // namespace

void register_fused(Napi::Env env, Napi::Object exports) {
  exports.Set("sequenceForward", Napi::Function::New(env, SeqForward, "sequenceForward"));
  exports.Set("sequenceBackward", Napi::Function::New(env, SeqBackward, "sequenceBackward"));
  exports.Set("treeLevelForward", Napi::Function::New(env, TreeForward, "treeLevelForward"));
  exports.Set("treeLevelBackward", Napi::Function::New(env, TreeBackward, "treeLevelBackward"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}

}  // namespace cuda_addon
