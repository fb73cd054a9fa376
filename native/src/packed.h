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

// n floats, 64-byte aligned, contents undefined.
inline AlignedFloats aligned_uninit(int64_t n) {
  const size_t bytes = ((static_cast<size_t>(n > 0 ? n : 1) * sizeof(float)) + 63) / 64 * 64;
  void* p = std::aligned_alloc(avx512::kAlign, bytes);
  if (!p) throw std::bad_alloc();
  return AlignedFloats(static_cast<float*>(p));
}

// Per-thread scratch that outlives a call: the fused kernels need the same multi-MB buffers on every
// call of a training loop, and a fresh allocation of that size is a fresh mmap (page faults, zeroing
// by the kernel) each time. slot: which buffer (a call uses distinct slots for what it needs at
// once); n floats, contents undefined. Buffers above kMaxCached are not kept.
enum WorkSlot { kSlotWeights = 0, kSlotBias, kSlotA, kSlotScratch, kSlotGrad, kSlotGx, kSlotGemmB, kSlotGemmA, kSlotPack, kSlotGradT, kSlotCount };
inline float* workspace(WorkSlot slot, int64_t n) {
  constexpr int64_t kMaxCached = int64_t(64) << 20;  // floats (256 MB)
  struct Cache {
    AlignedFloats buf[kSlotCount];
    int64_t cap[kSlotCount] = {};
  };
  thread_local Cache cache;
  if (n > cache.cap[slot] || (cache.cap[slot] > kMaxCached && n < cache.cap[slot] / 2)) {
    cache.buf[slot].reset();
    cache.buf[slot] = aligned_uninit(n);
    cache.cap[slot] = n;
  }
  return cache.buf[slot].get();
}

// op(W) [K, N] in gemm_rows panels: W is [N, K] when trans (C = A W^T), else [K, N]. Into `out`
// (ceil(N / 32) * K * 32 floats) when given, else a new buffer.
inline float* pack_gemm_panels(const float* W, bool trans, int64_t K, int64_t N, float* out) {
  avx512::pack_gemm(W, trans, int(K), int(N), int(trans ? K : N), out);
  return out;
}
inline int64_t gemm_panels_size(int64_t K, int64_t N) {
  constexpr int NR = avx512::kGemmNR;
  return (N + NR - 1) / NR * K * NR;
}
inline AlignedFloats pack_gemm_panels(const float* W, bool trans, int64_t K, int64_t N) {
  AlignedFloats out = aligned_uninit(gemm_panels_size(K, N));
  pack_gemm_panels(W, trans, K, N, out.get());
  return out;
}

// [W_ih | W_hh] of an LSTM (each [4H, I] / [4H, H], gates i f g o) in lstm_fwd_step panels, into
// `out` (lstm_panels_size floats); I = 0 packs W_hh alone.
inline int64_t lstm_panels_size(int64_t I, int64_t H) { return (H + 15) / 16 * (I + H) * avx512::kLstmNR; }
inline float* pack_lstm_panels(const float* w_ih, const float* w_hh, int64_t I, int64_t H, float* out) {
  avx512::pack_gated(w_ih, w_hh, int(I), int(H), 4, out);  // writes every element, padding included
  return out;
}

// The G gate biases (each G*H long, gates in order) in the panel order of pack_gated: 16G floats per
// panel of 16 units, zeros past H. b2, when given, is added to b1 (the LSTM's b_ih + b_hh).
inline float* pack_gated_bias(const float* b1, const float* b2, int64_t H, int G, float* out) {
  const int64_t NR = 16 * G, panels = (H + 15) / 16;
  std::memset(out, 0, sizeof(float) * static_cast<size_t>(panels * NR));
  for (int64_t q = 0; q < panels; ++q)
    for (int g = 0; g < G; ++g)
      for (int64_t l = 0; l < 16 && 16 * q + l < H; ++l) {
        const int64_t j = g * H + 16 * q + l;
        out[q * NR + 16 * g + l] = b2 ? b1[j] + b2[j] : b1[j];
      }
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
        abuf_ = aligned_uninit(M * avx512::a_stride(int(K)));
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
