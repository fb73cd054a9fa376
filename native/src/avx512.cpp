// AVX-512 step kernels (see avx512.h for the layouts and the ODR rule of this file).
//
// gemm_rows / the LSTM step are register-blocked outer products: a tile of MR rows x NV zmm columns
// of accumulators, one packed weight row loaded per k and each A element broadcast from memory. The
// weights are packed once per sequence, so the per-step cost is the FMAs alone (OpenBLAS re-packs
// both operands on every call, which for a 64 x 512 x 128 step is a third of its time).
//
// The activations: exp (so sigmoid) is the vector form of fastmath.h's (same polynomial, same clamps);
// tanh is a rational approximation (tanh_v below). Both agree with libm to a few ulp, and NaN
// propagates as in the scalar gate pass.
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
void set_blocking(const Blocking&) {}
void gemm_rows(int, const float* const*, int, const float*, int, float* const*, bool, float*) { std::abort(); }
void lstm_fwd_step(const LstmStep&) { std::abort(); }
void pack_gated(const float*, const float*, int, int, int, float*) { std::abort(); }
void gru_fwd_step(const GruStep&) { std::abort(); }
void column_sums(const float*, int64_t, int, int64_t, double*, float*) { std::abort(); }
void pack_gemm(const float*, bool, int, int, int, float*) { std::abort(); }
void pack_gemm_sums(const float*, int, int, int, float*, float*) { std::abort(); }
void gemm_packed(bool, int, int, const float*, int, const float*, int, float*, int, bool, float*) { std::abort(); }
void lstm_bwd_row(int, const float*, const float*, const float*, const float*, const float*, float*, float*) {
  std::abort();
}
}  // namespace avx512
}  // namespace rnn
#else
#include <immintrin.h>

#include <algorithm>
#include <vector>

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

// tanh as Eigen's rational approximation x P(x^2) / Q(x^2) on [-7.9, 7.9] (odd degree 13 over even
// degree 6), the division by the reciprocal estimate and one Newton step: about 20 operations where
// the exp-based form costs 30, and accurate near zero (no 1 - 2/(e^2x + 1) cancellation). Measured
// against libm's tanh in double over [-12, 12]: at most 3.3e-7 relative (about 6 ulp); beyond the
// clamp the result is 0.99999976 (1 - 4 ulp). NaN propagates through the clamps.
RNN_AI __m512 tanh_v(__m512 a) {
  const __m512 x = _mm512_max_ps(v(-7.90531110763549805f), _mm512_min_ps(v(7.90531110763549805f), a));
  const __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_fmadd_ps(x2, v(-2.76076847742355e-16f), v(2.00018790482477e-13f));
  p = _mm512_fmadd_ps(x2, p, v(-8.60467152213735e-11f));
  p = _mm512_fmadd_ps(x2, p, v(5.12229709037114e-08f));
  p = _mm512_fmadd_ps(x2, p, v(1.48572235717979e-05f));
  p = _mm512_fmadd_ps(x2, p, v(6.37261928875436e-04f));
  p = _mm512_fmadd_ps(x2, p, v(4.89352455891786e-03f));
  p = _mm512_mul_ps(x, p);
  __m512 q = _mm512_fmadd_ps(x2, v(1.19825839466702e-06f), v(1.18534705686654e-04f));
  q = _mm512_fmadd_ps(x2, q, v(2.26843463243900e-03f));
  q = _mm512_fmadd_ps(x2, q, v(4.89352518554385e-03f));
  const __m512 t = _mm512_mul_ps(p, recip_v(q));
  // |a| < 4e-4: tanh(a) = a to float precision (and keeps -0 and subnormals exact)
  const __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(a), v(0.0004f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(tiny, t, a);
}

RNN_AI __mmask16 tail_mask(int n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1u); }

// column_sums' order (also pack_gemm_sums'): rows in blocks of 32, each block's float sums (the even
// and the odd rows apart, 16 lanes at a time; part: cols floats) added into double acc.
constexpr int64_t kSumBlock = 32;
RNN_AI void add_block_sums(const float* a, int64_t r0, int64_t r1, int cols, int64_t lda, double* acc, float* part) {
  for (int j = 0; j < cols; j += 16) {
    const __mmask16 m = tail_mask(cols - j);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t r = r0;
    for (; r + 1 < r1; r += 2) {
      s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m, a + r * lda + j));
      s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m, a + (r + 1) * lda + j));
    }
    if (r < r1) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m, a + r * lda + j));
    _mm512_mask_storeu_ps(part + j, m, _mm512_add_ps(s0, s1));
  }
  for (int j = 0; j < cols; j += 8) {
    const __mmask8 m8 = cols - j >= 8 ? __mmask8(0xff) : __mmask8((1u << (cols - j)) - 1u);
    _mm512_mask_storeu_pd(acc + j, m8,
                          _mm512_add_pd(_mm512_maskz_loadu_pd(m8, acc + j), _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m8, part + j))));
  }
}

constexpr int kChunk = 192;  // most rows per chunk of a big product (the plan's chunk_rows: its gathered A stays in L2)
constexpr int kMaxTiles = kChunk;  // row tiles of a chunk (a plan may ask for 1-row tiles)

// The plan in force (set_blocking): written once before any kernel runs, then only read.
Blocking g_blk;

// acc[i][j] += sum_k A(i, k) * bp[k * 16NV + 16j .. +16], k < K. A is either row-major (A(i, k) =
// a[i * lda + k]) or, KM, k-major within its tile (A(i, k) = a[k * MR + i]: the MR values a step
// broadcasts side by side).
template <int MR, int NV, bool KM>
RNN_AI void outer(__m512 (&acc)[MR][NV], int K, const float* a, int lda, const float* bp) {
  constexpr int NR = 16 * NV;
  for (int k = 0; k < K; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) b[j] = _mm512_load_ps(bp + k * NR + 16 * j);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 x = _mm512_set1_ps(KM ? a[k * MR + i] : a[static_cast<int64_t>(i) * lda + k]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(x, b[j], acc[i][j]);
    }
  }
}

// The row tiles of a step: at most MR rows each, as even as possible (32 rows in tiles of 6 would
// leave a 2-row tile that runs at a third of the speed; 5,5,5,5,6,6 does not). f(r, n) per tile.
template <class F>
RNN_AI void each_tile(int mr, int rows, const F& f) {
  const int tiles = (rows + mr - 1) / mr;
  for (int t = 0, r = 0; t < tiles; ++t) {
    const int n = (rows - r) / (tiles - t);  // the remaining rows spread over the remaining tiles
    f(r, n);
    r += n;
  }
}

// Copies n floats.
RNN_AI void copy_floats(float* dst, const float* src, int n) {
  int j = 0;
  for (; j + 16 <= n; j += 16) _mm512_storeu_ps(dst + j, _mm512_loadu_ps(src + j));
  if (j < n) _mm512_mask_storeu_ps(dst + j, tail_mask(n - j), _mm512_maskz_loadu_ps(tail_mask(n - j), src + j));
}

// Gathers rows [x_r | h_r] (widths I and H; h may be null when H == 0) into a_buf, row-major with
// row stride lda = a_stride(I + H). Rows taken straight from a [B, T, H] tensor often sit a multiple
// of 4 KiB apart (T*H = 25600, a 1024-wide gradient row...) and would share one L1 set; lda never is.
void gather_rows(int rows, const float* const* x, int I, const float* const* h, int H, float* a_buf, int lda) {
  for (int r = 0; r < rows; ++r) {
    float* dst = a_buf + static_cast<int64_t>(r) * lda;
    copy_floats(dst, x[r], I);
    if (H > 0) copy_floats(dst + I, h[r], H);
  }
}

// Rows r0 .. r0+MR of the GRU step for units 16q .. 16q+15 and the depth block [k0, k1) of h.
template <int MR>
void gru_tile(const GruStep& s, int r0, int q, int k0, int k1) {
  const int H = s.H, j0 = 16 * q;
  const __mmask16 m = tail_mask(H - j0);
  const float* wp = s.w + static_cast<int64_t>(q) * H * kGruNR;
  float* scratch = s.scratch + static_cast<int64_t>(r0) * kGruNR;
  __m512 acc[MR][3];
  const float* bias = s.bias_h + q * kGruNR;
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
    for (int g = 0; g < 3; ++g) acc[i][g] = _mm512_load_ps(k0 == 0 ? bias + 16 * g : scratch + i * kGruNR + 16 * g);
  if (k0 == 0 && s.next_gates) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const float* gt = s.next_gates[r0 + i];
      if (!gt) continue;
      gt += j0;
#pragma GCC unroll 3
      for (int g = 0; g < 3; ++g) _mm_prefetch(reinterpret_cast<const char*>(gt + g * H), _MM_HINT_T1);
    }
  }
  outer<MR, 3, false>(acc, k1 - k0, s.a_buf + static_cast<int64_t>(r0) * s.a_stride + k0, s.a_stride,
                      wp + static_cast<int64_t>(k0) * kGruNR);
  if (k1 < H) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 3
      for (int g = 0; g < 3; ++g) _mm512_store_ps(scratch + i * kGruNR + 16 * g, acc[i][g]);
    return;
  }
  const float* bi = s.bias_i + q * kGruNR;
  const __m512 bir = _mm512_load_ps(bi), biz = _mm512_load_ps(bi + 16), bin = _mm512_load_ps(bi + 32);
  const __m512 one = v(1.0f);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    const int r = r0 + i;
    const float* gx = s.gx[r] + j0;
    const __m512 rg = sigmoid_v(_mm512_add_ps(_mm512_add_ps(_mm512_maskz_loadu_ps(m, gx), bir), acc[i][0]));
    const __m512 zg = sigmoid_v(_mm512_add_ps(_mm512_add_ps(_mm512_maskz_loadu_ps(m, gx + H), biz), acc[i][1]));
    const __m512 hn = acc[i][2];
    const __m512 ng = tanh_v(_mm512_fmadd_ps(rg, hn, _mm512_add_ps(_mm512_maskz_loadu_ps(m, gx + 2 * H), bin)));
    const __m512 hp = _mm512_maskz_loadu_ps(m, s.h[r] + j0);
    const __m512 hnew = _mm512_fmadd_ps(zg, hp, _mm512_mul_ps(_mm512_sub_ps(one, zg), ng));
    if (s.hprev) _mm512_mask_storeu_ps(s.hprev[r] + j0, m, hp);
    _mm512_mask_storeu_ps(s.h_out[r] + j0, m, hnew);
    if (s.gates) {
      float* gt = s.gates[r] + j0;
      _mm512_mask_storeu_ps(gt, m, rg);
      _mm512_mask_storeu_ps(gt + H, m, zg);
      _mm512_mask_storeu_ps(gt + 2 * H, m, ng);
    }
    if (s.hn) _mm512_mask_storeu_ps(s.hn[r] + j0, m, hn);
  }
}

// The rows of op(A) = A^T, where row i of op(A) is column i of A (a[k * lda + i]), gathered k-major
// tile by tile: tile (r, n) at a_buf + r * K, element (k, i) at [k * n + i]. Row k of A is read once,
// front to back, for all tiles.
void gather_cols(int mr, int rows, const float* a, int lda, int K, float* a_buf) {
  int tr[kMaxTiles], tn[kMaxTiles], tiles = 0;
  each_tile(mr, rows, [&](int r, int n) {
    tr[tiles] = r;
    tn[tiles++] = n;
  });
  for (int k = 0; k < K; ++k) {
    const float* src = a + static_cast<int64_t>(k) * lda;
    for (int t = 0; t < tiles; ++t) {
      const __mmask16 m = tail_mask(tn[t]);
      _mm512_mask_storeu_ps(a_buf + static_cast<int64_t>(tr[t]) * K + static_cast<int64_t>(k) * tn[t], m,
                            _mm512_maskz_loadu_ps(m, src + tr[t]));
    }
  }
}

template <int MR, bool KM>
void gemm_tile(int k0, int k1, const float* a, int lda, const float* pp, int n0, int ncols, float* const* c,
               bool accumulate) {
  constexpr int NV = kGemmNR / 16;
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  outer<MR, NV, KM>(acc, k1 - k0, KM ? a + static_cast<int64_t>(k0) * MR : a + k0, lda,
                    pp + static_cast<int64_t>(k0) * kGemmNR);
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
    for (int g = 0; g < 4; ++g) acc[i][g] = _mm512_load_ps(k0 == 0 ? bias + 16 * g : scratch + i * kLstmNR + 16 * g);
  if (s.next_gates) {
    // spread over the depth blocks: a burst of misses would wait for fill buffers
    const bool first = k0 == 0, last = k1 == I + H;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const float* gt = s.next_gates[r0 + i];
      if (!gt) continue;
      gt += j0;
      if (first) {
        _mm_prefetch(reinterpret_cast<const char*>(gt), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(gt + H), _MM_HINT_T1);
      }
      if (last) {
        _mm_prefetch(reinterpret_cast<const char*>(gt + 2 * H), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(gt + 3 * H), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(s.next_c[r0 + i] + j0), _MM_HINT_T1);
      }
    }
  }
  outer<MR, 4, false>(acc, k1 - k0, s.a_buf + static_cast<int64_t>(r0) * s.a_stride + k0, s.a_stride,
                      wp + static_cast<int64_t>(k0) * kLstmNR);
  if (k1 < I + H) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) _mm512_store_ps(scratch + i * kLstmNR + 16 * g, acc[i][g]);
    return;
  }
  if (s.gx) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) acc[i][g] = _mm512_add_ps(acc[i][g], _mm512_maskz_loadu_ps(m, s.gx[r0 + i] + g * H + j0));
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
    if (s.hprev) _mm512_mask_storeu_ps(s.hprev[r] + j0, m, _mm512_maskz_loadu_ps(m, s.h[r] + j0));
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

// Calls f.template run<n>(r) for each row tile (r, n) of each_tile with tiles of at most mr rows
// (the plan's; MR, the register tile's cap, bounds what is instantiated).
template <int MR, class F>
RNN_AI void for_row_tiles(int mr, int rows, const F& f) {
  each_tile(mr, rows, [&](int r, int n) {
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
  });
}

// Depth blocks: a block of packed weights (k rows of a panel) should stay in L1 while every row tile
// streams it; at most the plan's block_bytes (36 KiB on a 48 KiB L1d), split evenly.
RNN_AI int depth_blocks(int K, int bytes_per_k, int block_bytes) {
  const int max_k = block_bytes / bytes_per_k > 0 ? block_bytes / bytes_per_k : 1;
  return K <= max_k ? 1 : (K + max_k - 1) / max_k;
}

// A chunk's gathered A: k-major tiles (KM, tile r at a + r * K) or row-major rows lda apart.
struct GemmTiles {
  int k0, k1;
  const float* a;
  int K, lda;
  bool km;
  const float* pp;
  int n0, ncols;
  float* const* c;
  bool accumulate;
  template <int MR>
  void run(int r) const {
    if (km) gemm_tile<MR, true>(k0, k1, a + static_cast<int64_t>(r) * K, 0, pp, n0, ncols, c + r, accumulate);
    else gemm_tile<MR, false>(k0, k1, a + static_cast<int64_t>(r) * lda, lda, pp, n0, ncols, c + r, accumulate);
  }
};

struct GruTiles {
  const GruStep& s;
  int q, k0, k1;
  template <int MR>
  void run(int r) const {
    gru_tile<MR>(s, r, q, k0, k1);
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

void set_blocking(const Blocking& b) {
  auto clamp = [](int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; };
  g_blk.gemm_mr = clamp(b.gemm_mr, 1, 12);
  g_blk.lstm_mr = clamp(b.lstm_mr, 1, 6);
  g_blk.gru_mr = clamp(b.gru_mr, 1, 8);
  g_blk.block_bytes = clamp(b.block_bytes, 1024, 1 << 20);
  g_blk.gemm_block_bytes = clamp(b.gemm_block_bytes, 1024, 16 << 20);
  g_blk.chunk_rows = clamp(b.chunk_rows, 12, kChunk);
}

namespace {
// The product of one gathered chunk of A (see GemmTiles) with every panel of bp, into c rows.
void chunk_product(int nr, int K, const float* a_buf, int lda, bool km, const float* bp, int N, float* const* c,
                   bool accumulate) {
  const int panels = (N + kGemmNR - 1) / kGemmNR;
  const int blocks = depth_blocks(K, kGemmNR * 4, g_blk.gemm_block_bytes);
  for (int p = 0; p < panels; ++p) {
    const float* pp = bp + static_cast<int64_t>(p) * K * kGemmNR;
    const int n0 = p * kGemmNR, ncols = N - n0;
    for (int kb = 0; kb < blocks; ++kb) {
      const int k0 = int(int64_t(K) * kb / blocks), k1 = int(int64_t(K) * (kb + 1) / blocks);
      for_row_tiles<12>(g_blk.gemm_mr, nr, GemmTiles{k0, k1, a_buf, K, lda, km, pp, n0, ncols, c, accumulate || kb > 0});
    }
  }
}
}  // namespace

void gemm_rows(int rows, const float* const* a, int K, const float* bp, int N, float* const* c, bool accumulate,
               float* a_buf) {
  const int lda = a_stride(K), chunk = g_blk.chunk_rows;
  for (int r0 = 0; r0 < rows; r0 += chunk) {
    const int nr = rows - r0 < chunk ? rows - r0 : chunk;
    gather_rows(nr, a + r0, K, nullptr, 0, a_buf, lda);
    chunk_product(nr, K, a_buf, lda, false, bp, N, c + r0, accumulate);
  }
}

void gemm_packed(bool ta, int M, int K, const float* A, int lda, const float* bp, int N, float* C, int ldc,
                 bool accumulate, float* a_buf) {
  const float* arow[kChunk];
  float* crow[kChunk];
  const int stride = a_stride(K), chunk = g_blk.chunk_rows;
  for (int r0 = 0; r0 < M; r0 += chunk) {
    const int nr = M - r0 < chunk ? M - r0 : chunk;
    for (int i = 0; i < nr; ++i) crow[i] = C + static_cast<int64_t>(r0 + i) * ldc;
    if (ta) {
      // One depth block at a time: its k-major tiles (nr x kk floats) are gathered into a_buf, stay
      // in L2 while every panel streams them, and are written over by the next block, instead of
      // gathering all K at once (2.4 MB for 192 rows of a 3200-step weight gradient: past L2, so
      // the gather wrote, and each panel read back, from L3). Same blocks, same order: same sums.
      const int panels = (N + kGemmNR - 1) / kGemmNR;
      const int blocks = depth_blocks(K, kGemmNR * 4, g_blk.gemm_block_bytes);
      for (int kb = 0; kb < blocks; ++kb) {
        const int k0 = int(int64_t(K) * kb / blocks), k1 = int(int64_t(K) * (kb + 1) / blocks), kk = k1 - k0;
        gather_cols(g_blk.gemm_mr, nr, A + r0 + static_cast<int64_t>(k0) * lda, lda, kk, a_buf);
        for (int p = 0; p < panels; ++p) {
          const float* pp = bp + static_cast<int64_t>(p) * K * kGemmNR + static_cast<int64_t>(k0) * kGemmNR;
          const int n0 = p * kGemmNR;
          for_row_tiles<12>(g_blk.gemm_mr, nr, GemmTiles{0, kk, a_buf, kk, 0, true, pp, n0, N - n0, crow, accumulate || kb > 0});
        }
      }
    } else {
      for (int i = 0; i < nr; ++i) arow[i] = A + static_cast<int64_t>(r0 + i) * lda;
      gather_rows(nr, arow, K, nullptr, 0, a_buf, stride);
      chunk_product(nr, K, a_buf, stride, false, bp, N, crow, accumulate);
    }
  }
}

void lstm_fwd_step(const LstmStep& s) {
  const int panels = (s.H + 15) / 16, K = s.I + s.H;
  gather_rows(s.rows, s.x, s.I, s.h, s.H, s.a_buf, s.a_stride);
  const int blocks = depth_blocks(K, kLstmNR * 4, g_blk.block_bytes);
  for (int q = 0; q < panels; ++q)
    for (int kb = 0; kb < blocks; ++kb) {
      const int k0 = int(int64_t(K) * kb / blocks), k1 = int(int64_t(K) * (kb + 1) / blocks);
      for_row_tiles<6>(g_blk.lstm_mr, s.rows, LstmTiles{s, q, k0, k1});
    }
}

void pack_gemm_sums(const float* W, int K, int N, int ldw, float* out, float* sums) {
  // W is [K, N]: row k is read once, front to back, and its 32-column segments go to every panel
  // (panel by panel instead, each row would be fetched once per panel from far apart: a strided
  // walk over all of W per panel, at a fraction of the bandwidth when W is a multi-MB gradient).
  // sums: after each block of 32 rows, that block's column sums from the rows just read (still in
  // cache), by column_sums' own block step: the same numbers as column_sums gives.
  const int panels = (N + kGemmNR - 1) / kGemmNR;
  std::vector<double> acc(sums ? size_t(N) : 0, 0.0);
  std::vector<float> part(sums ? size_t(N) : 0);
  for (int k = 0; k < K; ++k) {
    const float* src = W + int64_t(k) * ldw;
    for (int p = 0; p < panels; ++p) {
      float* dst = out + static_cast<int64_t>(p) * K * kGemmNR + static_cast<int64_t>(k) * kGemmNR;
      for (int v = 0; v < kGemmNR / 16; ++v) {
        const int c0 = p * kGemmNR + 16 * v;
        const __mmask16 m = c0 >= N ? __mmask16(0) : tail_mask(N - c0);
        _mm512_store_ps(dst + 16 * v, _mm512_maskz_loadu_ps(m, src + c0));
      }
    }
    if (sums && ((k + 1) % kSumBlock == 0 || k == K - 1)) {
      const int64_t r0 = k / kSumBlock * kSumBlock;
      add_block_sums(W, r0, k + 1, N, ldw, acc.data(), part.data());
    }
  }
  for (int j = 0; sums && j < N; ++j) sums[j] = static_cast<float>(acc[j]);
}

void pack_gemm(const float* W, bool trans, int K, int N, int ldw, float* out) {
  const int panels = (N + kGemmNR - 1) / kGemmNR;
  if (!trans) return pack_gemm_sums(W, K, N, ldw, out, nullptr);
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i rows = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(ldw));
  for (int p = 0; p < panels; ++p) {
    float* dst = out + static_cast<int64_t>(p) * K * kGemmNR;
    const int n0 = p * kGemmNR;
    for (int v = 0; v < kGemmNR / 16; ++v) {
      const int c0 = n0 + 16 * v;
      const __mmask16 m = c0 >= N ? __mmask16(0) : tail_mask(N - c0);
      for (int k = 0; k < K; ++k) {
        // trans: W is [N, K], lane l reads W[c0 + l][k] (a gather); else W is [K, N]: a row segment
        const __m512 x = !m ? _mm512_setzero_ps()
                         : trans ? _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, rows, W + int64_t(c0) * ldw + k, 4)
                                 : _mm512_maskz_loadu_ps(m, W + int64_t(k) * ldw + c0);
        _mm512_store_ps(dst + static_cast<int64_t>(k) * kGemmNR + 16 * v, x);
      }
    }
  }
}

void gru_fwd_step(const GruStep& s) {
  const int panels = (s.H + 15) / 16;
  gather_rows(s.rows, s.h, s.H, nullptr, 0, s.a_buf, s.a_stride);
  const int blocks = depth_blocks(s.H, kGruNR * 4, g_blk.block_bytes);
  for (int q = 0; q < panels; ++q)
    for (int kb = 0; kb < blocks; ++kb) {
      const int k0 = int(int64_t(s.H) * kb / blocks), k1 = int(int64_t(s.H) * (kb + 1) / blocks);
      for_row_tiles<8>(g_blk.gru_mr, s.rows, GruTiles{s, q, k0, k1});
    }
}

void pack_gated(const float* w_ih, const float* w_hh, int I, int H, int G, float* out) {
  const int panels = (H + 15) / 16, K = I + H, NR = 16 * G;
  for (int q = 0; q < panels; ++q) {
    float* dst = out + static_cast<int64_t>(q) * K * NR;
    const __mmask16 m = tail_mask(H - 16 * q);
    for (int g = 0; g < G; ++g) {
      // lane l reads row g*H + 16q + l of W_ih / W_hh: one gather per k
      const int64_t unit0 = static_cast<int64_t>(g) * H + 16 * q;
      const __m512i rows_i = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                _mm512_set1_epi32(I));
      const __m512i rows_h = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                _mm512_set1_epi32(H));
      for (int k = 0; k < I; ++k)
        _mm512_store_ps(dst + static_cast<int64_t>(k) * NR + 16 * g,
                        _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, rows_i, w_ih + unit0 * I + k, 4));
      for (int k = 0; k < H; ++k)
        _mm512_store_ps(dst + static_cast<int64_t>(I + k) * NR + 16 * g,
                        _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, rows_h, w_hh + unit0 * H + k, 4));
    }
  }
}

void column_sums(const float* a, int64_t rows, int cols, int64_t lda, double* acc, float* part) {
  for (int j = 0; j < cols; ++j) acc[j] = 0.0;
  for (int64_t r0 = 0; r0 < rows; r0 += kSumBlock) add_block_sums(a, r0, std::min(rows, r0 + kSumBlock), cols, lda, acc, part);
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
