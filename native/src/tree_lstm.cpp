// One level of a binary Tree-LSTM over N nodes at once on the CPU: three gemms (x, hl, hr against W
// and the two halves of WH), then the shared node equations (core/cells/tree_lstm.h) in a
// vectorised loop per node. Reserve: gates [N, 5H] and c [N, H]. C entry points: core/api/tree.inc.
#include <algorithm>

#include "blas.h"
#include "common.h"
#include "core/cells/tree_lstm.h"
#include "core/seq.h"
#include "fastmath.h"
#include "simd.h"
#include "workspace.h"

namespace rnn {
namespace {

using cells::TreeLstm;

template <class T>
RNN_INLINE void tree_fwd_impl(int64_t H, T* a, const T* bias, const T* cl, const T* cr, T* h, T* c, T* c_keep) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) TreeLstm::fwd<FastAct>(H, j, a, bias, cl[j], cr[j], h, c, c_keep);
}

template <class T>
RNN_INLINE void tree_bwd_impl(int64_t H, const T* g, const T* c, const T* cl, const T* cr, const T* dh, const T* dc,
                              T* da, T* dcl, T* dcr) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) TreeLstm::bwd<FastAct>(H, j, g, c[j], cl[j], cr[j], dh[j], dc[j], da, dcl, dcr);
}

#define RNN_TREE_ROWS(T)                                                                                         \
  RNN_CLONES void tree_fwd(int64_t H, T* a, const T* bias, const T* cl, const T* cr, T* h, T* c, T* ck) {        \
    tree_fwd_impl(H, a, bias, cl, cr, h, c, ck);                                                                 \
  }                                                                                                              \
  RNN_CLONES void tree_bwd(int64_t H, const T* g, const T* c, const T* cl, const T* cr, const T* dh, const T* dc, \
                           T* da, T* dcl, T* dcr) {                                                              \
    tree_bwd_impl(H, g, c, cl, cr, dh, dc, da, dcl, dcr);                                                        \
  }
RNN_TREE_ROWS(float)
RNN_TREE_ROWS(double)
#undef RNN_TREE_ROWS

template <class T>
int tree_forward_typed(const TreeFwd<T>& p) {
  const int64_t N = p.N, I = p.I, H = p.H, GH = kTreeGates * H;
  Buf<T> ws;
  T* a = p.reserve ? p.reserve : (ws = alloc<T>(N * GH + N * H)).get();
  T* c_keep = a + N * GH;
  gemm(false, true, int(N), int(GH), int(I), T(1), p.x, int(I), p.w, int(I), T(0), a, int(GH));
  gemm(false, true, int(N), int(GH), int(H), T(1), p.hl, int(H), p.wh, int(2 * H), T(1), a, int(GH));
  gemm(false, true, int(N), int(GH), int(H), T(1), p.hr, int(H), p.wh + H, int(2 * H), T(1), a, int(GH));
  for (int64_t n = 0; n < N; ++n)
    tree_fwd(H, a + n * GH, p.b, p.cl + n * H, p.cr + n * H, p.h + n * H, p.c + n * H, c_keep + n * H);
  return RNN_OK;
}

template <class T>
int tree_backward_typed(const TreeBwd<T>& p) {
  const int64_t N = p.N, I = p.I, H = p.H, GH = kTreeGates * H;
  const T* g = p.reserve;
  const T* c = p.reserve + N * GH;
  Buf<T> zeros;
  if (!p.dh || !p.dc) {
    zeros = alloc<T>(N * H);
    std::fill_n(zeros.get(), N * H, T(0));
  }
  const T* dh = p.dh ? p.dh : zeros.get();
  const T* dc = p.dc ? p.dc : zeros.get();
  Buf<T> da = alloc<T>(N * GH);
  for (int64_t n = 0; n < N; ++n)
    tree_bwd(H, g + n * GH, c + n * H, p.cl + n * H, p.cr + n * H, dh + n * H, dc + n * H, da.get() + n * GH,
             p.dcl + n * H, p.dcr + n * H);
  gemm(false, false, int(N), int(I), int(GH), T(1), da.get(), int(GH), p.w, int(I), T(0), p.dx, int(I));
  gemm(false, false, int(N), int(H), int(GH), T(1), da.get(), int(GH), p.wh, int(2 * H), T(0), p.dhl, int(H));
  gemm(false, false, int(N), int(H), int(GH), T(1), da.get(), int(GH), p.wh + H, int(2 * H), T(0), p.dhr, int(H));
  gemm(true, false, int(GH), int(I), int(N), T(1), da.get(), int(GH), p.x, int(I), T(0), p.dw, int(I));
  gemm(true, false, int(GH), int(H), int(N), T(1), da.get(), int(GH), p.hl, int(H), T(0), p.dwh, int(2 * H));
  gemm(true, false, int(GH), int(H), int(N), T(1), da.get(), int(GH), p.hr, int(H), T(0), p.dwh + H, int(2 * H));
  column_sums(da.get(), N, GH, GH, p.db);
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/tree.inc"
