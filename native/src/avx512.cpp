// AVX-512 step kernels (see avx512.h for the layouts and the ODR rule of this file).
//
// gemm_rows / the LSTM step are register-blocked outer products: a tile of MR rows x NV zmm columns
// of accumulators, one packed weight row loaded per k and each A element broadcast from memory. The
// weights are packed once per sequence, so the per-step cost is the FMAs alone (OpenBLAS re-packs
// both operands on every call, which for a 64 x 512 x 128 step is a third of its time).
//
// The activations are the vector form of fastmath.h (same polynomials, same clamps), so the fused
// step agrees with the scalar gate pass to a few ulp and NaN propagates the same way.
#include "avx512.h"

// GCC 12's AVX-512 intrinsics initialise their pass-through operand with itself (_mm512_undefined_ps),
// which -Wall reports at every inlined call: a known false positive.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#if !defined(__AVX512F__)
// Not an x86-64 build with the AVX-512 flags (CMakeLists.txt): use_avx512() is false, so these are
// never called.
#include <cstdlib>
namespace rnn {
namespace avx512 {
int a_stride(int) { std::abort(); }
void gemm_rows(int, const float* const*, int, const float*, int, float* const*, bool, float*) { std::abort(); }
void lstm_fwd_step(const LstmStep&) { std::abort(); }
void pack_lstm(const float*, const float*, int, int, float*) { std::abort(); }
void lstm_bwd_row(int, const float*, const float*, const float*, const float*, const float*, float*, float*) {
  std::abort();
}
}  // namespace avx512
}  // namespace rnn
#else
#include <immintrin.h>

namespace rnn {
namespace avx512 {
namespace {

#define RNN_AI inline __attribute__((always_inline))

RNN_AI __m512 v(float x) { return _mm512_set1_ps(x); }

RNN_AI __m512 exp_v(__m512 x) {
  // max/min return their second operand when either is NaN: NaN passes through the clamps.
  x = _mm512_max_ps(v(-87.0f), x);
  x = _mm512_min_ps(v(88.0f), x);
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, v(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, v(0.693359375f), x);
  r = _mm512_fnmadd_ps(k, v(-2.12194440e-4f), r);
  __m512 p = v(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, v(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, v(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, v(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, v(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, v(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, v(1.0f)));
  return _mm512_scalef_ps(p, k);
}

// 1 / d by the 14-bit estimate and one Newton step (about 1 ulp; the divider would be the
// bottleneck of the gate pass: five divisions per 16 units of an LSTM step).
RNN_AI __m512 recip_v(__m512 d) {
  const __m512 y = _mm512_rcp14_ps(d);
  return _mm512_mul_ps(y, _mm512_fnmadd_ps(d, y, v(2.0f)));
}

RNN_AI __m512 sigmoid_v(__m512 x) {
  return recip_v(_mm512_add_ps(v(1.0f), exp_v(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

RNN_AI __m512 tanh_v(__m512 x) {
  const __m512 a = _mm512_abs_ps(x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = v(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, z, v(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, z, v(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, z, v(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, z, v(-3.33332819422e-1f));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  __m512 big = _mm512_fnmadd_ps(v(2.0f), recip_v(_mm512_add_ps(exp_v(_mm512_add_ps(a, a)), v(1.0f))), v(1.0f));
  // copy x's sign onto big (x < 0 -> -big); NaN x: big is NaN already
  big = _mm512_castsi512_ps(_mm512_or_si512(
      _mm512_castps_si512(big), _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(int(0x80000000u)))));
  // a < 0.625 is false for NaN, so NaN takes `big` (NaN) like the scalar version
  const __mmask16 use_small = _mm512_cmp_ps_mask(a, v(0.625f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(use_small, big, small);
}

RNN_AI __mmask16 tail_mask(int n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1u); }

// acc[i][j] += sum_k a[i * lda + k] * bp[k * 16NV + 16j .. +16], k < K.
template <int MR, int NV>
RNN_AI void outer(__m512 (&acc)[MR][NV], int K, const float* a, int lda, const float* bp) {
  constexpr int NR = 16 * NV;
  for (int k = 0; k < K; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) b[j] = _mm512_load_ps(bp + k * NR + 16 * j);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 x = _mm512_set1_ps(a[i * lda + k]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(x, b[j], acc[i][j]);
    }
  }
}

// Copies n floats (the A rows are gathered into one buffer before a step's product: rows taken
// straight from a [B, T, H] tensor sit a multiple of 4 KiB apart for many shapes, e.g. T*H = 25600,
// and then all share one set of the L1 cache).
RNN_AI void copy_floats(float* dst, const float* src, int n) {
  int j = 0;
  for (; j + 16 <= n; j += 16) _mm512_storeu_ps(dst + j, _mm512_loadu_ps(src + j));
  if (j < n) _mm512_mask_storeu_ps(dst + j, tail_mask(n - j), _mm512_maskz_loadu_ps(tail_mask(n - j), src + j));
}

template <int MR>
void gemm_tile(int k0, int k1, const float* a, int lda, const float* pp, int n0, int ncols, float* const* c,
               bool accumulate) {
  constexpr int NV = kGemmNR / 16;
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  outer<MR, NV>(acc, k1 - k0, a + k0, lda, pp + static_cast<int64_t>(k0) * kGemmNR);
  __mmask16 m[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) m[j] = ncols - 16 * j <= 0 ? __mmask16(0) : tail_mask(ncols - 16 * j);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      float* cp = c[i] + n0 + 16 * j;
      __m512 r = acc[i][j];
      if (accumulate) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m[j], cp));
      _mm512_mask_storeu_ps(cp, m[j], r);
    }
}

// Rows r0 .. r0+MR of the LSTM step for units 16q .. 16q+15 and the depth block [k0, k1) of [x | h].
// The first block starts from the bias, later ones from the partial sums in s.scratch; the last one
// applies the gates instead of saving the sums.
template <int MR>
void lstm_tile(const LstmStep& s, int r0, int q, int k0, int k1) {
  const int I = s.I, H = s.H, j0 = 16 * q;
  const __mmask16 m = tail_mask(H - j0);
  const float* wp = s.w + static_cast<int64_t>(q) * (I + H) * kLstmNR;
  float* scratch = s.scratch + static_cast<int64_t>(r0) * kLstmNR;
  __m512 acc[MR][4];
  const float* bias = s.bias + q * kLstmNR;
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int g = 0; g < 4; ++g)
      acc[i][g] = _mm512_load_ps(k0 == 0 ? bias + 16 * g : scratch + i * kLstmNR + 16 * g);
  const int lda = s.a_stride;
  outer<MR, 4>(acc, k1 - k0, s.a_buf + static_cast<int64_t>(r0) * lda + k0, lda,
               wp + static_cast<int64_t>(k0) * kLstmNR);
  if (k1 < I + H) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) _mm512_store_ps(scratch + i * kLstmNR + 16 * g, acc[i][g]);
    return;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    const int r = r0 + i;
    const __m512 ig = sigmoid_v(acc[i][0]);
    const __m512 fg = sigmoid_v(acc[i][1]);
    const __m512 gg = tanh_v(acc[i][2]);
    const __m512 og = sigmoid_v(acc[i][3]);
    const __m512 cp = _mm512_maskz_loadu_ps(m, s.c_in[r] + j0);
    const __m512 cn = _mm512_fmadd_ps(fg, cp, _mm512_mul_ps(ig, gg));
    const __m512 hn = _mm512_mul_ps(og, tanh_v(cn));
    if (s.hprev) _mm512_mask_storeu_ps(s.hprev[r] + j0, m, _mm512_maskz_loadu_ps(m, s.a_buf + int64_t(r) * lda + I + j0));
    _mm512_mask_storeu_ps(s.c_out[r] + j0, m, cn);
    _mm512_mask_storeu_ps(s.h_out[r] + j0, m, hn);
    if (s.gates) {
      float* gt = s.gates[r] + j0;
      _mm512_mask_storeu_ps(gt, m, ig);
      _mm512_mask_storeu_ps(gt + H, m, fg);
      _mm512_mask_storeu_ps(gt + 2 * H, m, gg);
      _mm512_mask_storeu_ps(gt + 3 * H, m, og);
    }
  }
}

// Calls f.template run<R>(r) over rows in tiles of at most MR rows, as even as possible (32 rows in
// tiles of 6 would leave a 2-row tile that runs at a third of the speed; 5,5,5,5,6,6 does not).
template <int MR, class F>
RNN_AI void tile_rows(int r, int n, const F& f) {
  switch (n) {
#define RNN_TILE(k)                                  \
  case k:                                            \
    if constexpr (k <= MR) f.template run<k>(r);     \
    break;
    RNN_TILE(1) RNN_TILE(2) RNN_TILE(3) RNN_TILE(4) RNN_TILE(5) RNN_TILE(6) RNN_TILE(7) RNN_TILE(8) RNN_TILE(9)
    RNN_TILE(10) RNN_TILE(11) RNN_TILE(12)
#undef RNN_TILE
    default: break;
  }
}

template <int MR, class F>
RNN_AI void for_row_tiles(int rows, const F& f) {
  const int tiles = (rows + MR - 1) / MR;
  for (int t = 0, r = 0; t < tiles; ++t) {
    const int n = (rows - r) / (tiles - t);  // the remaining rows spread over the remaining tiles
    tile_rows<MR>(r, n, f);
    r += n;
  }
}

// Depth blocks: a block of packed weights (k rows of a panel) should stay in L1 while every row tile
// streams it; at most kMaxBlockBytes, split evenly.
constexpr int kMaxBlockBytes = 36 * 1024;
RNN_AI int depth_blocks(int K, int bytes_per_k) {
  const int max_k = kMaxBlockBytes / bytes_per_k;
  return K <= max_k ? 1 : (K + max_k - 1) / max_k;
}

struct GemmTiles {
  int k0, k1;
  const float* a;
  int lda;
  const float* pp;
  int n0, ncols;
  float* const* c;
  bool accumulate;
  template <int MR>
  void run(int r) const {
    gemm_tile<MR>(k0, k1, a + static_cast<int64_t>(r) * lda, lda, pp, n0, ncols, c + r, accumulate);
  }
};

struct LstmTiles {
  const LstmStep& s;
  int q, k0, k1;
  template <int MR>
  void run(int r) const {
    lstm_tile<MR>(s, r, q, k0, k1);
  }
};

}  // namespace

int a_stride(int K) { return (K + 15) / 16 * 16 + 16; }

void gemm_rows(int rows, const float* const* a, int K, const float* bp, int N, float* const* c, bool accumulate,
               float* a_buf) {
  const int lda = a_stride(K);
  for (int r = 0; r < rows; ++r) copy_floats(a_buf + static_cast<int64_t>(r) * lda, a[r], K);
  const int panels = (N + kGemmNR - 1) / kGemmNR;
  const int blocks = depth_blocks(K, kGemmNR * 4);
  for (int p = 0; p < panels; ++p) {
    const float* pp = bp + static_cast<int64_t>(p) * K * kGemmNR;
    const int n0 = p * kGemmNR, ncols = N - n0;
    for (int kb = 0; kb < blocks; ++kb) {
      const int k0 = int(int64_t(K) * kb / blocks), k1 = int(int64_t(K) * (kb + 1) / blocks);
      for_row_tiles<12>(rows, GemmTiles{k0, k1, a_buf, lda, pp, n0, ncols, c, accumulate || kb > 0});
    }
  }
}

void lstm_fwd_step(const LstmStep& s) {
  const int panels = (s.H + 15) / 16, K = s.I + s.H;
  for (int r = 0; r < s.rows; ++r) {
    float* row = s.a_buf + static_cast<int64_t>(r) * s.a_stride;
    copy_floats(row, s.x[r], s.I);
    copy_floats(row + s.I, s.h[r], s.H);
  }
  const int blocks = depth_blocks(K, kLstmNR * 4);
  for (int q = 0; q < panels; ++q)
    for (int kb = 0; kb < blocks; ++kb) {
      const int k0 = int(int64_t(K) * kb / blocks), k1 = int(int64_t(K) * (kb + 1) / blocks);
      for_row_tiles<6>(s.rows, LstmTiles{s, q, k0, k1});
    }
}

void pack_lstm(const float* w_ih, const float* w_hh, int I, int H, float* out) {
  const int panels = (H + 15) / 16, K = I + H;
  for (int q = 0; q < panels; ++q) {
    float* dst = out + static_cast<int64_t>(q) * K * kLstmNR;
    const __mmask16 m = tail_mask(H - 16 * q);
    for (int g = 0; g < 4; ++g) {
      // lane l reads row g*H + 16q + l of W_ih / W_hh: one gather per k
      const int64_t unit0 = static_cast<int64_t>(g) * H + 16 * q;
      const __m512i rows_i = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                _mm512_set1_epi32(I));
      const __m512i rows_h = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                _mm512_set1_epi32(H));
      for (int k = 0; k < I; ++k)
        _mm512_store_ps(dst + static_cast<int64_t>(k) * kLstmNR + 16 * g,
                        _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, rows_i, w_ih + unit0 * I + k, 4));
      for (int k = 0; k < H; ++k)
        _mm512_store_ps(dst + static_cast<int64_t>(I + k) * kLstmNR + 16 * g,
                        _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, rows_h, w_hh + unit0 * H + k, 4));
    }
  }
}

void lstm_bwd_row(int H, const float* gates, const float* c_t, const float* c_prev, const float* dh,
                  const float* dy, float* dc, float* dg) {
  const __m512 one = v(1.0f);
  for (int j = 0; j < H; j += 16) {
    const __mmask16 m = tail_mask(H - j);
    const __m512 i = _mm512_maskz_loadu_ps(m, gates + j), f = _mm512_maskz_loadu_ps(m, gates + H + j);
    const __m512 g = _mm512_maskz_loadu_ps(m, gates + 2 * H + j), o = _mm512_maskz_loadu_ps(m, gates + 3 * H + j);
    const __m512 tc = tanh_v(_mm512_maskz_loadu_ps(m, c_t + j));
    __m512 dhj = _mm512_maskz_loadu_ps(m, dh + j);
    if (dy) dhj = _mm512_add_ps(dhj, _mm512_maskz_loadu_ps(m, dy + j));
    const __m512 dct = _mm512_add_ps(_mm512_maskz_loadu_ps(m, dc + j),
                                     _mm512_mul_ps(_mm512_mul_ps(dhj, o), _mm512_fnmadd_ps(tc, tc, one)));
    const __m512 di = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(dct, g), i), _mm512_sub_ps(one, i));
    const __m512 df = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(dct, _mm512_maskz_loadu_ps(m, c_prev + j)), f),
                                    _mm512_sub_ps(one, f));
    const __m512 dgg = _mm512_mul_ps(_mm512_mul_ps(dct, i), _mm512_fnmadd_ps(g, g, one));
    const __m512 dout = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(dhj, tc), o), _mm512_sub_ps(one, o));
    _mm512_mask_storeu_ps(dc + j, m, _mm512_mul_ps(dct, f));
    _mm512_mask_storeu_ps(dg + j, m, di);
    _mm512_mask_storeu_ps(dg + H + j, m, df);
    _mm512_mask_storeu_ps(dg + 2 * H + j, m, dgg);
    _mm512_mask_storeu_ps(dg + 3 * H + j, m, dout);
  }
}

}  // namespace avx512
}  // namespace rnn
#endif  // __AVX512F__
