// One level of a binary Tree-LSTM over N nodes at once on the CPU: three gemms (x, hl, hr against W
// and the two halves of WH), then the shared node equations (core/cells/tree_lstm.h) in a
// vectorised loop per node. Reserve: gates [N, 5H] and c [N, H]. C entry points: core/api/tree.inc.
#include <algorithm>
#include <atomic>
#include <exception>
#include <vector>

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

// ---- A whole mini-batch's level schedule in one call (rnn_tree_batch_*, CPU only) ----
//
// The per-level dynamic batching of packages/layers/src/trees/batch.ts, moved inside one call: per
// level, gather the children's h into [hl; hr] rows, one product against WH, the word rows' W x
// (one product for all levels at once, before the schedule), the node equations; backward the same
// levels from the top, scattering dh and dc into the children's rows, then the weight gradients as
// three products over all nodes. Within a level, rows are split across our threads: each task runs
// its rows' gather, product and cell alone (a child has one parent, so no two tasks write one row).
#include "packed.h"

namespace rnn {
namespace {

// Rows of a level per task at least: below this, waking a worker costs more than its share.
constexpr int64_t kTreeMinRows = 4;

// Runs body(r0, r1) over rows s .. s + n, split across up to num_threads() tasks.
template <class F>
void split_rows(int64_t s, int64_t n, F&& body) {
  parallel_ranges(n, kTreeMinRows, [&](int64_t lo, int64_t hi) { body(s + lo, s + hi); });
}

// Runs body(lo, hi) over elements 0 .. n of a plain pass (copy, fill), split across the pool only
// when each task gets at least 64 Ki elements (below, waking a worker costs more than its share).
template <class F>
void split_large(int64_t n, F&& body) {
  parallel_ranges(n, int64_t(1) << 16, body);
}

// C[M, N] (+)= A[M, K] op(W) on the calling thread (inside a parallel task): the AVX-512 packed
// kernel with op(W) packed once per call, or BLAS (single-threaded) for float64 and other CPUs.
template <class T>
struct RowsGemm {
  const T* W;
  bool trans;
  int K, N;
  const float* packed = nullptr;

  void pack() {
    if constexpr (std::is_same_v<T, float>) {
      if (use_avx512() && K >= 4 && N >= 16) {
        float* p = workspace(kSlotWeights, gemm_panels_size(K, N));
        pack_gemm_parallel(W, trans, K, N, trans ? K : N, p);
        packed = p;
      }
    }
  }
  // Whether M rows go by column panels (run_cols): too few to split by rows, a team of several.
  bool by_columns(int64_t M, int team) const {
    return packed && M > 0 && M < 2 * kTreeMinRows && team > 1 && (N + avx512::kGemmNR - 1) / avx512::kGemmNR >= 4;
  }
  // Task t of `team`: its share of the column panels of C[M, N] = A op(W). Each column is computed
  // as run() computes it, so the split changes no sum (the narrow top levels of a batch of trees).
  void run_cols(int t, int team, int M, const T* A, T* C) const {
    if constexpr (std::is_same_v<T, float>) {
      constexpr int NR = avx512::kGemmNR;
      const int panels = (N + NR - 1) / NR;
      const int tasks = std::min(team, panels / 2);
      if (t >= tasks) return;
      const int p0 = panels * t / tasks, p1 = panels * (t + 1) / tasks;
      const int n0 = p0 * NR, n1 = std::min(N, p1 * NR);
      if (n1 <= n0) return;
      float* abuf = workspace(kSlotGemmA, int64_t(std::min(M, 192)) * avx512::a_stride(K));
      avx512::gemm_packed(false, M, K, A, K, packed + int64_t(p0) * K * NR, n1 - n0, C + n0, N, false, abuf);
    } else if (t == 0) {
      run(M, A, C, false);
    }
  }
  // The packed kernel for every M (also below 4 rows), so a level gives the same sums however it is split.
  void run(int M, const T* A, T* C, bool accumulate) const {
    if (M <= 0) return;
    if constexpr (std::is_same_v<T, float>) {
      if (packed) {
        float* abuf = workspace(kSlotGemmA, int64_t(std::min(M, 192)) * avx512::a_stride(K));
        avx512::gemm_packed(false, M, K, A, K, packed, N, C, N, accumulate, abuf);
        return;
      }
    }
    blas_call(false, trans, M, N, K, T(1), A, K, W, trans ? K : N, accumulate ? T(1) : T(0), C, N);
  }
};

// Task t's share of rows s .. s + n when a level's rows are split among `tasks` of a team.
inline void task_rows(int64_t s, int64_t n, int t, int64_t tasks, int64_t& r0, int64_t& r1) {
  r0 = t < tasks ? s + n * t / tasks : s + n;
  r1 = t < tasks ? s + n * (t + 1) / tasks : s + n;
}

// Every level of a batch in order (forward: up from the leaves; backward: down from the roots) in
// ONE parallel_team region, the tasks meeting at a barrier after each level (a level reads the rows
// of the levels before it): one wake-up of the workers per call, not one per level. Per level:
// pre(l, r0, r1), then (when product[l]) C rows = A rows op(W), then post(l, r0, r1), each task on
// its rows, split as a region per level split them (at least kTreeMinRows rows each); a level too
// narrow to split by rows splits its product by column panels (pre and post by rows, a barrier
// around the product). Same kernels on the same rows: results do not depend on the team. A failing
// task (an exception) still arrives at every barrier; the first failure is rethrown at the end.
template <class T, class Pre, class Post>
void run_levels(const rnn_tree_batch_desc& d, bool down, const std::vector<char>& product, const RowsGemm<T>& g,
                const T* A, T* C, Pre&& pre, Post&& post) {
  const int64_t L = d.levels;
  int64_t widest = 0;
  for (int64_t l = 0; l < L; ++l) widest = std::max<int64_t>(widest, d.level_start[l + 1] - d.level_start[l]);
  // a second task only when some level splits: by rows, or (packed weights) by column panels
  const bool splits = widest >= 2 * kTreeMinRows || g.by_columns(1, 2);
  const int want = splits ? int(std::min<int64_t>(num_threads(), std::max<int64_t>(widest / kTreeMinRows, 2))) : 1;
  TeamBarrier barrier(want);
  std::atomic<bool> failed{false};
  std::exception_ptr error;  // the first failure's, written once (failed's exchange)
  parallel_team(want, [&](int t, int team) {
    auto guarded = [&](auto&& f) {
      if (failed.load(std::memory_order_relaxed)) return;
      try {
        f();
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    };
    auto sync = [&] {
      if (team > 1) barrier.wait();
    };
    for (int64_t k = 0; k < L; ++k) {
      const int64_t l = down ? L - 1 - k : k;
      const int64_t s = d.level_start[l], n = d.level_start[l + 1] - s;
      const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(team, n / kTreeMinRows));
      int64_t r0, r1;
      if (product[l] && g.by_columns(n, team)) {
        const int64_t pt = std::min<int64_t>(team, n);  // pre and post: a row or more per task
        task_rows(s, n, t, pt, r0, r1);
        guarded([&] { if (r1 > r0) pre(l, r0, r1); });
        sync();
        guarded([&] { g.run_cols(t, team, int(n), A + s * g.K, C + s * g.N); });
        sync();
        guarded([&] { if (r1 > r0) post(l, r0, r1); });
      } else {
        task_rows(s, n, t, tasks, r0, r1);
        guarded([&] {
          if (r1 <= r0) return;
          pre(l, r0, r1);
          if (product[l]) g.run(int(r1 - r0), A + r0 * g.K, C + r0 * g.N, false);
          post(l, r0, r1);
        });
      }
      sync();
    }
  });
  if (error) std::rethrow_exception(error);
}

template <class T>
struct TreeBatchFwd {
  const rnn_tree_batch_desc* d;
  const T *x, *w, *wh, *b;
  T *h, *c, *reserve;
};

template <class T>
struct TreeBatchBwd {
  const rnn_tree_batch_desc* d;
  const T *x, *w, *wh, *h, *c, *reserve, *dh, *dc;
  T *dx, *dw, *dwh, *db;
};

// Does level s .. e have a node with a child?
inline bool has_children(const rnn_tree_batch_desc& d, int64_t s, int64_t e) {
  for (int64_t r = s; r < e; ++r)
    if (d.left[r] >= 0 || d.right[r] >= 0) return true;
  return false;
}

// Per level: does it have a node with a child (then the level has a product against WH)?
inline std::vector<char> inner_levels(const rnn_tree_batch_desc& d) {
  std::vector<char> inner(static_cast<size_t>(d.levels));
  for (int64_t l = 0; l < d.levels; ++l) inner[l] = has_children(d, d.level_start[l], d.level_start[l + 1]);
  return inner;
}

template <class T>
int tree_batch_forward_typed(const TreeBatchFwd<T>& p) {
  const rnn_tree_batch_desc& d = *p.d;
  const int64_t N = d.nodes, I = d.input, H = d.hidden, GH = kTreeGates * H, W = d.words;
  Buf<T> ws;
  T* gates = p.reserve ? p.reserve : (ws = alloc<T>(N * (GH + 2 * H))).get();
  T* kids = gates + N * GH;  // [N, 2H]: each node's [hl; hr]
  std::vector<int32_t> word_of(static_cast<size_t>(N), -1);
  for (int64_t k = 0; k < W; ++k) word_of[d.word_row[k]] = int32_t(k);
  Buf<T> xw = alloc<T>(W * GH);  // every word row's W x, one product for all levels
  gemm(false, true, int(W), int(GH), int(I), T(1), p.x, int(I), p.w, int(I), T(0), xw.get(), int(GH));
  const std::vector<T> zero(static_cast<size_t>(H), T(0));
  RowsGemm<T> uh{p.wh, true, int(2 * H), int(GH)};
  uh.pack();
  const std::vector<char> inner = inner_levels(d);
  auto gather = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int32_t a = d.left[r], b = d.right[r];
      copy_elems(kids + r * 2 * H, a >= 0 ? p.h + a * H : zero.data(), H);
      copy_elems(kids + r * 2 * H + H, b >= 0 ? p.h + b * H : zero.data(), H);
    }
  };
  run_levels(d, false, inner, uh, kids, gates, [&](int64_t l, int64_t r0, int64_t r1) {
    gather(r0, r1);
    if (!inner[l]) std::fill(gates + r0 * GH, gates + r1 * GH, T(0));  // no product wrote them
  }, [&](int64_t, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* g = gates + r * GH;
      if (const int32_t k = word_of[r]; k >= 0) {
        const T* xr = xw.get() + k * GH;
#pragma omp simd
        for (int64_t j = 0; j < GH; ++j) g[j] += xr[j];
      }
      const int32_t a = d.left[r], b = d.right[r];
      tree_fwd(H, g, p.b, a >= 0 ? p.c + a * H : zero.data(), b >= 0 ? p.c + b * H : zero.data(), p.h + r * H,
               p.c + r * H, p.c + r * H);
    }
  });
  return RNN_OK;
}

template <class T>
int tree_batch_backward_typed(const TreeBatchBwd<T>& p) {
  const rnn_tree_batch_desc& d = *p.d;
  const int64_t N = d.nodes, I = d.input, H = d.hidden, GH = kTreeGates * H, W = d.words;
  const T* gates = p.reserve;
  const T* kids = p.reserve + N * GH;
  Buf<T> dh = alloc<T>(N * H), dc = alloc<T>(N * H), da = alloc<T>(N * GH), dkids = alloc<T>(N * 2 * H);
  // the incoming dh (the classifier's gradient) and dc (none: zeros) as one split region when large:
  // run unsplit, these two passes over [N, H] were most of this call's serial part (issue 22)
  split_large(N * H, [&](int64_t lo, int64_t hi) {
    if (p.dh) copy_elems(dh.get() + lo, p.dh + lo, hi - lo);
    else std::fill_n(dh.get() + lo, hi - lo, T(0));
    if (p.dc) copy_elems(dc.get() + lo, p.dc + lo, hi - lo);
    else std::fill_n(dc.get() + lo, hi - lo, T(0));
  });
  const std::vector<T> zero(static_cast<size_t>(H), T(0));
  RowsGemm<T> uh{p.wh, false, int(GH), int(2 * H)};
  uh.pack();
  const std::vector<char> inner = inner_levels(d);
  auto cells = [&](int64_t, int64_t r0, int64_t r1) {
    std::vector<T> dkid(static_cast<size_t>(2 * H));
    for (int64_t r = r0; r < r1; ++r) {
      const int32_t a = d.left[r], b = d.right[r];
      tree_bwd(H, gates + r * GH, p.c + r * H, a >= 0 ? p.c + a * H : zero.data(), b >= 0 ? p.c + b * H : zero.data(),
               dh.get() + r * H, dc.get() + r * H, da.get() + r * GH, dkid.data(), dkid.data() + H);
      // the children's rows are in earlier levels and have this node as their one parent
      if (a >= 0) {
        T* t = dc.get() + a * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) t[j] += dkid[j];
      }
      if (b >= 0) {
        T* t = dc.get() + b * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) t[j] += dkid[H + j];
      }
    }
  };
  run_levels(d, true, inner, uh, da.get(), dkids.get(), cells, [&](int64_t l, int64_t r0, int64_t r1) {
    if (!inner[l]) return;
    for (int64_t r = r0; r < r1; ++r) {
      const T* g = dkids.get() + r * 2 * H;
      if (const int32_t a = d.left[r]; a >= 0) {
        T* t = dh.get() + a * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) t[j] += g[j];
      }
      if (const int32_t b = d.right[r]; b >= 0) {
        T* t = dh.get() + b * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) t[j] += g[H + j];
      }
    }
  });
  // weight gradients over all nodes at once (our pool splits each product); dwh from the first level
  // with children on: the rows before (the leaves) have zero [hl; hr]
  int64_t first = N;
  for (int64_t l = 0; l < d.levels && first == N; ++l)
    if (inner[l]) first = d.level_start[l];
  gemm(true, false, int(GH), int(2 * H), int(N - first), T(1), da.get() + first * GH, int(GH), kids + first * 2 * H,
       int(2 * H), T(0), p.dwh, int(2 * H));
  // db: da's column sums, blocks of 64 columns split across the pool (each column is summed alone,
  // so the split changes no sum); then the word rows' gate gradients gathered, rows split
  const int64_t col_tasks = std::max<int64_t>(1, std::min<int64_t>(num_threads(), GH / 64));
  if (col_tasks <= 1) column_sums(da.get(), N, GH, GH, p.db);
  else
    parallel_run(int(col_tasks), [&](int t) {
      const int64_t c0 = GH / 16 * t / col_tasks * 16, c1 = t + 1 == col_tasks ? GH : GH / 16 * (t + 1) / col_tasks * 16;
      column_sums(da.get() + c0, N, c1 - c0, GH, p.db + c0);
    });
  Buf<T> dax = alloc<T>(W * GH);
  split_rows(0, W, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) copy_elems(dax.get() + k * GH, da.get() + int64_t(d.word_row[k]) * GH, GH);
  });
  gemm(false, false, int(W), int(I), int(GH), T(1), dax.get(), int(GH), p.w, int(I), T(0), p.dx, int(I));
  gemm(true, false, int(GH), int(I), int(W), T(1), dax.get(), int(GH), p.x, int(I), T(0), p.dw, int(I));
  return RNN_OK;
}

// The plan against the descriptor: rows in range, children in earlier levels, one parent per child,
// distinct word rows. Host memory, so before anything is written.
int check_tree_batch(const char* what, const rnn_tree_batch_desc* d) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(d->dtype == RNN_F32 || d->dtype == RNN_F64, RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s",
              what, dtype_name(d->dtype));
  const int64_t N = d->nodes, L = d->levels, W = d->words, I = d->input, H = d->hidden;
  const bool sizes = N >= 0 && L >= 0 && W >= 0 && I >= 0 && H >= 0 && fits_int(N) && fits_int(W) && fits_int(I) &&
                     H <= 100000000 && W <= N;
  RNN_REQUIRE(sizes, RNN_ERR_SHAPE, "%s: sizes out of range (nodes %lld, levels %lld, words %lld, input %lld, hidden %lld)",
              what, (long long)N, (long long)L, (long long)W, (long long)I, (long long)H);
  RNN_NEED(d->level_start, L + 1, "level_start");
  RNN_NEED(d->left, N, "left");
  RNN_NEED(d->right, N, "right");
  RNN_NEED(d->word_row, W, "word_row");
  RNN_REQUIRE(d->level_start[0] == 0 && d->level_start[L] == N, RNN_ERR_INDEX,
              "%s: level_start must run from 0 to nodes (%lld), found %d .. %d", what, (long long)N, d->level_start[0],
              d->level_start[L]);
  std::vector<uint8_t> used(static_cast<size_t>(N), 0);
  for (int64_t l = 0; l < L; ++l) {
    const int32_t s = d->level_start[l], e = d->level_start[l + 1];
    RNN_REQUIRE(s <= e, RNN_ERR_INDEX, "%s: level_start[%lld] = %d is below level_start[%lld] = %d", what,
                (long long)(l + 1), e, (long long)l, s);
    for (int32_t r = s; r < e; ++r) {
      for (const int32_t* side : {d->left, d->right}) {
        const int32_t k = side[r];
        const char* name = side == d->left ? "left" : "right";
        RNN_REQUIRE(k >= -1 && k < s, RNN_ERR_INDEX,
                    "%s: %s[%d] = %d is not -1 or a row of an earlier level (0..%d)", what, name, r, k, s - 1);
        if (k < 0) continue;
        RNN_REQUIRE(!used[k], RNN_ERR_INDEX, "%s: row %d is the child of two nodes (%s[%d]); a row has one parent",
                    what, k, name, r);
        used[k] = 1;
      }
    }
  }
  std::fill(used.begin(), used.end(), uint8_t(0));
  for (int64_t k = 0; k < W; ++k) {
    const int32_t r = d->word_row[k];
    RNN_REQUIRE(r >= 0 && r < N && !used[r], RNN_ERR_INDEX,
                "%s: word_row[%lld] = %d is %s", what, (long long)k, r,
                r >= 0 && r < N ? "a row that already has a word" : "not a row (0..nodes-1)");
    used[r] = 1;
  }
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

extern "C" {

int rnn_tree_batch_check_plan(const rnn_tree_batch_desc* d) {
  return rnn::guarded("rnn_tree_batch_check_plan", [&]() -> int { return rnn::check_tree_batch("rnn_tree_batch_check_plan", d); });
}

int64_t rnn_tree_batch_reserve_size(const rnn_tree_batch_desc* d) {
  if (rnn_tree_batch_check_plan(d) != RNN_OK) return -1;
  return d->nodes * d->hidden * (rnn::kTreeGates + 2);
}

int rnn_tree_batch_forward(const rnn_tree_batch_desc* d, const void* x, const void* w, const void* wh, const void* b,
                           void* h, void* c, void* reserve) {
  const char* what = "rnn_tree_batch_forward";
  return rnn::guarded(what, [&]() -> int {
    RNN_TRY(rnn::check_tree_batch(what, d));
    const int64_t N = d->nodes, W = d->words, I = d->input, H = d->hidden;
    RNN_NEED(x, W * I, "x");
    RNN_NEED(w, 5 * H * I, "w");
    RNN_NEED(wh, 10 * H * H, "wh");
    RNN_NEED(b, 5 * H, "b");
    RNN_NEED(h, N * H, "h");
    RNN_NEED(c, N * H, "c");
    if (N * H == 0) return RNN_OK;
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       (rnn::tree_batch_forward_typed<T>(rnn::TreeBatchFwd<T>{
                           d, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(wh),
                           static_cast<const T*>(b), static_cast<T*>(h), static_cast<T*>(c), static_cast<T*>(reserve)})));
  });
}

int rnn_tree_batch_backward(const rnn_tree_batch_desc* d, const void* x, const void* w, const void* wh,
                            const void* h, const void* c, const void* reserve, const void* dh, const void* dc,
                            void* dx, void* dw, void* dwh, void* db) {
  const char* what = "rnn_tree_batch_backward";
  return rnn::guarded(what, [&]() -> int {
    RNN_TRY(rnn::check_tree_batch(what, d));
    const int64_t N = d->nodes, W = d->words, I = d->input, H = d->hidden;
    RNN_NEED(x, W * I, "x");
    RNN_NEED(w, 5 * H * I, "w");
    RNN_NEED(wh, 10 * H * H, "wh");
    RNN_NEED(h, N * H, "h");
    RNN_NEED(c, N * H, "c");
    RNN_NEED(reserve, N * H * (rnn::kTreeGates + 2), "reserve (run the forward with training on)");
    RNN_NEED(dx, W * I, "dx");
    RNN_NEED(dw, 5 * H * I, "dw");
    RNN_NEED(dwh, 10 * H * H, "dwh");
    RNN_NEED(db, 5 * H, "db");
    if (N * H == 0) {  // no node holds a unit: every gradient is zero
      RNN_DISPATCH_FLOAT(d->dtype, what, ([&] {
                           std::fill_n(static_cast<T*>(dx), W * I, T(0));
                           std::fill_n(static_cast<T*>(dw), 5 * H * I, T(0));
                           std::fill_n(static_cast<T*>(dwh), 10 * H * H, T(0));
                           std::fill_n(static_cast<T*>(db), 5 * H, T(0));
                           return RNN_OK;
                         }()));
    }
    RNN_DISPATCH_FLOAT(d->dtype, what,
                       (rnn::tree_batch_backward_typed<T>(rnn::TreeBatchBwd<T>{
                           d, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(wh),
                           static_cast<const T*>(h), static_cast<const T*>(c), static_cast<const T*>(reserve),
                           static_cast<const T*>(dh), static_cast<const T*>(dc), static_cast<T*>(dx),
                           static_cast<T*>(dw), static_cast<T*>(dwh), static_cast<T*>(db)})));
  });
}

}  // extern "C"
