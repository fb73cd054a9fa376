// The one error store of both C APIs, and the shape helpers every entry point starts with.
#include "errors.h"

#include <cstdarg>
#include <cstdio>
#include <string>

namespace rnn {

namespace {
thread_local std::string g_error;
}

int fail(int status, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  g_error = buf;
  return status;
}

void clear_error() { g_error.clear(); }

int64_t checked_numel(const int64_t* shape, int rank) {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0) return -1;
    if (shape[i] != 0 && n > (int64_t(1) << 62) / shape[i]) return -1;
    n *= shape[i];
  }
  return n;
}

int check_shape(const char* what, const char* name, const int64_t* shape, int rank) {
  RNN_REQUIRE(rank >= 0 && rank <= RNN_MAX_RANK, RNN_ERR_SHAPE, "%s: %s has rank %d; expected 0..%d", what, name,
              rank, RNN_MAX_RANK);
  RNN_REQUIRE(rank == 0 || shape != nullptr, RNN_ERR_ARG, "%s: %s shape pointer is null", what, name);
  for (int i = 0; i < rank; ++i)
    RNN_REQUIRE(shape[i] >= 0, RNN_ERR_SHAPE, "%s: %s has a negative dim %lld at axis %d", what, name,
                static_cast<long long>(shape[i]), i);
  RNN_REQUIRE(checked_numel(shape, rank) >= 0, RNN_ERR_SHAPE, "%s: %s has too many elements", what, name);
  return RNN_OK;
}

const char* dtype_name(int dtype) {
  switch (dtype) {
    case RNN_F32: return "float32";
    case RNN_F64: return "float64";
    case RNN_I32: return "int32";
    default: return "unknown";
  }
}

}  // namespace rnn

extern "C" {
const char* rnn_last_error(void) { return rnn::g_error.c_str(); }
size_t rnn_dtype_size(int dtype) { return rnn::dtype_size(dtype); }
}
