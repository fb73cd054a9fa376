// Runs the registered tests, optionally only those of one group: rnn_native_tests [group].
#include "harness.h"

int main(int argc, char** argv) {
  rnn_init();
  std::printf("rnn_native %s on %s, %d threads\n", rnn_version(), rnn_blas_info(), rnn_get_num_threads());
  return th::run(argc > 1 ? argv[1] : nullptr);
}
