// rnn_native.node: the shared Node glue (native/napi/glue.h) over the CPU's C API
// (native/include/rnn_native.h), with typed arrays as storage, plus the CPU's runtime calls.
//
// Storage on the JS side is plain typed arrays (Float32Array, Float64Array, Int32Array): kernels
// read and write their buffers in place (a subarray view costs nothing) and results are new
// JS-allocated typed arrays, so the GC owns all memory.
#include <napi.h>

#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "napi/glue.h"
#include "tree_batch.h"
#include "decode_step.h"

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

// Released result buffers, reused as the next results of the same dtype and length.
//
// A loop that frees its intermediates (`tidy`, `Tensor.dispose`: the native backend's `dispose`
// hands the typed array to `recycle`) then allocates nothing new per step: without it every op
// result is a fresh ArrayBuffer, and V8 runs a full mark-compact every ~64 MB of them (12 % of a
// beam search's time). Only a typed array that spans its whole ArrayBuffer is taken (a view never
// is; the backend also refuses arrays it has handed out views of). Per thread (each worker thread
// has its own Node-API env), at most kPoolBytes held; past that a released array is left to the GC.
// `fill` (zeros, full) takes from the pool too, through `pooled`.
class ResultPool {
 public:
  // A seq2seq training step (workload E) frees ~100 MB of results; 64 MB held only part of them.
  static constexpr size_t kPoolBytes = size_t(192) << 20;

  bool take(napi_env env, int dtype, size_t n, Arr& out) {
    if (env != env_ || n == 0) return false;
    auto it = free_.find(key(dtype, n));
    if (it == free_.end() || it->second.empty()) return false;
    napi_ref ref = it->second.back();
    it->second.pop_back();
    bytes_ -= n * elem(dtype);
    napi_value v;
    const bool ok = napi_get_reference_value(env, ref, &v) == napi_ok && v != nullptr;
    napi_delete_reference(env, ref);
    if (!ok) return false;
    Napi::TypedArray ta(env, v);
    out.ta = ta;
    out.dtype = dtype;
    out.length = n;
    out.data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    return true;
  }

  // Whether the array was kept (false: not a whole-buffer float/int typed array, or the pool is full).
  bool give(napi_env env, napi_value v) {
    if (env != env_) {  // a new env on this thread: the old references belong to a gone env
      free_.clear();
      bytes_ = 0;
      env_ = env;
    }
    bool is_ta = false;
    if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void* data = nullptr;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok) return false;
    const int dtype = type == napi_float32_array ? RNN_F32 : type == napi_float64_array ? RNN_F64 : type == napi_int32_array ? RNN_I32 : -1;
    if (dtype < 0 || length == 0 || offset != 0) return false;
    void* ab_data = nullptr;
    size_t ab_len = 0;
    if (napi_get_arraybuffer_info(env, ab, &ab_data, &ab_len) != napi_ok || ab_len != length * elem(dtype)) return false;
    if (bytes_ + ab_len > kPoolBytes) return false;
    napi_ref ref;
    if (napi_create_reference(env, v, 1, &ref) != napi_ok) return false;
    free_[key(dtype, length)].push_back(ref);
    bytes_ += ab_len;
    return true;
  }

  size_t bytes() const { return bytes_; }

  // Kernel results written into a released buffer (reused) or into a new ArrayBuffer (fresh), since
  // the thread started: a training loop whose steps free everything shows fresh stop growing.
  struct Stats {
    double reused = 0, fresh = 0, fresh_bytes = 0;
  } stats;

 private:
  static size_t elem(int dtype) { return dtype == RNN_F64 ? 8 : 4; }
  static uint64_t key(int dtype, size_t n) { return (uint64_t(n) << 2) | uint64_t(dtype & 3); }
  napi_env env_ = nullptr;
  std::unordered_map<uint64_t, std::vector<napi_ref>> free_;
  size_t bytes_ = 0;
};

thread_local ResultPool result_pool;

Arr result_arr(Napi::Env env, int dtype, size_t n) {
  Arr a;
  if (result_pool.take(env, dtype, n, a)) {
    result_pool.stats.reused++;
    return a;
  }
  result_pool.stats.fresh++;
  result_pool.stats.fresh_bytes += double(n) * (dtype == RNN_F64 ? 8 : 4);
  return new_arr(env, dtype, n, true);
}

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
  // (A recycled buffer, when one of the size was released: its old contents are overwritten likewise.)
  static Buf out(Napi::Env env, int dtype, int64_t n) { return {result_arr(env, dtype, size_t(n))}; }
  RNN_KERNEL_TABLE(rnn_)
};

Napi::Value Info(const Napi::CallbackInfo& info) {
  return fields(info.Env())("version", rnn_version())("blas", rnn_blas_info())("simd", rnn_simd())(
             "threads", rnn_get_num_threads())("cpuPlan", rnn_cpu_plan())
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

// recycle(typedArray) -> boolean: hand a released result buffer to the pool (see ResultPool).
Napi::Value Recycle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 1, "recycle");
  return Napi::Boolean::New(env, result_pool.give(env, info[0]));
}

// pooled(dtype, n) -> typed array | undefined: a released buffer of that dtype and length, if the
// pool holds one (contents arbitrary: the caller fills it).
Napi::Value Pooled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 2, "pooled");
  const int dtype = int(to_int(env, info[0], "pooled", "dtype", 0, 2));
  const double n = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0.0;
  Arr a;
  if (n >= 1 && n <= 9007199254740991.0 && result_pool.take(env, dtype, size_t(n), a)) return a.ta;
  return env.Undefined();
}

// pooledBytes() -> number: bytes the pool holds now (for tests).
Napi::Value PooledBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(result_pool.bytes())); }

// resultStats() -> { reused, fresh, freshBytes }: kernel results so far on this thread (for tests and tools/bench/gc-steps.mjs).
Napi::Value ResultStats(const Napi::CallbackInfo& info) {
  const auto& s = result_pool.stats;
  return fields(info.Env())("reused", s.reused)("fresh", s.fresh)("freshBytes", s.fresh_bytes).object;
}

Napi::Object init_module(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  rnn_init();
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("recycle", Napi::Function::New(env, Recycle, "recycle"));
  exports.Set("pooledBytes", Napi::Function::New(env, PooledBytes, "pooledBytes"));
  exports.Set("pooled", Napi::Function::New(env, Pooled, "pooled"));
  exports.Set("resultStats", Napi::Function::New(env, ResultStats, "resultStats"));
  Glue<HostDevice>::register_all(env, exports);
  Glue<HostDevice>::fused(env, exports, "sequenceForwardRecord", Glue<HostDevice>::SeqForwardRecord);
  TreeBatchGlue<HostDevice>::register_all(env, exports);
  DecodeStepGlue<HostDevice>::register_all(env, exports);
  return exports;
}

}  // namespace
}  // namespace addon

static Napi::Object InitRnnNative(Napi::Env env, Napi::Object exports) { return addon::init_module(env, exports); }

NODE_API_MODULE(rnn_native, InitRnnNative)
