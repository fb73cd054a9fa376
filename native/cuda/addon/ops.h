// Registration of the addon's kernel entry points, one function per binding file.
#pragma once

#include <napi.h>

namespace cuda_addon {

void register_ops(Napi::Env env, Napi::Object exports);    // ops.cpp: primitives
void register_fused(Napi::Env env, Napi::Object exports);  // fused.cpp: sequence, tree level, Adam

}  // namespace cuda_addon
