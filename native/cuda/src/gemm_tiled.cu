// The built-in SGEMM/DGEMM: 64x64 output tiles, 16-deep K slices staged in shared memory, each of
// 256 threads accumulating a 4x4 block in registers. Loads are arranged so consecutive threads
// read consecutive addresses for every transpose combination; edges are zero-filled, so any
// M, N, K and leading dimension works. Correctness first: cuBLAS, when it loads, is faster.
#include "gemm.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

constexpr int BM = 64, BN = 64, BK = 16, THREADS = 256;

template <class T, bool TA, bool TB>
__global__ void __launch_bounds__(THREADS)
    k_gemm_tiled(int64_t M, int64_t N, int64_t K, T alpha, const T* __restrict__ A, int64_t lda, int64_t sa,
                 const T* __restrict__ B, int64_t ldb, int64_t sb, T beta, T* __restrict__ C, int64_t ldc,
                 int64_t sc, int64_t row0) {
  __shared__ T As[BK][BM + 4];  // padded: the k-fastest stores of the non-transposed loads conflict less
  __shared__ T Bs[BK][BN + 4];
  const int64_t z = blockIdx.z;
  A += z * sa;
  B += z * sb;
  C += z * sc;
  const int t = threadIdx.x, tx = t % 16, ty = t / 16;
  const int64_t i0 = row0 + int64_t(blockIdx.y) * BM, j0 = int64_t(blockIdx.x) * BN;
  T acc[4][4];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int q = 0; q < 4; ++q) acc[r][q] = T(0);

  for (int64_t k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int e = t + THREADS * q;
      const int ii = TA ? e % BM : e / BK, kk = TA ? e / BM : e % BK;
      const int64_t gi = i0 + ii, gk = k0 + kk;
      T v = T(0);
      if (gi < M && gk < K) v = TA ? A[gk * lda + gi] : A[gi * lda + gk];
      As[kk][ii] = v;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int e = t + THREADS * q;
      const int jj = TB ? e / BK : e % BN, kk = TB ? e % BK : e / BN;
      const int64_t gj = j0 + jj, gk = k0 + kk;
      T v = T(0);
      if (gj < N && gk < K) v = TB ? B[gj * ldb + gk] : B[gk * ldb + gj];
      Bs[kk][jj] = v;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T av[4], bv[4];
#pragma unroll
      for (int r = 0; r < 4; ++r) av[r] = As[kk][ty + 16 * r];
#pragma unroll
      for (int q = 0; q < 4; ++q) bv[q] = Bs[kk][tx + 16 * q];
#pragma unroll
      for (int r = 0; r < 4; ++r)
#pragma unroll
        for (int q = 0; q < 4; ++q) acc[r][q] += av[r] * bv[q];
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int64_t i = i0 + ty + 16 * r;
    if (i >= M) continue;
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int64_t j = j0 + tx + 16 * q;
      if (j >= N) continue;
      T* p = C + i * ldc + j;
      *p = beta == T(0) ? alpha * acc[r][q] : alpha * acc[r][q] + beta * *p;
    }
  }
}

template <class T, bool TA, bool TB>
int launch_tiled(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c) {
  constexpr int64_t kMaxY = 65535, kMaxZ = 65535;
  const int64_t row_tiles = (g.m + BM - 1) / BM;
  const unsigned gx = static_cast<unsigned>((g.n + BN - 1) / BN);
  for (int64_t z0 = 0; z0 < g.batch; z0 += kMaxZ) {
    const int64_t nz = g.batch - z0 < kMaxZ ? g.batch - z0 : kMaxZ;
    for (int64_t y0 = 0; y0 < row_tiles; y0 += kMaxY) {
      const int64_t ny = row_tiles - y0 < kMaxY ? row_tiles - y0 : kMaxY;
      k_gemm_tiled<T, TA, TB><<<dim3(gx, unsigned(ny), unsigned(nz)), THREADS, 0, stream()>>>(
          g.m, g.n, g.k, alpha, a + z0 * g.stride_a, g.lda, g.stride_a, b + z0 * g.stride_b, g.ldb, g.stride_b, beta,
          c + z0 * g.stride_c, g.ldc, g.stride_c, y0 * BM);
      RNN_TRY(after_launch(what));
    }
  }
  return RNN_OK;
}

}  // namespace

template <class T>
int gemm_tiled(const char* what, const GemmArgs& g, T alpha, const T* a, const T* b, T beta, T* c) {
  if (g.ta) return g.tb ? launch_tiled<T, true, true>(what, g, alpha, a, b, beta, c)
                        : launch_tiled<T, true, false>(what, g, alpha, a, b, beta, c);
  return g.tb ? launch_tiled<T, false, true>(what, g, alpha, a, b, beta, c)
              : launch_tiled<T, false, false>(what, g, alpha, a, b, beta, c);
}

template int gemm_tiled<float>(const char*, const GemmArgs&, float, const float*, const float*, float, float*);
template int gemm_tiled<double>(const char*, const GemmArgs&, double, const double*, const double*, double, double*);

}  // namespace rnn_cuda
