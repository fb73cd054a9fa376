// rnn_mpi.node: the few Open MPI calls data-parallel training needs (init, rank/size, broadcast,
// sum all-reduce, abort), over typed arrays, for @rnn/backend-native's `mpi` communicator.
//
// Every MPI call runs on ONE communication thread owned by this file (MPI_THREAD_FUNNELED): JS
// queues an operation and gets a handle back at once, so a gradient bucket's all-reduce
// (MPI_Iallreduce) progresses while the JS thread computes the rest of backward; `wait` blocks
// the JS thread only when it needs the result. While requests are in flight the thread polls
// MPI_Testsome: it yields for the first 50 µs after each start or completion (RNN_MPI_SPIN_US),
// then sleeps between polls — 20 µs while the JS thread is blocked in `wait` (the result is seen
// soon after it arrives), 200 µs while it computes (RNN_MPI_SLEEP_US), so on a machine with as
// many ranks as cores it does not steal the compute thread's core in wake-ups (20 µs throughout
// cost workload B at 2 ranks on 2 cores a few per cent). It never spins without bound: Open MPI's
// own MPI_Wait spins, and polling back to back while JS waited made an oversubscribed run (3 ranks
// on 2 busy cores) several times slower. (Calling MPI_Allreduce on the JS thread for small
// buffers was tried: 2 µs instead of 12 µs over shared memory, but 4–8 ms instead of 0.6 ms over
// TCP on a busy machine, so everything goes through this thread.)
#include <napi.h>
#include <mpi.h>

#include <dlfcn.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

enum Kind { kInit, kAllreduce, kBcast, kBarrier, kFinalize };

struct Op {
  Kind kind;
  void* buf = nullptr;
  int count = 0;
  MPI_Datatype type = MPI_BYTE;
  int root = 0;
  bool done = false;
  std::string error;
  MPI_Request req = MPI_REQUEST_NULL;
  Napi::ObjectReference keep;  // the JS buffer stays alive until the op is waited for
};

std::mutex mu;
std::condition_variable cv;
std::deque<Op*> queue;
std::unordered_map<int, std::unique_ptr<Op>> ops;
int nextId = 1;
std::thread worker;
bool started = false, finalized = false;
int worldRank = -1, worldSize = 0, threadLevel = -1;
// Rank 0's pid when it runs on this host (else 0): lets rank 1 speak when rank 0 is the one that died.
long long rank0Pid = 0;
// How long the communication thread yields between polls before it sleeps (RNN_MPI_SPIN_US).
long spinMicros = 50;
// How long it sleeps between polls after that, while the JS thread computes (RNN_MPI_SLEEP_US).
long sleepMicrosBetweenPolls = 200;
// JS threads blocked in waitFor (then the communication thread sleeps only kSleepWhileWaiting between polls).
std::atomic<int> waiters{0};
constexpr long kSleepWhileWaiting = 20;
std::string initError;

std::string mpiError(int rc, const char* what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  return std::string(what) + " failed: " + std::string(text, len);
}

// What a rank that mpirun is ending prints: one line, from rank 0 only (the others stay quiet so
// the job's output holds one line of ours next to mpirun's notice about the failed rank), or from
// rank 1 when rank 0 ran on this host and is gone.
void onTerm(int) {
  bool speak = worldRank == 0 || (worldRank == 1 && rank0Pid > 0 && kill((pid_t)rank0Pid, 0) != 0);
  if (speak) {
    const char msg[] =
        "rnn: distributed training stopped: another rank failed or was killed, so mpirun ended the job; "
        "no model file was written (resume from the last checkpoint with --resume)\n";
    ssize_t w = write(2, msg, sizeof(msg) - 1);
    (void)w;
    // mpirun forwards our stderr while it ends the job; give it time to read the line (it sends
    // SIGKILL only after odls_base_sigkill_timeout, 1 s by default)
    timespec ts{0, 300 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  _exit(1);
}

// A microsecond setting from the environment, 0..100000; anything else is reported and ignored
// (as the addon's RNN_NUM_THREADS and RNN_POOL_SPIN_US are).
long envMicros(const char* name, long fallback) {
  const char* env = getenv(name);
  if (!env) return fallback;
  char* end = nullptr;
  long v = strtol(env, &end, 10);
  if (end != env && *end == '\0' && v >= 0 && v <= 100000) return v;
  fprintf(stderr, "rnn: ignoring %s='%s' (expected an integer 0..100000)\n", name, env);
  return fallback;
}

void sleepMicros(long us) {
  timespec ts{0, us * 1000};
  nanosleep(&ts, nullptr);
}

// Runs one queued op; an all-reduce only starts (its request is polled by the loop).
void start(Op* op) {
  int rc = MPI_SUCCESS;
  switch (op->kind) {
    case kInit: {
      int argc = 0;
      char** argv = nullptr;
      rc = MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &threadLevel);
      if (rc == MPI_SUCCESS) {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &worldRank);
        MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
        char host[256] = {0};
        gethostname(host, sizeof(host) - 1);
        long long mine[2] = {(long long)getpid(), (long long)std::hash<std::string>()(host)};
        long long root[2] = {mine[0], mine[1]};
        MPI_Bcast(root, 2, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
        rank0Pid = root[1] == mine[1] ? root[0] : 0;
      } else {
        op->error = "MPI_Init_thread failed";
      }
      op->done = true;
      return;
    }
    case kAllreduce:
      rc = MPI_Iallreduce(MPI_IN_PLACE, op->buf, op->count, op->type, MPI_SUM, MPI_COMM_WORLD, &op->req);
      if (rc != MPI_SUCCESS) { op->error = mpiError(rc, "MPI_Iallreduce"); op->done = true; }
      return;
    case kBcast:
      rc = MPI_Bcast(op->buf, op->count, op->type, op->root, MPI_COMM_WORLD);
      break;
    case kBarrier:
      rc = MPI_Barrier(MPI_COMM_WORLD);
      break;
    case kFinalize:
      rc = MPI_Finalize();
      break;
  }
  if (rc != MPI_SUCCESS) op->error = mpiError(rc, op->kind == kBcast ? "MPI_Bcast" : op->kind == kBarrier ? "MPI_Barrier" : "MPI_Finalize");
  op->done = true;
}

void loop() {
  std::vector<Op*> inflight;
  std::vector<MPI_Request> reqs;
  std::vector<int> idx;
  auto idleSince = std::chrono::steady_clock::now();
  for (;;) {
    Op* next = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu);
      if (inflight.empty()) cv.wait(lock, [] { return !queue.empty(); });
      // Ops start in queue order on every rank (collectives must match); a blocking op waits for
      // the all-reduces before it, so order is kept.
      if (!queue.empty() && (queue.front()->kind == kAllreduce || inflight.empty())) {
        next = queue.front();
        queue.pop_front();
      }
    }
    if (next) {
      bool last = next->kind == kFinalize;
      start(next);
      if (next->kind == kAllreduce && !next->done) inflight.push_back(next);
      idleSince = std::chrono::steady_clock::now();
      {
        std::lock_guard<std::mutex> lock(mu);  // `done` is read under the lock by waitFor
      }
      cv.notify_all();
      if (last) return;
      continue;
    }
    if (inflight.empty()) continue;
    reqs.resize(inflight.size());
    idx.resize(inflight.size());
    for (size_t i = 0; i < inflight.size(); i++) reqs[i] = inflight[i]->req;
    int outcount = 0;
    int rc = MPI_Testsome((int)reqs.size(), reqs.data(), &outcount, idx.data(), MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS && outcount == MPI_UNDEFINED) outcount = 0;
    if (rc != MPI_SUCCESS) {
      std::lock_guard<std::mutex> lock(mu);
      for (Op* op : inflight) { op->error = mpiError(rc, "MPI_Iallreduce"); op->done = true; }
      inflight.clear();
      cv.notify_all();
      continue;
    }
    if (outcount > 0 && outcount != MPI_UNDEFINED) {
      std::lock_guard<std::mutex> lock(mu);
      for (int k = 0; k < outcount; k++) inflight[idx[k]]->done = true;
      std::vector<Op*> rest;
      for (Op* op : inflight) if (!op->done) rest.push_back(op);
      inflight.swap(rest);
      cv.notify_all();
      idleSince = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - idleSince < std::chrono::microseconds(spinMicros)) {
      sched_yield();
    } else {
      // short sleeps while JS waits (the result is seen soon after it arrives), long ones while it
      // computes; never an unbounded spin, which starves the ranks of an oversubscribed machine
      sleepMicros(waiters.load(std::memory_order_relaxed) > 0 ? kSleepWhileWaiting : sleepMicrosBetweenPolls);
    }
  }
}

int enqueue(Op* op) {
  std::lock_guard<std::mutex> lock(mu);
  int id = nextId++;
  ops.emplace(id, std::unique_ptr<Op>(op));
  queue.push_back(op);
  cv.notify_all();
  return id;
}

// Blocks the calling (JS) thread until op `id` is done; returns its error ("" when none).
std::string waitFor(int id) {
  std::unique_lock<std::mutex> lock(mu);
  auto it = ops.find(id);
  if (it == ops.end()) return "unknown or already waited-for handle " + std::to_string(id);
  Op* op = it->second.get();
  waiters.fetch_add(1, std::memory_order_relaxed);
  cv.wait(lock, [op] { return op->done; });
  waiters.fetch_sub(1, std::memory_order_relaxed);
  std::string err = op->error;
  ops.erase(it);
  return err;
}

void requireStarted(const Napi::Env& env, const char* what) {
  if (!started || finalized) throw Napi::Error::New(env, std::string("mpi: ") + what + " before init() or after finalize()");
}

MPI_Datatype typeOf(const Napi::Env& env, const Napi::TypedArray& a, bool reduce) {
  switch (a.TypedArrayType()) {
    case napi_float32_array: return MPI_FLOAT;
    case napi_float64_array: return MPI_DOUBLE;
    case napi_int32_array: return MPI_INT;
    case napi_uint8_array: if (!reduce) return MPI_BYTE; break;
    default: break;
  }
  throw Napi::TypeError::New(env, reduce ? "mpi: all-reduce takes a Float32Array, Float64Array or Int32Array"
                                         : "mpi: broadcast takes a Float32Array, Float64Array, Int32Array or Uint8Array");
}

Op* bufferOp(const Napi::CallbackInfo& info, Kind kind) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "mpi: expected a typed array");
  auto a = info[0].As<Napi::TypedArray>();
  auto op = new Op();
  op->kind = kind;
  op->type = typeOf(env, a, kind == kAllreduce);
  op->buf = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  op->count = static_cast<int>(a.ElementLength());
  op->keep = Napi::Persistent(info[0].As<Napi::Object>());
  if (kind == kBcast) op->root = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : 0;
  return op;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (finalized) throw Napi::Error::New(env, "mpi: init() after finalize(): MPI can be started once per process");
  if (!started) {
    // Open MPI loads its components (dlopen) expecting libmpi's symbols to be global; Node loads
    // this addon with RTLD_LOCAL, so promote libmpi first.
    dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    spinMicros = envMicros("RNN_MPI_SPIN_US", spinMicros);
    sleepMicrosBetweenPolls = envMicros("RNN_MPI_SLEEP_US", sleepMicrosBetweenPolls);
    worker = std::thread(loop);
    worker.detach();
    started = true;
    auto op = new Op();
    op->kind = kInit;
    std::string err = waitFor(enqueue(op));
    if (!err.empty()) {
      initError = err;
    } else {
      struct sigaction sa;
      std::memset(&sa, 0, sizeof(sa));
      sa.sa_handler = onTerm;
      sigaction(SIGTERM, &sa, nullptr);
    }
  }
  if (!initError.empty()) throw Napi::Error::New(env, "mpi: " + initError);
  auto out = Napi::Object::New(env);
  out.Set("rank", worldRank);
  out.Set("size", worldSize);
  out.Set("threadLevel", threadLevel);
  return out;
}

Napi::Value Start(const Napi::CallbackInfo& info, Kind kind, const char* what) {
  requireStarted(info.Env(), what);
  return Napi::Number::New(info.Env(), enqueue(bufferOp(info, kind)));
}

Napi::Value Iallreduce(const Napi::CallbackInfo& info) { return Start(info, kAllreduce, "iallreduce()"); }

Napi::Value Ibcast(const Napi::CallbackInfo& info) { return Start(info, kBcast, "broadcast()"); }

Napi::Value Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string err = waitFor(info[0].As<Napi::Number>().Int32Value());
  if (!err.empty()) throw Napi::Error::New(env, "mpi: " + err);
  return env.Undefined();
}

Napi::Value Test(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = ops.find(info[0].As<Napi::Number>().Int32Value());
  return Napi::Boolean::New(info.Env(), it == ops.end() || it->second->done);
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  requireStarted(info.Env(), "barrier()");
  auto op = new Op();
  op->kind = kBarrier;
  std::string err = waitFor(enqueue(op));
  if (!err.empty()) throw Napi::Error::New(info.Env(), "mpi: " + err);
  return info.Env().Undefined();
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  if (!started || finalized || !initError.empty()) return info.Env().Undefined();
  // leaving on purpose (done, or failing with every rank): mpirun ending us now is no news
  signal(SIGTERM, SIG_DFL);
  auto op = new Op();
  op->kind = kFinalize;
  std::string err = waitFor(enqueue(op));
  finalized = true;
  if (!err.empty()) throw Napi::Error::New(info.Env(), "mpi: " + err);
  return info.Env().Undefined();
}

// Ends every rank of the job (called by the rank that failed, after printing its message). Runs
// on the JS thread: the communication thread may be stuck in a collective the others never join.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 ? info[0].As<Napi::Number>().Int32Value() : 1;
  signal(SIGTERM, SIG_DFL);  // this rank printed why already
  if (started && !finalized && initError.empty()) MPI_Abort(MPI_COMM_WORLD, code);
  _exit(code);
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, len);
  auto nl = s.find_first_of("\n,");
  return Napi::String::New(info.Env(), nl == std::string::npos ? s : s.substr(0, nl));
}

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("iallreduce", Napi::Function::New(env, Iallreduce));
  exports.Set("ibroadcast", Napi::Function::New(env, Ibcast));
  exports.Set("wait", Napi::Function::New(env, Wait));
  exports.Set("test", Napi::Function::New(env, Test));
  exports.Set("barrier", Napi::Function::New(env, Barrier));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("version", Napi::Function::New(env, Version));
  return exports;
}

}  // namespace

NODE_API_MODULE(rnn_mpi, Register)
