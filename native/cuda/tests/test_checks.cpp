// Argument checks, run with NO device initialised: every bad call must be refused by the host-side
// checks with the right status (a call that got past them would answer RNN_ERR_DEVICE, "not
// initialised", instead), and a good call must reach the device layer and say how to initialise.
// The pointers are fake: nothing may dereference them.
#include "cuda_harness.h"

namespace {

void* const P = reinterpret_cast<void*>(0x1000);
int32_t* const PI = reinterpret_cast<int32_t*>(0x1000);

}  // namespace

TEST(checks, probe_never_fails) {
  rnn_cuda_probe_result r;
  CU_OK(rnn_cuda_probe(&r));
  CHECK(r.device_count >= 0);
  CHECK_MSG(r.device_count > 0 || r.message[0] != 0, "no device must come with a reason");
  CU_STATUS(rnn_cuda_probe(nullptr), RNN_ERR_ARG);
}

TEST(checks, good_calls_need_init) {
  CU_STATUS(rnn_cuda_unary(RNN_F32, RNN_EXP, P, P, 4), RNN_ERR_DEVICE);
  CHECK(std::string(rnn_cuda_last_error()).find("rnn_cuda_init") != std::string::npos);
  void* q = nullptr;
  CU_STATUS(rnn_cuda_alloc(&q, 16), RNN_ERR_DEVICE);
  CU_STATUS(rnn_cuda_synchronize(), RNN_ERR_DEVICE);
  CU_OK(rnn_cuda_free(nullptr));
  CU_OK(rnn_cuda_free(P));  // not ours: ignored, never handed to CUDA
  // Empty work needs no device.
  CU_OK(rnn_cuda_unary(RNN_F32, RNN_EXP, nullptr, nullptr, 0));
  const int64_t s0[] = {0, 3};
  CU_OK(rnn_cuda_binary(RNN_F32, RNN_ADD, nullptr, s0, 2, nullptr, s0, 2, nullptr, s0, 2));
}

TEST(checks, elementwise) {
  CU_STATUS(rnn_cuda_unary(RNN_F32, 99, P, P, 4), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_unary(7, RNN_EXP, P, P, 4), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_unary(RNN_F32, RNN_EXP, P, P, -1), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_unary(RNN_F32, RNN_EXP, nullptr, P, 4), RNN_ERR_ARG);
  const int64_t a[] = {2, 3}, b[] = {4}, o[] = {2, 3}, neg[] = {2, -3}, big[] = {int64_t(1) << 40, int64_t(1) << 40};
  CU_STATUS(rnn_cuda_binary(RNN_F32, RNN_ADD, P, a, 2, P, b, 1, P, o, 2), RNN_ERR_SHAPE);
  CHECK(std::string(rnn_cuda_last_error()).find("does not broadcast") != std::string::npos);
  CU_STATUS(rnn_cuda_binary(RNN_F32, RNN_ADD, P, neg, 2, P, a, 2, P, o, 2), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_binary(RNN_F32, RNN_ADD, P, big, 2, P, big, 2, P, big, 2), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_binary(RNN_F32, RNN_ADD, P, a, 17, P, a, 2, P, o, 2), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_binary(RNN_F32, RNN_ADD, P, a, 2, P, a, 2, P, o, 1), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_binary(RNN_F32, 42, P, a, 2, P, a, 2, P, o, 2), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_binary(RNN_F32, RNN_ADD, nullptr, a, 2, P, a, 2, P, o, 2), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_where(RNN_F32, P, b, 1, P, a, 2, P, a, 2, P, o, 2), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_cast(RNN_F32, P, 9, P, 3), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_cast(RNN_F32, P, RNN_I32, P, -3), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_fill(9, P, 3, 1.0), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_fill(RNN_F32, nullptr, 3, 1.0), RNN_ERR_ARG);
}

TEST(checks, reduce_and_matmul) {
  const int64_t s[] = {2, 3, 4};
  const int ax_bad[] = {3}, ax_dup[] = {1, 1}, ax[] = {1};
  CU_STATUS(rnn_cuda_reduce(RNN_F32, RNN_SUM, P, s, 3, ax_bad, 1, P), RNN_ERR_INDEX);
  CU_STATUS(rnn_cuda_reduce(RNN_F32, RNN_SUM, P, s, 3, ax_dup, 2, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_reduce(RNN_F32, 5, P, s, 3, ax, 1, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_reduce(RNN_F32, RNN_SUM, P, s, 3, ax, 4, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_argmax(RNN_F32, P, 2, 0, 3, PI), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_argmax(RNN_F32, P, -1, 2, 3, PI), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_matmul(RNN_F32, P, 0, 2, 3, 0, P, 0, 2, 3, 0, P), RNN_ERR_SHAPE);
  CHECK(std::string(rnn_cuda_last_error()).find("inner dimensions differ") != std::string::npos);
  CU_STATUS(rnn_cuda_matmul(RNN_F32, P, 2, 2, 3, 0, P, 3, 3, 2, 0, P), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_matmul(RNN_F32, P, 0, int64_t(1) << 32, 3, 0, P, 0, 3, 2, 0, P), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_matmul(RNN_F32, nullptr, 0, 2, 3, 0, P, 0, 3, 2, 0, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_gemm(RNN_F32, 0, 0, 2, 2, 3, 1, P, 2, P, 2, 0, P, 2), RNN_ERR_SHAPE);  // lda < k
  CU_STATUS(rnn_cuda_gemm(RNN_I32, 0, 0, 2, 2, 3, 1, P, 3, P, 2, 0, P, 2), RNN_ERR_ARG);
}

TEST(checks, layout) {
  const int64_t s[] = {2, 3};
  const int perm_bad[] = {0, 0};
  CU_STATUS(rnn_cuda_transpose(RNN_F32, P, s, 2, perm_bad, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_transpose(RNN_F32, P, s, 2, nullptr, P), RNN_ERR_ARG);
  const int64_t begin[] = {1, 0}, size[] = {2, 3}, huge[] = {1, INT64_MAX};
  CU_STATUS(rnn_cuda_slice(RNN_F32, P, s, 2, begin, size, P), RNN_ERR_INDEX);
  CU_STATUS(rnn_cuda_slice(RNN_F32, P, s, 2, begin, huge, P), RNN_ERR_INDEX);  // begin + size overflows
  const int64_t before[] = {0, -1}, after[] = {0, 0}, far[] = {0, INT64_MAX / 2};
  CU_STATUS(rnn_cuda_pad(RNN_F32, P, s, 2, before, after, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_pad(RNN_F32, P, s, 2, after, far, P), RNN_ERR_ARG);
  const void* xs[] = {P, nullptr};
  const int64_t sizes[] = {2, 3}, neg[] = {2, -1};
  CU_STATUS(rnn_cuda_concat(RNN_F32, xs, sizes, 2, 1, 1, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_concat(RNN_F32, xs, neg, 2, 1, 1, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_gather(RNN_F32, P, 4, 2, nullptr, 3, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_gather(RNN_F32, P, -4, 2, PI, 3, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_gather(RNN_F32, P, 4, INT64_MAX / 2, PI, 3, P), RNN_ERR_SHAPE);
  CU_STATUS(rnn_cuda_scatter_add(RNN_F32, PI, 3, P, 2, -1, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_scatter_add(RNN_F32, nullptr, 3, P, 2, 4, P), RNN_ERR_ARG);
}

TEST(checks, fused) {
  const int32_t bad_len[] = {3, 4};
  rnn_seq_desc d{RNN_MODE_GRU, RNN_F32, 2, 3, 2, 4, nullptr, 0};
  rnn_seq_desc bad = d;
  bad.mode = 9;
  CU_STATUS(rnn_cuda_seq_forward(&bad, P, P, P, P, P, P, P, P, P, P, P), RNN_ERR_ARG);
  bad = d;
  bad.lengths = bad_len;
  CU_STATUS(rnn_cuda_seq_forward(&bad, P, P, P, P, P, P, P, P, P, P, P), RNN_ERR_INDEX);
  CHECK(std::string(rnn_cuda_last_error()).find("lengths[1] = 4") != std::string::npos);
  CHECK(rnn_cuda_seq_reserve_size(&bad) == -1);
  bad = d;
  bad.hidden = int64_t(1) << 31;
  CU_STATUS(rnn_cuda_seq_forward(&bad, P, P, P, P, P, P, P, P, P, P, P), RNN_ERR_SHAPE);
  bad = d;
  bad.dtype = RNN_I32;
  CU_STATUS(rnn_cuda_seq_forward(&bad, P, P, P, P, P, P, P, P, P, P, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_seq_forward(&d, P, nullptr, P, P, P, P, P, P, P, P, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_seq_backward(&d, P, P, P, P, P, nullptr, P, P, P, P, P, P, P, P, P, P), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_seq_forward(nullptr, P, P, P, P, P, P, P, P, P, P, P), RNN_ERR_ARG);
  CHECK(rnn_cuda_seq_reserve_size(&d) == 2 * 3 * 4 * 5);
  rnn_tree_desc t{RNN_F32, 3, 2, 4};
  CU_STATUS(rnn_cuda_tree_forward(&t, P, P, P, P, P, P, P, nullptr, P, P, P), RNN_ERR_ARG);
  t.hidden = -1;
  CU_STATUS(rnn_cuda_tree_forward(&t, P, P, P, P, P, P, P, P, P, P, P), RNN_ERR_SHAPE);
  rnn_adam_params hp{0.1, 0.9, 0.999, 1e-8, 0, 0, 1};
  CU_STATUS(rnn_cuda_adam_step(RNN_F32, P, P, P, P, 4, &hp), RNN_ERR_ARG);  // step 0
  hp.step = 1;
  hp.beta1 = 1.5;
  CU_STATUS(rnn_cuda_adam_step(RNN_F32, P, P, P, P, 4, &hp), RNN_ERR_ARG);
  hp.beta1 = 0.9;
  CU_STATUS(rnn_cuda_adam_step(RNN_I32, P, P, P, P, 4, &hp), RNN_ERR_ARG);
  CU_STATUS(rnn_cuda_adam_step(RNN_F32, P, P, P, P, 4, &hp), RNN_ERR_DEVICE);  // good, but no device yet
}
