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

// `n` threads that keep a core busy until destroyed (load for the pool tests).
struct Hogs {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  explicit Hogs(int n) {
    for (int i = 0; i < n; ++i)
      threads.emplace_back([this] {
        volatile unsigned x = 0;
        while (!stop.load(std::memory_order_relaxed)) x = x + 1;
      });
  }
  ~Hogs() {
    stop = true;
    for (auto& t : threads) t.join();
  }
};

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
  Hogs hogs(3);
  CHECK(regions(10000, 3, 0));
  CHECK(regions(1000, 2, 5));
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

namespace {

// A team of `team_size` runs `steps` dependent steps: in step k every task adds k + 1 to its own
// slot and, after the barrier, checks every slot holds the same sum (what a level of a tree batch
// relies on: the previous level's rows, written by any task, are all there).
bool team_steps(int team_size, int steps) {
  std::vector<long> slot(size_t(team_size), 0);
  std::atomic<int> bad{0}, ran{0};
  rnn::TeamBarrier barrier(team_size);
  rnn::parallel_team(team_size, [&](int t, int team) {
    ran.fetch_add(1);
    if (team != team_size) bad.fetch_add(1);
    long want = 0;
    for (int k = 0; k < steps; ++k) {
      slot[size_t(t)] += k + 1;
      want += k + 1;
      barrier.wait();
      for (int j = 0; j < team; ++j)
        if (slot[size_t(j)] != want) bad.fetch_add(1);
      barrier.wait();  // nobody writes step k + 1 before everyone has read step k
    }
  });
  return bad.load() == 0 && ran.load() == team_size;
}

}  // namespace

TEST(pool, a_team_runs_at_once_through_ten_thousand_barriers) {
  CHECK(team_steps(2, 10000));
  CHECK(team_steps(3, 2000));
  CHECK(team_steps(1, 10));
  CHECK(regions(100, 3, 0));  // the pool goes on as before
}

TEST(pool, a_team_under_load) {
  // more runnable threads than cores: a task spinning at the barrier yields, the others get to run
  Hogs hogs(3);
  CHECK(team_steps(2, 3000));
  CHECK(team_steps(3, 300));
}

TEST(pool, a_team_while_the_pool_is_busy_is_the_caller_alone) {
  // another thread's region holds the pool: the team is then fn(0, 1) on the caller, never tasks
  // that would wait at a barrier for a partner that is not running
  std::atomic<bool> inside{false}, release{false};
  std::thread holder([&] {
    rnn::parallel_run(2, [&](int i) {
      if (i == 0) {
        inside = true;
        while (!release.load()) std::this_thread::yield();
      }
    });
  });
  while (!inside.load()) std::this_thread::yield();
  std::vector<int> seen;
  rnn::parallel_team(2, [&](int t, int team) { seen.push_back(t * 10 + team); });
  release = true;
  holder.join();
  CHECK(seen.size() == 1 && seen[0] == 1);
}
