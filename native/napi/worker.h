// Async kernel calls for the fused-kernel bindings of glue.h (devices whose kernels block: the CPU).
//
// Each binding first does everything that needs JS, on the main thread: read and check the options
// object, allocate the result arrays, and build a Job (the kernel call on raw pointers). The sync
// variant runs the job at once. The async variant (node-llama-cpp style) runs it on the libuv pool
// in a Napi::AsyncWorker that holds references to every array involved, so nothing is collected
// while the kernel runs, and settles a Promise; a kernel error is caught in Execute() and rejects it
// with the same message and `code` the sync variant would throw.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "args.h"
#include "src/denormals.h"

namespace addon {

struct Job {
  std::function<int()> run;
  Napi::Object result;
  std::vector<Napi::Object> keep;  // inputs the kernel reads (outputs are reachable from result)
};

class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, Job& job)
      : Napi::AsyncWorker(env, "rnn_native"), deferred_(Napi::Promise::Deferred::New(env)), run_(std::move(job.run)) {
    result_ = Napi::Persistent(job.result);
    for (auto& o : job.keep) keep_.push_back(Napi::Persistent(o));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    int st;
    rnn::FlushDenormals flush;  // on the libuv worker thread that runs the kernel
    try {
      st = run_();
    } catch (...) {  // the kernels do not throw, but nothing may escape a worker thread
      st = RNN_ERR_INTERNAL;
    }
    if (st != RNN_OK) {
      code_ = status_code(st);
      SetError(std::string(RNN_ADDON_PREFIX) + (st == RNN_ERR_INTERNAL && !*rnn_last_error() ? "internal error"
                                                                                          : rnn_last_error()));
    }
  }
  void OnOK() override { deferred_.Resolve(result_.Value()); }
  void OnError(const Napi::Error& e) override {
    Napi::Object err = e.Value();
    err.Set("code", Napi::String::New(Env(), code_));
    deferred_.Reject(err);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<int()> run_;
  Napi::ObjectReference result_;
  std::vector<Napi::ObjectReference> keep_;
  const char* code_ = "E_BACKEND";
};

inline Napi::Value finish(Napi::Env env, Job& job, bool async) {
  if (!async) {
    check_status(env, job.run());
    return job.result;
  }
  auto* w = new KernelWorker(env, job);  // deletes itself when done
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// Exports `name` (sync) and `nameAsync` (Promise) for a binding f(info, async).
inline void register_pair(Napi::Env env, Napi::Object exports, const char* name,
                          Napi::Value (*f)(const Napi::CallbackInfo&, bool)) {
  exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& i) {
    rnn::FlushDenormals flush;
    return f(i, false);
  }, name));
  const std::string an = std::string(name) + "Async";
  exports.Set(an, Napi::Function::New(env, [f](const Napi::CallbackInfo& i) { return f(i, true); }, an));
}

}  // namespace addon
