// One level of a binary Tree-LSTM (Tai et al. 2015, N-ary form, N = 2) over N nodes at once:
//   [a_i, a_fl, a_fr, a_o, a_u] = W x + WH [hl; hr] + b          (W [5H, I], WH [5H, 2H])
//   i, fl, fr, o = σ(a_*),  u = tanh(a_u)
//   c = i*u + fl*cl + fr*cr,  h = o*tanh(c)
// Forward is three gemms (x, hl, hr against W and the two halves of WH) and one gate pass.
// Reserve: gates [N, 5H] and c [N, H].
#include <algorithm>
#include <cstring>
#include <memory>

#include "blas.h"
#include "common.h"
#include "fastmath.h"
#include "workspace.h"
#include "simd.h"

namespace rnn {
namespace {

template <class T>
RNN_INLINE void tree_fwd_impl(int64_t H, T* a, const T* bias, const T* cl, const T* cr, T* h, T* c, T* c_keep) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T i = act_sigmoid<T>(a[j] + bias[j]);
    const T fl = act_sigmoid<T>(a[H + j] + bias[H + j]);
    const T fr = act_sigmoid<T>(a[2 * H + j] + bias[2 * H + j]);
    const T o = act_sigmoid<T>(a[3 * H + j] + bias[3 * H + j]);
    const T u = act_tanh<T>(a[4 * H + j] + bias[4 * H + j]);
    const T cn = i * u + fl * cl[j] + fr * cr[j];
    a[j] = i;
    a[H + j] = fl;
    a[2 * H + j] = fr;
    a[3 * H + j] = o;
    a[4 * H + j] = u;
    c[j] = cn;
    c_keep[j] = cn;
    h[j] = o * act_tanh<T>(cn);
  }
}

template <class T>
RNN_INLINE void tree_bwd_impl(int64_t H, const T* g, const T* c, const T* cl, const T* cr, const T* dh, const T* dc,
                              T* da, T* dcl, T* dcr) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T i = g[j], fl = g[H + j], fr = g[2 * H + j], o = g[3 * H + j], u = g[4 * H + j];
    const T tc = act_tanh<T>(c[j]);
    const T dct = dc[j] + dh[j] * o * (T(1) - tc * tc);
    da[j] = dct * u * i * (T(1) - i);
    da[H + j] = dct * cl[j] * fl * (T(1) - fl);
    da[2 * H + j] = dct * cr[j] * fr * (T(1) - fr);
    da[3 * H + j] = dh[j] * tc * o * (T(1) - o);
    da[4 * H + j] = dct * i * (T(1) - u * u);
    dcl[j] = dct * fl;
    dcr[j] = dct * fr;
  }
}

RNN_CLONES void tree_fwd(int64_t H, float* a, const float* bias, const float* cl, const float* cr, float* h, float* c,
                         float* ck) {
  tree_fwd_impl(H, a, bias, cl, cr, h, c, ck);
}
RNN_CLONES void tree_fwd(int64_t H, double* a, const double* bias, const double* cl, const double* cr, double* h,
                         double* c, double* ck) {
  tree_fwd_impl(H, a, bias, cl, cr, h, c, ck);
}
RNN_CLONES void tree_bwd(int64_t H, const float* g, const float* c, const float* cl, const float* cr, const float* dh,
                         const float* dc, float* da, float* dcl, float* dcr) {
  tree_bwd_impl(H, g, c, cl, cr, dh, dc, da, dcl, dcr);
}
RNN_CLONES void tree_bwd(int64_t H, const double* g, const double* c, const double* cl, const double* cr,
                         const double* dh, const double* dc, double* da, double* dcl, double* dcr) {
  tree_bwd_impl(H, g, c, cl, cr, dh, dc, da, dcl, dcr);
}

template <class T>
int tree_forward_typed(const rnn_tree_desc* d, const T* x, const T* hl, const T* cl, const T* hr, const T* cr,
                       const T* w, const T* wh, const T* b, T* h, T* c, T* reserve) {
  const int64_t N = d->nodes, I = d->input, H = d->hidden, GH = 5 * H;
  Buf<T> ws;
  T* a = reserve ? reserve : (ws = alloc<T>(N * GH + N * H)).get();
  T* c_keep = a + N * GH;
  gemm(false, true, int(N), int(GH), int(I), T(1), x, int(I), w, int(I), T(0), a, int(GH));
  gemm(false, true, int(N), int(GH), int(H), T(1), hl, int(H), wh, int(2 * H), T(1), a, int(GH));
  gemm(false, true, int(N), int(GH), int(H), T(1), hr, int(H), wh + H, int(2 * H), T(1), a, int(GH));
  for (int64_t n = 0; n < N; ++n)
    tree_fwd(H, a + n * GH, b, cl + n * H, cr + n * H, h + n * H, c + n * H, c_keep + n * H);
  return RNN_OK;
}

template <class T>
int tree_backward_typed(const rnn_tree_desc* d, const T* x, const T* hl, const T* cl, const T* hr, const T* cr,
                        const T* w, const T* wh, const T* reserve, const T* dh, const T* dc, T* dx, T* dhl, T* dcl,
                        T* dhr, T* dcr, T* dw, T* dwh, T* db) {
  const int64_t N = d->nodes, I = d->input, H = d->hidden, GH = 5 * H;
  const T* g = reserve;
  const T* c = reserve + N * GH;
  Buf<T> zeros;
  if (!dh || !dc) {
    zeros = alloc<T>(N * H);
    std::fill_n(zeros.get(), N * H, T(0));
  }
  const T* dhp = dh ? dh : zeros.get();
  const T* dcp = dc ? dc : zeros.get();
  Buf<T> da = alloc<T>(N * GH);
  for (int64_t n = 0; n < N; ++n)
    tree_bwd(H, g + n * GH, c + n * H, cl + n * H, cr + n * H, dhp + n * H, dcp + n * H, da.get() + n * GH,
             dcl + n * H, dcr + n * H);
  gemm(false, false, int(N), int(I), int(GH), T(1), da.get(), int(GH), w, int(I), T(0), dx, int(I));
  gemm(false, false, int(N), int(H), int(GH), T(1), da.get(), int(GH), wh, int(2 * H), T(0), dhl, int(H));
  gemm(false, false, int(N), int(H), int(GH), T(1), da.get(), int(GH), wh + H, int(2 * H), T(0), dhr, int(H));
  gemm(true, false, int(GH), int(I), int(N), T(1), da.get(), int(GH), x, int(I), T(0), dw, int(I));
  gemm(true, false, int(GH), int(H), int(N), T(1), da.get(), int(GH), hl, int(H), T(0), dwh, int(2 * H));
  gemm(true, false, int(GH), int(H), int(N), T(1), da.get(), int(GH), hr, int(H), T(0), dwh + H, int(2 * H));
  column_sums(da.get(), N, GH, GH, db);
  return RNN_OK;
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

#define RNN_NEED(ptr, count, name)                                                                             \
  RNN_REQUIRE((ptr) != nullptr || (count) == 0, RNN_ERR_ARG, "%s: %s is null but must hold %lld elements", what, \
              name, (long long)(count))

}  // namespace
}  // namespace rnn

using namespace rnn;

extern "C" {

int64_t rnn_tree_reserve_size(const rnn_tree_desc* d) {
  if (check_tree("rnn_tree_reserve_size", d) != RNN_OK) return -1;
  return d->nodes * d->hidden * 6;
}

int rnn_tree_forward(const rnn_tree_desc* d, const void* x, const void* hl, const void* cl, const void* hr,
                     const void* cr, const void* w, const void* wh, const void* b, void* h, void* c, void* reserve) {
  const char* what = "rnn_tree_forward";
  return guarded(what, [&]() -> int {
    if (int st = check_tree(what, d)) return st;
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
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       tree_forward_typed<T>(d, static_cast<const T*>(x), static_cast<const T*>(hl),
                                             static_cast<const T*>(cl), static_cast<const T*>(hr),
                                             static_cast<const T*>(cr), static_cast<const T*>(w),
                                             static_cast<const T*>(wh), static_cast<const T*>(b), static_cast<T*>(h),
                                             static_cast<T*>(c), static_cast<T*>(reserve)));
  });
}

int rnn_tree_backward(const rnn_tree_desc* d, const void* x, const void* hl, const void* cl, const void* hr,
                      const void* cr, const void* w, const void* wh, const void* reserve, const void* dh,
                      const void* dc, void* dx, void* dhl, void* dcl, void* dhr, void* dcr, void* dw, void* dwh,
                      void* db) {
  const char* what = "rnn_tree_backward";
  return guarded(what, [&]() -> int {
    if (int st = check_tree(what, d)) return st;
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
