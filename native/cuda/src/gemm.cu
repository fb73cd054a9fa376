// GEMM dispatch: degenerate sizes, the mode (rnn_cuda_set_gemm), cuBLAS's load and self test,
// and the C entry point rnn_cuda_gemm.
#include <cmath>
#include <string>
#include <vector>

#include "gemm.h"
#include "launch.h"
#ifndef RNN_CUDA_EMULATION
#include "cublas.h"
#endif

namespace rnn_cuda {
namespace {

int g_mode = RNN_GEMM_AUTO;
bool g_cublas_ok = false;
std::string g_cublas_why = "not loaded";
std::string g_info;

// C = beta * C for K == 0 (no product to add).
template <class T>
int scale_only(const char* what, const GemmArgs& g, T beta, T* c) {
  const int64_t MN = g.m * g.n, N = g.n, ldc = g.ldc, sc = g.stride_c;
  return for_each_index(what, g.batch * MN, [=] RNN_DL(int64_t e) {
    const int64_t z = e / MN, r = e - z * MN, i = r / N, j = r - i * N;
    T* p = c + z * sc + i * ldc + j;
    *p = beta == T(0) ? T(0) : beta * *p;
  });
}

#ifndef RNN_CUDA_EMULATION
bool fits_cublas(const GemmArgs& g) {
  return fits_int(g.m) && fits_int(g.n) && fits_int(g.k) && fits_int(g.lda) && fits_int(g.ldb) && fits_int(g.ldc) &&
         fits_int(g.batch);
}

// Runs cuBLAS against the reference on a few odd shapes; any disagreement disables it.
bool self_test(std::string* why) {
  const struct { bool ta, tb; int64_t m, n, k, batch; } cases[] = {
      {false, false, 37, 29, 23, 1}, {true, false, 16, 33, 40, 1}, {false, true, 65, 7, 19, 3}, {true, true, 5, 70, 9, 2}};
  for (const auto& cs : cases) {
    GemmArgs g{cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.ta ? cs.m : cs.k, cs.tb ? cs.k : cs.n, cs.n,
               cs.m * cs.k, cs.k * cs.n, cs.m * cs.n, cs.batch};
    const int64_t na = g.batch * g.stride_a, nb = g.batch * g.stride_b, nc = g.batch * g.stride_c;
    std::vector<float> ha(static_cast<size_t>(na)), hb(static_cast<size_t>(nb)), r1(static_cast<size_t>(nc)),
        r2(static_cast<size_t>(nc));
    for (int64_t i = 0; i < na; ++i) ha[size_t(i)] = float((i * 37 % 19) - 9) / 8.0f;
    for (int64_t i = 0; i < nb; ++i) hb[size_t(i)] = float((i * 11 % 23) - 11) / 8.0f;
    Workspace<float> a(na), b(nb), c1(nc), c2(nc);
    int st = dev_h2d(a.get(), ha.data(), sizeof(float) * size_t(na), "cuBLAS self test");
    if (!st) st = dev_h2d(b.get(), hb.data(), sizeof(float) * size_t(nb), "cuBLAS self test");
    if (!st) st = cublas_gemm<float>("cuBLAS self test", g, 1.0f, a.get(), b.get(), 0.0f, c1.get());
    if (!st) st = gemm_reference<float>("cuBLAS self test", g, 1.0f, a.get(), b.get(), 0.0f, c2.get());
    if (!st) st = dev_d2h(r1.data(), c1.get(), sizeof(float) * size_t(nc), "cuBLAS self test");
    if (!st) st = dev_d2h(r2.data(), c2.get(), sizeof(float) * size_t(nc), "cuBLAS self test");
    if (st) {
      *why = std::string("self test failed: ") + rnn_cuda_last_error();
      return false;
    }
    for (int64_t i = 0; i < nc; ++i) {
      const float got = r1[size_t(i)], want = r2[size_t(i)];
      if (!(std::fabs(got - want) <= 1e-4f * (1 + std::fabs(want)))) {  // NaN fails too
        *why = "self test disagreed with the reference GEMM (ta " + std::to_string(cs.ta) + ", tb " +
               std::to_string(cs.tb) + ")";
        return false;
      }
    }
  }
  return true;
}
#endif

void describe() {
  const char* base =
#ifdef RNN_CUDA_EMULATION
      "reference (emulation)";
#else
      "built-in tiled";
#endif
  if (g_mode == RNN_GEMM_REFERENCE) g_info = "reference (one thread per output)";
  else if (g_cublas_ok && (g_mode == RNN_GEMM_AUTO || g_mode == RNN_GEMM_CUBLAS)) {
#ifndef RNN_CUDA_EMULATION
    g_info = cublas_describe();
#endif
  } else g_info = std::string(base) + " (cuBLAS: " + g_cublas_why + ")";
}

}  // namespace

int gemm_init() {
#ifndef RNN_CUDA_EMULATION
  std::string why;
  g_cublas_ok = cublas_load(&why) && self_test(&why);
  g_cublas_why = g_cublas_ok ? "" : why;
  clear_error();
#else
  g_cublas_why = "not used by the emulation build";
#endif
  describe();
  return RNN_OK;
}

template <class T>
int gemm(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return RNN_OK;
  if (g.k == 0) return scale_only<T>(what, g, beta, c);
#ifndef RNN_CUDA_EMULATION
  if (g_mode != RNN_GEMM_REFERENCE && g_mode != RNN_GEMM_TILED && g_cublas_ok && fits_cublas(g))
    return cublas_gemm<T>(what, g, alpha, a, b, beta, c);
  if (g_mode != RNN_GEMM_REFERENCE) return gemm_tiled<T>(what, g, alpha, a, b, beta, c);
#endif
  return gemm_reference<T>(what, g, alpha, a, b, beta, c);
}

template int gemm<float>(const char*, const GemmArgs&, float, const float*, const float*, float, float*);
template int gemm<double>(const char*, const GemmArgs&, double, const double*, const double*, double, double*);

}  // namespace rnn_cuda

using namespace rnn_cuda;

extern "C" {

int rnn_cuda_set_gemm(int mode) {
  RNN_REQUIRE(mode >= RNN_GEMM_AUTO && mode <= RNN_GEMM_CUBLAS, RNN_ERR_ARG, "rnn_cuda_set_gemm: unknown mode %d",
              mode);
  RNN_REQUIRE(mode != RNN_GEMM_CUBLAS || g_cublas_ok, RNN_ERR_ARG, "rnn_cuda_set_gemm: cuBLAS is not available (%s)",
              g_cublas_why.c_str());
  g_mode = mode;
  describe();
  return RNN_OK;
}

const char* rnn_cuda_gemm_info(void) { return g_info.c_str(); }

int rnn_cuda_gemm(int dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, double alpha, const void* a,
                  int64_t lda, const void* b, int64_t ldb, double beta, void* c, int64_t ldc) {
  const char* what = "rnn_cuda_gemm";
  return guarded(what, [&]() -> int {
    RNN_REQUIRE(float_dtype(dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
                dtype_name(dtype));
    RNN_REQUIRE(m >= 0 && n >= 0 && k >= 0, RNN_ERR_SHAPE, "%s: negative size", what);
    const int64_t a_cols = trans_a ? m : k, b_cols = trans_b ? k : n;
    RNN_REQUIRE(lda >= (a_cols > 1 ? a_cols : 1) && ldb >= (b_cols > 1 ? b_cols : 1) && ldc >= (n > 1 ? n : 1),
                RNN_ERR_SHAPE, "%s: a leading dimension is below its row length", what);
    if (m * n == 0) return RNN_OK;
    RNN_REQUIRE(c && ((a && b) || k == 0), RNN_ERR_ARG, "%s: null buffer", what);
    RNN_TRY(require_init(what));
    const GemmArgs g{trans_a != 0, trans_b != 0, m, n, k, lda, ldb, ldc, 0, 0, 0, 1};
    RNN_DISPATCH_FLOAT(dtype, what,
                       gemm<T>(what, g, T(alpha), static_cast<const T*>(a), static_cast<const T*>(b), T(beta),
                               static_cast<T*>(c)));
  });
}

}  // extern "C"
