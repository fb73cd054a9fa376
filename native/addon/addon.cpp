// rnn_native.node: a thin node-addon-api layer over the C kernel API (native/include/rnn_native.h).
//
// Storage on the JS side is plain typed arrays (Float32Array, Float64Array, Int32Array): kernels
// read and write their buffers in place (a subarray view costs nothing) and results are new
// JS-allocated typed arrays, so the GC owns all memory. The op codes are exported from here so the
// TypeScript side never hard-codes the C enums.
#include <napi.h>

#include <cstdlib>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "args.h"
#include "ops.h"

namespace addon {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", rnn_version());
  o.Set("blas", rnn_blas_info());
  o.Set("simd", rnn_simd());
  o.Set("threads", rnn_get_num_threads());
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(env, info, 1, "setNumThreads");
  check_status(env, rnn_set_num_threads(int(to_int(env, info[0], "setNumThreads", "n", 1, 1024))));
  return env.Undefined();
}

Napi::Object codes(Napi::Env env, std::initializer_list<std::pair<const char*, int>> entries) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, code] : entries) o.Set(name, code);
  return o;
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
  Napi::Object c = Napi::Object::New(env);
  c.Set("dtype", codes(env, {{"float32", RNN_F32}, {"float64", RNN_F64}, {"int32", RNN_I32}}));
  c.Set("unary", codes(env, {{"neg", RNN_NEG},
                             {"exp", RNN_EXP},
                             {"log", RNN_LOG},
                             {"tanh", RNN_TANH},
                             {"sigmoid", RNN_SIGMOID},
                             {"relu", RNN_RELU},
                             {"sqrt", RNN_SQRT},
                             {"abs", RNN_ABS},
                             {"sign", RNN_SIGN},
                             {"square", RNN_SQUARE},
                             {"reciprocal", RNN_RECIPROCAL},
                             {"step", RNN_STEP}}));
  c.Set("binary", codes(env, {{"add", RNN_ADD},
                              {"sub", RNN_SUB},
                              {"mul", RNN_MUL},
                              {"div", RNN_DIV},
                              {"max", RNN_MAX},
                              {"min", RNN_MIN},
                              {"pow", RNN_POW},
                              {"gt", RNN_GT},
                              {"ge", RNN_GE},
                              {"eq", RNN_EQ}}));
  c.Set("reduce", codes(env, {{"sum", RNN_SUM}, {"max", RNN_RMAX}, {"min", RNN_RMIN}}));
  c.Set("mode", codes(env, {{"rnn_tanh", RNN_MODE_TANH}, {"rnn_relu", RNN_MODE_RELU}, {"lstm", RNN_MODE_LSTM}, {"gru", RNN_MODE_GRU}}));
  exports.Set("codes", c);
  register_ops(env, exports);
  register_sequence(env, exports);
  register_tree(env, exports);
  register_adam(env, exports);
  return exports;
}

}  // namespace
}  // namespace addon

static Napi::Object InitRnnNative(Napi::Env env, Napi::Object exports) { return addon::init_module(env, exports); }

NODE_API_MODULE(rnn_native, InitRnnNative)
