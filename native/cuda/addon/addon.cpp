// rnn_cuda.node: the shared Node glue (native/napi/glue.h) over the CUDA kernel API
// (native/cuda/include/rnn_cuda.h), with DeviceBuffers as storage (buffer.h), plus what only a
// device has: probe/init, memory (write/read/fill/view/assign/free), GEMM choice, synchronize.
//
// Loading it touches no GPU: `probe()` says whether a device answers and why not, `init(device)`
// starts the backend. Only write/read cross between host and device.
#include <napi.h>

#include <cstring>

#include "buffer.h"

namespace cuda_addon {
namespace {

using addon::need_args;
using addon::to_int;

// What this build is (both probe() and info() say it).
addon::Fields& build(addon::Fields& f) {
  return f("emulation", rnn_cuda_is_emulation() != 0)("archs", rnn_cuda_archs())("version", rnn_cuda_version());
}

Napi::Value Probe(const Napi::CallbackInfo& info) {
  rnn_cuda_probe_result p;
  rnn_cuda_probe(&p);
  auto f = addon::fields(info.Env());
  f("deviceCount", p.device_count)("driverVersion", p.driver_version)("runtimeVersion", p.runtime_version);
  f("status", p.status)("message", p.message);
  return build(f).object;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 1, "init");
  check(env, rnn_cuda_init(int(to_int(env, info[0], "init", "device", 0, 1023))));
  return env.Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  rnn_cuda_device_info d;
  check(info.Env(), rnn_cuda_get_device_info(&d));
  auto f = addon::fields(info.Env());
  f("device", d.device)("name", d.name)("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
  f("multiprocessors", d.multiprocessors)("totalMemory", double(d.total_memory))("gemm", rnn_cuda_gemm_info());
  return build(f).object;
}

Napi::Value SetGemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 1, "setGemm");
  const std::string m = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  const int mode = m == "auto" ? RNN_GEMM_AUTO : m == "tiled" ? RNN_GEMM_TILED : m == "reference" ? RNN_GEMM_REFERENCE
                   : m == "cublas" ? RNN_GEMM_CUBLAS : -1;
  if (mode < 0) throw_code(env, "E_VALUE", "setGemm: mode must be 'auto', 'tiled', 'reference' or 'cublas'");
  check(env, rnn_cuda_set_gemm(mode));
  return env.Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  check(info.Env(), rnn_cuda_synchronize());
  return info.Env().Undefined();
}

Napi::Value BytesInUse(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(rnn_cuda_bytes_in_use()));
}

// ---- memory ----

Napi::Value Write(const Napi::CallbackInfo& info) {
  const char* fn = "write";
  Napi::Env env = info.Env();
  need_args(env, info, 1, fn);
  addon::Arr a = addon::to_arr(env, info[0], fn, "data");
  Napi::Object out = DeviceBuffer::Create(env, a.dtype, int64_t(a.length));
  const size_t es = a.dtype == RNN_F64 ? 8 : 4;
  check(env, rnn_cuda_copy_h2d(DeviceBuffer::Unwrap(out)->data(), a.data, es * a.length));
  return out;
}

Napi::Value Read(const Napi::CallbackInfo& info) {
  const char* fn = "read";
  Napi::Env env = info.Env();
  need_args(env, info, 1, fn);
  DeviceBuffer* b = to_buf(env, info[0], fn, "x");
  addon::Arr out = addon::new_arr(env, b->dtype(), size_t(b->length()));
  const size_t es = b->dtype() == RNN_F64 ? 8 : 4;
  check(env, rnn_cuda_copy_d2h(out.data, b->data(), es * size_t(b->length())));
  return out.ta;
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  const char* fn = "fill";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  const int64_t n = to_int(env, info[0], fn, "size", 0, int64_t(1) << 40);
  const int dtype = int(to_int(env, info[1], fn, "dtype", 0, 2));
  const double value = addon::to_double(env, info[2], fn, "value");
  Napi::Object out = DeviceBuffer::Create(env, dtype, n);
  check(env, rnn_cuda_fill(dtype, DeviceBuffer::Unwrap(out)->data(), n, value));
  return out;
}

Napi::Value View(const Napi::CallbackInfo& info) {
  const char* fn = "view";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  DeviceBuffer* b = to_buf(env, info[0], fn, "x");
  const int64_t offset = to_int(env, info[1], fn, "offset", 0, b->length());
  const int64_t length = to_int(env, info[2], fn, "length", 0, b->length() - offset);
  return DeviceBuffer::View(env, *b, offset, length);
}

Napi::Value Assign(const Napi::CallbackInfo& info) {
  const char* fn = "assign";
  Napi::Env env = info.Env();
  need_args(env, info, 2, fn);
  DeviceBuffer* dst = to_buf(env, info[0], fn, "dst");
  DeviceBuffer* src = to_buf(env, info[1], fn, "src");
  addon::need_dtype(env, src->dtype(), dst->dtype(), fn, "src");
  addon::need_length(env, src->length(), dst->length(), fn, "src", "[" + std::to_string(dst->length()) + "]");
  const size_t es = dst->dtype() == RNN_F64 ? 8 : 4, bytes = es * size_t(dst->length());
  const bool overlap = dst->block() == src->block() && dst->offset() != src->offset() &&
                       dst->offset() < src->offset() + src->length() && src->offset() < dst->offset() + dst->length();
  if (!overlap) {
    check(env, rnn_cuda_copy_d2d(dst->data(), src->data(), bytes));
    return env.Undefined();
  }
  // Views of one block that overlap: through a temporary (a device copy must not overlap itself).
  Napi::Object tmp = DeviceBuffer::Create(env, dst->dtype(), dst->length());
  check(env, rnn_cuda_copy_d2d(DeviceBuffer::Unwrap(tmp)->data(), src->data(), bytes));
  check(env, rnn_cuda_copy_d2d(dst->data(), DeviceBuffer::Unwrap(tmp)->data(), bytes));
  DeviceBuffer::Unwrap(tmp)->Release();
  return env.Undefined();
}

// Releases a buffer now (the backend's dispose); idempotent. The block goes with its last view.
Napi::Value Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 1, "free");
  DeviceBuffer* b = as_buf(env, info[0]);
  if (!b) throw_code(env, "E_DTYPE", "free: x must be a DeviceBuffer (storage of the cuda backend)");
  b->Release();
  return env.Undefined();
}

Napi::Object init_module(Napi::Env env, Napi::Object exports) {
  exports.Set("DeviceBuffer", DeviceBuffer::Define(env));
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setGemm", Napi::Function::New(env, SetGemm, "setGemm"));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  exports.Set("bytesInUse", Napi::Function::New(env, BytesInUse, "bytesInUse"));
  exports.Set("write", Napi::Function::New(env, Write, "write"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("fill", Napi::Function::New(env, Fill, "fill"));
  exports.Set("view", Napi::Function::New(env, View, "view"));
  exports.Set("assign", Napi::Function::New(env, Assign, "assign"));
  exports.Set("free", Napi::Function::New(env, Free, "free"));
  addon::Glue<CudaDevice>::register_all(env, exports);
  return exports;
}

}  // namespace
}  // namespace cuda_addon

static Napi::Object InitRnnCuda(Napi::Env env, Napi::Object exports) { return cuda_addon::init_module(env, exports); }

NODE_API_MODULE(rnn_cuda, InitRnnCuda)
