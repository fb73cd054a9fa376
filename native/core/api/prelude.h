// Shared by the api/*.inc files (see README).
#pragma once

#include "../checks.h"
#include "../errors.h"

#define RNN_API_STR2(x) #x
#define RNN_API_STR(x) RNN_API_STR2(x)
#define RNN_API_NAME(name) RNN_API_STR(RNN_API(name))

#if !defined(RNN_API) || !defined(RNN_KERNELS) || !defined(RNN_API_READY) || !defined(RNN_API_HOST_INDICES)
#error "define RNN_API, RNN_KERNELS, RNN_API_READY and RNN_API_HOST_INDICES (the device's common.h) first"
#endif
