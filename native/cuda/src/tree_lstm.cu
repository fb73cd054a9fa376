// One level of a binary Tree-LSTM over N nodes at once (Tai et al. 2015, N-ary form, N = 2), on
// the GPU: three GEMMs into the gate buffer, then one pointwise kernel running the shared node
// equations (core/cells/tree_lstm.h, exact activations). Reserve: gates [N, 5H], c [N, H].
#include <memory>

#include "core/cells/tree_lstm.h"
#include "core/scalar.h"
#include "core/seq.h"
#include "gemm.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

using cells::TreeLstm;

template <class T>
int tree_forward_typed(const TreeFwd<T>& p) {
  const char* what = "rnn_cuda_tree_forward";
  const int64_t N = p.N, I = p.I, H = p.H, GH = kTreeGates * H;
  std::unique_ptr<Workspace<T>> ws;
  T* a = p.reserve ? p.reserve : (ws = std::make_unique<Workspace<T>>(N * GH + N * H))->get();
  T* c_keep = a + N * GH;
  RNN_TRY(gemm2d<T>(what, false, true, N, GH, I, T(1), p.x, I, p.w, I, T(0), a, GH));
  RNN_TRY(gemm2d<T>(what, false, true, N, GH, H, T(1), p.hl, H, p.wh, 2 * H, T(1), a, GH));
  RNN_TRY(gemm2d<T>(what, false, true, N, GH, H, T(1), p.hr, H, p.wh + H, 2 * H, T(1), a, GH));
  const T *b = p.b, *cl = p.cl, *cr = p.cr;
  T *h = p.h, *c = p.c;
  return for_each_index(what, N * H, [=] RNN_DL(int64_t e) {
    const int64_t n = e / H, j = e - n * H;
    TreeLstm::fwd<ExactAct>(H, j, a + n * GH, b, cl[e], cr[e], h + n * H, c + n * H, c_keep + n * H);
  });
}

template <class T>
int tree_backward_typed(const TreeBwd<T>& p) {
  const char* what = "rnn_cuda_tree_backward";
  const int64_t N = p.N, I = p.I, H = p.H, GH = kTreeGates * H;
  const T* gates = p.reserve;
  const T* cs = p.reserve + N * GH;
  Workspace<T> da_ws(N * GH);
  T* da = da_ws.get();
  const T *cl = p.cl, *cr = p.cr, *dh = p.dh, *dc = p.dc;
  T *dcl = p.dcl, *dcr = p.dcr;
  RNN_TRY(for_each_index(what, N * H, [=] RNN_DL(int64_t e) {
    const int64_t n = e / H, j = e - n * H;
    TreeLstm::bwd<ExactAct>(H, j, gates + n * GH, cs[e], cl[e], cr[e], dh ? dh[e] : T(0), dc ? dc[e] : T(0),
                            da + n * GH, dcl + n * H, dcr + n * H);
  }));
  RNN_TRY(gemm2d<T>(what, false, false, N, I, GH, T(1), da, GH, p.w, I, T(0), p.dx, I));
  RNN_TRY(gemm2d<T>(what, false, false, N, H, GH, T(1), da, GH, p.wh, 2 * H, T(0), p.dhl, H));
  RNN_TRY(gemm2d<T>(what, false, false, N, H, GH, T(1), da, GH, p.wh + H, 2 * H, T(0), p.dhr, H));
  RNN_TRY(gemm2d<T>(what, true, false, GH, I, N, T(1), da, GH, p.x, I, T(0), p.dw, I));
  RNN_TRY(gemm2d<T>(what, true, false, GH, H, N, T(1), da, GH, p.hl, H, T(0), p.dwh, 2 * H));
  RNN_TRY(gemm2d<T>(what, true, false, GH, H, N, T(1), da, GH, p.hr, H, T(0), p.dwh + H, 2 * H));
  // db: column sums of da, one thread per column (N is a tree level: small).
  T* db = p.db;
  return for_each_index(what, GH, [=] RNN_DL(int64_t j) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n) s += static_cast<double>(da[n * GH + j]);
    db[j] = static_cast<T>(s);
  });
}

}  // namespace
}  // namespace rnn_cuda

#include "core/api/tree.inc"
