// Errors, argument-check helpers and dtype dispatch shared by every C entry point, CPU and CUDA.
//
// One per-thread message (rnn_last_error; rnn_cuda_last_error reads the same one) and one
// `guarded` wrapper, so both C APIs fail the same way: a status code and a message that says what
// failed, what was expected and what was found. Host code only (nvcc compiles it as host code).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>

#include "rnn_native.h"

namespace rnn {

#if defined(__GNUC__)
int fail(int status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
#else
int fail(int status, const char* fmt, ...);
#endif
void clear_error();

// Thrown where a workspace cannot be had (the CUDA device pool); guarded() reports its size.
struct OutOfMemory : std::exception {
  size_t bytes;
  const char* space;  // "device", "host"
  OutOfMemory(size_t b, const char* s) : bytes(b), space(s) {}
  const char* what() const noexcept override { return "out of memory"; }
};

// Runs an entry point's body, turning C++ exceptions into a status: nothing unwinds through C.
template <class F>
int guarded(const char* what, F&& body) {
  try {
    clear_error();
    return body();
  } catch (const OutOfMemory& e) {
    return fail(RNN_ERR_ALLOC,
                "%s: out of %s memory allocating a %zu-byte workspace; free tensors (dispose/tidy) or use smaller batches",
                what, e.space, e.bytes);
  } catch (const std::bad_alloc&) {
    return fail(RNN_ERR_ALLOC, "%s: out of host memory allocating the workspace", what);
  } catch (const std::exception& e) {
    return fail(RNN_ERR_INTERNAL, "%s: internal error: %s", what, e.what());
  } catch (...) {
    return fail(RNN_ERR_INTERNAL, "%s: unknown internal error", what);
  }
}

// Product of dims, or -1 when a dim is negative or the product overflows 2^62.
int64_t checked_numel(const int64_t* shape, int rank);
// RNN_OK when rank is in [0, RNN_MAX_RANK] and every dim is >= 0; else records why.
int check_shape(const char* what, const char* name, const int64_t* shape, int rank);

inline bool valid_dtype(int dtype) { return dtype == RNN_F32 || dtype == RNN_F64 || dtype == RNN_I32; }
inline bool float_dtype(int dtype) { return dtype == RNN_F32 || dtype == RNN_F64; }
inline size_t dtype_size(int dtype) { return dtype == RNN_F64 ? 8 : valid_dtype(dtype) ? 4 : 0; }
const char* dtype_name(int dtype);
// BLAS and cuBLAS take int dimensions.
inline bool fits_int(int64_t v) { return v >= 0 && v <= 2147483647; }

}  // namespace rnn

#define RNN_REQUIRE(cond, status, ...)                   \
  do {                                                   \
    if (!(cond)) return ::rnn::fail(status, __VA_ARGS__); \
  } while (0)

// Calls RNN_OK-returning expressions in order, returning the first failure.
#define RNN_TRY(expr)              \
  do {                             \
    int st_ = (expr);              \
    if (st_ != RNN_OK) return st_; \
  } while (0)

// A pointer that must be non-null unless it holds no elements (needs `what` in scope).
#define RNN_NEED(ptr, count, name)                                                                             \
  RNN_REQUIRE((ptr) != nullptr || (count) == 0, RNN_ERR_ARG, "%s: %s is null but must hold %lld elements", what, \
              name, (long long)(count))

// Calls `call` with T bound to the element type of a float dtype (RNN_DISPATCH_ALL: or int32).
#define RNN_DISPATCH_CASE(dtype, code, type, call) \
  if ((dtype) == (code)) {                          \
    using T = type;                                 \
    return call;                                    \
  }

#define RNN_DISPATCH_FLOAT(dtype, what, call)                                             \
  do {                                                                                    \
    RNN_DISPATCH_CASE(dtype, RNN_F32, float, call)                                        \
    RNN_DISPATCH_CASE(dtype, RNN_F64, double, call)                                       \
    return ::rnn::fail(RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what, \
                       ::rnn::dtype_name(dtype));                                         \
  } while (0)

#define RNN_DISPATCH_ALL(dtype, what, call)                                                                 \
  do {                                                                                                      \
    RNN_DISPATCH_CASE(dtype, RNN_I32, int32_t, call)                                                        \
    if ((dtype) != RNN_F32 && (dtype) != RNN_F64)                                                           \
      return ::rnn::fail(RNN_ERR_ARG, "%s: unknown dtype code %d (expected 0 float32, 1 float64, 2 int32)", \
                         what, static_cast<int>(dtype));                                                    \
    RNN_DISPATCH_FLOAT(dtype, what, call);                                                                  \
  } while (0)
