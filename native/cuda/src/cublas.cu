// cuBLAS through dlopen. Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, so each
// call swaps the operands and passes the row-major leading dimensions unchanged. Default math mode
// (no TF32), so float32 results match the tiled kernel to rounding.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "cublas.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

using Handle = void*;
enum { kOpN = 0, kOpT = 1 };
using CreateFn = int (*)(Handle*);
using SetStreamFn = int (*)(Handle, cudaStream_t);
using GetVersionFn = int (*)(Handle, int*);
using SgemmFn = int (*)(Handle, int, int, int, int, int, const float*, const float*, int, const float*, int,
                        const float*, float*, int);
using DgemmFn = int (*)(Handle, int, int, int, int, int, const double*, const double*, int, const double*, int,
                        const double*, double*, int);
using SgemmBatchedFn = int (*)(Handle, int, int, int, int, int, const float*, const float*, int, long long,
                               const float*, int, long long, const float*, float*, int, long long, int);
using DgemmBatchedFn = int (*)(Handle, int, int, int, int, int, const double*, const double*, int, long long,
                               const double*, int, long long, const double*, double*, int, long long, int);

struct Api {
  void* lib = nullptr;
  Handle handle = nullptr;
  std::string file;
  int version = 0;
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  SgemmBatchedFn sgemm_batched = nullptr;
  DgemmBatchedFn dgemm_batched = nullptr;
};
Api g_api;

template <class F>
bool sym(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

inline int op(bool t) { return t ? kOpT : kOpN; }

// One GEMM (batch 1) or a strided batch: the row-major C = op(A) op(B) as cuBLAS's column-major Cᵀ = op(B)ᵀ op(A)ᵀ.
template <class T, class Gemm, class Batched>
int call_with(Gemm gemm, Batched batched, const GemmArgs& g, const T* alpha, const T* a, const T* b, const T* beta,
              T* c) {
  if (g.batch == 1)
    return gemm(g_api.handle, op(g.tb), op(g.ta), int(g.n), int(g.m), int(g.k), alpha, b, int(g.ldb), a, int(g.lda),
                beta, c, int(g.ldc));
  return batched(g_api.handle, op(g.tb), op(g.ta), int(g.n), int(g.m), int(g.k), alpha, b, int(g.ldb), g.stride_b, a,
                 int(g.lda), g.stride_a, beta, c, int(g.ldc), g.stride_c, int(g.batch));
}

int call(const GemmArgs& g, const float* alpha, const float* a, const float* b, const float* beta, float* c) {
  return call_with(g_api.sgemm, g_api.sgemm_batched, g, alpha, a, b, beta, c);
}

int call(const GemmArgs& g, const double* alpha, const double* a, const double* b, const double* beta, double* c) {
  return call_with(g_api.dgemm, g_api.dgemm_batched, g, alpha, a, b, beta, c);
}

}  // namespace

bool cublas_load(std::string* why) {
  const char* env = std::getenv("RNN_CUDA_CUBLAS");
  if (env && std::string(env) == "0") {
    *why = "disabled by RNN_CUDA_CUBLAS=0";
    return false;
  }
  const char* path = std::getenv("RNN_CUBLAS_PATH");
  const char* names[] = {path, "libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  std::string tried;
  for (const char* n : names) {
    if (!n || !*n) continue;
    void* lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      tried += std::string(tried.empty() ? "" : ", ") + n;
      continue;
    }
    Api api;
    api.lib = lib;
    api.file = n;
    CreateFn create;
    SetStreamFn set_stream;
    GetVersionFn get_version;
    const bool ok = sym(lib, "cublasCreate_v2", &create) && sym(lib, "cublasSetStream_v2", &set_stream) &&
                    sym(lib, "cublasGetVersion_v2", &get_version) && sym(lib, "cublasSgemm_v2", &api.sgemm) &&
                    sym(lib, "cublasDgemm_v2", &api.dgemm) &&
                    sym(lib, "cublasSgemmStridedBatched", &api.sgemm_batched) &&
                    sym(lib, "cublasDgemmStridedBatched", &api.dgemm_batched);
    if (!ok) {
      *why = std::string(n) + " lacks a cuBLAS v2 function";
      dlclose(lib);
      return false;
    }
    int st = create(&api.handle);
    if (st != 0) {
      *why = std::string("cublasCreate failed with status ") + std::to_string(st) + " (" + n + ")";
      dlclose(lib);
      return false;
    }
    set_stream(api.handle, stream());
    get_version(api.handle, &api.version);
    g_api = api;  // the handle lives for the process (destroying it at exit races the driver's teardown)
    return true;
  }
  *why = "not found (tried " + tried + "; set RNN_CUBLAS_PATH to libcublas.so.*)";
  return false;
}

bool cublas_loaded() { return g_api.handle != nullptr; }

std::string cublas_describe() { return "cuBLAS " + std::to_string(g_api.version) + " (" + g_api.file + ")"; }

template <class T>
int cublas_gemm(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c) {
  // The int arguments must fit; callers fall back to the tiled kernel when they do not.
  const int st = call(g, &alpha, a, b, &beta, c);
  RNN_REQUIRE(st == 0, RNN_ERR_DEVICE, "%s: cuBLAS gemm failed with status %d (m %lld n %lld k %lld batch %lld)",
              what, st, (long long)g.m, (long long)g.n, (long long)g.k, (long long)g.batch);
  return after_launch(what);
}

template int cublas_gemm<float>(const char*, const GemmArgs&, float, const float*, const float*, float, float*);
template int cublas_gemm<double>(const char*, const GemmArgs&, double, const double*, const double*, double,
                                 double*);

}  // namespace rnn_cuda
