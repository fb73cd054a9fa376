// The device layer: memory, copies and the stream, behind one small interface with two
// implementations: device_cuda.cu (the CUDA runtime) and device_emulation.cpp (host memory, for
// the emulation build). Everything above this file is the same code in both builds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common.h"

namespace rnn_cuda {

// RNN_ERR_DEVICE with a hint unless rnn_cuda_init has succeeded.
int require_init(const char* what);

// Device allocation from the stream-ordered pool. dev_free is stream-ordered too: queued work that
// reads the memory runs first.
int dev_alloc(void** ptr, size_t bytes, const char* what);
void dev_free(void* ptr);
int dev_h2d(void* dst, const void* src, size_t bytes, const char* what);
int dev_d2h(void* dst, const void* src, size_t bytes, const char* what);
int dev_d2d(void* dst, const void* src, size_t bytes, const char* what);
int dev_zero(void* ptr, size_t bytes, const char* what);
// Waits for the stream; reports a kernel fault, then a device-side index fault (fault_flag).
int dev_sync(const char* what);
// After queueing kernels: reports a launch error (bad configuration, no kernel image for this GPU).
int after_launch(const char* what);
// A device int kernels set (atomically) to a fault code; read and cleared by dev_sync.
int* fault_flag();
enum Fault { kFaultNone = 0, kFaultGather = 1, kFaultScatter = 2 };

// A workspace of n elements of T for the duration of one call (throws OutOfMemory, which guarded() reports).
template <class T>
class Workspace {
 public:
  explicit Workspace(int64_t n) {
    const size_t bytes = sizeof(T) * static_cast<size_t>(n > 0 ? n : 1);
    void* p = nullptr;
    if (dev_alloc(&p, bytes, "workspace") != RNN_OK) throw OutOfMemory(bytes, "device");
    ptr_ = static_cast<T*>(p);
  }
  ~Workspace() { dev_free(ptr_); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
};

}  // namespace rnn_cuda
