// cuBLAS loaded at run time (dlopen), so the library builds and runs without it. Only the few
// functions GEMM needs are declared here, with cuBLAS's v2 ABI.
#pragma once

#include <cstdint>
#include <string>

#include "gemm.h"

namespace rnn_cuda {

// dlopen (RNN_CUBLAS_PATH, else libcublas.so.13, .so.12, .so), create a handle on our stream.
// Returns false with the reason in *why.
bool cublas_load(std::string* why);
// "cuBLAS <version> (<file>)" once loaded.
std::string cublas_describe();
bool cublas_loaded();

template <class T>
int cublas_gemm(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c);

}  // namespace rnn_cuda
