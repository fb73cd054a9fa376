// Runs one group of the CUDA library's tests: rnn_cuda_{gpu,emu}_tests <group>.
//   checks      argument checks, no device needed (and none initialised: every bad call must be
//               refused before the library touches CUDA)
//   primitives  every primitive kernel against the CPU library
//   fused       the fused sequence, Tree-LSTM and Adam kernels against the CPU library
// Groups that need a device exit with 77 (ctest: skipped) and say why when none answers.
#include <cstring>

#include "cuda_harness.h"

int main(int argc, char** argv) {
  const char* only = argc > 1 ? argv[1] : nullptr;
  rnn_init();
  const bool needs_device = !only || std::strcmp(only, "checks") != 0;
  rnn_cuda_probe_result probe;
  rnn_cuda_probe(&probe);
  std::printf("rnn_cuda %s (%s build, archs %s): %d device(s), driver %d, runtime %d%s%s\n", rnn_cuda_version(),
              rnn_cuda_is_emulation() ? "emulation" : "GPU", rnn_cuda_archs(), probe.device_count,
              probe.driver_version, probe.runtime_version, probe.message[0] ? ": " : "", probe.message);
  if (needs_device) {
    if (probe.device_count == 0) {
      std::printf("SKIP: group '%s' needs a CUDA device and none answers (%s)\n", only ? only : "all", probe.message);
      return 77;
    }
    if (rnn_cuda_init(0) != RNN_OK) {
      std::fprintf(stderr, "rnn_cuda_init failed: %s\n", rnn_cuda_last_error());
      return 1;
    }
    rnn_cuda_device_info info;
    rnn_cuda_get_device_info(&info);
    std::printf("device %d: %s (sm_%d%d, %d SMs); GEMM: %s\n", info.device, info.name, info.major, info.minor,
                info.multiprocessors, rnn_cuda_gemm_info());
  }
  return th::run(only);
}
