// DeviceBuffer: the storage of the CUDA backend, a JS object holding device memory.
//
// A buffer is a view (element offset and length, a dtype) of a reference-counted device block, so
// `view` costs nothing and a block lives until its last view is released: by `free` (the
// backend's dispose) or by the garbage collector. V8 is told each block's size
// (AdjustExternalMemory), so tensors nobody disposes still put pressure on the GC.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "napi/glue.h"
#include "rnn_cuda.h"

namespace cuda_addon {

using addon::throw_code;

inline void check(Napi::Env env, int status) { addon::check_status(env, status); }

struct Block {
  napi_env env;
  void* ptr = nullptr;
  size_t bytes = 0;
  Block(napi_env e, void* p, size_t b);
  ~Block();
};

class DeviceBuffer : public Napi::ObjectWrap<DeviceBuffer> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit DeviceBuffer(const Napi::CallbackInfo& info);

  // A new buffer of n elements (uninitialised device memory).
  static Napi::Object Create(Napi::Env env, int dtype, int64_t n);
  // A view of `of`'s block.
  static Napi::Object View(Napi::Env env, const DeviceBuffer& of, int64_t offset, int64_t length);

  void* data() const { return block_ ? static_cast<char*>(block_->ptr) + offset_ * int64_t(addon_dtype_size()) : nullptr; }
  int dtype() const { return dtype_; }
  int64_t length() const { return length_; }
  bool live() const { return block_ != nullptr; }
  const Block* block() const { return block_.get(); }
  int64_t offset() const { return offset_; }
  void Release() { block_.reset(); }

 private:
  size_t addon_dtype_size() const { return dtype_ == RNN_F64 ? 8 : 4; }
  Napi::Value GetDtype(const Napi::CallbackInfo& info);
  Napi::Value GetLength(const Napi::CallbackInfo& info);
  Napi::Value GetDisposed(const Napi::CallbackInfo& info);

  std::shared_ptr<Block> block_;
  int64_t offset_ = 0, length_ = 0;
  int dtype_ = RNN_F32;
};

// The DeviceBuffer behind a JS value (live or not), or null when it is something else.
DeviceBuffer* as_buf(Napi::Env env, const Napi::Value& v);
// The buffer behind a JS argument: checks it is a live DeviceBuffer.
DeviceBuffer* to_buf(Napi::Env env, const Napi::Value& v, const char* fn, const char* name);

// Glue's storage for CUDA (napi/glue.h): a DeviceBuffer and the JS object that owns it.
struct DevBuf {
  Napi::Object obj;
  DeviceBuffer* buf = nullptr;
  bool present() const { return buf != nullptr; }
  void* data() const { return buf->data(); }
  int dtype() const { return buf->dtype(); }
  int64_t length() const { return buf->length(); }
  Napi::Object object() const { return obj; }
};

struct CudaDevice {
  using Buf = DevBuf;
  static constexpr bool kAsync = false;  // kernels are queued on the stream: calls return at once
  static Buf arg(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
    return {v.As<Napi::Object>(), to_buf(env, v, fn, name)};
  }
  static Buf opt(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
    if (v.IsNull() || v.IsUndefined()) return {};
    return arg(env, v, fn, name);
  }
  static Buf out(Napi::Env env, int dtype, int64_t n) {
    Napi::Object o = DeviceBuffer::Create(env, dtype, n);
    return {o, DeviceBuffer::Unwrap(o)};
  }
  RNN_KERNEL_TABLE(rnn_cuda_)
};

}  // namespace cuda_addon
