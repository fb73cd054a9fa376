// One level of a binary Tree-LSTM over N nodes at once (Tai et al. 2015, N-ary form, N = 2), on
// the GPU; math and reserve layout are native/src/tree_lstm.cpp's:
//   [a_i, a_fl, a_fr, a_o, a_u] = W x + WH [hl; hr] + b      (W [5H, I], WH [5H, 2H])
//   i, fl, fr, o = sigmoid(a_*), u = tanh(a_u), c = i*u + fl*cl + fr*cr, h = o*tanh(c)
// Forward: three GEMMs into the gate buffer and one pointwise kernel. Reserve: gates [N, 5H], c [N, H].
#include <memory>

#include "gemm.h"
#include "scalar.h"

namespace rnn_cuda {
namespace {

template <class T>
int tree_forward_typed(const rnn_tree_desc* d, const T* x, const T* hl, const T* cl, const T* hr, const T* cr,
                       const T* w, const T* wh, const T* b, T* h, T* c, T* reserve) {
  const char* what = "rnn_cuda_tree_forward";
  const int64_t N = d->nodes, I = d->input, H = d->hidden, GH = 5 * H;
  std::unique_ptr<Workspace<T>> ws;
  T* a = reserve ? reserve : (ws = std::make_unique<Workspace<T>>(N * GH + N * H))->get();
  T* c_keep = a + N * GH;
  RNN_TRY(gemm2d<T>(what, false, true, N, GH, I, T(1), x, I, w, I, T(0), a, GH));
  RNN_TRY(gemm2d<T>(what, false, true, N, GH, H, T(1), hl, H, wh, 2 * H, T(1), a, GH));
  RNN_TRY(gemm2d<T>(what, false, true, N, GH, H, T(1), hr, H, wh + H, 2 * H, T(1), a, GH));
  return for_each_index(what, N * H, [=] RNN_DL(int64_t e) {
    const int64_t n = e / H, j = e - n * H;
    T* g = a + n * GH;
    const T i = m_sigmoid(g[j] + b[j]);
    const T fl = m_sigmoid(g[H + j] + b[H + j]);
    const T fr = m_sigmoid(g[2 * H + j] + b[2 * H + j]);
    const T o = m_sigmoid(g[3 * H + j] + b[3 * H + j]);
    const T u = m_tanh(g[4 * H + j] + b[4 * H + j]);
    const T cn = i * u + fl * cl[e] + fr * cr[e];
    g[j] = i;
    g[H + j] = fl;
    g[2 * H + j] = fr;
    g[3 * H + j] = o;
    g[4 * H + j] = u;
    c[e] = cn;
    c_keep[e] = cn;
    h[e] = o * m_tanh(cn);
  });
}

template <class T>
int tree_backward_typed(const rnn_tree_desc* d, const T* x, const T* hl, const T* cl, const T* hr, const T* cr,
                        const T* w, const T* wh, const T* reserve, const T* dh, const T* dc, T* dx, T* dhl, T* dcl,
                        T* dhr, T* dcr, T* dw, T* dwh, T* db) {
  const char* what = "rnn_cuda_tree_backward";
  const int64_t N = d->nodes, I = d->input, H = d->hidden, GH = 5 * H;
  const T* gates = reserve;
  const T* cs = reserve + N * GH;
  Workspace<T> da_ws(N * GH);
  T* da = da_ws.get();
  RNN_TRY(for_each_index(what, N * H, [=] RNN_DL(int64_t e) {
    const int64_t n = e / H, j = e - n * H;
    const T* g = gates + n * GH;
    T* dan = da + n * GH;
    const T i = g[j], fl = g[H + j], fr = g[2 * H + j], o = g[3 * H + j], u = g[4 * H + j];
    const T tc = m_tanh(cs[e]);
    const T dhe = dh ? dh[e] : T(0), dce = dc ? dc[e] : T(0);
    const T dct = dce + dhe * o * (T(1) - tc * tc);
    dan[j] = dct * u * i * (T(1) - i);
    dan[H + j] = dct * cl[e] * fl * (T(1) - fl);
    dan[2 * H + j] = dct * cr[e] * fr * (T(1) - fr);
    dan[3 * H + j] = dhe * tc * o * (T(1) - o);
    dan[4 * H + j] = dct * i * (T(1) - u * u);
    dcl[e] = dct * fl;
    dcr[e] = dct * fr;
  }));
  RNN_TRY(gemm2d<T>(what, false, false, N, I, GH, T(1), da, GH, w, I, T(0), dx, I));
  RNN_TRY(gemm2d<T>(what, false, false, N, H, GH, T(1), da, GH, wh, 2 * H, T(0), dhl, H));
  RNN_TRY(gemm2d<T>(what, false, false, N, H, GH, T(1), da, GH, wh + H, 2 * H, T(0), dhr, H));
  RNN_TRY(gemm2d<T>(what, true, false, GH, I, N, T(1), da, GH, x, I, T(0), dw, I));
  RNN_TRY(gemm2d<T>(what, true, false, GH, H, N, T(1), da, GH, hl, H, T(0), dwh, 2 * H));
  RNN_TRY(gemm2d<T>(what, true, false, GH, H, N, T(1), da, GH, hr, H, T(0), dwh + H, 2 * H));
  // db: column sums of da, one thread per column (N is a tree level: small).
  return for_each_index(what, GH, [=] RNN_DL(int64_t j) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n) s += static_cast<double>(da[n * GH + j]);
    db[j] = static_cast<T>(s);
  });
}

int check_tree(const char* what, const rnn_tree_desc* d) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(float_dtype(d->dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
              dtype_name(d->dtype));
  RNN_REQUIRE(fits_int(d->nodes) && fits_int(d->input) && d->hidden >= 0 && d->hidden <= 400000000, RNN_ERR_SHAPE,
              "%s: sizes out of range (nodes %lld, input %lld, hidden %lld)", what, (long long)d->nodes,
              (long long)d->input, (long long)d->hidden);
  return RNN_OK;
}

}  // namespace
}  // namespace rnn_cuda

using namespace rnn_cuda;

extern "C" {

int64_t rnn_cuda_tree_reserve_size(const rnn_tree_desc* d) {
  if (check_tree("rnn_cuda_tree_reserve_size", d) != RNN_OK) return -1;
  return d->nodes * d->hidden * 6;
}

int rnn_cuda_tree_forward(const rnn_tree_desc* d, const void* x, const void* hl, const void* cl, const void* hr,
                          const void* cr, const void* w, const void* wh, const void* b, void* h, void* c,
                          void* reserve) {
  const char* what = "rnn_cuda_tree_forward";
  return guarded(what, [&]() -> int {
    RNN_TRY(check_tree(what, d));
    const int64_t N = d->nodes, I = d->input, H = d->hidden;
    RNN_NEED(x, N * I, "x");
    RNN_NEED(hl, N * H, "hl");
    RNN_NEED(cl, N * H, "cl");
    RNN_NEED(hr, N * H, "hr");
    RNN_NEED(cr, N * H, "cr");
    RNN_NEED(w, 5 * H * I, "w");
    RNN_NEED(wh, 10 * H * H, "wh");
    RNN_NEED(b, 5 * H, "b");
    RNN_NEED(h, N * H, "h");
    RNN_NEED(c, N * H, "c");
    if (N * H == 0) return RNN_OK;
    RNN_TRY(require_init(what));
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       tree_forward_typed<T>(d, static_cast<const T*>(x), static_cast<const T*>(hl),
                                             static_cast<const T*>(cl), static_cast<const T*>(hr),
                                             static_cast<const T*>(cr), static_cast<const T*>(w),
                                             static_cast<const T*>(wh), static_cast<const T*>(b), static_cast<T*>(h),
                                             static_cast<T*>(c), static_cast<T*>(reserve)));
  });
}

int rnn_cuda_tree_backward(const rnn_tree_desc* d, const void* x, const void* hl, const void* cl, const void* hr,
                           const void* cr, const void* w, const void* wh, const void* reserve, const void* dh,
                           const void* dc, void* dx, void* dhl, void* dcl, void* dhr, void* dcr, void* dw, void* dwh,
                           void* db) {
  const char* what = "rnn_cuda_tree_backward";
  return guarded(what, [&]() -> int {
    RNN_TRY(check_tree(what, d));
    const int64_t N = d->nodes, I = d->input, H = d->hidden;
    RNN_NEED(x, N * I, "x");
    RNN_NEED(hl, N * H, "hl");
    RNN_NEED(cl, N * H, "cl");
    RNN_NEED(hr, N * H, "hr");
    RNN_NEED(cr, N * H, "cr");
    RNN_NEED(w, 5 * H * I, "w");
    RNN_NEED(wh, 10 * H * H, "wh");
    RNN_NEED(reserve, 6 * N * H, "reserve (run the forward with training on)");
    RNN_NEED(dx, N * I, "dx");
    RNN_NEED(dhl, N * H, "dhl");
    RNN_NEED(dcl, N * H, "dcl");
    RNN_NEED(dhr, N * H, "dhr");
    RNN_NEED(dcr, N * H, "dcr");
    RNN_NEED(dw, 5 * H * I, "dw");
    RNN_NEED(dwh, 10 * H * H, "dwh");
    RNN_NEED(db, 5 * H, "db");
    if (H == 0 && N * I == 0) return RNN_OK;  // no outputs hold any element
    RNN_TRY(require_init(what));
    RNN_DISPATCH_FLOAT(
        d->dtype, what,
        tree_backward_typed<T>(d, static_cast<const T*>(x), static_cast<const T*>(hl), static_cast<const T*>(cl),
                               static_cast<const T*>(hr), static_cast<const T*>(cr), static_cast<const T*>(w),
                               static_cast<const T*>(wh), static_cast<const T*>(reserve), static_cast<const T*>(dh),
                               static_cast<const T*>(dc), static_cast<T*>(dx), static_cast<T*>(dhl),
                               static_cast<T*>(dcl), static_cast<T*>(dhr), static_cast<T*>(dcr), static_cast<T*>(dw),
                               static_cast<T*>(dwh), static_cast<T*>(db)));
  });
}

}  // extern "C"
