// Descriptor checks and the binding checks (rnn_*_check_args): the one place where an array's
// length is held against the shape a kernel will walk. The Node addons only marshal arrays into
// rnn_array_info; what a user can get wrong is checked earlier, with user-facing messages, by
// @rnn/core's ops.
#include "checks.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "cells/cell.h"

namespace rnn {

int check_seq_desc(const char* what, const rnn_seq_desc* d) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(gates_of(d->mode) > 0, RNN_ERR_ARG,
              "%s: unknown mode %d (expected 0 rnn_tanh, 1 rnn_relu, 2 lstm, 3 gru)", what, d->mode);
  RNN_REQUIRE(float_dtype(d->dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
              dtype_name(d->dtype));
  RNN_REQUIRE(d->batch >= 0 && d->steps >= 0 && d->input >= 0 && d->hidden >= 0, RNN_ERR_SHAPE,
              "%s: sizes must be >= 0, got batch %lld steps %lld input %lld hidden %lld", what,
              (long long)d->batch, (long long)d->steps, (long long)d->input, (long long)d->hidden);
  // Every gemm dimension (B*T rows, G*H columns, I, H) must fit (cu)BLAS's int; then no element
  // count below (at most B*T * 6H) can overflow int64.
  const bool ok = fits_int(d->batch) && fits_int(d->steps) && fits_int(d->input) && fits_int(4 * d->hidden) &&
                  (d->steps == 0 || d->batch <= 2147483647 / d->steps);
  RNN_REQUIRE(ok, RNN_ERR_SHAPE, "%s: sizes too large for BLAS (batch %lld, steps %lld, input %lld, hidden %lld)",
              what, (long long)d->batch, (long long)d->steps, (long long)d->input, (long long)d->hidden);
  if (d->lengths) {
    for (int64_t b = 0; b < d->batch; ++b)
      RNN_REQUIRE(d->lengths[b] >= 0 && d->lengths[b] <= d->steps, RNN_ERR_INDEX,
                  "%s: lengths[%lld] = %d is out of range; expected 0..%lld (the sequence length)", what,
                  (long long)b, d->lengths[b], (long long)d->steps);
  }
  return RNN_OK;
}

int check_tree_desc(const char* what, const rnn_tree_desc* d) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(float_dtype(d->dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
              dtype_name(d->dtype));
  RNN_REQUIRE(fits_int(d->nodes) && fits_int(d->input) && d->hidden >= 0 && d->hidden <= 400000000, RNN_ERR_SHAPE,
              "%s: sizes out of range (nodes %lld, input %lld, hidden %lld)", what, (long long)d->nodes,
              (long long)d->input, (long long)d->hidden);
  return RNN_OK;
}

int check_attn_desc(const char* what, const rnn_attn_desc* d) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(d->score == RNN_ATTN_DOT || d->score == RNN_ATTN_ADDITIVE, RNN_ERR_ARG,
              "%s: unknown score %d (expected 0 dot, 1 additive)", what, d->score);
  RNN_REQUIRE(float_dtype(d->dtype), RNN_ERR_ARG, "%s: dtype must be float32 or float64, got %s", what,
              dtype_name(d->dtype));
  // Each size fits an int and every product of three stays far inside int64.
  const bool ok = fits_int(d->batch) && fits_int(d->queries) && fits_int(d->sources) && fits_int(d->features) &&
                  fits_int(d->values);
  RNN_REQUIRE(ok && d->batch >= 0 && d->queries >= 0 && d->sources >= 0 && d->features >= 0 && d->values >= 0,
              RNN_ERR_SHAPE, "%s: sizes out of range (batch %lld, queries %lld, sources %lld, features %lld, values %lld)",
              what, (long long)d->batch, (long long)d->queries, (long long)d->sources, (long long)d->features,
              (long long)d->values);
  RNN_REQUIRE(d->sources >= 1 || d->batch * d->queries == 0, RNN_ERR_SHAPE,
              "%s: no source steps to attend to (sources 0 for %lld query rows)", what,
              (long long)(d->batch * d->queries));
  if (d->lengths) {
    for (int64_t b = 0; b < d->batch; ++b)
      RNN_REQUIRE(d->lengths[b] >= 1 && d->lengths[b] <= d->sources, RNN_ERR_INDEX,
                  "%s: lengths[%lld] = %d is out of range; expected 1..%lld (the source steps)", what, (long long)b,
                  d->lengths[b], (long long)d->sources);
  }
  return RNN_OK;
}

int check_adam_params(const char* what, const rnn_adam_params* hp) {
  RNN_REQUIRE(hp, RNN_ERR_ARG, "%s: params are null", what);
  RNN_REQUIRE(hp->step >= 1, RNN_ERR_ARG, "%s: step is 1-based; got %lld", what, (long long)hp->step);
  RNN_REQUIRE(std::isfinite(hp->lr) && std::isfinite(hp->beta1) && std::isfinite(hp->beta2) &&
                  std::isfinite(hp->eps) && std::isfinite(hp->weight_decay),
              RNN_ERR_ARG, "%s: lr, betas, eps and weight decay must be finite", what);
  RNN_REQUIRE(hp->beta1 >= 0 && hp->beta1 < 1 && hp->beta2 >= 0 && hp->beta2 < 1, RNN_ERR_ARG,
              "%s: betas must be in [0, 1), got %g and %g", what, hp->beta1, hp->beta2);
  return RNN_OK;
}

int check_index(const char* what, const int32_t* idx, int64_t n, int64_t rows) {
  for (int64_t i = 0; i < n; ++i)
    RNN_REQUIRE(idx[i] >= 0 && idx[i] < rows, RNN_ERR_INDEX,
                "%s: index %d at position %lld is out of range; expected 0..%lld", what, idx[i], (long long)i,
                (long long)rows - 1);
  return RNN_OK;
}

namespace {

// One array argument the binding holds: its name, the shape the kernel needs, whether it may be
// absent, and whether this pass reads it at all (one that is not read is not checked).
struct Need {
  const char* name;
  int64_t dims[3];
  int rank;
  bool required;
  bool used = true;
};

std::string shape_str(const Need& n) {
  std::string s = "[";
  for (int i = 0; i < n.rank; ++i) s += (i ? ", " : "") + std::to_string(n.dims[i]);
  return s + "]";
}

int64_t count_of(const Need& n) {
  int64_t c = 1;
  for (int i = 0; i < n.rank; ++i) c *= n.dims[i];
  return c;
}

int check_array(const char* what, const Need& n, const rnn_array_info& a, int dtype, const char* ref = "x") {
  if (a.count < 0) {
    RNN_REQUIRE(!n.required, RNN_ERR_ARG, "%s: %s is missing; it must hold %lld elements (shape %s)", what, n.name,
                (long long)count_of(n), shape_str(n).c_str());
    return RNN_OK;
  }
  RNN_REQUIRE(a.dtype == dtype, RNN_ERR_DTYPE, "%s: %s is %s but %s was expected (the dtype of %s)", what, n.name,
              dtype_name(a.dtype), dtype_name(dtype), ref);
  RNN_REQUIRE(a.count == count_of(n), RNN_ERR_SHAPE, "%s: %s has %lld elements but shape %s needs %lld", what, n.name,
              (long long)a.count, shape_str(n).c_str(), (long long)count_of(n));
  return RNN_OK;
}

// The array that sets the dtype of the call (x, or Adam's param): present and float.
int check_x(const char* what, const rnn_array_info* args, int x, int dtype, const char* name = "x") {
  RNN_REQUIRE(args, RNN_ERR_ARG, "%s: args is null", what);
  RNN_REQUIRE(args[x].count >= 0, RNN_ERR_ARG, "%s: %s is missing", what, name);
  RNN_REQUIRE(float_dtype(args[x].dtype), RNN_ERR_DTYPE, "%s: %s must be float32 or float64, got %s", what, name,
              dtype_name(args[x].dtype));
  RNN_REQUIRE(dtype == args[x].dtype, RNN_ERR_DTYPE, "%s: the descriptor says %s but %s is %s", what,
              dtype_name(dtype), name, dtype_name(args[x].dtype));
  return RNN_OK;
}

int check_arrays(const char* what, const Need* needs, int n, const rnn_array_info* a, int dtype) {
  for (int k = 0; k < n; ++k)
    if (needs[k].used) RNN_TRY(check_array(what, needs[k], a[k], dtype));
  return RNN_OK;
}

// The descriptor and pass every binding check starts with.
int check_pass(const char* what, const void* d, int pass) {
  RNN_REQUIRE(d, RNN_ERR_ARG, "%s: descriptor is null", what);
  RNN_REQUIRE(pass == RNN_PASS_FORWARD || pass == RNN_PASS_BACKWARD, RNN_ERR_ARG,
              "%s: pass must be 0 (forward) or 1 (backward), got %d", what, pass);
  return RNN_OK;
}

int check_reserve(const char* what, const rnn_array_info& r, bool required, int64_t count) {
  RNN_REQUIRE(r.count >= 0 || !required, RNN_ERR_ARG, "%s: no reserve; run the forward with training on first", what);
  RNN_REQUIRE(r.count < 0 || r.count == count, RNN_ERR_SHAPE,
              "%s: the reserve has %lld elements but these arguments need %lld; pass the reserve of the forward call "
              "with the same arguments",
              what, (long long)r.count, (long long)count);
  return RNN_OK;
}

}  // namespace

}  // namespace rnn

using namespace rnn;

extern "C" {

int rnn_seq_check_args(const rnn_seq_desc* d, int pass, const rnn_array_info* a) {
  const bool fwd = pass == RNN_PASS_FORWARD;
  const char* what = fwd ? "sequence forward" : "sequence backward";
  RNN_TRY(check_pass(what, d, pass));
  RNN_TRY(check_x(what, a, RNN_SEQ_X, d->dtype));
  // The lengths array is counted before check_seq_desc reads its values.
  const rnn_array_info& len = a[RNN_SEQ_LENGTHS];
  RNN_REQUIRE((len.count >= 0) == (d->lengths != nullptr), RNN_ERR_ARG,
              "%s: the descriptor's lengths and args[RNN_SEQ_LENGTHS] disagree on whether lengths are given", what);
  if (d->lengths) {
    RNN_REQUIRE(len.dtype == RNN_I32, RNN_ERR_DTYPE, "%s: lengths must be int32, got %s", what,
                dtype_name(len.dtype));
    RNN_REQUIRE(len.count == d->batch, RNN_ERR_SHAPE, "%s: lengths has %lld entries for a batch of %lld", what,
                (long long)len.count, (long long)d->batch);
  }
  RNN_TRY(check_seq_desc(what, d));
  const int64_t B = d->batch, T = d->steps, I = d->input, H = d->hidden, GH = gates_of(d->mode) * H;
  const bool lstm = d->mode == RNN_MODE_LSTM;
  RNN_TRY(check_reserve(what, a[RNN_SEQ_RESERVE], !fwd, B * T * H * seq_reserve_per(d->mode)));
  // Forward reads the biases; backward the gradients coming in; only lstm has a cell state.
  const Need needs[] = {
      {"x", {B, T, I}, 3, true},        {"h0", {B, H}, 2, fwd},
      {"c0", {B, H}, 2, false, lstm},   {"w_ih", {GH, I}, 2, true},
      {"w_hh", {GH, H}, 2, true},       {"b_ih", {GH}, 1, fwd, fwd},
      {"b_hh", {GH}, 1, fwd, fwd},      {"lengths", {B}, 1, false, false},
      {"reserve", {0}, 1, false, false}, {"dy", {B, T, H}, 3, false, !fwd},
      {"dh_n", {B, H}, 2, false, !fwd}, {"dc_n", {B, H}, 2, false, !fwd && lstm},
  };
  static_assert(sizeof needs / sizeof needs[0] == RNN_SEQ_ARG_COUNT, "one Need per rnn_seq_arg");
  return check_arrays(what, needs, RNN_SEQ_ARG_COUNT, a, d->dtype);
}

int rnn_tree_check_args(const rnn_tree_desc* d, int pass, const rnn_array_info* a) {
  const bool fwd = pass == RNN_PASS_FORWARD;
  const char* what = fwd ? "tree level forward" : "tree level backward";
  RNN_TRY(check_pass(what, d, pass));
  RNN_TRY(check_x(what, a, RNN_TREE_X, d->dtype));
  RNN_TRY(check_tree_desc(what, d));
  const int64_t N = d->nodes, I = d->input, H = d->hidden, GH = kTreeGates * H;
  RNN_TRY(check_reserve(what, a[RNN_TREE_RESERVE], !fwd, fwd ? -1 : kTreeReservePer * N * H));
  const Need needs[] = {
      {"x", {N, I}, 2, true},       {"hl", {N, H}, 2, true},          {"cl", {N, H}, 2, true},
      {"hr", {N, H}, 2, true},      {"cr", {N, H}, 2, true},          {"w", {GH, I}, 2, true},
      {"wh", {GH, 2 * H}, 2, true}, {"b", {GH}, 1, fwd, fwd},         {"reserve", {0}, 1, false, false},
      {"dh", {N, H}, 2, false, !fwd}, {"dc", {N, H}, 2, false, !fwd},
  };
  static_assert(sizeof needs / sizeof needs[0] == RNN_TREE_ARG_COUNT, "one Need per rnn_tree_arg");
  return check_arrays(what, needs, RNN_TREE_ARG_COUNT, a, d->dtype);
}

int rnn_attn_check_args(const rnn_attn_desc* d, int pass, const rnn_array_info* a) {
  const bool fwd = pass == RNN_PASS_FORWARD;
  const char* what = fwd ? "attention forward" : "attention backward";
  RNN_TRY(check_pass(what, d, pass));
  RNN_TRY(check_x(what, a, RNN_ATTN_Q, d->dtype, "q"));
  // The lengths array is counted before check_attn_desc reads its values.
  const rnn_array_info& len = a[RNN_ATTN_LENGTHS];
  RNN_REQUIRE((len.count >= 0) == (d->lengths != nullptr), RNN_ERR_ARG,
              "%s: the descriptor's lengths and args[RNN_ATTN_LENGTHS] disagree on whether lengths are given", what);
  if (d->lengths) {
    RNN_REQUIRE(len.dtype == RNN_I32, RNN_ERR_DTYPE, "%s: lengths must be int32, got %s", what,
                dtype_name(len.dtype));
    RNN_REQUIRE(len.count == d->batch, RNN_ERR_SHAPE, "%s: lengths has %lld entries for a batch of %lld", what,
                (long long)len.count, (long long)d->batch);
  }
  RNN_TRY(check_attn_desc(what, d));
  const int64_t B = d->batch, Tq = d->queries, Ts = d->sources, D = d->features, Dv = d->values;
  const bool additive = d->score == RNN_ATTN_ADDITIVE;
  const Need needs[] = {
      {"q", {B, Tq, D}, 3, true},
      {"k", {B, Ts, D}, 3, true},
      {"val", {B, Ts, Dv}, 3, true},
      {"v", {D}, 1, additive, additive},
      {"lengths", {B}, 1, false, false},
      {"weights", {B, Tq, Ts}, 3, !fwd, !fwd},
      {"dcontext", {B, Tq, Dv}, 3, false, !fwd},
      {"dweights", {B, Tq, Ts}, 3, false, !fwd},
  };
  static_assert(sizeof needs / sizeof needs[0] == RNN_ATTN_ARG_COUNT, "one Need per rnn_attn_arg");
  return check_arrays(what, needs, RNN_ATTN_ARG_COUNT, a, d->dtype);
}

int rnn_adam_check_args(const rnn_array_info* a) {
  const char* what = "adam step";
  RNN_TRY(check_x(what, a, RNN_ADAM_PARAM, a ? a[RNN_ADAM_PARAM].dtype : 0, "param"));
  const int64_t n = a[RNN_ADAM_PARAM].count;
  const Need needs[] = {{"grad", {n}, 1, true}, {"m", {n}, 1, true}, {"v", {n}, 1, true}};
  for (int k = RNN_ADAM_GRAD; k < RNN_ADAM_ARG_COUNT; ++k)
    RNN_TRY(check_array(what, needs[k - 1], a[k], a[RNN_ADAM_PARAM].dtype, "param"));
  return RNN_OK;
}

}  // extern "C"
