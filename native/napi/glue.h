// The Node glue of every kernel, written once over a storage abstraction `Dev` and compiled into
// both addons: rnn_native.node (Dev = HostDevice, addon/addon.cpp: typed arrays in host memory)
// and rnn_cuda.node (Dev = CudaDevice, cuda/addon/buffer.h: DeviceBuffers).
//
// A binding converts its JS arguments (args.h), allocates the outputs and calls the C API. It
// checks what it needs to allocate safely — a primitive's element counts against the shapes it is
// given, before the output size is computed from them — and hands the fused kernels' arrays to the
// C API's own memory-safety checks (rnn_seq_check_args...). What a user can get wrong is checked
// before any of this, with user-facing messages, by @rnn/core's ops.
//
// What Dev provides (static members):
//   Buf                     a kernel argument: data(), dtype(), length(), present(), object() (its JS
//                           value); a default-constructed Buf is an absent one
//   arg / opt (env, v, fn, name)   a required / optional (null, undefined) argument
//   out (env, dtype, n)     a new output of n elements (the kernel writes every one)
//   kAsync                  the kernels block the thread (CPU): also export *Async variants
//   rnn_* kernels           RNN_KERNEL_TABLE(prefix): the C API of that device
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "core/cells/cell.h"
#include "src/denormals.h"
#include "worker.h"

// Names a device's C API in its Dev struct: Dev::unary is rnn_unary or rnn_cuda_unary, etc.
#define RNN_KERNEL_TABLE(P)                                     \
  static constexpr auto unary = &P##unary;                      \
  static constexpr auto binary = &P##binary;                    \
  static constexpr auto where = &P##where;                      \
  static constexpr auto cast = &P##cast;                        \
  static constexpr auto reduce = &P##reduce;                    \
  static constexpr auto argmax = &P##argmax;                    \
  static constexpr auto matmul = &P##matmul;                    \
  static constexpr auto transpose = &P##transpose;              \
  static constexpr auto slice = &P##slice;                      \
  static constexpr auto pad = &P##pad;                          \
  static constexpr auto concat = &P##concat;                    \
  static constexpr auto gather = &P##gather;                    \
  static constexpr auto scatter_add = &P##scatter_add;          \
  static constexpr auto seq_reserve_size = &P##seq_reserve_size; \
  static constexpr auto seq_forward = &P##seq_forward;          \
  static constexpr auto seq_backward = &P##seq_backward;        \
  static constexpr auto tree_forward = &P##tree_forward;        \
  static constexpr auto tree_backward = &P##tree_backward;      \
  static constexpr auto attn_forward = &P##attn_forward;        \
  static constexpr auto attn_backward = &P##attn_backward;      \
  static constexpr auto crf_nll_forward = &P##crf_nll_forward;  \
  static constexpr auto crf_nll_backward = &P##crf_nll_backward; \
  static constexpr auto crf_viterbi = &P##crf_viterbi;          \
  static constexpr auto conv1d_forward = &P##conv1d_forward;    \
  static constexpr auto conv1d_backward = &P##conv1d_backward;  \
  static constexpr auto adam_step = &P##adam_step;

namespace addon {

constexpr double kMaxElements = 9007199254740992.0;  // 2^53: what a JS length can hold

template <class Dev>
struct Glue {
  using Buf = typename Dev::Buf;

  // ---- helpers ----

  static void need(Napi::Env env, const Buf& b, int dtype, int64_t n, const char* fn, const char* name,
                   const std::string& shape) {
    need_dtype(env, b.dtype(), dtype, fn, name);
    need_length(env, b.length(), n, fn, name, shape);
  }
  static void need_count(Napi::Env env, const Buf& b, const std::vector<int64_t>& shape, const char* fn,
                         const char* name) {
    need_length(env, b.length(), numel(shape), fn, name, shape_str(shape));
  }
  static void not_too_large(Napi::Env env, double n, const char* fn) {
    if (n >= kMaxElements) throw_code(env, "E_SHAPE", std::string(fn) + ": output too large");
  }
  static Buf field(Napi::Env env, const Napi::Object& o, const char* fn, const char* name) {
    return Dev::arg(env, o.Get(name), fn, name);
  }
  static Buf field_opt(Napi::Env env, const Napi::Object& o, const char* fn, const char* name) {
    return Dev::opt(env, o.Get(name), fn, name);
  }
  static int64_t field_int(Napi::Env env, const Napi::Object& o, const char* fn, const char* name, int64_t lo,
                           int64_t hi) {
    return to_int(env, o.Get(name), fn, name, lo, hi);
  }
  static rnn_array_info info(const Buf& b) {
    return b.present() ? rnn_array_info{b.length(), b.dtype()} : rnn_array_info{-1, -1};
  }
  static rnn_array_info info(const Arr& a) {
    return a.present() ? rnn_array_info{int64_t(a.length), a.dtype} : rnn_array_info{-1, -1};
  }
  static void* ptr(const Buf& b) { return b.present() ? b.data() : nullptr; }
  static Napi::Value js(Napi::Env env, const Buf& b) { return b.present() ? Napi::Value(b.object()) : env.Null(); }
  static void keep(Job& job, std::initializer_list<const Buf*> bufs) {
    for (const Buf* b : bufs)
      if (b->present()) job.keep.push_back(b->object());
  }
  static void run(Napi::Env env, int status) { check_status(env, status); }

  // ---- primitives: each returns its new output ----

  static Napi::Value Unary(const Napi::CallbackInfo& info) {
    const char* fn = "unary";
    Napi::Env env = info.Env();
    need_args(env, info, 2, fn);
    const int op = int(to_int(env, info[0], fn, "op", 0, RNN_UNARY_COUNT - 1));
    Buf x = Dev::arg(env, info[1], fn, "x");
    Buf y = Dev::out(env, x.dtype(), x.length());
    run(env, Dev::unary(x.dtype(), op, x.data(), y.data(), x.length()));
    return js(env, y);
  }

  static Napi::Value Binary(const Napi::CallbackInfo& info) {
    const char* fn = "binary";
    Napi::Env env = info.Env();
    need_args(env, info, 6, fn);
    const int op = int(to_int(env, info[0], fn, "op", 0, RNN_BINARY_COUNT - 1));
    Buf a = Dev::arg(env, info[1], fn, "a");
    auto as = to_shape(env, info[2], fn, "a shape");
    Buf b = Dev::arg(env, info[3], fn, "b");
    auto bs = to_shape(env, info[4], fn, "b shape");
    auto os = to_shape(env, info[5], fn, "output shape");
    need_dtype(env, b.dtype(), a.dtype(), fn, "b");
    need_count(env, a, as, fn, "a");
    need_count(env, b, bs, fn, "b");
    need_broadcast(env, as, os, fn, "a");
    need_broadcast(env, bs, os, fn, "b");
    Buf out = Dev::out(env, a.dtype(), numel(os));
    run(env, Dev::binary(a.dtype(), op, a.data(), as.data(), int(as.size()), b.data(), bs.data(), int(bs.size()),
                         out.data(), os.data(), int(os.size())));
    return js(env, out);
  }

  static Napi::Value Where(const Napi::CallbackInfo& info) {
    const char* fn = "where";
    Napi::Env env = info.Env();
    need_args(env, info, 7, fn);
    Buf c = Dev::arg(env, info[0], fn, "cond");
    auto cs = to_shape(env, info[1], fn, "cond shape");
    Buf a = Dev::arg(env, info[2], fn, "a");
    auto as = to_shape(env, info[3], fn, "a shape");
    Buf b = Dev::arg(env, info[4], fn, "b");
    auto bs = to_shape(env, info[5], fn, "b shape");
    auto os = to_shape(env, info[6], fn, "output shape");
    need_dtype(env, c.dtype(), a.dtype(), fn, "cond");
    need_dtype(env, b.dtype(), a.dtype(), fn, "b");
    need_count(env, c, cs, fn, "cond");
    need_count(env, a, as, fn, "a");
    need_count(env, b, bs, fn, "b");
    need_broadcast(env, cs, os, fn, "cond");
    need_broadcast(env, as, os, fn, "a");
    need_broadcast(env, bs, os, fn, "b");
    Buf out = Dev::out(env, a.dtype(), numel(os));
    run(env, Dev::where(a.dtype(), c.data(), cs.data(), int(cs.size()), a.data(), as.data(), int(as.size()), b.data(),
                        bs.data(), int(bs.size()), out.data(), os.data(), int(os.size())));
    return js(env, out);
  }

  static Napi::Value Reduce(const Napi::CallbackInfo& info) {
    const char* fn = "reduce";
    Napi::Env env = info.Env();
    need_args(env, info, 4, fn);
    const int op = int(to_int(env, info[0], fn, "op", 0, RNN_REDUCE_COUNT - 1));
    Buf x = Dev::arg(env, info[1], fn, "x");
    auto s = to_shape(env, info[2], fn, "shape");
    auto axes = to_ints(env, info[3], fn, "axes", int(s.size()) - 1);
    need_count(env, x, s, fn, "x");
    std::vector<bool> red(s.size(), false);
    for (int a : axes) {
      if (red[size_t(a)]) throw_code(env, "E_VALUE", "reduce: axis " + std::to_string(a) + " is listed twice");
      red[size_t(a)] = true;
    }
    int64_t on = 1;
    for (size_t d = 0; d < s.size(); ++d)
      if (!red[d]) on *= s[d];
    Buf out = Dev::out(env, x.dtype(), on);
    run(env, Dev::reduce(x.dtype(), op, x.data(), s.data(), int(s.size()), axes.data(), int(axes.size()), out.data()));
    return js(env, out);
  }

  static Napi::Value Argmax(const Napi::CallbackInfo& info) {
    const char* fn = "argmax";
    Napi::Env env = info.Env();
    need_args(env, info, 3, fn);
    Buf x = Dev::arg(env, info[0], fn, "x");
    auto s = to_shape(env, info[1], fn, "shape");
    if (s.empty()) throw_code(env, "E_SHAPE", "argmax: x must have rank >= 1");
    const int axis = int(to_int(env, info[2], fn, "axis", 0, int64_t(s.size()) - 1));
    need_count(env, x, s, fn, "x");
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= s[size_t(d)];
    for (size_t d = size_t(axis) + 1; d < s.size(); ++d) inner *= s[d];
    Buf out = Dev::out(env, RNN_I32, outer * inner);
    run(env, Dev::argmax(x.dtype(), x.data(), outer, s[size_t(axis)], inner, static_cast<int32_t*>(out.data())));
    return js(env, out);
  }

  static Napi::Value Matmul(const Napi::CallbackInfo& info) {
    const char* fn = "matmul";
    Napi::Env env = info.Env();
    need_args(env, info, 6, fn);
    Buf a = Dev::arg(env, info[0], fn, "a");
    auto as = to_shape(env, info[1], fn, "a shape");
    Buf b = Dev::arg(env, info[2], fn, "b");
    auto bs = to_shape(env, info[3], fn, "b shape");
    const bool ta = to_bool(env, info[4], fn, "transA"), tb = to_bool(env, info[5], fn, "transB");
    need_dtype(env, b.dtype(), a.dtype(), fn, "b");
    if (as.size() < 2 || as.size() > 3 || bs.size() < 2 || bs.size() > 3)
      throw_code(env, "E_SHAPE", "matmul: operands must have rank 2 or 3, got " + shape_str(as) + " and " + shape_str(bs));
    need_count(env, a, as, fn, "a");
    need_count(env, b, bs, fn, "b");
    const int64_t ab = as.size() == 3 ? as[0] : 0, bb = bs.size() == 3 ? bs[0] : 0;
    if (as.size() == 3 && bs.size() == 3 && ab != bb)
      throw_code(env, "E_SHAPE", "matmul: batch dims differ: " + shape_str(as) + " and " + shape_str(bs));
    const int64_t ar = as[as.size() - 2], ac = as[as.size() - 1], br = bs[bs.size() - 2], bc = bs[bs.size() - 1];
    const int64_t M = ta ? ac : ar, K = ta ? ar : ac, K2 = tb ? bc : br, N = tb ? br : bc;
    if (K != K2)
      throw_code(env, "E_SHAPE", "matmul: inner dims differ: op(a) is [" + std::to_string(M) + ", " +
                                     std::to_string(K) + "], op(b) is [" + std::to_string(K2) + ", " +
                                     std::to_string(N) + "]");
    const int64_t batch = ab ? ab : (bb ? bb : 1);
    not_too_large(env, double(batch) * double(M) * double(N), fn);
    Buf out = Dev::out(env, a.dtype(), batch * M * N);
    run(env, Dev::matmul(a.dtype(), a.data(), ab, ar, ac, ta, b.data(), bb, br, bc, tb, out.data()));
    return js(env, out);
  }

  static Napi::Value Transpose(const Napi::CallbackInfo& info) {
    const char* fn = "transpose";
    Napi::Env env = info.Env();
    need_args(env, info, 3, fn);
    Buf x = Dev::arg(env, info[0], fn, "x");
    auto s = to_shape(env, info[1], fn, "shape");
    auto perm = to_ints(env, info[2], fn, "perm", int(s.size()) - 1);
    if (perm.size() != s.size())
      throw_code(env, "E_SHAPE", "transpose: perm has " + std::to_string(perm.size()) + " axes for shape " + shape_str(s));
    need_count(env, x, s, fn, "x");
    Buf out = Dev::out(env, x.dtype(), x.length());
    run(env, Dev::transpose(x.dtype(), x.data(), s.data(), int(s.size()), perm.data(), out.data()));
    return js(env, out);
  }

  static Napi::Value Slice(const Napi::CallbackInfo& info) {
    const char* fn = "slice";
    Napi::Env env = info.Env();
    need_args(env, info, 4, fn);
    Buf x = Dev::arg(env, info[0], fn, "x");
    auto s = to_shape(env, info[1], fn, "shape");
    auto begin = to_shape(env, info[2], fn, "begin");
    auto size = to_shape(env, info[3], fn, "size");
    if (begin.size() != s.size() || size.size() != s.size())
      throw_code(env, "E_SHAPE", "slice: begin " + shape_str(begin) + " and size " + shape_str(size) +
                                     " must have the rank of " + shape_str(s));
    need_count(env, x, s, fn, "x");
    for (size_t d = 0; d < s.size(); ++d)
      if (begin[d] + size[d] > s[d])
        throw_code(env, "E_SHAPE", "slice: begin " + shape_str(begin) + " + size " + shape_str(size) +
                                       " runs past shape " + shape_str(s) + " at axis " + std::to_string(d));
    Buf out = Dev::out(env, x.dtype(), numel(size));
    run(env, Dev::slice(x.dtype(), x.data(), s.data(), int(s.size()), begin.data(), size.data(), out.data()));
    return js(env, out);
  }

  static Napi::Value Pad(const Napi::CallbackInfo& info) {
    const char* fn = "pad";
    Napi::Env env = info.Env();
    need_args(env, info, 4, fn);
    Buf x = Dev::arg(env, info[0], fn, "x");
    auto s = to_shape(env, info[1], fn, "shape");
    auto before = to_shape(env, info[2], fn, "before");
    auto after = to_shape(env, info[3], fn, "after");
    if (before.size() != s.size() || after.size() != s.size())
      throw_code(env, "E_SHAPE", "pad: before " + shape_str(before) + " and after " + shape_str(after) +
                                     " must have the rank of " + shape_str(s));
    need_count(env, x, s, fn, "x");
    double total = 1;
    std::vector<int64_t> os(s.size());
    for (size_t d = 0; d < s.size(); ++d) {
      os[d] = s[d] + before[d] + after[d];
      total *= double(os[d]);
    }
    not_too_large(env, total, fn);
    Buf out = Dev::out(env, x.dtype(), numel(os));
    run(env, Dev::pad(x.dtype(), x.data(), s.data(), int(s.size()), before.data(), after.data(), out.data()));
    return js(env, out);
  }

  static Napi::Value Concat(const Napi::CallbackInfo& info) {
    const char* fn = "concat";
    Napi::Env env = info.Env();
    need_args(env, info, 3, fn);
    if (!info[0].IsArray() || !info[1].IsArray()) throw_code(env, "E_VALUE", "concat: expects (arrays[], shapes[], axis)");
    Napi::Array xs = info[0].As<Napi::Array>(), shapes = info[1].As<Napi::Array>();
    const uint32_t n = xs.Length();
    if (n == 0 || shapes.Length() != n)
      throw_code(env, "E_VALUE", "concat: needs at least one input and one shape per input (got " + std::to_string(n) +
                                     " inputs, " + std::to_string(shapes.Length()) + " shapes)");
    std::vector<Buf> bufs;
    std::vector<std::vector<int64_t>> ss;
    for (uint32_t k = 0; k < n; ++k) {
      bufs.push_back(Dev::arg(env, xs.Get(k), fn, "input"));
      ss.push_back(to_shape(env, shapes.Get(k), fn, "input shape"));
      need_dtype(env, bufs[k].dtype(), bufs[0].dtype(), fn, "input");
      need_count(env, bufs[k], ss[k], fn, "input");
    }
    const size_t r = ss[0].size();
    if (r == 0) throw_code(env, "E_SHAPE", "concat: inputs must have rank >= 1");
    const int axis = int(to_int(env, info[2], fn, "axis", 0, int64_t(r) - 1));
    std::vector<const void*> ptrs(n);
    std::vector<int64_t> sizes(n);
    std::vector<int64_t> os = ss[0];
    os[size_t(axis)] = 0;
    for (uint32_t k = 0; k < n; ++k) {
      if (ss[k].size() != r)
        throw_code(env, "E_SHAPE", "concat: input " + std::to_string(k) + " has shape " + shape_str(ss[k]) +
                                       ", rank differs from " + shape_str(ss[0]));
      for (size_t d = 0; d < r; ++d)
        if (int(d) != axis && ss[k][d] != ss[0][d])
          throw_code(env, "E_SHAPE", "concat: input " + std::to_string(k) + " has shape " + shape_str(ss[k]) +
                                         "; all dims but axis " + std::to_string(axis) + " must match " +
                                         shape_str(ss[0]));
      ptrs[k] = bufs[k].data();
      sizes[k] = ss[k][size_t(axis)];
      os[size_t(axis)] += sizes[k];
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= os[size_t(d)];
    for (size_t d = size_t(axis) + 1; d < r; ++d) inner *= os[d];
    not_too_large(env, double(numel(os)), fn);
    Buf out = Dev::out(env, bufs[0].dtype(), numel(os));
    run(env, Dev::concat(bufs[0].dtype(), ptrs.data(), sizes.data(), int(n), outer, inner, out.data()));
    return js(env, out);
  }

  static Napi::Value Gather(const Napi::CallbackInfo& info) {
    const char* fn = "gather";
    Napi::Env env = info.Env();
    need_args(env, info, 4, fn);
    Buf x = Dev::arg(env, info[0], fn, "x");
    auto s = to_shape(env, info[1], fn, "shape");
    Buf idx = Dev::arg(env, info[2], fn, "indices");
    auto is = to_shape(env, info[3], fn, "indices shape");
    need(env, idx, RNN_I32, numel(is), fn, "indices", shape_str(is));
    if (s.empty()) throw_code(env, "E_SHAPE", "gather: x must have rank >= 1");
    need_count(env, x, s, fn, "x");
    const int64_t row = numel(std::vector<int64_t>(s.begin() + 1, s.end()));
    not_too_large(env, double(idx.length()) * double(row), fn);
    Buf out = Dev::out(env, x.dtype(), idx.length() * row);
    run(env, Dev::gather(x.dtype(), x.data(), s[0], row, static_cast<const int32_t*>(idx.data()), idx.length(),
                         out.data()));
    return js(env, out);
  }

  static Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
    const char* fn = "scatterAdd";
    Napi::Env env = info.Env();
    need_args(env, info, 5, fn);
    Buf idx = Dev::arg(env, info[0], fn, "indices");
    auto is = to_shape(env, info[1], fn, "indices shape");
    Buf upd = Dev::arg(env, info[2], fn, "updates");
    auto us = to_shape(env, info[3], fn, "updates shape");
    const int64_t rows = to_int(env, info[4], fn, "numRows", 0, 2147483647);
    need(env, idx, RNN_I32, numel(is), fn, "indices", shape_str(is));
    need_count(env, upd, us, fn, "updates");
    bool prefix = is.size() <= us.size();
    for (size_t d = 0; prefix && d < is.size(); ++d) prefix = is[d] == us[d];
    if (!prefix)
      throw_code(env, "E_SHAPE", "scatterAdd: updates shape " + shape_str(us) + " must start with the indices shape " +
                                     shape_str(is));
    const int64_t row = numel(std::vector<int64_t>(us.begin() + int64_t(is.size()), us.end()));
    not_too_large(env, double(rows) * double(row), fn);
    Buf out = Dev::out(env, upd.dtype(), rows * row);
    run(env, Dev::scatter_add(upd.dtype(), static_cast<const int32_t*>(idx.data()), idx.length(), upd.data(), row,
                              rows, out.data()));
    return js(env, out);
  }

  static Napi::Value Cast(const Napi::CallbackInfo& info) {
    const char* fn = "cast";
    Napi::Env env = info.Env();
    need_args(env, info, 2, fn);
    Buf x = Dev::arg(env, info[0], fn, "x");
    const int dt = int(to_int(env, info[1], fn, "dtype", 0, 2));
    Buf out = Dev::out(env, dt, x.length());
    run(env, Dev::cast(x.dtype(), x.data(), dt, out.data(), x.length()));
    return js(env, out);
  }

  // ---- fused sequence kernels: options objects, sizes checked by rnn_seq_check_args ----

  struct Seq {
    rnn_seq_desc d{};
    Buf x, h0, c0, wih, whh;
    Arr lengths;  // host memory on every device
    rnn_array_info args[RNN_SEQ_ARG_COUNT];
  };

  static Seq read_seq(Napi::Env env, const Napi::Object& o, const char* fn) {
    Seq s;
    s.d.mode = int(field_int(env, o, fn, "mode", 0, RNN_MODE_COUNT - 1));
    s.d.batch = field_int(env, o, fn, "batch", 0, 2147483647);
    s.d.steps = field_int(env, o, fn, "steps", 0, 2147483647);
    s.d.input = field_int(env, o, fn, "input", 0, 2147483647);
    s.d.hidden = field_int(env, o, fn, "hidden", 0, 2147483647);
    s.d.reverse = to_bool(env, o.Get("reverse"), fn, "reverse") ? 1 : 0;
    s.x = field(env, o, fn, "x");
    s.d.dtype = s.x.dtype();
    s.h0 = field_opt(env, o, fn, "h0");
    s.c0 = s.d.mode == RNN_MODE_LSTM ? field_opt(env, o, fn, "c0") : Buf{};
    s.wih = field(env, o, fn, "weightIh");
    s.whh = field(env, o, fn, "weightHh");
    s.lengths = to_opt_arr(env, o.Get("lengths"), fn, "lengths");
    s.d.lengths = s.lengths.present() ? static_cast<const int32_t*>(s.lengths.data) : nullptr;
    for (auto& a : s.args) a = {-1, -1};
    s.args[RNN_SEQ_X] = info(s.x);
    s.args[RNN_SEQ_H0] = info(s.h0);
    s.args[RNN_SEQ_C0] = info(s.c0);
    s.args[RNN_SEQ_W_IH] = info(s.wih);
    s.args[RNN_SEQ_W_HH] = info(s.whh);
    s.args[RNN_SEQ_LENGTHS] = info(s.lengths);
    return s;
  }

  static Napi::Value SeqForward(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "sequenceForwardAsync" : "sequenceForward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Seq s = read_seq(env, o, fn);
    Buf bih = field(env, o, fn, "biasIh"), bhh = field(env, o, fn, "biasHh");
    const bool training = to_bool(env, o.Get("training"), fn, "training");
    // A recycled reserve (the CPU backend's pool) is checked like any other argument.
    Buf given = training ? field_opt(env, o, fn, "reserveOut") : Buf{};
    s.args[RNN_SEQ_B_IH] = info(bih);
    s.args[RNN_SEQ_B_HH] = info(bhh);
    s.args[RNN_SEQ_RESERVE] = info(given);
    run(env, rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.args));

    const int dt = s.d.dtype;
    const int64_t B = s.d.batch, T = s.d.steps, H = s.d.hidden;
    const bool lstm = s.d.mode == RNN_MODE_LSTM;
    Buf y = Dev::out(env, dt, B * T * H), hn = Dev::out(env, dt, B * H);
    Buf cn = lstm ? Dev::out(env, dt, B * H) : Buf{};
    Buf reserve = given.present() || !training ? given : Dev::out(env, dt, Dev::seq_reserve_size(&s.d));
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("y", js(env, y));
    job.result.Set("hN", js(env, hn));
    job.result.Set("cN", js(env, cn));
    job.result.Set("reserve", js(env, reserve));
    keep(job, {&s.x, &s.h0, &s.c0, &s.wih, &s.whh, &bih, &bhh, &reserve});
    if (s.lengths.present()) job.keep.push_back(s.lengths.ta);
    job.run = [d = s.d, x = ptr(s.x), h0 = ptr(s.h0), c0 = ptr(s.c0), wih = ptr(s.wih), whh = ptr(s.whh),
               bi = ptr(bih), bh = ptr(bhh), yp = ptr(y), hp = ptr(hn), cp = ptr(cn), rp = ptr(reserve)]() {
      return Dev::seq_forward(&d, x, h0, c0, wih, whh, bi, bh, yp, hp, cp, rp);
    };
    return finish(env, job, async);
  }

  // The inference forward that also records every step's gates and lstm's c_t (rnn_explain); CPU
  // only (addon/addon.cpp registers it): rnn_seq_forward_record.
  static Napi::Value SeqForwardRecord(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "sequenceForwardRecordAsync" : "sequenceForwardRecord";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Seq s = read_seq(env, o, fn);
    Buf bih = field(env, o, fn, "biasIh"), bhh = field(env, o, fn, "biasHh");
    s.args[RNN_SEQ_B_IH] = info(bih);
    s.args[RNN_SEQ_B_HH] = info(bhh);
    run(env, rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.args));

    const int dt = s.d.dtype;
    const int64_t B = s.d.batch, T = s.d.steps, H = s.d.hidden, GH = rnn::gates_of(s.d.mode) * H;
    const bool lstm = s.d.mode == RNN_MODE_LSTM;
    // the traces first: the most recently released arrays of their sizes (Dev::out's pool) go to
    // them rather than to y, whose size lstm's c trace shares; the kernel writes every element
    Buf gates = Dev::out(env, dt, B * T * GH), cells = lstm ? Dev::out(env, dt, B * T * H) : Buf{};
    Buf y = Dev::out(env, dt, B * T * H), hn = Dev::out(env, dt, B * H);
    Buf cn = lstm ? Dev::out(env, dt, B * H) : Buf{};
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("y", js(env, y));
    job.result.Set("hN", js(env, hn));
    job.result.Set("cN", js(env, cn));
    job.result.Set("gates", js(env, gates));
    job.result.Set("cells", js(env, cells));
    keep(job, {&s.x, &s.h0, &s.c0, &s.wih, &s.whh, &bih, &bhh, &gates, &cells});
    if (s.lengths.present()) job.keep.push_back(s.lengths.ta);
    job.run = [d = s.d, x = ptr(s.x), h0 = ptr(s.h0), c0 = ptr(s.c0), wih = ptr(s.wih), whh = ptr(s.whh),
               bi = ptr(bih), bh = ptr(bhh), yp = ptr(y), hp = ptr(hn), cp = ptr(cn), gp = ptr(gates),
               sp = ptr(cells)]() { return rnn_seq_forward_record(&d, x, h0, c0, wih, whh, bi, bh, yp, hp, cp, gp, sp); };
    return finish(env, job, async);
  }

  static Napi::Value SeqBackward(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "sequenceBackwardAsync" : "sequenceBackward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Seq s = read_seq(env, o, fn);
    const bool lstm = s.d.mode == RNN_MODE_LSTM;
    Buf reserve = field_opt(env, o, fn, "reserve");
    Buf dy = field_opt(env, o, fn, "dy"), dhn = field_opt(env, o, fn, "dhN");
    Buf dcn = lstm ? field_opt(env, o, fn, "dcN") : Buf{};
    s.args[RNN_SEQ_RESERVE] = info(reserve);
    s.args[RNN_SEQ_DY] = info(dy);
    s.args[RNN_SEQ_DH_N] = info(dhn);
    s.args[RNN_SEQ_DC_N] = info(dcn);
    run(env, rnn_seq_check_args(&s.d, RNN_PASS_BACKWARD, s.args));

    const int dt = s.d.dtype;
    const int64_t B = s.d.batch, T = s.d.steps, I = s.d.input, H = s.d.hidden, GH = rnn::gates_of(s.d.mode) * H;
    // needDx: false when x is data (no gradient wanted): dx is neither allocated nor computed.
    const Napi::Value nd = o.Get("needDx");
    const bool need_dx = nd.IsUndefined() || to_bool(env, nd, fn, "needDx");
    Buf dx = need_dx ? Dev::out(env, dt, B * T * I) : Buf{};
    Buf dh0 = Dev::out(env, dt, B * H), dc0 = lstm ? Dev::out(env, dt, B * H) : Buf{};
    Buf dwih = Dev::out(env, dt, GH * I), dwhh = Dev::out(env, dt, GH * H);
    Buf dbih = Dev::out(env, dt, GH), dbhh = Dev::out(env, dt, GH);
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("dx", js(env, dx));
    job.result.Set("dh0", js(env, dh0));
    job.result.Set("dc0", js(env, dc0));
    job.result.Set("dWeightIh", js(env, dwih));
    job.result.Set("dWeightHh", js(env, dwhh));
    job.result.Set("dBiasIh", js(env, dbih));
    job.result.Set("dBiasHh", js(env, dbhh));
    keep(job, {&s.x, &s.h0, &s.c0, &s.wih, &s.whh, &reserve, &dy, &dhn, &dcn});
    if (s.lengths.present()) job.keep.push_back(s.lengths.ta);
    job.run = [d = s.d, x = ptr(s.x), h0 = ptr(s.h0), c0 = ptr(s.c0), wih = ptr(s.wih), whh = ptr(s.whh),
               rp = ptr(reserve), dyp = ptr(dy), dhp = ptr(dhn), dcp = ptr(dcn), a = ptr(dx), b = ptr(dh0),
               c = ptr(dc0), e = ptr(dwih), f = ptr(dwhh), g = ptr(dbih), h = ptr(dbhh)]() {
      return Dev::seq_backward(&d, x, h0, c0, wih, whh, rp, dyp, dhp, dcp, a, b, c, e, f, g, h);
    };
    return finish(env, job, async);
  }

  // ---- Tree-LSTM level: sizes checked by rnn_tree_check_args ----

  struct Tree {
    rnn_tree_desc d{};
    Buf x, hl, cl, hr, cr, w, wh;
    rnn_array_info args[RNN_TREE_ARG_COUNT];
  };

  static Tree read_tree(Napi::Env env, const Napi::Object& o, const char* fn) {
    Tree t;
    t.d.nodes = field_int(env, o, fn, "nodes", 0, 2147483647);
    t.d.input = field_int(env, o, fn, "input", 0, 2147483647);
    t.d.hidden = field_int(env, o, fn, "hidden", 0, 2147483647);
    t.x = field(env, o, fn, "x");
    t.d.dtype = t.x.dtype();
    t.hl = field(env, o, fn, "hL");
    t.cl = field(env, o, fn, "cL");
    t.hr = field(env, o, fn, "hR");
    t.cr = field(env, o, fn, "cR");
    t.w = field(env, o, fn, "weight");
    t.wh = field(env, o, fn, "weightH");
    for (auto& a : t.args) a = {-1, -1};
    const Buf* in[] = {&t.x, &t.hl, &t.cl, &t.hr, &t.cr, &t.w, &t.wh};
    for (int k = 0; k <= RNN_TREE_WH; ++k) t.args[k] = info(*in[k]);
    return t;
  }

  static Napi::Value TreeForward(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "treeLevelForwardAsync" : "treeLevelForward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Tree t = read_tree(env, o, fn);
    Buf b = field(env, o, fn, "bias");
    t.args[RNN_TREE_B] = info(b);
    run(env, rnn_tree_check_args(&t.d, RNN_PASS_FORWARD, t.args));
    const bool training = to_bool(env, o.Get("training"), fn, "training");
    const int dt = t.d.dtype;
    const int64_t N = t.d.nodes, H = t.d.hidden;
    Buf h = Dev::out(env, dt, N * H), c = Dev::out(env, dt, N * H);
    Buf reserve = training ? Dev::out(env, dt, rnn::kTreeReservePer * N * H) : Buf{};
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("h", js(env, h));
    job.result.Set("c", js(env, c));
    job.result.Set("reserve", js(env, reserve));
    keep(job, {&t.x, &t.hl, &t.cl, &t.hr, &t.cr, &t.w, &t.wh, &b});
    job.run = [d = t.d, x = ptr(t.x), hl = ptr(t.hl), cl = ptr(t.cl), hr = ptr(t.hr), cr = ptr(t.cr), w = ptr(t.w),
               wh = ptr(t.wh), bp = ptr(b), hp = ptr(h), cp = ptr(c), rp = ptr(reserve)]() {
      return Dev::tree_forward(&d, x, hl, cl, hr, cr, w, wh, bp, hp, cp, rp);
    };
    return finish(env, job, async);
  }

  static Napi::Value TreeBackward(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "treeLevelBackwardAsync" : "treeLevelBackward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Tree t = read_tree(env, o, fn);
    Buf reserve = field_opt(env, o, fn, "reserve");
    Buf dh = field_opt(env, o, fn, "dh"), dc = field_opt(env, o, fn, "dc");
    t.args[RNN_TREE_RESERVE] = info(reserve);
    t.args[RNN_TREE_DH] = info(dh);
    t.args[RNN_TREE_DC] = info(dc);
    run(env, rnn_tree_check_args(&t.d, RNN_PASS_BACKWARD, t.args));
    const int dt = t.d.dtype;
    const int64_t N = t.d.nodes, I = t.d.input, H = t.d.hidden, GH = rnn::kTreeGates * H;
    Buf dx = Dev::out(env, dt, N * I), dhl = Dev::out(env, dt, N * H), dcl = Dev::out(env, dt, N * H),
        dhr = Dev::out(env, dt, N * H), dcr = Dev::out(env, dt, N * H), dw = Dev::out(env, dt, GH * I),
        dwh = Dev::out(env, dt, GH * 2 * H), db = Dev::out(env, dt, GH);
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("dx", js(env, dx));
    job.result.Set("dhL", js(env, dhl));
    job.result.Set("dcL", js(env, dcl));
    job.result.Set("dhR", js(env, dhr));
    job.result.Set("dcR", js(env, dcr));
    job.result.Set("dWeight", js(env, dw));
    job.result.Set("dWeightH", js(env, dwh));
    job.result.Set("dBias", js(env, db));
    keep(job, {&t.x, &t.hl, &t.cl, &t.hr, &t.cr, &t.w, &t.wh, &reserve, &dh, &dc});
    job.run = [d = t.d, x = ptr(t.x), hl = ptr(t.hl), cl = ptr(t.cl), hr = ptr(t.hr), cr = ptr(t.cr), w = ptr(t.w),
               wh = ptr(t.wh), rp = ptr(reserve), dhp = ptr(dh), dcp = ptr(dc), a = ptr(dx), b = ptr(dhl),
               c = ptr(dcl), e = ptr(dhr), f = ptr(dcr), g = ptr(dw), h = ptr(dwh), k = ptr(db)]() {
      return Dev::tree_backward(&d, x, hl, cl, hr, cr, w, wh, rp, dhp, dcp, a, b, c, e, f, g, h, k);
    };
    return finish(env, job, async);
  }

  // ---- attention step: sizes checked by rnn_attn_check_args ----

  struct Attn {
    rnn_attn_desc d{};
    Buf q, k, val, v;
    Arr lengths;  // host memory on every device
    rnn_array_info args[RNN_ATTN_ARG_COUNT];
  };

  static Attn read_attn(Napi::Env env, const Napi::Object& o, const char* fn) {
    Attn a;
    a.d.score = int(field_int(env, o, fn, "score", 0, RNN_ATTN_SCORE_COUNT - 1));
    a.d.batch = field_int(env, o, fn, "batch", 0, 2147483647);
    a.d.queries = field_int(env, o, fn, "queries", 0, 2147483647);
    a.d.sources = field_int(env, o, fn, "sources", 0, 2147483647);
    a.d.features = field_int(env, o, fn, "features", 0, 2147483647);
    a.d.values = field_int(env, o, fn, "valueFeatures", 0, 2147483647);
    a.q = field(env, o, fn, "query");
    a.d.dtype = a.q.dtype();
    a.k = field(env, o, fn, "keys");
    a.val = field(env, o, fn, "values");
    a.v = a.d.score == RNN_ATTN_ADDITIVE ? field_opt(env, o, fn, "v") : Buf{};
    a.lengths = to_opt_arr(env, o.Get("lengths"), fn, "lengths");
    a.d.lengths = a.lengths.present() ? static_cast<const int32_t*>(a.lengths.data) : nullptr;
    for (auto& x : a.args) x = {-1, -1};
    a.args[RNN_ATTN_Q] = info(a.q);
    a.args[RNN_ATTN_K] = info(a.k);
    a.args[RNN_ATTN_VAL] = info(a.val);
    a.args[RNN_ATTN_V] = info(a.v);
    a.args[RNN_ATTN_LENGTHS] = info(a.lengths);
    return a;
  }

  static Napi::Value AttnForward(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "attentionForwardAsync" : "attentionForward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Attn a = read_attn(env, o, fn);
    run(env, rnn_attn_check_args(&a.d, RNN_PASS_FORWARD, a.args));
    const int dt = a.d.dtype;
    const int64_t rows = a.d.batch * a.d.queries;
    Buf context = Dev::out(env, dt, rows * a.d.values), weights = Dev::out(env, dt, rows * a.d.sources);
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("context", js(env, context));
    job.result.Set("weights", js(env, weights));
    keep(job, {&a.q, &a.k, &a.val, &a.v});
    if (a.lengths.present()) job.keep.push_back(a.lengths.ta);
    job.run = [d = a.d, q = ptr(a.q), k = ptr(a.k), val = ptr(a.val), v = ptr(a.v), c = ptr(context),
               w = ptr(weights)]() { return Dev::attn_forward(&d, q, k, val, v, c, w); };
    return finish(env, job, async);
  }

  static Napi::Value AttnBackward(const Napi::CallbackInfo& cb, bool async) {
    const char* fn = async ? "attentionBackwardAsync" : "attentionBackward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Attn a = read_attn(env, o, fn);
    Buf weights = field(env, o, fn, "weights");
    Buf dc = field_opt(env, o, fn, "dContext"), dw = field_opt(env, o, fn, "dWeights");
    a.args[RNN_ATTN_WEIGHTS] = info(weights);
    a.args[RNN_ATTN_DCONTEXT] = info(dc);
    a.args[RNN_ATTN_DWEIGHTS] = info(dw);
    run(env, rnn_attn_check_args(&a.d, RNN_PASS_BACKWARD, a.args));
    const int dt = a.d.dtype;
    const int64_t B = a.d.batch, Tq = a.d.queries, Ts = a.d.sources, D = a.d.features, Dv = a.d.values;
    Buf dq = Dev::out(env, dt, B * Tq * D), dk = Dev::out(env, dt, B * Ts * D), dval = Dev::out(env, dt, B * Ts * Dv);
    Buf dv = a.d.score == RNN_ATTN_ADDITIVE ? Dev::out(env, dt, D) : Buf{};
    Job job;
    job.result = Napi::Object::New(env);
    job.result.Set("dQuery", js(env, dq));
    job.result.Set("dKeys", js(env, dk));
    job.result.Set("dValues", js(env, dval));
    job.result.Set("dV", js(env, dv));
    keep(job, {&a.q, &a.k, &a.val, &a.v, &weights, &dc, &dw});
    if (a.lengths.present()) job.keep.push_back(a.lengths.ta);
    job.run = [d = a.d, q = ptr(a.q), k = ptr(a.k), val = ptr(a.val), v = ptr(a.v), w = ptr(weights), dcp = ptr(dc),
               dwp = ptr(dw), e = ptr(dq), f = ptr(dk), g = ptr(dval), h = ptr(dv)]() {
      return Dev::attn_backward(&d, q, k, val, v, w, dcp, dwp, e, f, g, h);
    };
    return finish(env, job, async);
  }

  // ---- linear-chain CRF: sizes checked by rnn_crf_check_args (short: sync only) ----

  struct Crf {
    rnn_crf_desc d{};
    Buf e, trans, start, end;
    Arr lengths, gold;  // host memory on every device
    rnn_array_info args[RNN_CRF_ARG_COUNT];
  };

  static Crf read_crf(Napi::Env env, const Napi::Object& o, const char* fn, bool loss) {
    Crf c;
    c.d.batch = field_int(env, o, fn, "batch", 0, 2147483647);
    c.d.steps = field_int(env, o, fn, "steps", 0, 2147483647);
    c.d.tags = field_int(env, o, fn, "numTags", 0, 2147483647);
    c.e = field(env, o, fn, "emissions");
    c.d.dtype = c.e.dtype();
    c.trans = field(env, o, fn, "transitions");
    c.start = field_opt(env, o, fn, "start");
    c.end = field(env, o, fn, "end");
    c.lengths = to_arr(env, o.Get("lengths"), fn, "lengths");
    c.d.lengths = static_cast<const int32_t*>(c.lengths.data);
    if (loss) {
      c.gold = to_arr(env, o.Get("tags"), fn, "tags");
      c.d.gold = static_cast<const int32_t*>(c.gold.data);
    }
    for (auto& a : c.args) a = {-1, -1};
    c.args[RNN_CRF_EMISSIONS] = info(c.e);
    c.args[RNN_CRF_TRANS] = info(c.trans);
    c.args[RNN_CRF_START] = info(c.start);
    c.args[RNN_CRF_END] = info(c.end);
    c.args[RNN_CRF_LENGTHS] = info(c.lengths);
    c.args[RNN_CRF_GOLD] = info(c.gold);
    return c;
  }

  static Napi::Value CrfForward(const Napi::CallbackInfo& cb) {
    const char* fn = "crfNllForward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Crf c = read_crf(env, o, fn, true);
    run(env, rnn_crf_check_args(&c.d, RNN_PASS_FORWARD, c.args));
    const bool training = to_bool(env, o.Get("training"), fn, "training");
    const int64_t B = c.d.batch, n = B * c.d.steps * c.d.tags + B;
    Buf nll = Dev::out(env, c.d.dtype, B);
    Buf reserve = training ? Dev::out(env, c.d.dtype, n) : Buf{};
    run(env, Dev::crf_nll_forward(&c.d, ptr(c.e), ptr(c.trans), ptr(c.start), ptr(c.end), ptr(nll), ptr(reserve)));
    return fields(env)("nll", js(env, nll))("reserve", js(env, reserve)).object;
  }

  static Napi::Value CrfBackward(const Napi::CallbackInfo& cb) {
    const char* fn = "crfNllBackward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Crf c = read_crf(env, o, fn, true);
    Buf reserve = field_opt(env, o, fn, "reserve"), dnll = field(env, o, fn, "dnll");
    c.args[RNN_CRF_RESERVE] = info(reserve);
    c.args[RNN_CRF_DNLL] = info(dnll);
    run(env, rnn_crf_check_args(&c.d, RNN_PASS_BACKWARD, c.args));
    const int dt = c.d.dtype;
    const int64_t B = c.d.batch, T = c.d.steps, K = c.d.tags;
    Buf de = Dev::out(env, dt, B * T * K), dtr = Dev::out(env, dt, K * K), dst = Dev::out(env, dt, K),
        den = Dev::out(env, dt, K);
    run(env, Dev::crf_nll_backward(&c.d, ptr(c.e), ptr(c.trans), ptr(c.end), ptr(reserve), ptr(dnll), ptr(de),
                                   ptr(dtr), ptr(dst), ptr(den)));
    return fields(env)("dEmissions", js(env, de))("dTransitions", js(env, dtr))("dStart", js(env, dst))(
               "dEnd", js(env, den))
        .object;
  }

  static Napi::Value CrfViterbi(const Napi::CallbackInfo& cb) {
    const char* fn = "crfViterbi";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Crf c = read_crf(env, o, fn, false);
    run(env, rnn_crf_check_args(&c.d, RNN_PASS_VITERBI, c.args));
    const int64_t B = c.d.batch, T = c.d.steps;
    Arr tags = new_arr(env, RNN_I32, size_t(B * T)), scores = new_arr(env, RNN_F64, size_t(B));
    run(env, Dev::crf_viterbi(&c.d, ptr(c.e), ptr(c.trans), ptr(c.start), ptr(c.end),
                              static_cast<int32_t*>(tags.data), static_cast<double*>(scores.data)));
    return fields(env)("tags", tags.ta)("scores", scores.ta).object;
  }

  // ---- 1-D convolution: sizes checked by rnn_conv1d_check_args ----

  static rnn_conv1d_desc read_conv(Napi::Env env, const Napi::Object& o, const char* fn, const Buf& x) {
    rnn_conv1d_desc d{};
    d.dtype = x.dtype();
    d.batch = field_int(env, o, fn, "batch", 0, 2147483647);
    d.steps = field_int(env, o, fn, "steps", 0, 2147483647);
    d.in_channels = field_int(env, o, fn, "inChannels", 0, 2147483647);
    d.out_channels = field_int(env, o, fn, "outChannels", 0, 2147483647);
    d.kernel = field_int(env, o, fn, "kernel", 0, 2147483647);
    d.padding = field_int(env, o, fn, "padding", 0, 2147483647);
    return d;
  }

  static Napi::Value Conv1dForward(const Napi::CallbackInfo& cb) {
    const char* fn = "conv1dForward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Buf x = field(env, o, fn, "x"), w = field(env, o, fn, "weight"), b = field_opt(env, o, fn, "bias");
    rnn_conv1d_desc d = read_conv(env, o, fn, x);
    const rnn_array_info args[RNN_CONV1D_ARG_COUNT] = {info(x), info(w), info(b), {-1, -1}};
    run(env, rnn_conv1d_check_args(&d, RNN_PASS_FORWARD, args));
    Buf y = Dev::out(env, d.dtype, d.batch * (d.steps + 2 * d.padding - d.kernel + 1) * d.out_channels);
    run(env, Dev::conv1d_forward(&d, ptr(x), ptr(w), ptr(b), ptr(y)));
    return js(env, y);
  }

  static Napi::Value Conv1dBackward(const Napi::CallbackInfo& cb) {
    const char* fn = "conv1dBackward";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Buf x = field(env, o, fn, "x"), w = field(env, o, fn, "weight"), dy = field(env, o, fn, "dy");
    rnn_conv1d_desc d = read_conv(env, o, fn, x);
    const rnn_array_info args[RNN_CONV1D_ARG_COUNT] = {info(x), info(w), {-1, -1}, info(dy)};
    run(env, rnn_conv1d_check_args(&d, RNN_PASS_BACKWARD, args));
    const bool need_dx = to_bool(env, o.Get("needDx"), fn, "needDx");
    const bool has_bias = to_bool(env, o.Get("hasBias"), fn, "hasBias");
    Buf dx = need_dx ? Dev::out(env, d.dtype, d.batch * d.steps * d.in_channels) : Buf{};
    Buf dw = Dev::out(env, d.dtype, d.out_channels * d.in_channels * d.kernel);
    Buf db = has_bias ? Dev::out(env, d.dtype, d.out_channels) : Buf{};
    run(env, Dev::conv1d_backward(&d, ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db)));
    return fields(env)("dx", js(env, dx))("dWeight", js(env, dw))("dBias", js(env, db)).object;
  }

  // ---- Adam / AdamW, in place (short and memory-bound: sync only) ----

  static Napi::Value AdamStep(const Napi::CallbackInfo& cb) {
    const char* fn = "adamStep";
    Napi::Env env = cb.Env();
    Napi::Object o = need_object(env, cb, fn);
    Buf p = field(env, o, fn, "param"), g = field(env, o, fn, "grad"), m = field(env, o, fn, "m"),
        v = field(env, o, fn, "v");
    const rnn_array_info args[RNN_ADAM_ARG_COUNT] = {info(p), info(g), info(m), info(v)};
    run(env, rnn_adam_check_args(args));
    rnn_adam_params hp{};
    hp.lr = to_double(env, o.Get("lr"), fn, "lr");
    hp.beta1 = to_double(env, o.Get("beta1"), fn, "beta1");
    hp.beta2 = to_double(env, o.Get("beta2"), fn, "beta2");
    hp.eps = to_double(env, o.Get("eps"), fn, "eps");
    hp.weight_decay = to_double(env, o.Get("weightDecay"), fn, "weightDecay");
    hp.step = field_int(env, o, fn, "step", 1, int64_t(1) << 52);
    hp.decoupled = to_bool(env, o.Get("decoupled"), fn, "decoupled") ? 1 : 0;
    run(env, Dev::adam_step(p.dtype(), p.data(), g.data(), m.data(), v.data(), p.length(), &hp));
    return env.Undefined();
  }

  // ---- registration ----

  static Napi::Object codes(Napi::Env env, std::initializer_list<std::pair<const char*, int>> entries) {
    Napi::Object o = Napi::Object::New(env);
    for (const auto& [name, code] : entries) o.Set(name, code);
    return o;
  }

  // The C enums by name, so the TypeScript side never hard-codes them.
  static Napi::Object all_codes(Napi::Env env) {
    Napi::Object c = Napi::Object::New(env);
    c.Set("dtype", codes(env, {{"float32", RNN_F32}, {"float64", RNN_F64}, {"int32", RNN_I32}}));
    c.Set("unary", codes(env, {{"neg", RNN_NEG}, {"exp", RNN_EXP}, {"log", RNN_LOG}, {"tanh", RNN_TANH},
                               {"sigmoid", RNN_SIGMOID}, {"relu", RNN_RELU}, {"sqrt", RNN_SQRT}, {"abs", RNN_ABS},
                               {"sign", RNN_SIGN}, {"square", RNN_SQUARE}, {"reciprocal", RNN_RECIPROCAL},
                               {"step", RNN_STEP}}));
    c.Set("binary", codes(env, {{"add", RNN_ADD}, {"sub", RNN_SUB}, {"mul", RNN_MUL}, {"div", RNN_DIV},
                                {"max", RNN_MAX}, {"min", RNN_MIN}, {"pow", RNN_POW}, {"gt", RNN_GT},
                                {"ge", RNN_GE}, {"eq", RNN_EQ}}));
    c.Set("reduce", codes(env, {{"sum", RNN_SUM}, {"max", RNN_RMAX}, {"min", RNN_RMIN}}));
    c.Set("mode", codes(env, {{"rnn_tanh", RNN_MODE_TANH}, {"rnn_relu", RNN_MODE_RELU}, {"lstm", RNN_MODE_LSTM},
                              {"gru", RNN_MODE_GRU}}));
    c.Set("score", codes(env, {{"dot", RNN_ATTN_DOT}, {"additive", RNN_ATTN_ADDITIVE}}));
    return c;
  }

  static void fused(Napi::Env env, Napi::Object exports, const char* name,
                    Napi::Value (*f)(const Napi::CallbackInfo&, bool)) {
    if (Dev::kAsync) return register_pair(env, exports, name, f);
    exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& i) {
      rnn::FlushDenormals flush;
      return f(i, false);
    }, name));
  }

  static void register_all(Napi::Env env, Napi::Object exports) {
    exports.Set("codes", all_codes(env));
    const std::pair<const char*, Napi::Value (*)(const Napi::CallbackInfo&)> ops[] = {
        {"unary", Unary},   {"binary", Binary},       {"where", Where},     {"reduce", Reduce},
        {"argmax", Argmax}, {"matmul", Matmul},       {"transpose", Transpose}, {"slice", Slice},
        {"pad", Pad},       {"concat", Concat},       {"gather", Gather},   {"scatterAdd", ScatterAdd},
        {"cast", Cast},     {"adamStep", AdamStep},   {"crfNllForward", CrfForward},
        {"crfNllBackward", CrfBackward}, {"crfViterbi", CrfViterbi}, {"conv1dForward", Conv1dForward},
        {"conv1dBackward", Conv1dBackward}};
    // every kernel runs with denormals flushed (src/denormals.h), JavaScript between them without
    for (const auto& [name, f] : ops) {
      exports.Set(name, Napi::Function::New(env, [f](const Napi::CallbackInfo& i) {
        rnn::FlushDenormals flush;
        return f(i);
      }, name));
    }
    fused(env, exports, "sequenceForward", SeqForward);
    fused(env, exports, "sequenceBackward", SeqBackward);
    fused(env, exports, "treeLevelForward", TreeForward);
    fused(env, exports, "treeLevelBackward", TreeBackward);
    fused(env, exports, "attentionForward", AttnForward);
    fused(env, exports, "attentionBackward", AttnBackward);
  }
};

}  // namespace addon
