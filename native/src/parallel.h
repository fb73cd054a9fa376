// CPU features and our own threads (besides OpenBLAS's), for the batch-parallel recurrent kernels.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace rnn {

// True when the float32 step kernels of avx512.cpp may run: the CPU (and OS) support AVX-512 F/VL/DQ
// and RNN_SIMD does not say otherwise (RNN_SIMD=baseline forces the portable path: OpenBLAS per
// step plus the compiler-vectorised gate loops; RNN_SIMD=avx512 or unset picks AVX-512 when present).
bool use_avx512();
// "avx512" or "baseline": what the step kernels use.
const char* simd_name();

// The thread count (RNN_NUM_THREADS or rnn_set_num_threads).
int num_threads();

// Runs fn(0) .. fn(tasks - 1), task 0 on the calling thread and the others on the pool's workers;
// returns when all are done. The first exception thrown by a task is rethrown here. When the pool is
// busy (another call from another thread), the tasks run one after another on the caller.
void parallel_run(int tasks, const std::function<void(int)>& fn);

// Runs body(lo, hi) over [0, n) in contiguous ranges, one per task, on up to num_threads() tasks of
// at least min_per_task each (below that, waking a worker costs more than its share); on the calling
// thread alone, as body(0, n), when that makes one task. The ranges depend only on n and the task
// count, so a pass whose elements are independent gives the same bits at any thread count.
template <class F>
void parallel_ranges(int64_t n, int64_t min_per_task, F&& body) {
  const int64_t by_size = n / min_per_task;
  const int64_t tasks = by_size < num_threads() ? (by_size > 1 ? by_size : 1) : num_threads();
  if (tasks <= 1) return body(int64_t(0), n);
  parallel_run(int(tasks), [&](int t) { body(n * t / tasks, n * (t + 1) / tasks); });
}

// Runs fn(t, team) for t < team AT ONCE, team threads (task 0 on the caller), so the tasks may wait
// for each other at a TeamBarrier: one region for a whole schedule of dependent steps (the levels of
// a tree batch) instead of one region, and one wake-up of the workers, per step. team is `tasks`,
// or 1 when the pool is busy with another caller's region (then fn(0, 1) does all the work).
void parallel_team(int tasks, const std::function<void(int, int)>& fn);

// A reusable barrier for the `n` tasks of one parallel_team region: wait() returns once all n have
// called it; a task waiting spins like the pool's workers (RNN_POOL_SPIN_US), then parks. Every
// task must reach every wait(): a task that fails must still arrive (see tree_lstm.cpp).
class TeamBarrier {
 public:
  explicit TeamBarrier(int n) : n_(n) {}
  void wait();

 private:
  const int n_;
  std::atomic<int> count_{0};
  std::atomic<int> gen_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

// dst[i] += src[i] for i < n (dst and src do not overlap), split across the pool when large (adam.cpp).
template <class T>
void add_inplace(T* dst, const T* src, int64_t n);

// dst[i] = value for i < n, split across the pool when large (adam.cpp): zeroGrad's fill of the flat
// gradient buffer and scatter-add's zero fill of an embedding gradient ran unsplit, in the serial
// part of every tree-net batch (issue 22). Plain stores: the same bits at any thread count.
template <class T>
void fill_inplace(T* dst, T value, int64_t n);

// With RNN_POOL_STATS=1 (read once at load): the regions parallel_run has run split so far, and the
// calling threads' CPU time inside them (ns). Returns whether the counters run (false: both stay 0).
bool pool_stats(int64_t* regions, int64_t* cpu_ns);

}  // namespace rnn
