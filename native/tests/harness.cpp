// The harness's registry and runner, shared by the CPU tests (main.cpp) and the CUDA ones
// (cuda/tests/main.cpp), which differ only in what they set up first.
#include <cstring>

#include "harness.h"

namespace th {

std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}
int failures = 0;
long checks = 0;

int run(const char* only, bool (*skip)(const Case&)) {
  int ran = 0;
  for (const auto& c : registry()) {
    if (only && std::strcmp(only, c.group) != 0) continue;
    if (skip && skip(c)) continue;
    const int before = failures;
    c.fn();
    ++ran;
    std::printf("%s %s.%s\n", failures == before ? "ok  " : "FAIL", c.group, c.name);
  }
  if (ran == 0) {
    std::fprintf(stderr, "no tests matched '%s'\n", only ? only : "");
    return 1;
  }
  std::printf("%d tests, %ld checks, %d failed\n", ran, checks, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace th
