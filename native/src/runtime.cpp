// Runtime state of the CPU library: thread count and pool, RNN_SIMD, BLAS identification. (Errors
// live in the shared core: core/errors.cpp.)
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

#include "blas.h"
#include "common.h"
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

static void do_init() {
  int n = available_cpus();
  if (const char* env = std::getenv("RNN_NUM_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1 && v <= 1024) n = static_cast<int>(v);
    else std::fprintf(stderr, "rnn: ignoring RNN_NUM_THREADS='%s' (expected an integer >= 1)\n", env);
  }
  blas_set_threads(1);  // our pool slices large gemms (blas.h); OpenBLAS's own threads would spin
  g_threads = n;
  g_blas_info = blas_description();
}

namespace {

bool detect_avx512() {
#if defined(RNN_HAVE_AVX512_KERNELS) && defined(__GNUC__) && defined(__x86_64__)
  __builtin_cpu_init();
  // libgcc also checks that the OS saves the ZMM state (XCR0) before reporting these.
  const bool cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512dq");
#else
  const bool cpu = false;
#endif
  const char* env = std::getenv("RNN_SIMD");
  if (env && *env) {
    const std::string v = env;
    if (v == "baseline") return false;
    if (v != "avx512" && v != "auto")
      std::fprintf(stderr, "rnn: ignoring RNN_SIMD='%s' (expected auto, avx512 or baseline)\n", env);
    else if (v == "avx512" && !cpu)
      std::fprintf(stderr, "rnn: RNN_SIMD=avx512 but this CPU lacks AVX-512 F/VL/DQ; using the baseline kernels\n");
  }
  return cpu;
}

// A fixed set of workers woken per parallel_run (a generation counter under one mutex). Calls are
// coarse (a whole sequence per task), so a condition variable's wake-up latency does not matter.
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void run(int tasks, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || tasks <= 1) {
      for (int i = 0; i < tasks; ++i) fn(i);
      return;
    }
    ensure_workers(tasks - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      tasks_ = tasks;
      pending_ = tasks - 1;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    std::exception_ptr mine;
    try {
      fn(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    fn_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void ensure_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      const int index = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, index] { loop(index); });
    }
  }

  void loop(int index) {
    rnn::flush_denormals_on_this_thread();  // this thread runs nothing but kernels (denormals.h)
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= tasks_) continue;
      const std::function<void(int)>* fn = fn_;
      lk.unlock();
      std::exception_ptr err;
      try {
        (*fn)(index);
      } catch (...) {
        err = std::current_exception();
      }
      lk.lock();
      if (err && !error_) error_ = err;
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  std::mutex busy_, mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* fn_ = nullptr;
  int tasks_ = 0, pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace

bool use_avx512() {
  static const bool yes = detect_avx512();
  return yes;
}

const char* simd_name() { return use_avx512() ? "avx512" : "baseline"; }

int num_threads() {
  rnn_init();
  return g_threads;
}

void parallel_run(int tasks, const std::function<void(int)>& fn) {
  static Pool* pool = new Pool();  // never destroyed: workers may outlive static destruction order
  pool->run(tasks, fn);
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

const char* rnn_blas_info(void) {
  rnn_init();
  return rnn::g_blas_info.c_str();
}

}  // extern "C"
