// rnn_native.node: the shared Node glue (native/napi/glue.h) over the CPU's C API
// (native/include/rnn_native.h), with typed arrays as storage, plus the CPU's runtime calls.
//
// Storage on the JS side is plain typed arrays (Float32Array, Float64Array, Int32Array): kernels
// read and write their buffers in place (a subarray view costs nothing) and results are new
// JS-allocated typed arrays, so the GC owns all memory.
#include <napi.h>

#include <cstdlib>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "napi/glue.h"
#include "tree_batch.h"

namespace addon {
namespace {

// Glue's storage for the CPU: a host typed array.
struct HostBuf {
  Arr a;
  bool present() const { return a.present(); }
  void* data() const { return a.data; }
  int dtype() const { return a.dtype; }
  int64_t length() const { return int64_t(a.length); }
  Napi::Object object() const { return a.ta; }
};

struct HostDevice {
  using Buf = HostBuf;
  static constexpr bool kAsync = true;  // the kernels run on the calling thread: offer *Async variants
  static Buf arg(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
    return {to_arr(env, v, fn, name)};
  }
  static Buf opt(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
    return {to_opt_arr(env, v, fn, name)};
  }
  // Every kernel writes each element of its output (pad and scatter-add clear theirs first; the C
  // API refuses an argmax over an empty axis), so outputs skip V8's zero-fill.
  static Buf out(Napi::Env env, int dtype, int64_t n) { return {new_arr(env, dtype, size_t(n), true)}; }
  RNN_KERNEL_TABLE(rnn_)
};

Napi::Value Info(const Napi::CallbackInfo& info) {
  return fields(info.Env())("version", rnn_version())("blas", rnn_blas_info())("simd", rnn_simd())(
             "threads", rnn_get_num_threads())
      .object;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 1, "setNumThreads");
  check_status(env, rnn_set_num_threads(int(to_int(env, info[0], "setNumThreads", "n", 1, 1024))));
  return env.Undefined();
}

// Tensors are typed arrays that V8 allocates with malloc. glibc serves blocks above its mmap threshold
// (128 KiB at first, raised adaptively but not past 32 MiB) with a fresh mmap each time, so every
// training step's multi-MB outputs would fault in (and the kernel zero) new pages, and freed memory
// would go back to the OS at once: measured ~1,000 page faults per forward of workload B. Keeping
// blocks up to 64 MiB on the heap and trimming only past 256 MiB of free memory lets them be reused.
// RNN_MALLOC_TUNE=0 leaves malloc as it is.
void tune_malloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("RNN_MALLOC_TUNE");
  if (env && std::string(env) == "0") return;
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

Napi::Object init_module(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  rnn_init();
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  Glue<HostDevice>::register_all(env, exports);
  Glue<HostDevice>::fused(env, exports, "sequenceForwardRecord", Glue<HostDevice>::SeqForwardRecord);
  TreeBatchGlue<HostDevice>::register_all(env, exports);
  return exports;
}

}  // namespace
}  // namespace addon

static Napi::Object InitRnnNative(Napi::Env env, Napi::Object exports) { return addon::init_module(env, exports); }

NODE_API_MODULE(rnn_native, InitRnnNative)
