// Internal helpers shared by the kernel files: error reporting, argument checks, dtype dispatch.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "rnn_native.h"

namespace rnn {

// Records the message for rnn_last_error() on this thread and returns the status.
int fail(int status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void clear_error();

// Runs a kernel body, turning C++ exceptions into a status: nothing may unwind through extern "C".
template <class F>
int guarded(const char* what, F&& body) {
  try {
    clear_error();
    return body();
  } catch (const std::bad_alloc&) {
    return fail(RNN_ERR_ALLOC, "%s: out of memory allocating the workspace", what);
  } catch (const std::exception& e) {
    return fail(RNN_ERR_INTERNAL, "%s: internal error: %s", what, e.what());
  } catch (...) {
    return fail(RNN_ERR_INTERNAL, "%s: unknown internal error", what);
  }
}

// Product of dims, or -1 when a dim is negative or the product overflows 2^62.
int64_t checked_numel(const int64_t* shape, int rank);

// Returns RNN_OK when rank is in [0, RNN_MAX_RANK] and every dim is >= 0; else records why.
int check_shape(const char* what, const char* name, const int64_t* shape, int rank);

inline bool valid_dtype(int dtype) { return dtype == RNN_F32 || dtype == RNN_F64 || dtype == RNN_I32; }
inline bool float_dtype(int dtype) { return dtype == RNN_F32 || dtype == RNN_F64; }
const char* dtype_name(int dtype);

// JavaScript's ToInt32: what storing a Number into an Int32Array does.
inline int32_t to_int32(double v) {
  if (!std::isfinite(v)) return 0;
  double t = std::trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = std::fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// BLAS takes int dimensions.
inline bool fits_int(int64_t v) { return v >= 0 && v <= 2147483647; }

}  // namespace rnn

// Calls fn<T>(args...) for the element type of a float dtype.
#define RNN_DISPATCH_FLOAT(dtype, what, call)                                                    \
  do {                                                                                           \
    if ((dtype) == RNN_F32) {                                                                    \
      using T = float;                                                                           \
      return call;                                                                               \
    }                                                                                            \
    if ((dtype) == RNN_F64) {                                                                    \
      using T = double;                                                                          \
      return call;                                                                               \
    }                                                                                            \
    return ::rnn::fail(RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,        \
                       ::rnn::dtype_name(dtype));                                                \
  } while (0)

#define RNN_DISPATCH_ALL(dtype, what, call)                                                      \
  do {                                                                                           \
    if ((dtype) == RNN_F32) {                                                                    \
      using T = float;                                                                           \
      return call;                                                                               \
    }                                                                                            \
    if ((dtype) == RNN_F64) {                                                                    \
      using T = double;                                                                          \
      return call;                                                                               \
    }                                                                                            \
    if ((dtype) == RNN_I32) {                                                                    \
      using T = int32_t;                                                                         \
      return call;                                                                               \
    }                                                                                            \
    return ::rnn::fail(RNN_ERR_ARG, "%s: unknown dtype code %d (expected 0 float32, 1 float64, 2 int32)", \
                       what, static_cast<int>(dtype));                                           \
  } while (0)

#define RNN_REQUIRE(cond, status, ...)        \
  do {                                        \
    if (!(cond)) return ::rnn::fail(status, __VA_ARGS__); \
  } while (0)
