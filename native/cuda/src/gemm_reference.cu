// The reference GEMM: one thread per output element, summed in double. The emulation build's GEMM,
// and on the GPU the yardstick the tests hold the tiled kernel and cuBLAS to.
#include "gemm.h"
#include "launch.h"

namespace rnn_cuda {

template <class T>
int gemm_reference(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c) {
  const int64_t N = g.n, K = g.k, MN = g.m * g.n;
  const int64_t lda = g.lda, ldb = g.ldb, ldc = g.ldc, sa = g.stride_a, sb = g.stride_b, sc = g.stride_c;
  const bool ta = g.ta, tb = g.tb;
  return for_each_index(what, g.batch * MN, [=] RNN_DL(int64_t e) {
    const int64_t z = e / MN, r = e - z * MN, i = r / N, j = r - i * N;
    const T* az = a + z * sa;
    const T* bz = b + z * sb;
    double acc = 0;
    for (int64_t k = 0; k < K; ++k) {
      const double av = static_cast<double>(ta ? az[k * lda + i] : az[i * lda + k]);
      const double bv = static_cast<double>(tb ? bz[j * ldb + k] : bz[k * ldb + j]);
      acc += av * bv;
    }
    T* cp = c + z * sc + i * ldc + j;
    double v = static_cast<double>(alpha) * acc;
    if (beta != T(0)) v += static_cast<double>(beta) * static_cast<double>(*cp);
    *cp = static_cast<T>(v);
  });
}

template int gemm_reference<float>(const char*, const GemmArgs&, float, const float*, const float*, float, float*);
template int gemm_reference<double>(const char*, const GemmArgs&, double, const double*, const double*, double,
                                    double*);

}  // namespace rnn_cuda
