// Runs the registered tests, optionally only those of one group: rnn_native_tests [group].
#include <cstring>

#include "harness.h"

namespace th {
std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}
int failures = 0;
long checks = 0;
}  // namespace th

int main(int argc, char** argv) {
  const char* only = argc > 1 ? argv[1] : nullptr;
  rnn_init();
  std::printf("rnn_native %s on %s, %d threads\n", rnn_version(), rnn_blas_info(), rnn_get_num_threads());
  int ran = 0;
  for (const auto& c : th::registry()) {
    if (only && std::strcmp(only, c.group) != 0) continue;
    const int before = th::failures;
    c.fn();
    ++ran;
    std::printf("%s %s.%s\n", th::failures == before ? "ok  " : "FAIL", c.group, c.name);
  }
  if (ran == 0) {
    std::fprintf(stderr, "no tests matched '%s'\n", only ? only : "");
    return 1;
  }
  std::printf("%d tests, %ld checks, %d failed\n", ran, th::checks, th::failures);
  return th::failures == 0 ? 0 : 1;
}
