// The C API's memory entry points: checks, then the device layer (device_cuda.cu or
// device_emulation.cpp). Errors are the shared core's (core/errors.cpp): one message per thread.
#include "device.h"

using namespace rnn_cuda;

extern "C" {

const char* rnn_cuda_last_error(void) { return rnn_last_error(); }
const char* rnn_cuda_version(void) { return RNN_CUDA_VERSION; }

int rnn_cuda_alloc(void** ptr, size_t bytes) {
  const char* what = "rnn_cuda_alloc";
  RNN_REQUIRE(ptr, RNN_ERR_ARG, "%s: ptr is null", what);
  clear_error();
  return dev_alloc(ptr, bytes, what);
}

int rnn_cuda_free(void* ptr) {
  dev_free(ptr);
  return RNN_OK;
}

int rnn_cuda_copy_h2d(void* dst, const void* src, size_t bytes) {
  const char* what = "rnn_cuda_copy_h2d";
  RNN_REQUIRE(bytes == 0 || (dst && src), RNN_ERR_ARG, "%s: null buffer", what);
  clear_error();
  return dev_h2d(dst, src, bytes, what);
}

int rnn_cuda_copy_d2h(void* dst, const void* src, size_t bytes) {
  const char* what = "rnn_cuda_copy_d2h";
  RNN_REQUIRE(bytes == 0 || (dst && src), RNN_ERR_ARG, "%s: null buffer", what);
  clear_error();
  return dev_d2h(dst, src, bytes, what);
}

int rnn_cuda_copy_d2d(void* dst, const void* src, size_t bytes) {
  const char* what = "rnn_cuda_copy_d2d";
  RNN_REQUIRE(bytes == 0 || (dst && src), RNN_ERR_ARG, "%s: null buffer", what);
  clear_error();
  return dev_d2d(dst, src, bytes, what);
}

int rnn_cuda_synchronize(void) {
  clear_error();
  return dev_sync("rnn_cuda_synchronize");
}

}  // extern "C"
