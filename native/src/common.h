// What every CPU kernel file includes: the shared core's errors, checks and dispatch (native/core),
// and the macros under which the shared C entry points (core/api/*.inc) are compiled for the CPU.
#pragma once

#include <cstdint>

#include "core/checks.h"
#include "core/errors.h"
#include "core/scalar.h"
#include "rnn_native.h"

// core/api/*.inc: exported as rnn_*, kernels from namespace rnn, nothing to initialise, and index
// values live in host memory, so they are checked before anything is written.
#define RNN_API(name) rnn_##name
#define RNN_KERNELS rnn
#define RNN_API_READY(what) RNN_OK
#define RNN_API_HOST_INDICES 1
