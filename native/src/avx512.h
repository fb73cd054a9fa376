// AVX-512 kernels for the recurrent step (float32 only), in their own translation unit compiled with
// -mavx512f etc. Nothing here may be called unless cpu.h's use_avx512() said yes.
//
// ODR rule for avx512.cpp: it defines only what this header declares, plus file-local helpers; it
// includes no header with inline functions or templates that other files also instantiate (a
// linker could otherwise keep the AVX-512 copy of, say, std::min for the whole library).
//
// The weights of a step are packed once per call (packed.h) into panels the kernels stream:
//   gemm_rows: panel p holds op(W)[k][32p .. 32p+31] for every k (zero past N), 32 floats per k.
//   lstm_fwd_step: panel q holds, for every k of [x | h], the 16 units 16q .. 16q+15 of each gate
//     (i, f, g, o), 64 floats per k; bias: 64 floats per panel (b_ih + b_hh, same order).
#pragma once

#include <cstdint>

namespace rnn {
namespace avx512 {

// The plan's blocking (cpu_plan.h: KernelPlan), handed over once at load (use_plan_blocking) before
// any kernel here runs. Defaults: the Xeon plan. mr values are capped by the register tiles (12 / 6 / 8)
// and chunk_rows by 192 (what callers size a_buf for).
struct Blocking {
  int gemm_mr = 12, lstm_mr = 6, gru_mr = 8;
  int block_bytes = 36 * 1024;       // the fused LSTM/GRU steps
  int gemm_block_bytes = 36 * 1024;  // the packed gemm (gemm_rows, gemm_packed)
  int chunk_rows = 192;
};
void set_blocking(const Blocking& b);

constexpr int kGemmNR = 32;
constexpr int kLstmNR = 64;
constexpr int kAlign = 64;

// Floats per row of a_buf for depth K: the kernels gather their A rows into a_buf (row-major, this
// padded stride; or k-major tiles for a transposed A), which must hold rows * a_stride(K) floats.
int a_stride(int K);

// op(W) [K, N] into gemm_rows panels: W is [N, K] when trans, else [K, N], rows ldw apart. out:
// 64-byte aligned, ceil(N / 32) * K * 32 floats (the padding columns are written as zeros).
void pack_gemm(const float* W, bool trans, int K, int N, int ldw, float* out);
// pack_gemm of W [K, N] (not transposed) that also writes sums[j], the sum of column j over the K
// rows, as column_sums computes it (same order: the same numbers). sums may be null.
void pack_gemm_sums(const float* W, int K, int N, int ldw, float* out, float* sums);

// C[M, N] (+)= op(A) B for a contiguous C (rows ldc apart): op(A) is A [M, K] (rows lda apart) or,
// when ta, A^T with A [K, M]; B packed by pack_gemm. a_buf: min(M, 192) * a_stride(K) floats.
void gemm_packed(bool ta, int M, int K, const float* A, int lda, const float* bp, int N, float* C, int ldc,
                 bool accumulate, float* a_buf);

// c[r][0..N) (+)= a[r][0..K) . B for r < rows; B packed as above (K rows, N columns). Any number of
// rows (processed in chunks of 192: a_buf needs min(rows, 192) * a_stride(K) floats).
void gemm_rows(int rows, const float* const* a, int K, const float* bp, int N, float* const* c, bool accumulate,
               float* a_buf);

// One LSTM time step for `rows` batch rows, input projection and recurrent product fused:
//   pre = x W_ih^T + h W_hh^T + b;  (i, f, g, o) = (σ, σ, tanh, σ)(pre);  c' = f c + i g;  h' = o tanh(c')
// Per row r: x[r] (I floats), h[r] (H), c_in[r] (H) may alias c_out[r]; h_out[r] must not alias h of
// any row. gates[r] (4H, order i f g o) and hprev[r] (H, a copy of h[r]) are written when non-null.
struct LstmStep {
  int rows, I, H;
  const float* const* x;
  const float* const* h;
  const float* const* c_in;
  float* const* c_out;
  float* const* h_out;
  float* const* gates;  // nullable
  float* const* hprev;  // nullable
  // nullable, with gates: per row the gates row (4H) and c row (H) the next step will write, or null;
  // their lines are prefetched into L2 a step ahead, so the gate stores do not wait on memory
  const float* const* next_gates;
  const float* const* next_c;
  const float* w;       // packed [x | h] panels
  const float* bias;    // packed bias
  float* scratch;       // rows x 64 floats, 64-byte aligned: partial sums between depth blocks
  float* a_buf;         // rows x a_stride floats: the gathered [x | h] rows (kernel scratch)
  int a_stride;         // a_stride(I + H)
  // nullable: per row 4H precomputed input gates (order i f g o) added to pre before the gates (a
  // decoder step reads them from a per-vocabulary table: rnn_decode_step, with I = 0)
  const float* const* gx = nullptr;
};
void lstm_fwd_step(const LstmStep& s);

// One GRU time step for `rows` batch rows, the recurrent product fused with the gates; the input
// projection gx = x W_ih^T (3H per row, gates r z n, no bias) is computed beforehand for all steps:
//   hn = W_hn h + b_hn;  r = σ(gx_r + b_ir + W_hr h + b_hr);  z = σ(gx_z + b_iz + W_hz h + b_hz)
//   n = tanh(gx_n + b_in + r hn);  h' = (1 - z) n + z h
// w: W_hh packed by pack_gated(G = 3, I = 0); bias_h / bias_i: b_hh / b_ih packed 48 per panel.
// gates[r] (3H: r z n), hn[r] (H) and hprev[r] (H) are written when non-null.
constexpr int kGruNR = 48;
struct GruStep {
  int rows, H;
  const float* const* h;
  const float* const* gx;
  float* const* h_out;
  float* const* gates;  // nullable
  float* const* hn;     // nullable
  float* const* hprev;  // nullable
  // nullable, with gates: per row the gates row (3H) the next step will write, or null; prefetched
  // into L2 a step ahead (as LstmStep's)
  const float* const* next_gates;
  const float* w;
  const float* bias_h;
  const float* bias_i;
  float* scratch;  // rows x 48 floats, 64-byte aligned
  float* a_buf;    // rows x a_stride(H) floats
  int a_stride;
};
void gru_fwd_step(const GruStep& s);
// G gates' [W_ih | W_hh] rows (each [G*H, I] / [G*H, H]) in panels of 16 units x G gates per k
// (G = 4: the LSTM layout above); out: 64-byte aligned, ceil(H/16) * (I+H) * 16G floats, every one
// written (lanes past H as zeros).
void pack_gated(const float* w_ih, const float* w_hh, int I, int H, int G, float* out);

// out[j] = sum over rows of a[r * lda + j], j < cols: float sums over blocks of 32 rows added into
// double (acc: cols doubles; part: cols floats of scratch).
void column_sums(const float* a, int64_t rows, int cols, int64_t lda, double* acc, float* part);

// LSTM backward elementwise part for one row: from dh (+ dy when non-null) and dc, the gate
// gradients dg[0..4H) (order i f g o); dc becomes dc_{t-1}. Same equations as rnn_lstm.cpp.
void lstm_bwd_row(int H, const float* gates, const float* c_t, const float* c_prev, const float* dh,
                  const float* dy, float* dc, float* dg);

}  // namespace avx512
}  // namespace rnn
