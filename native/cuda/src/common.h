// What every file of the CUDA library includes: the shared core's errors, checks and dispatch
// (native/core, the same as the CPU library's), compiled by nvcc and, for the emulation build, by
// the host C++ compiler; and the macros under which the shared C entry points (core/api/*.inc) are
// compiled for CUDA. Host code only; device-side helpers live in launch.h and core/scalar.h.
#pragma once

#include <cstdint>

#include "core/checks.h"
#include "core/errors.h"
#include "rnn_cuda.h"

namespace rnn_cuda {

// The core's helpers (fail, guarded, check_shape, Strided, the cells...) under this library's names.
using namespace ::rnn;

}  // namespace rnn_cuda

// core/api/*.inc: exported as rnn_cuda_*, kernels from namespace rnn_cuda, the device must be
// initialised, and index values live in device memory (checked by the kernels, see rnn_cuda.h).
#define RNN_API(name) rnn_cuda_##name
#define RNN_KERNELS rnn_cuda
#define RNN_API_READY(what) ::rnn_cuda::require_init(what)
#define RNN_API_HOST_INDICES 0

namespace rnn_cuda {
int require_init(const char* what);
}
