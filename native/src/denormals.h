// Denormal floats (|x| < 1.2e-38) flushed to zero while our kernels run.
//
// Late in training, LSTM gradients pass through saturated gates (σ'(x) ≈ 1e-20) and products of
// such factors underflow into the denormal range, where every x86 multiply and add takes a
// microcode assist of about a hundred cycles. Measured on G2P (docs/sequence-to-sequence.md): the
// same training steps ran 2.6× slower from the weights of a 20-minute run than from a fresh
// initialisation, and as fast again with denormals flushed. The values lost are below 1.2e-38,
// far under float32's rounding of anything they are added to.
//
// FlushDenormals sets FTZ (results) and DAZ (inputs) in MXCSR for the scope of one kernel call on
// the calling thread and restores the caller's mode on exit, so JavaScript on the main thread keeps
// IEEE semantics between calls; our pool's workers run nothing but kernels and set it once.
// On non-x86 targets it is a no-op (their BLAS and compilers have their own defaults).
#pragma once

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>

namespace rnn {

constexpr unsigned kFlushDenormalBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)

inline void flush_denormals_on_this_thread() { _mm_setcsr(_mm_getcsr() | kFlushDenormalBits); }

class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushDenormalBits); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};

}  // namespace rnn

#else

namespace rnn {
inline void flush_denormals_on_this_thread() {}
class FlushDenormals {};
}  // namespace rnn

#endif
