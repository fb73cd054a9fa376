// The thread pool (src/runtime.cpp): spin-then-park workers. Issue 22 asks for 10,000 short
// parallel regions under load that never hang; ctest's TIMEOUT turns a hang into a failure, and
// tools/sanitize/run.sh tsan runs this group under ThreadSanitizer.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../src/parallel.h"
#include "harness.h"

namespace {

// Every task of every region runs exactly once, and the region's effects are visible on return.
bool regions(int count, int tasks, int park_every) {
  std::vector<int> hits(size_t(tasks), 0);
  bool ok = true;
  for (int r = 0; r < count; ++r) {
    rnn::parallel_run(tasks, [&](int i) { hits[size_t(i)] += 1; });
    for (int i = 0; i < tasks; ++i) ok = ok && hits[size_t(i)] == r + 1;
    // now and then a gap longer than the spin, so the workers park and must be woken
    if (park_every > 0 && r % park_every == park_every - 1) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  return ok;
}

}  // namespace

TEST(pool, ten_thousand_short_regions) {
  CHECK(regions(10000, 2, 0));
  CHECK(regions(10000, 4, 0));
}

TEST(pool, regions_after_parking) {
  CHECK(regions(2000, 2, 7));
  CHECK(regions(2000, 3, 1));
}

TEST(pool, under_load) {
  // more runnable threads than cores: the spinning must give way and the parked must wake
  std::atomic<bool> stop{false};
  std::vector<std::thread> hogs;
  for (int i = 0; i < 3; ++i)
    hogs.emplace_back([&] {
      volatile unsigned x = 0;
      while (!stop.load(std::memory_order_relaxed)) x = x + 1;
    });
  CHECK(regions(10000, 3, 0));
  CHECK(regions(1000, 2, 5));
  stop = true;
  for (auto& t : hogs) t.join();
}

TEST(pool, exceptions_reach_the_caller_and_the_pool_goes_on) {
  for (int thrower = 0; thrower < 3; ++thrower) {
    bool caught = false;
    try {
      rnn::parallel_run(3, [&](int i) {
        if (i == thrower) throw std::runtime_error("task failed");
      });
    } catch (const std::runtime_error&) {
      caught = true;
    }
    CHECK(caught);
    CHECK(regions(100, 3, 0));
  }
}

TEST(pool, callers_on_two_threads) {
  // a second caller while the pool is busy runs its tasks itself, one after another
  std::atomic<int> bad{0};
  auto caller = [&] {
    for (int r = 0; r < 3000; ++r) {
      std::atomic<int> sum{0};
      rnn::parallel_run(3, [&](int i) { sum.fetch_add(i + 1); });
      if (sum.load() != 6) bad.fetch_add(1);
    }
  };
  std::thread a(caller), b(caller);
  a.join();
  b.join();
  CHECK(bad.load() == 0);
}
