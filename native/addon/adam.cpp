// Binding of the in-place Adam/AdamW step (short and memory-bound: sync only).
#include "ops.h"
#include "worker.h"

namespace addon {
namespace {

Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  const char* fn = "adamStep";
  Napi::Env env = info.Env();
  Napi::Object o = need_object(env, info, fn);
  Arr p = field_arr(env, o, fn, "param");
  need_float(env, p, fn, "param");
  const std::string shape = "[" + std::to_string(p.length) + "]";
  Arr g = field_arr(env, o, fn, "grad"), m = field_arr(env, o, fn, "m"), v = field_arr(env, o, fn, "v");
  need(env, g, p.dtype, int64_t(p.length), fn, "grad", shape);
  need(env, m, p.dtype, int64_t(p.length), fn, "m", shape);
  need(env, v, p.dtype, int64_t(p.length), fn, "v", shape);
  rnn_adam_params hp{};
  hp.lr = to_double(env, o.Get("lr"), fn, "lr");
  hp.beta1 = to_double(env, o.Get("beta1"), fn, "beta1");
  hp.beta2 = to_double(env, o.Get("beta2"), fn, "beta2");
  hp.eps = to_double(env, o.Get("eps"), fn, "eps");
  hp.weight_decay = to_double(env, o.Get("weightDecay"), fn, "weightDecay");
  hp.step = field_int(env, o, fn, "step", 1, int64_t(1) << 52);
  hp.decoupled = to_bool(env, o.Get("decoupled"), fn, "decoupled") ? 1 : 0;
  check_status(env, rnn_adam_step(p.dtype, p.data, g.data, m.data, v.data, int64_t(p.length), &hp));
  return env.Undefined();
}

}  // namespace

void register_adam(Napi::Env env, Napi::Object exports) {
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}

}  // namespace addon
