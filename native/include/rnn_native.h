/*
 * rnn_native: the C kernel API of the rnn native backend.
 *
 * Plain C linkage over raw pointers and shapes, so it can be tested without Node (native/tests)
 * and wrapped by any binding (native/addon is the Node one). Every array is dense, row-major and
 * contiguous; the caller allocates every output. Float kernels come in float32 and float64; the
 * elementwise, reduce, matmul and layout kernels also take int32.
 *
 * Every function returns an rnn_status; on anything but RNN_OK, rnn_last_error() (per thread)
 * says what failed, what was expected and what was found. No function throws or aborts on bad
 * arguments; arguments are checked before any output is written.
 *
 * Semantics of each kernel are those of the TypeScript Backend interface
 * (packages/core/src/backend.ts); the fused recurrent kernels follow PyTorch's equations and
 * gate order, and their weights the layout of PyTorch's nn.LSTM / nn.GRU / nn.RNN (gates stacked
 * along the rows of w_ih and w_hh) that docs/model-file.md describes.
 *
 * Two kinds of callers: code that owns its buffers (the tests) calls the kernels directly; a
 * binding that holds arrays with their lengths (the Node addons) first hands their element counts
 * and dtypes to rnn_seq_check_args / rnn_tree_check_args / rnn_adam_check_args, which refuse any
 * call that would read or write past an array.
 */
#ifndef RNN_NATIVE_H
#define RNN_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RNN_NATIVE_VERSION "0.1.0"
/** Highest tensor rank the strided kernels accept. */
#define RNN_MAX_RANK 16

typedef enum rnn_status {
  RNN_OK = 0,
  RNN_ERR_ARG = 1,      /* a null pointer, unknown op/dtype, negative size */
  RNN_ERR_SHAPE = 2,    /* shapes that do not fit together */
  RNN_ERR_INDEX = 3,    /* an index or length out of range */
  RNN_ERR_ALLOC = 4,    /* workspace allocation failed */
  RNN_ERR_INTERNAL = 5, /* a bug; please report */
  /* 6 is RNN_ERR_DEVICE (rnn_cuda.h) */
  RNN_ERR_DTYPE = 7     /* an array of another dtype than the call needs */
} rnn_status;

typedef enum rnn_dtype { RNN_F32 = 0, RNN_F64 = 1, RNN_I32 = 2 } rnn_dtype;

typedef enum rnn_unary_op {
  RNN_NEG = 0, RNN_EXP, RNN_LOG, RNN_TANH, RNN_SIGMOID, RNN_RELU, RNN_SQRT, RNN_ABS, RNN_SIGN,
  RNN_SQUARE, RNN_RECIPROCAL, RNN_STEP, /* step: x > 0 ? 1 : 0 */
  RNN_UNARY_COUNT
} rnn_unary_op;

/* Comparisons give 1/0 in the operands' dtype. max/min propagate NaN. */
typedef enum rnn_binary_op {
  RNN_ADD = 0, RNN_SUB, RNN_MUL, RNN_DIV, RNN_MAX, RNN_MIN, RNN_POW, RNN_GT, RNN_GE, RNN_EQ,
  RNN_BINARY_COUNT
} rnn_binary_op;

typedef enum rnn_reduce_op { RNN_SUM = 0, RNN_RMAX, RNN_RMIN, RNN_REDUCE_COUNT } rnn_reduce_op;

/* Gates per mode: tanh/relu 1, lstm 4 (i, f, g, o), gru 3 (r, z, n). */
typedef enum rnn_mode { RNN_MODE_TANH = 0, RNN_MODE_RELU, RNN_MODE_LSTM, RNN_MODE_GRU, RNN_MODE_COUNT } rnn_mode;

/* ---- runtime ---- */

/** The message of the last failed call on this thread ("" if none). */
const char* rnn_last_error(void);
const char* rnn_version(void);
/** Applies RNN_NUM_THREADS (default: CPUs this process may run on) to BLAS. Idempotent. */
int rnn_init(void);
int rnn_set_num_threads(int n);
int rnn_get_num_threads(void);
/** e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64". */
const char* rnn_blas_info(void);
/** What the float32 recurrent step kernels use: "avx512" (own packed kernels) or "baseline"
 *  (OpenBLAS per step). RNN_SIMD=baseline forces the latter. */
const char* rnn_simd(void);
/** The CPU probed at load and the kernel plan picked for it (after RNN_CPU_PLAN and RNN_SIMD), as JSON:
 *  {"cpu": {vendor, family, model, modelName, isa, cacheKiB, fmaWidthBits, fmaUnits, ...},
 *   "plan": {name, variant, gemmMR, lstmMR, gruMR, depthBlockKiB, chunkRows, why}}. */
const char* rnn_cpu_plan(void);
/** Bytes per element, or 0 for an unknown dtype. */
size_t rnn_dtype_size(int dtype);

/* ---- elementwise (elementwise.cpp) ---- */

/* ---- reductions (reduce.cpp) ---- */

/* ---- matmul (matmul.cpp) ---- */

/* ---- layout (shape_ops.cpp) ---- */

/* ---- fused sequence kernels (rnn_sequence.cpp, rnn_lstm.cpp, rnn_gru.cpp, rnn_simple.cpp) ---- */

/**
 * One layer, one direction, one whole sequence, batch-first:
 * x [B, T, I], h0/c0 [B, H], w_ih [G*H, I], w_hh [G*H, H], b_ih/b_hh [G*H], y [B, T, H].
 * lengths (nullable): per row in 0..T; steps t >= lengths[b] leave the state unchanged and give y = 0.
 * reverse: each row is read from its own last valid step down to step 0.
 */
typedef struct rnn_seq_desc {
  int mode;
  int dtype; /* RNN_F32 or RNN_F64 */
  int64_t batch, steps, input, hidden;
  const int32_t* lengths;
  int reverse;
} rnn_seq_desc;

/* ---- Tree-LSTM level (tree_lstm.cpp) ---- */

/**
 * One level of N binary Tree-LSTM nodes: x [N, I], hl/cl/hr/cr [N, H], w [5H, I], wh [5H, 2H] over
 * [hl; hr], b [5H], gates i, fl, fr, o, u. c = i*u + fl*cl + fr*cr, h = o*tanh(c).
 */
typedef struct rnn_tree_desc {
  int dtype;
  int64_t nodes, input, hidden;
} rnn_tree_desc;

/* ---- attention step (attention.cpp) ---- */

/**
 * Batched attention, one step of an encoder-decoder: q [B, Tq, D], k [B, Ts, D], val [B, Ts, Dv],
 * v [D] (additive only). dot: e = q.k; additive: e = v.tanh(q + k). weights [B, Tq, Ts] are the
 * softmax of e over the source steps j < lengths[b] and exactly 0 past them; context [B, Tq, Dv] =
 * weights @ val. lengths (nullable: all Ts): per row in 1..Ts.
 */
typedef enum rnn_attn_score { RNN_ATTN_DOT = 0, RNN_ATTN_ADDITIVE, RNN_ATTN_SCORE_COUNT } rnn_attn_score;

typedef struct rnn_attn_desc {
  int score;
  int dtype; /* RNN_F32 or RNN_F64 */
  int64_t batch, queries, sources, features, values;
  const int32_t* lengths;
} rnn_attn_desc;
/* ---- linear-chain CRF (crf.cpp) ---- */

/**
 * B sentences of T steps over K tags: emissions [B, T, K], trans [K, K] (from i to j), start [K],
 * end [K]. lengths [B] (host memory, each 1..T) and, for the loss, gold [B*T] (host memory, each in
 * 0..K-1 at valid steps; padded entries are not read). nll = log Z - gold score per row.
 */
typedef struct rnn_crf_desc {
  int dtype;
  int64_t batch, steps, tags;
  const int32_t* lengths;
  const int32_t* gold;
} rnn_crf_desc;

/* ---- 1-D convolution (conv1d.cpp) ---- */

/** x [B, T, Cin], w [Cout, Cin, K] (PyTorch), bias [Cout] or null, y [B, T + 2*padding - K + 1, Cout]. */
typedef struct rnn_conv1d_desc {
  int dtype;
  int64_t batch, steps, in_channels, out_channels, kernel, padding;
} rnn_conv1d_desc;

/* ---- memory-safety checks for bindings (core/checks.cpp) ----
 *
 * What a binding knows about one array argument: its element count (negative when the argument is
 * absent) and its dtype. Each check returns RNN_OK, or a status and rnn_last_error() naming the
 * argument with the shape it needs: RNN_ERR_SHAPE for a wrong count, RNN_ERR_DTYPE for a wrong
 * dtype, RNN_ERR_ARG for a missing array, RNN_ERR_INDEX for lengths out of range. */
typedef struct rnn_array_info {
  int64_t count;
  int dtype;
} rnn_array_info;

enum { RNN_PASS_FORWARD = 0, RNN_PASS_BACKWARD = 1 };

typedef enum rnn_seq_arg {
  RNN_SEQ_X = 0, RNN_SEQ_H0, RNN_SEQ_C0, RNN_SEQ_W_IH, RNN_SEQ_W_HH, RNN_SEQ_B_IH, RNN_SEQ_B_HH, RNN_SEQ_LENGTHS,
  RNN_SEQ_RESERVE, RNN_SEQ_DY, RNN_SEQ_DH_N, RNN_SEQ_DC_N, RNN_SEQ_ARG_COUNT
} rnn_seq_arg;

/**
 * args[RNN_SEQ_ARG_COUNT] against d (checked too; d->dtype must be x's dtype and d->lengths the
 * array counted in args[RNN_SEQ_LENGTHS], whose count is checked before any value is read).
 * Forward: x, h0, w_ih, w_hh, b_ih, b_hh required; c0 (lstm) and reserve (a recycled one) optional.
 * Backward: x, w_ih, w_hh, reserve required; h0, c0, dy, dh_n, dc_n optional. Others are ignored.
 */
int rnn_seq_check_args(const rnn_seq_desc* d, int pass, const rnn_array_info* args);

typedef enum rnn_tree_arg {
  RNN_TREE_X = 0, RNN_TREE_HL, RNN_TREE_CL, RNN_TREE_HR, RNN_TREE_CR, RNN_TREE_W, RNN_TREE_WH, RNN_TREE_B,
  RNN_TREE_RESERVE, RNN_TREE_DH, RNN_TREE_DC, RNN_TREE_ARG_COUNT
} rnn_tree_arg;

/** Forward: x .. b required. Backward: x .. wh and reserve required, dh and dc optional. */
int rnn_tree_check_args(const rnn_tree_desc* d, int pass, const rnn_array_info* args);

typedef enum rnn_attn_arg {
  RNN_ATTN_Q = 0, RNN_ATTN_K, RNN_ATTN_VAL, RNN_ATTN_V, RNN_ATTN_LENGTHS, RNN_ATTN_WEIGHTS, RNN_ATTN_DCONTEXT,
  RNN_ATTN_DWEIGHTS, RNN_ATTN_ARG_COUNT
} rnn_attn_arg;

/** Forward: q, k, val required, v for additive. Backward: also weights (the forward's); dcontext and
 *  dweights optional. d->lengths is the array counted in args[RNN_ATTN_LENGTHS]. */
int rnn_attn_check_args(const rnn_attn_desc* d, int pass, const rnn_array_info* args);
typedef enum rnn_crf_arg {
  RNN_CRF_EMISSIONS = 0, RNN_CRF_TRANS, RNN_CRF_START, RNN_CRF_END, RNN_CRF_LENGTHS, RNN_CRF_GOLD, RNN_CRF_RESERVE,
  RNN_CRF_DNLL, RNN_CRF_ARG_COUNT
} rnn_crf_arg;

/**
 * Forward: emissions .. lengths required, gold required for the loss (pass RNN_PASS_FORWARD) and
 * absent for Viterbi (pass RNN_PASS_VITERBI), reserve optional. Backward: all but reserve's
 * values; dnll [B]. Lengths and gold are counted before their values are read; each length must be
 * in 1..T and each gold tag at a valid step in 0..K-1.
 */
enum { RNN_PASS_VITERBI = 2 };
int rnn_crf_check_args(const rnn_crf_desc* d, int pass, const rnn_array_info* args);

typedef enum rnn_conv1d_arg {
  RNN_CONV1D_X = 0, RNN_CONV1D_W, RNN_CONV1D_BIAS, RNN_CONV1D_DY, RNN_CONV1D_ARG_COUNT
} rnn_conv1d_arg;

/** Forward: x, w required, bias optional. Backward: x, w, dy required. The output must have >= 1 step. */
int rnn_conv1d_check_args(const rnn_conv1d_desc* d, int pass, const rnn_array_info* args);

typedef enum rnn_adam_arg { RNN_ADAM_PARAM = 0, RNN_ADAM_GRAD, RNN_ADAM_M, RNN_ADAM_V, RNN_ADAM_ARG_COUNT } rnn_adam_arg;

/** param float32 or float64; grad, m and v of its dtype and count. */
int rnn_adam_check_args(const rnn_array_info* args);

/* ---- Adam / AdamW (adam.cpp) ---- */

typedef struct rnn_adam_params {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;   /* 1-based */
  int decoupled;  /* 1: AdamW, 0: Adam with L2 added to the gradient */
} rnn_adam_params;

/* ---- the kernels ----
 *
 * Declared once for both C APIs: RNN_KERNELS_DECL(rnn_) here, RNN_KERNELS_DECL(rnn_cuda_) in
 * rnn_cuda.h (the same kernels on device pointers). Implemented by the CPU files named above each
 * section's types, through the shared entry points of native/core/api. */
#define RNN_KERNELS_DECL(P) \
  /* -- elementwise (src/elementwise.cpp) -- */ \
  int P##unary(int dtype, int op, const void* x, void* y, int64_t n); \
  /* NumPy broadcasting of a and b to out_shape (which the caller computed). */ \
  int P##binary(int dtype, int op, const void* a, const int64_t* a_shape, int a_rank, const void* b, \
      const int64_t* b_shape, int b_rank, void* out, const int64_t* out_shape, int out_rank); \
  /* out = cond != 0 ? a : b, all three broadcast to out_shape; cond has the dtype of a. */ \
  int P##where(int dtype, const void* cond, const int64_t* cond_shape, int cond_rank, const void* a, \
      const int64_t* a_shape, int a_rank, const void* b, const int64_t* b_shape, int b_rank, void* out, \
      const int64_t* out_shape, int out_rank); \
  /* Float to int32 follows JavaScript's ToInt32 (truncate, wrap modulo 2^32, NaN to 0). */ \
  int P##cast(int src_dtype, const void* x, int dst_dtype, void* y, int64_t n); \
  /* -- reductions (reduce.cpp) -- */ \
  /* Reduce over axes (sorted, unique); out has the remaining axes. Empty: sum 0, max -inf, min +inf. */ \
  int P##reduce(int dtype, int op, const void* x, const int64_t* shape, int rank, const int* axes, int naxes, \
      void* out); \
  /* x viewed as [outer, n, inner]; out [outer, inner] holds the first index of the maximum. */ \
  int P##argmax(int dtype, const void* x, int64_t outer, int64_t n, int64_t inner, int32_t* out); \
  /* -- matmul (matmul.cpp) -- */ \
  /* \
   * out = op(a) @ op(b). An operand is [batch, rows, cols], or [rows, cols] shared by every batch when \
   * its batch is 0. If both have a batch, they are equal. out is [batch, M, N] (batch 0: [M, N]). \
   */ \
  int P##matmul(int dtype, const void* a, int64_t a_batch, int64_t a_rows, int64_t a_cols, int trans_a, \
      const void* b, int64_t b_batch, int64_t b_rows, int64_t b_cols, int trans_b, void* out); \
  /* -- layout (shape_ops.cpp) -- */ \
  /* Output axis i is input axis perm[i]. */ \
  int P##transpose(int dtype, const void* x, const int64_t* shape, int rank, const int* perm, void* out); \
  int P##slice(int dtype, const void* x, const int64_t* shape, int rank, const int64_t* begin, \
      const int64_t* size, void* out); \
  int P##pad(int dtype, const void* x, const int64_t* shape, int rank, const int64_t* before, \
      const int64_t* after, void* out); \
  /* Each input viewed as [outer, axis_sizes[k], inner]; out is [outer, sum(axis_sizes), inner]. */ \
  int P##concat(int dtype, const void* const* xs, const int64_t* axis_sizes, int n, int64_t outer, \
      int64_t inner, void* out); \
  /* out[i] = x[idx[i]] row by row (rows of row_size elements); every idx in [0, rows). */ \
  int P##gather(int dtype, const void* x, int64_t rows, int64_t row_size, const int32_t* idx, int64_t n, \
      void* out); \
  /* out = zeros [num_rows, row_size]; out[idx[i]] += updates[i]. */ \
  int P##scatter_add(int dtype, const int32_t* idx, int64_t n, const void* updates, int64_t row_size, \
      int64_t num_rows, void* out); \
  /* -- fused sequence kernels (rnn_sequence.cpp and the cell files), rnn_seq_desc above -- */ \
  /* Elements (of the dtype) the reserve needs for backward, or -1 (see rnn_last_error). */ \
  int64_t P##seq_reserve_size(const rnn_seq_desc* d); \
  /* c0/c_n only for lstm (else ignored, may be null). reserve null: inference, nothing kept. */ \
  int P##seq_forward(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih, \
      const void* w_hh, const void* b_ih, const void* b_hh, void* y, void* h_n, void* c_n, void* reserve); \
  /* dy, dh_n, dc_n may be null (zero). The reserve is the forward's, unchanged. dc0 only for lstm. dx may be \
   *  null: the input gradient is then not computed (x is data). */ \
  int P##seq_backward(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih, \
      const void* w_hh, const void* reserve, const void* dy, const void* dh_n, const void* dc_n, void* dx, \
      void* dh0, void* dc0, void* dw_ih, void* dw_hh, void* db_ih, void* db_hh); \
  /* -- Tree-LSTM level (tree_lstm.cpp), rnn_tree_desc above -- */ \
  int64_t P##tree_reserve_size(const rnn_tree_desc* d); \
  int P##tree_forward(const rnn_tree_desc* d, const void* x, const void* hl, const void* cl, const void* hr, \
      const void* cr, const void* w, const void* wh, const void* b, void* h, void* c, void* reserve); \
  /* dh, dc may be null (zero). */ \
  int P##tree_backward(const rnn_tree_desc* d, const void* x, const void* hl, const void* cl, const void* hr, \
      const void* cr, const void* w, const void* wh, const void* reserve, const void* dh, const void* dc, \
      void* dx, void* dhl, void* dcl, void* dhr, void* dcr, void* dw, void* dwh, void* db); \
  /* -- attention step (attention.cpp), rnn_attn_desc above -- */ \
  /* v only for additive (else ignored, may be null). */ \
  int P##attn_forward(const rnn_attn_desc* d, const void* q, const void* k, const void* val, const void* v, \
      void* context, void* weights); \
  /* weights: the forward's. dcontext, dweights may be null (zero). dv only for additive. */ \
  int P##attn_backward(const rnn_attn_desc* d, const void* q, const void* k, const void* val, const void* v, \
      const void* weights, const void* dcontext, const void* dweights, void* dq, void* dk, void* dval, void* dv); \
  /* -- linear-chain CRF (crf.cpp), rnn_crf_desc above -- */ \
  /* Elements (of the dtype) of the reserve: alphas [B, T, K] and log Z [B]. */ \
  int64_t P##crf_reserve_size(const rnn_crf_desc* d); \
  /* nll [B]; reserve may be null (inference). */ \
  int P##crf_nll_forward(const rnn_crf_desc* d, const void* emissions, const void* trans, const void* start, \
      const void* end, void* nll, void* reserve); \
  int P##crf_nll_backward(const rnn_crf_desc* d, const void* emissions, const void* trans, const void* end, \
      const void* reserve, const void* dnll, void* demissions, void* dtrans, void* dstart, void* dend); \
  /* Best path per row into host memory: tags [B*T] (0 past each length), scores [B]; ties: lowest tag. */ \
  int P##crf_viterbi(const rnn_crf_desc* d, const void* emissions, const void* trans, const void* start, \
      const void* end, int32_t* tags, double* scores); \
  /* -- 1-D convolution (conv1d.cpp), rnn_conv1d_desc above -- */ \
  int P##conv1d_forward(const rnn_conv1d_desc* d, const void* x, const void* w, const void* bias, void* y); \
  /* dx may be null (not computed); dbias null when there is no bias. */ \
  int P##conv1d_backward(const rnn_conv1d_desc* d, const void* x, const void* w, const void* dy, void* dx, \
      void* dw, void* dbias); \
  /* -- Adam / AdamW (adam.cpp) -- */ \
  /* In place on param, m, v (n elements each), PyTorch's update rule. */ \
  int P##adam_step(int dtype, void* param, const void* grad, void* m, void* v, int64_t n, \
      const rnn_adam_params* p);

RNN_KERNELS_DECL(rnn_)

/* ---- recording forward (rnn_sequence.cpp; CPU only) ----
 *
 * rnn_seq_forward in inference mode (no reserve) that also writes, for `rnn explain`, every step's
 * gate activations gates [B*T, G*H] (the cell's gate order: lstm i f g o, gru r z n, rnn h) and, for
 * lstm, c_t into cells [B*T, H] (else ignored, may be null); rows b*T + t like y, zeros at padded
 * steps. y, h_n and c_n are bit-identical to rnn_seq_forward's.
 */
int rnn_seq_forward_record(const rnn_seq_desc* d, const void* x, const void* h0, const void* c0, const void* w_ih,
                           const void* w_hh, const void* b_ih, const void* b_hh, void* y, void* h_n, void* c_n,
                           void* gates, void* cells);

/* ---- Tree-LSTM mini-batch schedule (tree_lstm.cpp; CPU only) ----
 *
 * Every level of a mini-batch of binary Tree-LSTM trees in one call: nodes in "row order" (level by
 * level, leaves first), level l holding rows level_start[l] .. level_start[l+1]. left/right [nodes]:
 * the row of each node's left/right child, in an earlier level, or -1 for none (zero state); a row
 * is the child of at most one node. x [words, I] are the word vectors of the rows word_row [words]
 * (distinct rows; the other nodes have no word: W x = 0). Weights as rnn_tree_desc (w [5H, I], wh
 * [5H, 2H] over [hl; hr], b [5H]). Outputs h, c [nodes, H] in row order. The plan arrays are host
 * memory, checked (rnn_tree_batch_check_plan) before anything is written: RNN_ERR_INDEX names the
 * first bad entry. Threads (rnn_set_num_threads) split the rows of each level. */
typedef struct rnn_tree_batch_desc {
  int dtype;
  int64_t nodes, levels, words, input, hidden;
  const int32_t* level_start; /* [levels + 1]: 0, nondecreasing, ends at nodes */
  const int32_t* left;        /* [nodes] */
  const int32_t* right;       /* [nodes] */
  const int32_t* word_row;    /* [words] */
} rnn_tree_batch_desc;

int rnn_tree_batch_check_plan(const rnn_tree_batch_desc* d);
/* Elements (of the dtype) of the reserve: the gates [nodes, 5H] and the children's h [nodes, 2H]. */
int64_t rnn_tree_batch_reserve_size(const rnn_tree_batch_desc* d);
/* reserve null: inference (a workspace is used instead). */
int rnn_tree_batch_forward(const rnn_tree_batch_desc* d, const void* x, const void* w, const void* wh, const void* b,
                           void* h, void* c, void* reserve);
/* h, c, reserve: the forward's. dh, dc [nodes, H] may be null (zero). Writes dx [words, I], dw, dwh, db. */
int rnn_tree_batch_backward(const rnn_tree_batch_desc* d, const void* x, const void* w, const void* wh,
                            const void* h, const void* c, const void* reserve, const void* dh, const void* dc,
                            void* dx, void* dw, void* dwh, void* db);


/* ---- One decoding step of an attentional decoder (decode_step.cpp; CPU only) ----
 *
 * For R decoder rows (N sentences of `group` rows each: R = N * group), hidden size H, vocabulary V:
 *   lstm (d->lstm = 1): gates = table[tokens[r]] + h0 W_hh^T (table [V, 4H] = the target embedding
 *     times W_ih^T plus both biases, built once per decode; gate order i f g o), c = f c0 + i g,
 *     h = o tanh(c): written into h, c [R, H]; q = h. Without lstm: q = h0 (the decoder's output).
 *   attention 1 (folded dot): row r attends to memory row n = owner[r / group]: w_j = softmax_{j<L_n}(q . keys[n, j])
 *     (exactly 0 for j >= L_n), ctx = sum_j w_j values[n, j] (keys, values [memory, Ts, H], already projected);
 *     attention 2: ctx = context [R, H] given. Both: out = tanh(ctx + q W_h^T) (W_h [H, H]).
 *     attention 0: out = q.
 *   logp = log_softmax(out W_out^T + b_out) over V; per row the `top` best (logp, id) over the ids
 *   not in banned[], best first, equal values in increasing id: top_logp [R, top], top_ids [R, top].
 * weights [R, Ts] (attention 1 only) and out [R, H] may be null (not wanted). float32 uses the fast
 * activations of the fused kernels (a few ulp). Host memory for tokens, lengths and banned. */
typedef struct rnn_decode_step_desc {
  int dtype;
  int64_t rows, hidden, vocab, sentences, sources, top, banned_count;
  int lstm;      /* 0 or 1 */
  int attention; /* 0 none, 1 folded dot, 2 context given */
  const int32_t* tokens;  /* [rows] (lstm) */
  const int32_t* lengths; /* [sentences] (attention 1), null: all Ts */
  const int32_t* banned;  /* [banned_count] */
  /* attention 1: keys, values [memory, Ts, H] and lengths [memory]; owner [sentences] (nullable:
   * the identity, memory = sentences) names the memory row of each sentence, so a decode loop passes
   * the whole memory and never gathers it when sentences finish */
  int64_t memory;
  const int32_t* owner;
  /* nullable: W_hh (lstm), W_h (attention) and W_out packed once for a whole decode by
   * rnn_decode_step_pack (float32 on AVX-512 CPUs only): the step then packs nothing itself */
  const float* packed;
} rnn_decode_step_desc;

/* Floats rnn_decode_step_pack writes for these sizes, lstm and attention (0: no packed form here:
 * float64, or a CPU without AVX-512; decode without one). */
int64_t rnn_decode_step_pack_size(const rnn_decode_step_desc* d);
/* W_hh [4H, H] (d->lstm), W_h [H, H] (d->attention != 0) and W_out [V, H] into out (64-byte aligned,
 * rnn_decode_step_pack_size floats), for desc.packed of every step of one decode. */
int rnn_decode_step_pack(const rnn_decode_step_desc* d, const float* w_hh, const float* w_h, const float* w_out,
                         float* out);
int rnn_decode_step(const rnn_decode_step_desc* d, const void* table, const void* w_hh, const void* h0,
                    const void* c0, const void* keys, const void* values, const void* context, const void* w_h,
                    const void* w_out, const void* b_out, void* h, void* c, void* weights, void* out,
                    void* top_logp, int32_t* top_ids);

#ifdef __cplusplus
}
#endif

#endif /* RNN_NATIVE_H */
