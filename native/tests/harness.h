// A tiny test harness: TEST(group, name) registers a function; CHECK* record failures and go on.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "rnn_native.h"

namespace th {

struct Case {
  const char* group;
  const char* name;
  void (*fn)();
};

std::vector<Case>& registry();
extern int failures;
extern long checks;

// Runs the registered cases (only those of group `only` when given, less those `skip` rejects);
// prints one line per case and a summary. Returns the process exit status.
int run(const char* only, bool (*skip)(const Case&) = nullptr);

struct Registrar {
  Registrar(const char* g, const char* n, void (*fn)()) { registry().push_back({g, n, fn}); }
};

inline bool report(bool ok, const char* file, int line, const std::string& msg) {
  ++checks;
  if (!ok) {
    ++failures;
    if (failures <= 50) std::fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, msg.c_str());
  }
  return ok;
}

inline bool near(double a, double b, double tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= tol * (1.0 + std::fabs(b));
}

inline std::mt19937_64& rng() {
  static std::mt19937_64 r(12345);
  return r;
}

inline double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng()); }
inline int64_t randint(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng()); }

using Shape = std::vector<int64_t>;

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

template <class T>
std::vector<T> random_vec(size_t n, double lo = -1, double hi = 1) {
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(uniform(lo, hi));
  return v;
}

// (value, gradient) pairs: each gradient element is checked against the central difference of
// `loss` in that value element (step 1e-6, float64 throughout), within tol.
using GradPairs = std::vector<std::pair<std::vector<double>*, std::vector<double>*>>;
inline void central_differences(const GradPairs& ps, const std::function<double()>& loss, double tol, const char* file, int line) {
  const double eps = 1e-6;
  for (auto& [v, g] : ps)
    for (size_t i = 0; i < v->size(); ++i) {
      const double keep = (*v)[i];
      (*v)[i] = keep + eps;
      const double lp = loss();
      (*v)[i] = keep - eps;
      const double lm = loss();
      (*v)[i] = keep;
      const double fd = (lp - lm) / (2 * eps);
      report(near((*g)[i], fd, tol), file, line,
             "gradient ~ central difference at " + std::to_string(i) + ": " + std::to_string((*g)[i]) + " vs " + std::to_string(fd));
    }
}

}  // namespace th

#define CHECK_CENTRAL_DIFFERENCES(ps, loss, tol) th::central_differences((ps), (loss), (tol), __FILE__, __LINE__)

#define TEST(group, name)                                                        \
  static void test_##group##_##name();                                           \
  static th::Registrar reg_##group##_##name(#group, #name, test_##group##_##name); \
  static void test_##group##_##name()

#define CHECK(cond) th::report((cond), __FILE__, __LINE__, #cond)
#define CHECK_MSG(cond, msg) th::report((cond), __FILE__, __LINE__, (msg))
#define CHECK_OK(call)                                                                              \
  do {                                                                                              \
    int st_ = (call);                                                                               \
    th::report(st_ == RNN_OK, __FILE__, __LINE__, std::string(#call) + " -> " + rnn_last_error()); \
  } while (0)
#define CHECK_STATUS(call, expected)                                                                    \
  do {                                                                                                  \
    int st_ = (call);                                                                                   \
    th::report(st_ == (expected), __FILE__, __LINE__,                                                   \
               std::string(#call) + " returned " + std::to_string(st_) + ": " + rnn_last_error());      \
  } while (0)
#define CHECK_NEAR(a, b, tol)                                                                            \
  do {                                                                                                   \
    double a_ = static_cast<double>(a), b_ = static_cast<double>(b);                                     \
    th::report(th::near(a_, b_, (tol)), __FILE__, __LINE__,                                              \
               std::string(#a " ~ " #b ": ") + std::to_string(a_) + " vs " + std::to_string(b_));        \
  } while (0)
// Compares whole arrays; reports the first mismatch only.
#define CHECK_ALL_NEAR(got, want, n, tol)                                                                \
  do {                                                                                                   \
    for (size_t i_ = 0; i_ < static_cast<size_t>(n); ++i_) {                                             \
      double a_ = static_cast<double>((got)[i_]), b_ = static_cast<double>((want)[i_]);                  \
      ++th::checks;                                                                                      \
      if (!th::near(a_, b_, (tol))) {                                                                    \
        th::report(false, __FILE__, __LINE__,                                                            \
                   std::string(#got " vs " #want " at ") + std::to_string(i_) + ": " + std::to_string(a_) + \
                       " vs " + std::to_string(b_));                                                     \
        break;                                                                                           \
      }                                                                                                  \
    }                                                                                                    \
  } while (0)
