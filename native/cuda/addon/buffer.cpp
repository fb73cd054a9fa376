// DeviceBuffer (see buffer.h).
#include "buffer.h"

namespace cuda_addon {
namespace {

int g_token;  // the constructor's secret argument: buffers are made by the addon only

struct AddonData {
  Napi::FunctionReference ctor;
};

Napi::FunctionReference& ctor(Napi::Env env) { return env.GetInstanceData<AddonData>()->ctor; }

}  // namespace

Block::Block(napi_env e, void* p, size_t b) : env(e), ptr(p), bytes(b) {
  int64_t adjusted;
  napi_adjust_external_memory(env, static_cast<int64_t>(bytes), &adjusted);
}

Block::~Block() {
  rnn_cuda_free(ptr);
  int64_t adjusted;
  napi_adjust_external_memory(env, -static_cast<int64_t>(bytes), &adjusted);
}

Napi::Function DeviceBuffer::Define(Napi::Env env) {
  Napi::Function f = DefineClass(env, "DeviceBuffer",
                                 {InstanceAccessor<&DeviceBuffer::GetDtype>("dtype"),
                                  InstanceAccessor<&DeviceBuffer::GetLength>("length"),
                                  InstanceAccessor<&DeviceBuffer::GetDisposed>("disposed")});
  auto* data = new AddonData();
  data->ctor = Napi::Persistent(f);
  env.SetInstanceData<AddonData>(data);
  return f;
}

DeviceBuffer::DeviceBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceBuffer>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() || info[0].As<Napi::External<int>>().Data() != &g_token)
    throw_code(info.Env(), "E_VALUE", "DeviceBuffer objects are made by the backend (write, fill, ...)");
}

Napi::Object DeviceBuffer::Create(Napi::Env env, int dtype, int64_t n) {
  const size_t es = dtype == RNN_F64 ? 8 : 4;
  void* p = nullptr;
  check(env, rnn_cuda_alloc(&p, es * static_cast<size_t>(n)));
  auto block = std::make_shared<Block>(env, p, es * static_cast<size_t>(n));
  Napi::Object o = ctor(env).New({Napi::External<int>::New(env, &g_token)});
  DeviceBuffer* b = Unwrap(o);
  b->block_ = std::move(block);
  b->dtype_ = dtype;
  b->length_ = n;
  return o;
}

Napi::Object DeviceBuffer::View(Napi::Env env, const DeviceBuffer& of, int64_t offset, int64_t length) {
  Napi::Object o = ctor(env).New({Napi::External<int>::New(env, &g_token)});
  DeviceBuffer* b = Unwrap(o);
  b->block_ = of.block_;
  b->dtype_ = of.dtype_;
  b->offset_ = of.offset_ + offset;
  b->length_ = length;
  return o;
}

Napi::Value DeviceBuffer::GetDtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), addon::dtype_name(dtype_));
}
Napi::Value DeviceBuffer::GetLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(length_));
}
Napi::Value DeviceBuffer::GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !live()); }

DeviceBuffer* as_buf(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(ctor(env).Value())) return nullptr;
  return DeviceBuffer::Unwrap(v.As<Napi::Object>());
}

DeviceBuffer* to_buf(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
  DeviceBuffer* b = as_buf(env, v);
  if (!b) throw_code(env, "E_DTYPE", addon::where(fn, name) + " must be a DeviceBuffer (storage of the cuda backend)");
  if (!b->live()) throw_code(env, "E_DISPOSED", addon::where(fn, name) + " was disposed");
  return b;
}

}  // namespace cuda_addon
