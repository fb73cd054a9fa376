// Internal helpers shared by every file of the CUDA library, compiled by nvcc and (for the
// emulation build) by the host C++ compiler: error reporting, argument checks, dtype dispatch.
// Host code only; device-side helpers live in launch.h and math.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "rnn_cuda.h"

namespace rnn_cuda {

#if defined(__GNUC__)
int fail(int status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
#else
int fail(int status, const char* fmt, ...);
#endif
void clear_error();

// Thrown by workspace allocations; guarded() turns it into RNN_ERR_ALLOC with the size.
struct DeviceOutOfMemory : std::exception {
  size_t bytes;
  explicit DeviceOutOfMemory(size_t b) : bytes(b) {}
  const char* what() const noexcept override { return "out of device memory"; }
};

// Runs an entry point's body, turning C++ exceptions into a status: nothing unwinds through C.
template <class F>
int guarded(const char* what, F&& body) {
  try {
    clear_error();
    return body();
  } catch (const DeviceOutOfMemory& e) {
    return fail(RNN_ERR_ALLOC, "%s: out of device memory allocating a %zu-byte workspace; free tensors (dispose/tidy) or use smaller batches",
                what, e.bytes);
  } catch (const std::bad_alloc&) {
    return fail(RNN_ERR_ALLOC, "%s: out of host memory", what);
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
const char* dtype_name(int dtype);
inline size_t dtype_size(int dtype) { return dtype == RNN_F64 ? 8 : valid_dtype(dtype) ? 4 : 0; }
inline bool fits_int(int64_t v) { return v >= 0 && v <= 2147483647; }

}  // namespace rnn_cuda

#define RNN_REQUIRE(cond, status, ...)                        \
  do {                                                        \
    if (!(cond)) return ::rnn_cuda::fail(status, __VA_ARGS__); \
  } while (0)

// A pointer that must be non-null unless it holds no elements.
#define RNN_NEED(ptr, count, name)                                                                             \
  RNN_REQUIRE((ptr) != nullptr || (count) == 0, RNN_ERR_ARG, "%s: %s is null but must hold %lld elements", what, \
              name, (long long)(count))

// Calls `call` with T bound to the element type of a float dtype.
#define RNN_DISPATCH_FLOAT(dtype, what, call)                                                        \
  do {                                                                                               \
    if ((dtype) == RNN_F32) {                                                                        \
      using T = float;                                                                               \
      return call;                                                                                   \
    }                                                                                                \
    if ((dtype) == RNN_F64) {                                                                        \
      using T = double;                                                                              \
      return call;                                                                                   \
    }                                                                                                \
    return ::rnn_cuda::fail(RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,       \
                            ::rnn_cuda::dtype_name(dtype));                                          \
  } while (0)

#define RNN_DISPATCH_ALL(dtype, what, call)                                                          \
  do {                                                                                               \
    if ((dtype) == RNN_F32) {                                                                        \
      using T = float;                                                                               \
      return call;                                                                                   \
    }                                                                                                \
    if ((dtype) == RNN_F64) {                                                                        \
      using T = double;                                                                              \
      return call;                                                                                   \
    }                                                                                                \
    if ((dtype) == RNN_I32) {                                                                        \
      using T = int32_t;                                                                             \
      return call;                                                                                   \
    }                                                                                                \
    return ::rnn_cuda::fail(RNN_ERR_ARG, "%s: unknown dtype code %d (expected 0 float32, 1 float64, 2 int32)", \
                            what, static_cast<int>(dtype));                                          \
  } while (0)
