// Converting JS arguments for the Node glue (both addons): numbers, booleans, shapes, host typed
// arrays; and throwing a JS Error whose `code` matches @rnn/core's error classes (E_DTYPE,
// E_SHAPE, E_VALUE, E_BACKEND). A conversion refuses a value it cannot represent (a shape with a
// fractional dim, a non-array); sizes against shapes are checked by the C API (rnn_*_check_args)
// or, for the primitives, by glue.h before an output is allocated.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "rnn_native.h"

// Every message starts with the addon's name (set per addon by CMake: "rnn native: ", "rnn cuda: ").
#ifndef RNN_ADDON_PREFIX
#error "RNN_ADDON_PREFIX must be defined (native/CMakeLists.txt: rnn_node_addon)"
#endif

namespace addon {

[[noreturn]] inline void throw_code(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error e = Napi::Error::New(env, RNN_ADDON_PREFIX + msg);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

inline const char* status_code(int status) {
  switch (status) {
    case RNN_ERR_SHAPE: return "E_SHAPE";
    case RNN_ERR_DTYPE: return "E_DTYPE";
    case RNN_ERR_ARG:
    case RNN_ERR_INDEX: return "E_VALUE";
    default: return "E_BACKEND";
  }
}

// Turns a C API status into a JS exception carrying the library's message (one store per thread
// for both C APIs: core/errors.cpp).
inline void check_status(Napi::Env env, int status) {
  if (status != RNN_OK) throw_code(env, status_code(status), rnn_last_error());
}

inline const char* dtype_name(int dtype) {
  return dtype == RNN_F32 ? "float32" : dtype == RNN_F64 ? "float64" : dtype == RNN_I32 ? "int32" : "?";
}

inline size_t elem_size(int dtype) { return dtype == RNN_F64 ? 8 : 4; }

// A host typed array the kernels may read or write in place (the CPU addon's storage; the CUDA
// addon's lengths and the data of write/read).
struct Arr {
  Napi::TypedArray ta;
  int dtype = -1;
  void* data = nullptr;
  size_t length = 0;
  bool present() const { return dtype >= 0; }
};

inline std::string where(const char* fn, const char* name) { return std::string(fn) + ": " + name; }

inline Arr to_arr(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
  if (!v.IsTypedArray())
    throw_code(env, "E_DTYPE", where(fn, name) + " must be a Float32Array, Float64Array or Int32Array");
  // One call gives type, length and the element pointer (byte offset applied): views cost nothing.
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok)
    throw_code(env, "E_BACKEND", where(fn, name) + ": could not read the typed array");
  Arr a;
  a.ta = v.As<Napi::TypedArray>();
  switch (type) {
    case napi_float32_array: a.dtype = RNN_F32; break;
    case napi_float64_array: a.dtype = RNN_F64; break;
    case napi_int32_array: a.dtype = RNN_I32; break;
    default:
      throw_code(env, "E_DTYPE", where(fn, name) + " must be a Float32Array, Float64Array or Int32Array");
  }
  a.length = length;
  a.data = length ? data : nullptr;
  return a;
}

// Same, for an optional argument (null or undefined gives an absent Arr).
inline Arr to_opt_arr(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
  if (v.IsNull() || v.IsUndefined()) return Arr{};
  return to_arr(env, v, fn, name);
}

inline void need_dtype(Napi::Env env, int have, int want, const char* fn, const char* name) {
  if (have != want)
    throw_code(env, "E_DTYPE", where(fn, name) + " is " + dtype_name(have) + " but " + dtype_name(want) + " was expected");
}

inline std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

inline int64_t numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;  // dims are checked < 2^53 and the product against the array length
  return n;
}

inline void need_length(Napi::Env env, int64_t have, int64_t n, const char* fn, const char* name,
                        const std::string& shape) {
  if (have != n)
    throw_code(env, "E_SHAPE", where(fn, name) + " has " + std::to_string(have) + " elements but shape " + shape +
                                   " needs " + std::to_string(n));
}

inline int64_t to_int(Napi::Env env, const Napi::Value& v, const char* fn, const char* name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) throw_code(env, "E_VALUE", where(fn, name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw_code(env, "E_VALUE",
               where(fn, name) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                   ", got " + v.ToString().Utf8Value());
  return static_cast<int64_t>(d);
}

inline double to_double(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
  if (!v.IsNumber()) throw_code(env, "E_VALUE", where(fn, name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline bool to_bool(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
  if (!v.IsBoolean()) throw_code(env, "E_VALUE", where(fn, name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

// A shape: an array of integers in [0, 2^31), rank <= RNN_MAX_RANK, with fewer than 2^53 elements.
inline std::vector<int64_t> to_shape(Napi::Env env, const Napi::Value& v, const char* fn, const char* name) {
  if (!v.IsArray()) throw_code(env, "E_SHAPE", where(fn, name) + " must be an array of dims");
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t r = arr.Length();
  if (r > RNN_MAX_RANK)
    throw_code(env, "E_SHAPE", where(fn, name) + " has rank " + std::to_string(r) + "; at most " +
                                   std::to_string(RNN_MAX_RANK) + " is supported");
  std::vector<int64_t> s(r);
  double total = 1;
  for (uint32_t i = 0; i < r; ++i) {
    s[i] = to_int(env, arr.Get(i), fn, name, 0, 2147483647);
    total *= static_cast<double>(s[i]);
  }
  if (total >= 9007199254740992.0) throw_code(env, "E_SHAPE", where(fn, name) + " has too many elements");
  return s;
}

// Checks that an operand shape broadcasts to the output shape (NumPy rules) before the output is
// allocated: a bogus output shape must be refused, not allocated.
inline void need_broadcast(Napi::Env env, const std::vector<int64_t>& s, const std::vector<int64_t>& out,
                           const char* fn, const char* name) {
  bool ok = s.size() <= out.size();
  for (size_t i = 0; ok && i < s.size(); ++i) {
    const int64_t d = s[s.size() - 1 - i], o = out[out.size() - 1 - i];
    ok = d == o || d == 1;
  }
  if (!ok)
    throw_code(env, "E_SHAPE", where(fn, name) + " shape " + shape_str(s) + " does not broadcast to the output shape " +
                                   shape_str(out));
}

// A list of small non-negative integers (axes, a permutation).
inline std::vector<int> to_ints(Napi::Env env, const Napi::Value& v, const char* fn, const char* name, int hi) {
  if (!v.IsArray()) throw_code(env, "E_VALUE", where(fn, name) + " must be an array of integers");
  Napi::Array arr = v.As<Napi::Array>();
  if (arr.Length() > RNN_MAX_RANK) throw_code(env, "E_VALUE", where(fn, name) + " is too long");
  std::vector<int> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out[i] = static_cast<int>(to_int(env, arr.Get(i), fn, name, 0, hi));
  return out;
}

// A new typed array of n elements for a kernel to fill (JS-allocated, so the GC owns it).
//
// uninit: the kernel writes every element (the fused sequence kernels' outputs and reserve), so
// skip the zero-fill: a Node Buffer's memory (napi_create_buffer, never from the JS pool) is not
// cleared, and the typed array is a view of its whole ArrayBuffer.
//
// capacity: bytes of the ArrayBuffer when more than the n elements need (the result pool's size
// classes, native/addon/addon.cpp); the typed array is then a view of its first n elements.
inline Arr new_arr(Napi::Env env, int dtype, size_t n, bool uninit = false, size_t capacity = 0) {
  const napi_typedarray_type type =
      dtype == RNN_F32 ? napi_float32_array : dtype == RNN_F64 ? napi_float64_array : napi_int32_array;
  const size_t es = dtype == RNN_F64 ? 8 : 4;
  // Node-API aborts the whole process (V8 "Allocation failed - process out of memory") when it
  // cannot allocate an ArrayBuffer, where JS would get a RangeError. A large request is first tried
  // with malloc, so one that cannot be met throws here instead.
  if (n > (size_t(1) << 50) / es)
    throw_code(env, "E_BACKEND", "could not allocate an array of " + std::to_string(n) + " elements (too large)");
  const size_t bytes = capacity > n * es ? capacity : n * es;
  if (bytes > (size_t(256) << 20)) {
    void* probe = std::malloc(bytes);
    if (!probe)
      throw_code(env, "E_BACKEND", "could not allocate an array of " + std::to_string(n) + " elements (" +
                                       std::to_string(n * es) + " bytes): out of memory");
    std::free(probe);
  }
  void* data = nullptr;
  napi_value buf, ta;
  // JS-allocated (not external buffers with finalizers): measured as fast or faster at every size,
  // and V8 sees the memory pressure directly.
  bool ok;
  if (uninit && n > 0) {
    napi_value node_buf;
    ok = napi_create_buffer(env, bytes, &data, &node_buf) == napi_ok;
    napi_typedarray_type bt;
    size_t blen = 0, boff = 1;
    void* bdata = nullptr;
    ok = ok && napi_get_typedarray_info(env, node_buf, &bt, &blen, &bdata, &buf, &boff) == napi_ok && boff == 0 &&
         reinterpret_cast<uintptr_t>(data) % es == 0;
    if (!ok) {  // not the layout expected: fall back to a zeroed ArrayBuffer
      data = nullptr;
      ok = napi_create_arraybuffer(env, bytes, &data, &buf) == napi_ok;
    }
  } else {
    ok = napi_create_arraybuffer(env, bytes, &data, &buf) == napi_ok;
  }
  if (!ok || napi_create_typedarray(env, type, n, buf, 0, &ta) != napi_ok)
    throw_code(env, "E_BACKEND", "could not allocate an array of " + std::to_string(n) + " elements (out of memory?)");
  Arr a;
  a.ta = Napi::TypedArray(env, ta);
  a.dtype = dtype;
  a.length = n;
  a.data = n ? data : nullptr;
  return a;
}

// A plain JS object built field by field: fields(env)("a", 1)("b", "x").object.
struct Fields {
  Napi::Object object;
  template <class V>
  Fields& operator()(const char* key, V value) {
    object.Set(key, value);
    return *this;
  }
};
inline Fields fields(Napi::Env env) { return Fields{Napi::Object::New(env)}; }

inline Napi::Object need_object(Napi::Env env, const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() < 1 || !info[0].IsObject()) throw_code(env, "E_VALUE", std::string(fn) + ": expects one options object");
  return info[0].As<Napi::Object>();
}

inline void need_args(Napi::Env env, const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() < n)
    throw_code(env, "E_VALUE", std::string(fn) + ": expects " + std::to_string(n) + " arguments, got " +
                                   std::to_string(info.Length()));
}

}  // namespace addon
