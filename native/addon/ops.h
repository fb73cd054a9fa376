// Registration of the addon's entry points, one function per binding file.
#pragma once

#include <napi.h>

namespace addon {

void register_ops(Napi::Env env, Napi::Object exports);       // ops.cpp: primitives
void register_sequence(Napi::Env env, Napi::Object exports);  // sequence.cpp: sequenceForward/Backward
void register_tree(Napi::Env env, Napi::Object exports);      // tree.cpp: treeLevelForward/Backward
void register_adam(Napi::Env env, Napi::Object exports);      // adam.cpp: adamStep

}  // namespace addon
