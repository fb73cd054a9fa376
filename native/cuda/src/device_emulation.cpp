// The device layer of the emulation build: "device" memory is host memory and kernels have
// already run when they return, so every copy is a memcpy and synchronising only reports faults.
// Allocations are tracked like the CUDA build's so rnn_cuda_bytes_in_use and the double-free
// guard behave the same.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "device.h"
#include "gemm.h"
#include "launch.h"

namespace rnn_cuda {
namespace {

bool g_ready = false;
int g_fault = kFaultNone;
std::mutex g_mu;
std::unordered_map<void*, size_t> g_sizes;
int64_t g_bytes = 0;

}  // namespace

int* fault_flag() { return &g_fault; }

int require_init(const char* what) {
  RNN_REQUIRE(g_ready, RNN_ERR_DEVICE, "%s: the CUDA backend is not initialised; call rnn_cuda_init first", what);
  return RNN_OK;
}

int dev_alloc(void** ptr, size_t bytes, const char* what) {
  RNN_TRY(require_init(what));
  if (bytes == 0) bytes = 1;
  // A "device" no larger than half the machine's memory, so an absurd request fails like a GPU's
  // would instead of being overcommitted and then touched.
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const double limit = pages > 0 && page > 0 ? 0.5 * double(pages) * double(page) : 1e12;
  RNN_REQUIRE(double(bytes) <= limit, RNN_ERR_ALLOC,
              "%s: out of (emulated device) memory allocating %zu bytes (the emulation allows %.0f)", what, bytes, limit);
  // Not zeroed, like device memory: kernels must write every element they promise to.
  void* p = std::malloc(bytes);
  RNN_REQUIRE(p, RNN_ERR_ALLOC, "%s: out of (emulated device) memory allocating %zu bytes", what, bytes);
  std::lock_guard<std::mutex> lock(g_mu);
  g_sizes[p] = bytes;
  g_bytes += static_cast<int64_t>(bytes);
  *ptr = p;
  return RNN_OK;
}

void dev_free(void* ptr) {
  if (!ptr) return;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_sizes.find(ptr);
    if (it == g_sizes.end()) return;
    g_bytes -= static_cast<int64_t>(it->second);
    g_sizes.erase(it);
  }
  std::free(ptr);
}

int dev_h2d(void* dst, const void* src, size_t bytes, const char* what) {
  if (bytes == 0) return RNN_OK;
  RNN_TRY(require_init(what));
  std::memcpy(dst, src, bytes);
  return RNN_OK;
}

int dev_d2h(void* dst, const void* src, size_t bytes, const char* what) {
  RNN_TRY(require_init(what));
  if (bytes) std::memcpy(dst, src, bytes);
  return dev_sync(what);
}

int dev_d2d(void* dst, const void* src, size_t bytes, const char* what) {
  if (bytes == 0 || dst == src) return RNN_OK;
  RNN_TRY(require_init(what));
  std::memmove(dst, src, bytes);
  return RNN_OK;
}

int dev_zero(void* ptr, size_t bytes, const char* what) {
  if (bytes == 0) return RNN_OK;
  RNN_TRY(require_init(what));
  std::memset(ptr, 0, bytes);
  return RNN_OK;
}

int dev_sync(const char* what) {
  RNN_TRY(require_init(what));
  const int code = g_fault;
  if (code == kFaultNone) return RNN_OK;
  g_fault = kFaultNone;
  const char* op = code == kFaultGather ? "gather" : code == kFaultScatter ? "scatterAdd" : "a kernel";
  return fail(RNN_ERR_INDEX,
              "%s: an earlier %s met an index out of range (found on the device, so reported at this sync); "
              "the out-of-range rows were skipped and that result is wrong: check the indices against the table size",
              what, op);
}

int after_launch(const char* /*what*/) { return RNN_OK; }

}  // namespace rnn_cuda

using namespace rnn_cuda;

extern "C" {

int rnn_cuda_probe(rnn_cuda_probe_result* out) {
  if (!out) return fail(RNN_ERR_ARG, "rnn_cuda_probe: out is null");
  std::memset(out, 0, sizeof *out);
  out->device_count = 1;  // the emulated device
  return RNN_OK;
}

int rnn_cuda_init(int device) {
  const char* what = "rnn_cuda_init";
  RNN_REQUIRE(device == 0, RNN_ERR_ARG, "%s: device %d does not exist (the emulation has device 0 only)", what, device);
  if (g_ready) return RNN_OK;
  g_ready = true;
  return gemm_init();
}

int rnn_cuda_get_device_info(rnn_cuda_device_info* out) {
  const char* what = "rnn_cuda_get_device_info";
  RNN_REQUIRE(out, RNN_ERR_ARG, "%s: out is null", what);
  RNN_TRY(require_init(what));
  std::memset(out, 0, sizeof *out);
  std::snprintf(out->name, sizeof out->name, "CPU emulation (no GPU)");
  out->multiprocessors = 1;
  return RNN_OK;
}

int rnn_cuda_is_emulation(void) { return 1; }
const char* rnn_cuda_archs(void) { return "emulation"; }

int64_t rnn_cuda_bytes_in_use(void) {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_bytes;
}

}  // extern "C"
