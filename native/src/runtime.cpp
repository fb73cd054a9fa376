// Runtime state of the CPU library: thread count and pool, RNN_SIMD, BLAS identification. (Errors
// live in the shared core: core/errors.cpp.)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <time.h>
#endif

#include "blas.h"
#include "common.h"
#include "cpu_plan.h"
#include "denormals.h"
#include "parallel.h"

namespace rnn {

namespace {
std::once_flag g_init_once;
int g_threads = 1;
std::string g_blas_info;
}  // namespace

static int available_cpus() {
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

// An integer environment variable in [lo, hi], else `fallback`; a value that is set but not such
// an integer is reported on stderr (saying what was `expected`) and ignored.
static long env_long(const char* name, long lo, long hi, long fallback, const char* expected) {
  const char* env = std::getenv(name);
  if (!env) return fallback;
  char* end = nullptr;
  long v = std::strtol(env, &end, 10);
  if (end != env && *end == '\0' && v >= lo && v <= hi) return v;
  std::fprintf(stderr, "rnn: ignoring %s='%s' (expected %s)\n", name, env, expected);
  return fallback;
}

static void do_init() {
  const int n = static_cast<int>(env_long("RNN_NUM_THREADS", 1, 1024, available_cpus(), "an integer >= 1"));
  blas_set_threads(1);  // our pool slices large gemms (blas.h); OpenBLAS's own threads would spin
  g_threads = n;
  g_blas_info = blas_description();
}

namespace {

// RNN_POOL_STATS=1: count the regions that ran split and the calling thread's CPU time inside them,
// so a benchmark can tell the serial part of a step (the caller's CPU time outside them) from the
// parallel part without a profiler (tools/bench/trees-step.mjs --serial). Off: one branch per region.
const bool g_pool_stats = [] {
  const char* env = std::getenv("RNN_POOL_STATS");
  return env && std::string(env) == "1";
}();
std::atomic<int64_t> g_regions{0}, g_region_ns{0};

// RNN_POOL_SPIN_US: how long a worker (and a caller waiting for its workers) spins before parking.
// 20 µs is longer than a portable kernel's gap between time steps; a workload whose JavaScript runs
// longer between native calls (tree nets) parks and pays a wake-up per region. Longer spins burn the
// idle core instead, so it stays a knob for measuring, not a default chosen for one workload.
const std::chrono::microseconds g_spin(env_long("RNN_POOL_SPIN_US", 0, 1000000, 20, "an integer 0..1000000"));

inline int64_t thread_cpu_ns() {
#ifdef __linux__
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
#else
  return 0;
#endif
}

struct RegionClock {
  int64_t t0 = g_pool_stats ? thread_cpu_ns() : 0;
  ~RegionClock() {
    if (!g_pool_stats) return;
    g_regions.fetch_add(1, std::memory_order_relaxed);
    g_region_ns.fetch_add(thread_cpu_ns() - t0, std::memory_order_relaxed);
  }
};

// A fixed set of workers, spin-then-park. The portable kernels call parallel_run once per time step
// (a region of tens of microseconds), where waking a worker through a condition variable (~50 µs)
// made 2 threads slower than 1; so a worker, and the caller waiting for the workers, first spin for a
// bounded time (RNN_POOL_SPIN_US) on an atomic generation / pending counter and only then park on a condition
// variable. The generation is a sequence lock over the region's fields (odd while run() writes them),
// and a worker starts from the generation it was created in. Lost wake-ups are excluded by publishing the generation and signalling completion under
// the mutex that the parked side checks its predicate under; spinning never holds the mutex.
// tests/test_pool.cpp runs 10,000 short regions against it, under ThreadSanitizer in
// tools/sanitize/run.sh tsan.
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // team: the tasks must run at once (they wait for each other), so when the pool is busy nothing
  // runs and false comes back; otherwise they run one after another on the caller.
  bool run(int tasks, const std::function<void(int)>& fn, bool team = false) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || tasks <= 1) {
      if (team && tasks > 1) return false;
      for (int i = 0; i < tasks; ++i) fn(i);
      return true;
    }
    ensure_workers(tasks - 1);
    RegionClock clock;
    // The region's fields are written under an odd generation (a sequence lock): a worker with no
    // task in the last region may still be reading them, and must see that they changed under it.
    const uint64_t g = generation_.load(std::memory_order_relaxed);
    generation_.store(g + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    fn_.store(&fn, std::memory_order_relaxed);
    tasks_.store(tasks, std::memory_order_relaxed);
    pending_.store(tasks - 1, std::memory_order_relaxed);
    {
      // under the mutex: a worker about to park re-checks the generation under it
      std::lock_guard<std::mutex> lk(mu_);
      error_ = nullptr;
      generation_.store(g + 2, std::memory_order_release);
    }
    cv_.notify_all();  // no system call when no worker is parked
    std::exception_ptr mine;
    try {
      fn(0);
    } catch (...) {
      mine = std::current_exception();
    }
    if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    std::exception_ptr err;
    {
      std::lock_guard<std::mutex> lk(mu_);
      err = error_;
    }
    if (mine) std::rethrow_exception(mine);
    if (err) std::rethrow_exception(err);
    return true;
  }

  // g_spin (RNN_POOL_SPIN_US, default 20 µs) of spinning before parking: longer than a step's gap
  // between regions, short enough that an idle worker gives its core back almost at once (also the
  // wait of a TeamBarrier)
  template <typename Pred>
  static bool spin_until(Pred done) {
    const auto until = std::chrono::steady_clock::now() + g_spin;
    for (int i = 0;; ++i) {
      if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return done();
    }
  }

 private:
  // Called by run() before it writes the next region: a new worker starts having seen the current
  // generation (it had no task in it), so the first region it takes is the next one.
  void ensure_workers(int n) {
    const uint64_t now = generation_.load(std::memory_order_relaxed);
    while (static_cast<int>(workers_.size()) < n) {
      const int index = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, index, now] { loop(index, now); });
    }
  }

  void loop(int index, uint64_t seen) {
    rnn::flush_denormals_on_this_thread();  // this thread runs nothing but kernels (denormals.h)
#ifdef __linux__
    // named, so a profile (or tools/bench/trees-step.mjs --serial) tells our workers from V8's threads
    pthread_setname_np(pthread_self(), "rnn-pool");
#endif
    for (;;) {
      // a published region: an even generation this worker has not taken yet
      auto fresh = [&] {
        if (stop_.load(std::memory_order_acquire)) return true;
        const uint64_t now = generation_.load(std::memory_order_acquire);
        return (now & 1) == 0 && now != seen;
      };
      if (!spin_until(fresh)) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, fresh);
      }
      if (stop_.load(std::memory_order_acquire)) return;
      const uint64_t g = generation_.load(std::memory_order_acquire);
      if ((g & 1) != 0 || g == seen) continue;  // run() began writing the next region: wait for it
      const int tasks = tasks_.load(std::memory_order_relaxed);
      const std::function<void(int)>* fn = fn_.load(std::memory_order_relaxed);
      // Only a worker with no task in region g can still be here when run() writes the next one;
      // if it did while tasks_/fn_ were read, they may be half of each: look again (seen unchanged).
      std::atomic_thread_fence(std::memory_order_acquire);
      if (generation_.load(std::memory_order_relaxed) != g) continue;
      seen = g;
      if (index >= tasks) continue;
      std::exception_ptr err;
      try {
        (*fn)(index);
      } catch (...) {
        err = std::current_exception();
      }
      if (err) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = err;
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // the caller may be parked on done_cv_, having checked pending_ under the mutex
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_one();
      }
    }
  }

  std::mutex busy_, mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  std::atomic<const std::function<void(int)>*> fn_{nullptr};
  std::atomic<int> tasks_{0}, pending_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;  // under mu_
};

}  // namespace

// The plan (cpu_plan.cpp) decides, after RNN_CPU_PLAN and RNN_SIMD: it needs AVX-512 F/VL/DQ that the
// OS saves (XCR0), as libgcc's check did before.
bool use_avx512() {
  static const bool yes = kernel_plan().avx512();
  return yes;
}

const char* simd_name() { return use_avx512() ? "avx512" : "baseline"; }

int num_threads() {
  rnn_init();
  return g_threads;
}

bool pool_stats(int64_t* regions, int64_t* cpu_ns) {
  *regions = g_regions.load(std::memory_order_relaxed);
  *cpu_ns = g_region_ns.load(std::memory_order_relaxed);
  return g_pool_stats;
}

static Pool* the_pool() {
  static Pool* pool = new Pool();  // never destroyed: workers may outlive static destruction order
  return pool;
}

void parallel_run(int tasks, const std::function<void(int)>& fn) { the_pool()->run(tasks, fn); }

void parallel_team(int tasks, const std::function<void(int, int)>& fn) {
  tasks = std::max(1, tasks);
  if (!the_pool()->run(tasks, [&](int t) { fn(t, tasks); }, true)) fn(0, 1);
}

void TeamBarrier::wait() {
  if (n_ <= 1) return;
  const int gen = gen_.load(std::memory_order_acquire);
  if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
    count_.store(0, std::memory_order_relaxed);
    {
      // under the mutex: a task about to park re-checks the generation under it
      std::lock_guard<std::mutex> lk(mu_);
      gen_.store(gen + 1, std::memory_order_release);
    }
    cv_.notify_all();  // no system call when nobody is parked
    return;
  }
  // the pool's spin-then-park: a partner a level behind usually arrives within microseconds; one
  // that was descheduled (a loaded machine, V8's own threads) gets the core back when we park
  auto passed = [&] { return gen_.load(std::memory_order_acquire) != gen; };
  if (Pool::spin_until(passed)) return;
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, passed);
}

}  // namespace rnn

extern "C" {

const char* rnn_version(void) { return RNN_NATIVE_VERSION; }

int rnn_init(void) {
  std::call_once(rnn::g_init_once, rnn::do_init);
  return RNN_OK;
}

int rnn_set_num_threads(int n) {
  rnn_init();
  RNN_REQUIRE(n >= 1 && n <= 1024, RNN_ERR_ARG, "rnn_set_num_threads: n must be in 1..1024, got %d", n);
  rnn::g_threads = n;
  return RNN_OK;
}

int rnn_get_num_threads(void) {
  rnn_init();
  return rnn::g_threads;
}

const char* rnn_simd(void) { return rnn::simd_name(); }

const char* rnn_cpu_plan(void) {
  static const std::string json = rnn::cpu_plan_json(rnn::cpu_probe(), rnn::kernel_plan());
  return json.c_str();
}

const char* rnn_blas_info(void) {
  rnn_init();
  return rnn::g_blas_info.c_str();
}

}  // extern "C"
