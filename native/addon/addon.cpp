// rnn_native.node: the shared Node glue (native/napi/glue.h) over the CPU's C API
// (native/include/rnn_native.h), with typed arrays as storage, plus the CPU's runtime calls.
//
// Storage on the JS side is plain typed arrays (Float32Array, Float64Array, Int32Array): kernels
// read and write their buffers in place (a subarray view costs nothing) and results are new
// JS-allocated typed arrays, so the GC owns all memory.
#include <napi.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
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

// Released result buffers, reused as the next results of about the same size.
//
// A loop that frees its intermediates (`tidy`, `Tensor.dispose`: the native backend's `dispose`
// hands the typed array to `recycle`) then allocates nothing new per step: without it every op
// result is a fresh ArrayBuffer, and V8 runs a full mark-compact every ~64 MB of them (12 % of a
// beam search's time). Per thread (each worker thread has its own Node-API env), at most kPoolBytes
// held; past that a released array is left to the GC. `fill` and `write` take from the pool too
// (`pooled`, `alloc`).
//
// Size classes: a result's ArrayBuffer is the class at or above its bytes, four classes per octave
// (2^k × 1, 1.25, 1.5, 1.75; at least 64 bytes: at most a fifth unused), and the result a view of its
// first n elements. Batches whose shapes vary a little (padded to their longest sequence: seq2seq,
// tagging) then share buffers; with exact sizes about 40 % of a G2P batch's results missed the
// pool and were new (50 MB per batch of 128), and V8 collected every 64 MB of them.
//
// Which arrays are taken back: the typed arrays this pool made (tagged with kResultTag: the object
// itself, not its memory, so a view someone made of one never passes), and any other typed array that
// spans its whole ArrayBuffer (as before size classes). The backend never hands an array it has made
// views of, or a view, to `recycle` (its `shared` set); a buffer given twice is kept once.
const napi_type_tag kResultTag = {0x726e6e2d72657375ULL, 0x6c742d706f6f6c31ULL};

size_t class_ceil(size_t bytes) {
  if (bytes <= 64) return 64;
  const size_t base = size_t(1) << (63 - __builtin_clzll(bytes)), q = base >> 2;
  return (bytes + q - 1) / q * q;
}

size_t class_floor(size_t bytes) {
  const size_t base = size_t(1) << (63 - __builtin_clzll(bytes)), q = base >> 2;
  return bytes / q * q;
}

napi_typedarray_type ta_type(int dtype) {
  return dtype == RNN_F32 ? napi_float32_array : dtype == RNN_F64 ? napi_float64_array : napi_int32_array;
}

class ResultPool {
 public:
  // A seq2seq training step (workload E) frees ~100 MB of results; 64 MB held only part of them. With
  // length-bucketed G2P batches of 128, whose shapes change from chunk to chunk, 192 MB (evicting the
  // oldest) still left 20 results per batch new; 512 MB leaves about 2 (the pool then holds ~365 MB).
  static constexpr size_t kPoolBytes = size_t(512) << 20;

  bool take(napi_env env, int dtype, size_t n, Arr& out) {
    if (env != env_ || n == 0) return false;
    const size_t need = n * elem(dtype);
    auto it = free_.find(class_ceil(need));
    if (it == free_.end()) return false;
    while (!it->second.empty()) {
      const Held h = it->second.back();
      it->second.pop_back();
      bytes_ -= h.bytes;
      held_.erase(h.data);
      napi_value ab;
      const bool ok = napi_get_reference_value(env, h.ref, &ab) == napi_ok && ab != nullptr;
      napi_delete_reference(env, h.ref);
      void* data = nullptr;
      size_t len = 0;
      napi_value ta;
      // (a buffer detached or shrunk since, by whoever still held it, is dropped)
      if (!ok || napi_get_arraybuffer_info(env, ab, &data, &len) != napi_ok || len < need || data != h.data ||
          napi_create_typedarray(env, ta_type(dtype), n, ab, 0, &ta) != napi_ok || !tag(env, ta))
        continue;
      out.ta = Napi::TypedArray(env, ta);
      out.dtype = dtype;
      out.length = n;
      out.data = static_cast<uint8_t*>(data);
      return true;
    }
    return false;
  }

  // Whether the array was kept (false: not one of ours nor a whole-buffer float/int typed array, a
  // buffer already held, or the pool is full).
  bool give(napi_env env, napi_value v) {
    if (env != env_) {  // a new env on this thread: the old references belong to a gone env
      free_.clear();
      held_.clear();
      order_.clear();
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
    if (napi_get_arraybuffer_info(env, ab, &ab_data, &ab_len) != napi_ok || ab_len < 64 || ab_len < length * elem(dtype)) return false;
    bool ours = false;
    if (napi_check_object_type_tag(env, v, &kResultTag, &ours) != napi_ok) return false;
    if (!ours && ab_len != length * elem(dtype)) return false;
    if (held_.count(ab_data) || ab_len > kPoolBytes) return false;
    // full: the buffers released longest ago go first (a run of long batches leaves classes the
    // short ones after it never ask for)
    while (bytes_ + ab_len > kPoolBytes && !order_.empty()) evict_oldest(env);
    napi_ref ref;
    if (napi_create_reference(env, ab, 1, &ref) != napi_ok) return false;
    const size_t cls = class_floor(ab_len);
    free_[cls].push_back({ref, ab_data, ab_len, ++serial_});
    order_.push_back({serial_, cls});
    held_.insert(ab_data);
    bytes_ += ab_len;
    // order_ keeps the releases of buffers taken since (skipped when evicting): rebuild it from the
    // held ones before it grows past a few times their number
    if (order_.size() > 4 * held_.size() + 1024) compact_order();
    return true;
  }

  // Entries in the release order (for tests: stays bounded however many buffers go through).
  size_t order_entries() const { return order_.size(); }

  static bool tag(napi_env env, napi_value ta) { return napi_type_tag_object(env, ta, &kResultTag) == napi_ok; }

  size_t bytes() const { return bytes_; }

  // Kernel results written into a released buffer (reused) or into a new ArrayBuffer (fresh; bytes:
  // the results', not their classes'), since the thread started: a training loop whose steps free
  // everything shows fresh stop growing.
  struct Stats {
    double reused = 0, fresh = 0, fresh_bytes = 0;
  } stats;

 private:
  struct Held {
    napi_ref ref;  // the ArrayBuffer
    void* data;
    size_t bytes;
    uint64_t serial;  // order of release
  };

  void compact_order() {
    std::vector<std::pair<uint64_t, size_t>> live;
    for (const auto& [cls, v] : free_)
      for (const Held& h : v) live.push_back({h.serial, cls});
    std::sort(live.begin(), live.end());
    order_.assign(live.begin(), live.end());
  }

  // Drops the buffer released longest ago that is still held (order_ also lists taken ones: skipped).
  void evict_oldest(napi_env env) {
    const auto [serial, cls] = order_.front();
    order_.pop_front();
    auto it = free_.find(cls);
    if (it == free_.end()) return;
    auto& v = it->second;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].serial != serial) continue;
      napi_delete_reference(env, v[i].ref);
      bytes_ -= v[i].bytes;
      held_.erase(v[i].data);
      v.erase(v.begin() + std::ptrdiff_t(i));
      return;
    }
  }
  static size_t elem(int dtype) { return dtype == RNN_F64 ? 8 : 4; }
  napi_env env_ = nullptr;
  std::unordered_map<size_t, std::vector<Held>> free_;  // by size class
  std::unordered_set<const void*> held_;
  std::deque<std::pair<uint64_t, size_t>> order_;  // (serial, class) of each release, oldest first
  uint64_t serial_ = 0;
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
  const size_t bytes = n * (dtype == RNN_F64 ? 8 : 4);
  result_pool.stats.fresh_bytes += double(bytes);
  a = new_arr(env, dtype, n, true, n ? class_ceil(bytes) : 0);
  if (n) ResultPool::tag(env, a.ta);
  return a;
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

// alloc(dtype, n) -> typed array: a result buffer for the backend's fill and write to fill (from the
// pool, or new in its size class; counted in resultStats like a kernel's result; contents arbitrary).
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 2, "alloc");
  const int dtype = int(to_int(env, info[0], "alloc", "dtype", 0, 2));
  const size_t n = size_t(to_int(env, info[1], "alloc", "n", 0, (int64_t(1) << 53) - 1));
  return result_arr(env, dtype, n).ta;
}

// pooledBytes() -> number: bytes the pool holds now (for tests).
Napi::Value PooledBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(result_pool.bytes())); }

// poolOrderEntries() -> number: the pool's release-order bookkeeping (for tests: bounded).
Napi::Value PoolOrderEntries(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(result_pool.order_entries())); }

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
  exports.Set("poolOrderEntries", Napi::Function::New(env, PoolOrderEntries, "poolOrderEntries"));
  exports.Set("pooled", Napi::Function::New(env, Pooled, "pooled"));
  exports.Set("alloc", Napi::Function::New(env, Alloc, "alloc"));
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
