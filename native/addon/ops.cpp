// Bindings of the primitive kernels. Each reads typed arrays in place, checks them against the
// shapes it is given, allocates the result as a new typed array and runs the kernel synchronously
// (primitives are short; the fused kernels in fused.cpp also have async variants).
#include "ops.h"

#include <numeric>

#include "args.h"

// Every kernel here writes each element of its output (pad and scatter-add clear theirs first), so the
// outputs skip the zero-fill (new_arr's `uninit`); only argmax keeps it.

namespace addon {
namespace {

Napi::Value Unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  Napi::Env env = info.Env();
  need_args(env, info, 2, fn);
  const int op = int(to_int(env, info[0], fn, "op", 0, RNN_UNARY_COUNT - 1));
  Arr x = to_arr(env, info[1], fn, "x");
  Arr y = new_arr(env, x.dtype, x.length, true);
  check_status(env, rnn_unary(x.dtype, op, x.data, y.data, int64_t(x.length)));
  return y.ta;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  Napi::Env env = info.Env();
  need_args(env, info, 6, fn);
  const int op = int(to_int(env, info[0], fn, "op", 0, RNN_BINARY_COUNT - 1));
  Arr a = to_arr(env, info[1], fn, "a");
  auto as = to_shape(env, info[2], fn, "a shape");
  Arr b = to_arr(env, info[3], fn, "b");
  auto bs = to_shape(env, info[4], fn, "b shape");
  auto os = to_shape(env, info[5], fn, "output shape");
  need_dtype(env, b, a.dtype, fn, "b");
  need_length(env, a, numel(as), fn, "a", shape_str(as));
  need_length(env, b, numel(bs), fn, "b", shape_str(bs));
  need_broadcast(env, as, os, fn, "a");
  need_broadcast(env, bs, os, fn, "b");
  Arr out = new_arr(env, a.dtype, size_t(numel(os)), true);
  check_status(env, rnn_binary(a.dtype, op, a.data, as.data(), int(as.size()), b.data, bs.data(), int(bs.size()),
                               out.data, os.data(), int(os.size())));
  return out.ta;
}

Napi::Value Where(const Napi::CallbackInfo& info) {
  const char* fn = "where";
  Napi::Env env = info.Env();
  need_args(env, info, 7, fn);
  Arr c = to_arr(env, info[0], fn, "cond");
  auto cs = to_shape(env, info[1], fn, "cond shape");
  Arr a = to_arr(env, info[2], fn, "a");
  auto as = to_shape(env, info[3], fn, "a shape");
  Arr b = to_arr(env, info[4], fn, "b");
  auto bs = to_shape(env, info[5], fn, "b shape");
  auto os = to_shape(env, info[6], fn, "output shape");
  need_dtype(env, c, a.dtype, fn, "cond");
  need_dtype(env, b, a.dtype, fn, "b");
  need_length(env, c, numel(cs), fn, "cond", shape_str(cs));
  need_length(env, a, numel(as), fn, "a", shape_str(as));
  need_length(env, b, numel(bs), fn, "b", shape_str(bs));
  need_broadcast(env, cs, os, fn, "cond");
  need_broadcast(env, as, os, fn, "a");
  need_broadcast(env, bs, os, fn, "b");
  Arr out = new_arr(env, a.dtype, size_t(numel(os)), true);
  check_status(env, rnn_where(a.dtype, c.data, cs.data(), int(cs.size()), a.data, as.data(), int(as.size()), b.data,
                              bs.data(), int(bs.size()), out.data, os.data(), int(os.size())));
  return out.ta;
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const char* fn = "reduce";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  const int op = int(to_int(env, info[0], fn, "op", 0, RNN_REDUCE_COUNT - 1));
  Arr x = to_arr(env, info[1], fn, "x");
  auto s = to_shape(env, info[2], fn, "shape");
  auto axes = to_ints(env, info[3], fn, "axes", int(s.size()) - 1);
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  std::vector<bool> red(s.size(), false);
  for (int a : axes) red[size_t(a)] = true;
  int64_t on = 1;
  for (size_t d = 0; d < s.size(); ++d)
    if (!red[d]) on *= s[d];
  Arr out = new_arr(env, x.dtype, size_t(on), true);
  check_status(env, rnn_reduce(x.dtype, op, x.data, s.data(), int(s.size()), axes.data(), int(axes.size()), out.data));
  return out.ta;
}

Napi::Value Argmax(const Napi::CallbackInfo& info) {
  const char* fn = "argmax";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  Arr x = to_arr(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  if (s.empty()) throw_code(env, "E_SHAPE", "argmax: x must have rank >= 1");
  const int axis = int(to_int(env, info[2], fn, "axis", 0, int64_t(s.size()) - 1));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = size_t(axis) + 1; d < s.size(); ++d) inner *= s[d];
  Arr out = new_arr(env, RNN_I32, size_t(outer * inner));
  check_status(env, rnn_argmax(x.dtype, x.data, outer, s[axis], inner, static_cast<int32_t*>(out.data)));
  return out.ta;
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  const char* fn = "matmul";
  Napi::Env env = info.Env();
  need_args(env, info, 6, fn);
  Arr a = to_arr(env, info[0], fn, "a");
  auto as = to_shape(env, info[1], fn, "a shape");
  Arr b = to_arr(env, info[2], fn, "b");
  auto bs = to_shape(env, info[3], fn, "b shape");
  const bool ta = to_bool(env, info[4], fn, "transA"), tb = to_bool(env, info[5], fn, "transB");
  need_dtype(env, b, a.dtype, fn, "b");
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
  Arr out = new_arr(env, a.dtype, size_t(batch * M * N), true);
  check_status(env, rnn_matmul(a.dtype, a.data, ab, ar, ac, ta, b.data, bb, br, bc, tb, out.data));
  return out.ta;
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* fn = "transpose";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  Arr x = to_arr(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  auto perm = to_ints(env, info[2], fn, "perm", int(s.size()) - 1);
  if (perm.size() != s.size())
    throw_code(env, "E_SHAPE", "transpose: perm has " + std::to_string(perm.size()) + " axes for shape " + shape_str(s));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  Arr out = new_arr(env, x.dtype, x.length, true);
  check_status(env, rnn_transpose(x.dtype, x.data, s.data(), int(s.size()), perm.data(), out.data));
  return out.ta;
}

Napi::Value Slice(const Napi::CallbackInfo& info) {
  const char* fn = "slice";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  Arr x = to_arr(env, info[0], fn, "x");
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
  Arr out = new_arr(env, x.dtype, size_t(numel(size)), true);
  check_status(env, rnn_slice(x.dtype, x.data, s.data(), int(s.size()), begin.data(), size.data(), out.data));
  return out.ta;
}

Napi::Value Pad(const Napi::CallbackInfo& info) {
  const char* fn = "pad";
  Napi::Env env = info.Env();
  need_args(env, info, 4, fn);
  Arr x = to_arr(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  auto before = to_shape(env, info[2], fn, "before");
  auto after = to_shape(env, info[3], fn, "after");
  if (before.size() != s.size() || after.size() != s.size())
    throw_code(env, "E_SHAPE", "pad: before " + shape_str(before) + " and after " + shape_str(after) +
                                   " must have the rank of " + shape_str(s));
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  std::vector<int64_t> os(s.size());
  for (size_t d = 0; d < s.size(); ++d) os[d] = s[d] + before[d] + after[d];
  if (static_cast<double>(numel(os)) >= 9007199254740992.0) throw_code(env, "E_SHAPE", "pad: output too large");
  Arr out = new_arr(env, x.dtype, size_t(numel(os)), true);
  check_status(env, rnn_pad(x.dtype, x.data, s.data(), int(s.size()), before.data(), after.data(), out.data));
  return out.ta;
}

Napi::Value Concat(const Napi::CallbackInfo& info) {
  const char* fn = "concat";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  if (!info[0].IsArray() || !info[1].IsArray()) throw_code(env, "E_VALUE", "concat: expects (arrays[], shapes[], axis)");
  Napi::Array xs = info[0].As<Napi::Array>(), shapes = info[1].As<Napi::Array>();
  const uint32_t n = xs.Length();
  if (n == 0 || shapes.Length() != n)
    throw_code(env, "E_VALUE", "concat: needs at least one input and one shape per input (got " + std::to_string(n) +
                                   " inputs, " + std::to_string(shapes.Length()) + " shapes)");
  std::vector<Arr> arrs;
  std::vector<std::vector<int64_t>> ss;
  for (uint32_t k = 0; k < n; ++k) {
    arrs.push_back(to_arr(env, xs.Get(k), fn, "input"));
    ss.push_back(to_shape(env, shapes.Get(k), fn, "input shape"));
    need_dtype(env, arrs[k], arrs[0].dtype, fn, "input");
    need_length(env, arrs[k], numel(ss[k]), fn, "input", shape_str(ss[k]));
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
    ptrs[k] = arrs[k].data;
    sizes[k] = ss[k][size_t(axis)];
    os[size_t(axis)] += sizes[k];
  }
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= os[d];
  for (size_t d = size_t(axis) + 1; d < r; ++d) inner *= os[d];
  Arr out = new_arr(env, arrs[0].dtype, size_t(numel(os)), true);
  check_status(env, rnn_concat(arrs[0].dtype, ptrs.data(), sizes.data(), int(n), outer, inner, out.data));
  return out.ta;
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  const char* fn = "gather";
  Napi::Env env = info.Env();
  need_args(env, info, 3, fn);
  Arr x = to_arr(env, info[0], fn, "x");
  auto s = to_shape(env, info[1], fn, "shape");
  Arr idx = to_arr(env, info[2], fn, "indices");
  need_dtype(env, idx, RNN_I32, fn, "indices");
  if (s.empty()) throw_code(env, "E_SHAPE", "gather: x must have rank >= 1");
  need_length(env, x, numel(s), fn, "x", shape_str(s));
  const int64_t row = numel(std::vector<int64_t>(s.begin() + 1, s.end()));
  if (static_cast<double>(idx.length) * static_cast<double>(row) >= 9007199254740992.0)
    throw_code(env, "E_SHAPE", "gather: output too large");
  Arr out = new_arr(env, x.dtype, idx.length * size_t(row), true);
  check_status(env, rnn_gather(x.dtype, x.data, s[0], row, static_cast<const int32_t*>(idx.data),
                               int64_t(idx.length), out.data));
  return out.ta;
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  const char* fn = "scatterAdd";
  Napi::Env env = info.Env();
  need_args(env, info, 5, fn);
  Arr idx = to_arr(env, info[0], fn, "indices");
  auto is = to_shape(env, info[1], fn, "indices shape");
  Arr upd = to_arr(env, info[2], fn, "updates");
  auto us = to_shape(env, info[3], fn, "updates shape");
  const int64_t rows = to_int(env, info[4], fn, "numRows", 0, 2147483647);
  need_dtype(env, idx, RNN_I32, fn, "indices");
  need_length(env, idx, numel(is), fn, "indices", shape_str(is));
  need_length(env, upd, numel(us), fn, "updates", shape_str(us));
  bool prefix = is.size() <= us.size();
  for (size_t d = 0; prefix && d < is.size(); ++d) prefix = is[d] == us[d];
  if (!prefix)
    throw_code(env, "E_SHAPE", "scatterAdd: updates shape " + shape_str(us) + " must start with the indices shape " +
                                   shape_str(is));
  const int64_t row = numel(std::vector<int64_t>(us.begin() + int64_t(is.size()), us.end()));
  if (static_cast<double>(rows) * static_cast<double>(row) >= 9007199254740992.0)
    throw_code(env, "E_SHAPE", "scatterAdd: output too large");
  Arr out = new_arr(env, upd.dtype, size_t(rows * row), true);
  check_status(env, rnn_scatter_add(upd.dtype, static_cast<const int32_t*>(idx.data), int64_t(idx.length), upd.data,
                                    row, rows, out.data));
  return out.ta;
}

Napi::Value Cast(const Napi::CallbackInfo& info) {
  const char* fn = "cast";
  Napi::Env env = info.Env();
  need_args(env, info, 2, fn);
  Arr x = to_arr(env, info[0], fn, "x");
  const int dt = int(to_int(env, info[1], fn, "dtype", 0, 2));
  Arr out = new_arr(env, dt, x.length, true);
  check_status(env, rnn_cast(x.dtype, x.data, dt, out.data, int64_t(x.length)));
  return out.ta;
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

}  // namespace addon
