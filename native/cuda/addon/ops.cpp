// Bindings of the primitive kernels: each checks its DeviceBuffers against the shapes it is given
// (element counts, dtypes), allocates the result and queues the kernel. Same checks and messages
// as the CPU addon (native/addon/ops.cpp).
#include "ops.h"

#include <vector>

#include "buffer.h"

namespace cuda_addon {
namespace {

using addon::need_args;
using addon::numel;
using addon::shape_str;
using addon::to_bool;
using addon::to_int;
using addon::to_ints;
using addon::to_shape;

constexpr double kMaxElements = 9007199254740992.0;  // 2^53

DeviceBuffer* out_of(const Napi::Object& o) { return DeviceBuffer::Unwrap(o); }

Napi::Value Unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  Napi::Env env = info.Env();
  need_args(env, info, 2, fn);
  const int op = int(to_int(env, info[0], fn, "op", 0, RNN_UNARY_COUNT - 1));
  DeviceBuffer* x = to_buf(env, info[1], fn, "x");
  Napi::Object y = DeviceBuffer::Create(env, x->dtype(), x->length());
  check(env, rnn_cuda_unary(x->dtype(), op, x->data(), out_of(y)->data(), x->length()));
  return y;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  Napi::Env env = info.Env();
  need_args(env, info, 6, fn);
  const int op = int(to_int(env, info[0], fn, "op", 0, RNN_BINARY_COUNT - 1));
  DeviceBuffer* a = to_buf(env, info[1], fn, "a");
  auto as = to_shape(env, info[2], fn, "a shape");
  DeviceBuffer* b = to_buf(env, info[3], fn, "b");
  auto bs = to_shape(env, info[4], fn, "b shape");
  auto os = to_shape(env, info[5], fn, "output shape");
  need_dtype(env, b, a->dtype(), fn, "b");
  need_length(env, a, numel(as), fn, "a", shape_str(as));
  need_length(env, b, numel(bs), fn, "b", shape_str(bs));
  addon::need_broadcast(env, as, os, fn, "a");
  addon::need_broadcast(env, bs, os, fn, "b");
  Napi::Object out = DeviceBuffer::Create(env, a->dtype(), numel(os));
  check(env, rnn_cuda_binary(a->dtype(), op, a->data(), as.data(), int(as.size()), b->data(), bs.data(),
                             int(bs.size()), out_of(out)->data(), os.data(), int(os.size())));
  return out;
}

Napi::Value Where(const Napi::CallbackInfo& info) {
  const char* fn = "where";
  Napi::Env env = info.Env();
  need_args(env, info, 7, fn);
  DeviceBuffer* c = to_buf(env, info[0], fn, "cond");
  auto cs = to_shape(env, info[1], fn, "cond shape");
  DeviceBuffer* a = to_buf(env, info[2], fn, "a");
  auto as = to_shape(env, info[3], fn, "a shape");
  DeviceBuffer* b = to_buf(env, info[4], fn, "b");
  auto bs = to_shape(env, info[5], fn, "b shape");
  auto os = to_shape(env, info[6], fn, "output shape");
  need_dtype(env, c, a->dtype(), fn, "cond");
  need_dtype(env, b, a->dtype(), fn, "b");
  need_length(env, c, numel(cs), fn, "cond", shape_str(cs));
  need_length(env, a, numel(as), fn, "a", shape_str(as));
  need_length(env, b, numel(bs), fn, "b", shape_str(bs));
  addon::need_broadcast(env, cs, os, fn, "cond");
  addon::need_broadcast(env, as, os, fn, "a");
  addon::need_broadcast(env, bs, os, fn, "b");
  Napi::Object out = DeviceBuffer::Create(env, a->dtype(), numel(os));
  check(env, rnn_cuda_where(a->dtype(), c->data(), cs.data(), int(cs.size()), a->data(), as.data(), int(as.size()),
                            b->data(), bs.data(), int(bs.size()), out_of(out)->data(), os.data(), int(os.size())));
  return out;
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const char* fn = "reduce";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  const int op = int(to_int(env, info[0], fn, "op", 0, RNN_REDUCE_COUNT - 1));
  DeviceBuffer* x = to_buf(env, info[1], fn, "x");
  auto s = to_shape(env, info[2], fn, "shape");
  auto axes = to_ints(env, info[3], fn, "axes", int(s.size()) - 1);
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  std::vector<bool> red(s.size(), false);
  for (int a : axes) {
    if (red[size_t(a)]) throw_code(env, "E_VALUE", "reduce: axis " + std::to_string(a) + " is listed twice");
    red[size_t(a)] = true;
  }
  int64_t on = 1;
  for (size_t d = 0; d < s.size(); ++d)
    if (!red[d]) on *= s[d];
  Napi::Object out = DeviceBuffer::Create(env, x->dtype(), on);
  check(env, rnn_cuda_reduce(x->dtype(), op, x->data(), s.data(), int(s.size()), axes.data(), int(axes.size()),
                             out_of(out)->data()));
  return out;
}

Napi::Value Argmax(const Napi::CallbackInfo& info) {
  const char* fn = "argmax";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  DeviceBuffer* x = to_buf(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  if (s.empty()) throw_code(env, "E_SHAPE", "argmax: x must have rank >= 1");
  const int axis = int(to_int(env, info[2], fn, "axis", 0, int64_t(s.size()) - 1));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[size_t(d)];
  for (size_t d = size_t(axis) + 1; d < s.size(); ++d) inner *= s[d];
  Napi::Object out = DeviceBuffer::Create(env, RNN_I32, outer * inner);
  check(env, rnn_cuda_argmax(x->dtype(), x->data(), outer, s[size_t(axis)], inner,
                             static_cast<int32_t*>(out_of(out)->data())));
  return out;
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  const char* fn = "matmul";
  Napi::Env env = info.Env();
  need_args(env, info, 6, fn);
  DeviceBuffer* a = to_buf(env, info[0], fn, "a");
  auto as = to_shape(env, info[1], fn, "a shape");
  DeviceBuffer* b = to_buf(env, info[2], fn, "b");
  auto bs = to_shape(env, info[3], fn, "b shape");
  const bool ta = to_bool(env, info[4], fn, "transA"), tb = to_bool(env, info[5], fn, "transB");
  need_dtype(env, b, a->dtype(), fn, "b");
  if (as.size() < 2 || as.size() > 3 || bs.size() < 2 || bs.size() > 3)
    throw_code(env, "E_SHAPE", "matmul: operands must have rank 2 or 3, got " + shape_str(as) + " and " + shape_str(bs));
  need_length(env, a, numel(as), fn, "a", shape_str(as));
  need_length(env, b, numel(bs), fn, "b", shape_str(bs));
  const int64_t ab = as.size() == 3 ? as[0] : 0, bb = bs.size() == 3 ? bs[0] : 0;
  if (as.size() == 3 && bs.size() == 3 && ab != bb)
    throw_code(env, "E_SHAPE", "matmul: batch dims differ: " + shape_str(as) + " and " + shape_str(bs));
  const int64_t ar = as[as.size() - 2], ac = as[as.size() - 1], br = bs[bs.size() - 2], bc = bs[bs.size() - 1];
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac, K2 = tb ? bc : br, N = tb ? br : bc;
  if (K != K2)
    throw_code(env, "E_SHAPE", "matmul: inner dims differ: op(a) is [" + std::to_string(M) + ", " + std::to_string(K) +
                                   "], op(b) is [" + std::to_string(K2) + ", " + std::to_string(N) + "]");
  const int64_t batch = ab ? ab : (bb ? bb : 1);
  if (double(batch) * double(M) * double(N) >= kMaxElements) throw_code(env, "E_SHAPE", "matmul: output too large");
  Napi::Object out = DeviceBuffer::Create(env, a->dtype(), batch * M * N);
  check(env, rnn_cuda_matmul(a->dtype(), a->data(), ab, ar, ac, ta, b->data(), bb, br, bc, tb, out_of(out)->data()));
  return out;
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* fn = "transpose";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  DeviceBuffer* x = to_buf(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  auto perm = to_ints(env, info[2], fn, "perm", int(s.size()) - 1);
  if (perm.size() != s.size())
    throw_code(env, "E_SHAPE", "transpose: perm has " + std::to_string(perm.size()) + " axes for shape " + shape_str(s));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  Napi::Object out = DeviceBuffer::Create(env, x->dtype(), x->length());
  check(env, rnn_cuda_transpose(x->dtype(), x->data(), s.data(), int(s.size()), perm.data(), out_of(out)->data()));
  return out;
}

Napi::Value Slice(const Napi::CallbackInfo& info) {
  const char* fn = "slice";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  DeviceBuffer* x = to_buf(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  auto begin = to_shape(env, info[2], fn, "begin");
  auto size = to_shape(env, info[3], fn, "size");
  if (begin.size() != s.size() || size.size() != s.size())
    throw_code(env, "E_SHAPE", "slice: begin " + shape_str(begin) + " and size " + shape_str(size) +
                                   " must have the rank of " + shape_str(s));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  for (size_t d = 0; d < s.size(); ++d)
    if (begin[d] + size[d] > s[d])
      throw_code(env, "E_SHAPE", "slice: begin " + shape_str(begin) + " + size " + shape_str(size) +
                                     " runs past shape " + shape_str(s) + " at axis " + std::to_string(d));
  Napi::Object out = DeviceBuffer::Create(env, x->dtype(), numel(size));
  check(env, rnn_cuda_slice(x->dtype(), x->data(), s.data(), int(s.size()), begin.data(), size.data(),
                            out_of(out)->data()));
  return out;
}

Napi::Value Pad(const Napi::CallbackInfo& info) {
  const char* fn = "pad";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  DeviceBuffer* x = to_buf(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  auto before = to_shape(env, info[2], fn, "before");
  auto after = to_shape(env, info[3], fn, "after");
  if (before.size() != s.size() || after.size() != s.size())
    throw_code(env, "E_SHAPE", "pad: before " + shape_str(before) + " and after " + shape_str(after) +
                                   " must have the rank of " + shape_str(s));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  double total = 1;
  std::vector<int64_t> os(s.size());
  for (size_t d = 0; d < s.size(); ++d) {
    os[d] = s[d] + before[d] + after[d];
    total *= double(os[d]);
  }
  if (total >= kMaxElements) throw_code(env, "E_SHAPE", "pad: output too large");
  Napi::Object out = DeviceBuffer::Create(env, x->dtype(), numel(os));
  check(env, rnn_cuda_pad(x->dtype(), x->data(), s.data(), int(s.size()), before.data(), after.data(),
                          out_of(out)->data()));
  return out;
}

Napi::Value Concat(const Napi::CallbackInfo& info) {
  const char* fn = "concat";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  if (!info[0].IsArray() || !info[1].IsArray()) throw_code(env, "E_VALUE", "concat: expects (buffers[], shapes[], axis)");
  Napi::Array xs = info[0].As<Napi::Array>(), shapes = info[1].As<Napi::Array>();
  const uint32_t n = xs.Length();
  if (n == 0 || shapes.Length() != n)
    throw_code(env, "E_VALUE", "concat: needs at least one input and one shape per input (got " + std::to_string(n) +
                                   " inputs, " + std::to_string(shapes.Length()) + " shapes)");
  std::vector<DeviceBuffer*> bufs;
  std::vector<std::vector<int64_t>> ss;
  for (uint32_t k = 0; k < n; ++k) {
    bufs.push_back(to_buf(env, xs.Get(k), fn, "input"));
    ss.push_back(to_shape(env, shapes.Get(k), fn, "input shape"));
    need_dtype(env, bufs[k], bufs[0]->dtype(), fn, "input");
    need_length(env, bufs[k], numel(ss[k]), fn, "input", shape_str(ss[k]));
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
                                       "; all dims but axis " + std::to_string(axis) + " must match " + shape_str(ss[0]));
    ptrs[k] = bufs[k]->data();
    sizes[k] = ss[k][size_t(axis)];
    os[size_t(axis)] += sizes[k];
  }
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= os[size_t(d)];
  for (size_t d = size_t(axis) + 1; d < r; ++d) inner *= os[d];
  if (double(numel(os)) >= kMaxElements) throw_code(env, "E_SHAPE", "concat: output too large");
  Napi::Object out = DeviceBuffer::Create(env, bufs[0]->dtype(), numel(os));
  check(env, rnn_cuda_concat(bufs[0]->dtype(), ptrs.data(), sizes.data(), int(n), outer, inner, out_of(out)->data()));
  return out;
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  const char* fn = "gather";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  DeviceBuffer* x = to_buf(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  DeviceBuffer* idx = to_buf(env, info[2], fn, "indices");
  auto is = to_shape(env, info[3], fn, "indices shape");
  need(env, idx, RNN_I32, numel(is), fn, "indices", shape_str(is));
  if (s.empty()) throw_code(env, "E_SHAPE", "gather: x must have rank >= 1");
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  const int64_t row = numel(std::vector<int64_t>(s.begin() + 1, s.end()));
  if (double(idx->length()) * double(row) >= kMaxElements) throw_code(env, "E_SHAPE", "gather: output too large");
  Napi::Object out = DeviceBuffer::Create(env, x->dtype(), idx->length() * row);
  // Index values live on the device: one out of range is reported at the next read (E_VALUE).
  check(env, rnn_cuda_gather(x->dtype(), x->data(), s[0], row, static_cast<const int32_t*>(idx->data()), idx->length(),
                             out_of(out)->data()));
  return out;
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  const char* fn = "scatterAdd";
  Napi::Env env = info.Env();
  need_args(env, info, 5, fn);
  DeviceBuffer* idx = to_buf(env, info[0], fn, "indices");
  auto is = to_shape(env, info[1], fn, "indices shape");
  DeviceBuffer* upd = to_buf(env, info[2], fn, "updates");
  auto us = to_shape(env, info[3], fn, "updates shape");
  const int64_t rows = to_int(env, info[4], fn, "numRows", 0, 2147483647);
  need(env, idx, RNN_I32, numel(is), fn, "indices", shape_str(is));
  need_length(env, upd, numel(us), fn, "updates", shape_str(us));
  bool prefix = is.size() <= us.size();
  for (size_t d = 0; prefix && d < is.size(); ++d) prefix = is[d] == us[d];
  if (!prefix)
    throw_code(env, "E_SHAPE", "scatterAdd: updates shape " + shape_str(us) + " must start with the indices shape " +
                                   shape_str(is));
  const int64_t row = numel(std::vector<int64_t>(us.begin() + int64_t(is.size()), us.end()));
  if (double(rows) * double(row) >= kMaxElements) throw_code(env, "E_SHAPE", "scatterAdd: output too large");
  Napi::Object out = DeviceBuffer::Create(env, upd->dtype(), rows * row);
  check(env, rnn_cuda_scatter_add(upd->dtype(), static_cast<const int32_t*>(idx->data()), idx->length(), upd->data(),
                                  row, rows, out_of(out)->data()));
  return out;
}

Napi::Value Cast(const Napi::CallbackInfo& info) {
  const char* fn = "cast";
  Napi::Env env = info.Env();
  need_args(env, info, 2, fn);
  DeviceBuffer* x = to_buf(env, info[0], fn, "x");
  const int dt = int(to_int(env, info[1], fn, "dtype", 0, 2));
  Napi::Object out = DeviceBuffer::Create(env, dt, x->length());
  check(env, rnn_cuda_cast(x->dtype(), x->data(), dt, out_of(out)->data(), x->length()));
  return out;
}

}  // namespace

void register_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("argmax", Napi::Function::New(env, Argmax, "argmax"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
  exports.Set("slice", Napi::Function::New(env, Slice, "slice"));
  exports.Set("pad", Napi::Function::New(env, Pad, "pad"));
  exports.Set("concat", Napi::Function::New(env, Concat, "concat"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd, "scatterAdd"));
  exports.Set("cast", Napi::Function::New(env, Cast, "cast"));
}

}  // namespace cuda_addon
