// Weights packed once per call for the AVX-512 step kernels (layouts in avx512.h), and StepGemm: the
// per-step recurrent product, on the packed kernel where it may run and on BLAS otherwise.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "avx512.h"
#include "blas.h"
#include "parallel.h"

namespace rnn {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;

// n floats, 64-byte aligned, zero-filled (the padding lanes of a panel must be zero).
inline AlignedFloats aligned_zeros(int64_t n) {
  const size_t bytes = ((static_cast<size_t>(n > 0 ? n : 1) * sizeof(float)) + 63) / 64 * 64;
  void* p = std::aligned_alloc(avx512::kAlign, bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return AlignedFloats(static_cast<float*>(p));
}

// op(W) [K, N] in gemm_rows panels: W is [N, K] when trans (C = A W^T), else [K, N].
inline AlignedFloats pack_gemm_panels(const float* W, bool trans, int64_t K, int64_t N) {
  constexpr int NR = avx512::kGemmNR;
  const int64_t panels = (N + NR - 1) / NR;
  AlignedFloats out = aligned_zeros(panels * K * NR);
  for (int64_t p = 0; p < panels; ++p) {
    float* dst = out.get() + p * K * NR;
    const int64_t n0 = p * NR, nc = N - n0 < NR ? N - n0 : NR;
    for (int64_t k = 0; k < K; ++k)
      for (int64_t l = 0; l < nc; ++l) dst[k * NR + l] = trans ? W[(n0 + l) * K + k] : W[k * N + n0 + l];
  }
  return out;
}

// [W_ih | W_hh] of an LSTM (each [4H, I] / [4H, H], gates i f g o) in lstm_fwd_step panels.
inline AlignedFloats pack_lstm_panels(const float* w_ih, const float* w_hh, int64_t I, int64_t H) {
  AlignedFloats out = aligned_zeros((H + 15) / 16 * (I + H) * avx512::kLstmNR);
  avx512::pack_lstm(w_ih, w_hh, int(I), int(H), out.get());
  return out;
}

inline AlignedFloats pack_lstm_bias(const float* b_ih, const float* b_hh, int64_t H) {
  constexpr int NR = avx512::kLstmNR;
  const int64_t panels = (H + 15) / 16;
  AlignedFloats out = aligned_zeros(panels * NR);
  for (int64_t q = 0; q < panels; ++q)
    for (int g = 0; g < 4; ++g)
      for (int64_t l = 0; l < 16 && 16 * q + l < H; ++l)
        out[q * NR + 16 * g + l] = b_ih[g * H + 16 * q + l] + b_hh[g * H + 16 * q + l];
  return out;
}

// C[M, N] = A[M, K] op(W) (+ C), A and C contiguous rows; op(W) = W^T when trans (W is [N, K]).
// float with AVX-512: W packed once here, each run() is the packed kernel; otherwise BLAS gemm.
template <class T>
class StepGemm {
 public:
  StepGemm(int64_t M, int64_t K, int64_t N, const T* W, bool trans) : M_(M), K_(K), N_(N), W_(W), trans_(trans) {
    if constexpr (std::is_same_v<T, float>) {
      if (use_avx512() && M > 0 && N > 0 && K > 0) {
        packed_ = pack_gemm_panels(W, trans, K, N);
        a_.resize(static_cast<size_t>(M));
        c_.resize(static_cast<size_t>(M));
        abuf_ = aligned_zeros(M * avx512::a_stride(int(K)));
      }
    }
  }

  void run(const T* A, T* C, bool accumulate) {
    if constexpr (std::is_same_v<T, float>) {
      if (packed_) {
        for (int64_t i = 0; i < M_; ++i) {
          a_[i] = A + i * K_;
          c_[i] = C + i * N_;
        }
        avx512::gemm_rows(int(M_), a_.data(), int(K_), packed_.get(), int(N_), c_.data(), accumulate, abuf_.get());
        return;
      }
    }
    gemm(false, trans_, int(M_), int(N_), int(K_), T(1), A, int(K_), W_, int(trans_ ? K_ : N_),
         accumulate ? T(1) : T(0), C, int(N_));
  }

 private:
  int64_t M_, K_, N_;
  const T* W_;
  bool trans_;
  AlignedFloats packed_, abuf_;
  std::vector<const float*> a_;
  std::vector<float*> c_;
};

}  // namespace rnn
