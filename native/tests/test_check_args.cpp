// The binding checks (rnn_seq_check_args, rnn_tree_check_args, rnn_adam_check_args): the C API's
// memory-safety gate for callers that hold arrays with their lengths (the Node addons). Every array
// whose count or dtype does not fit the descriptor is refused with a message naming it.
#include <cstring>
#include <string>

#include "harness.h"

namespace {

bool says(const char* text) { return std::strstr(rnn_last_error(), text) != nullptr; }

// gru, batch 2, steps 3, input 2, hidden 4: G*H = 12, reserve 2*3*4*5 = 120.
struct SeqArgs {
  rnn_seq_desc d{RNN_MODE_GRU, RNN_F64, 2, 3, 2, 4, nullptr, 0};
  rnn_array_info a[RNN_SEQ_ARG_COUNT];
  SeqArgs() {
    for (auto& x : a) x = {-1, -1};
    a[RNN_SEQ_X] = {12, RNN_F64};
    a[RNN_SEQ_H0] = {8, RNN_F64};
    a[RNN_SEQ_W_IH] = {24, RNN_F64};
    a[RNN_SEQ_W_HH] = {48, RNN_F64};
    a[RNN_SEQ_B_IH] = {12, RNN_F64};
    a[RNN_SEQ_B_HH] = {12, RNN_F64};
  }
};

}  // namespace

TEST(check_args, sequence_forward) {
  SeqArgs s;
  CHECK_OK(rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.a));
  SeqArgs h0;
  h0.a[RNN_SEQ_H0].count = 12;
  CHECK_STATUS(rnn_seq_check_args(&h0.d, RNN_PASS_FORWARD, h0.a), RNN_ERR_SHAPE);
  CHECK(says("h0 has 12 elements but shape [2, 4] needs 8"));
  SeqArgs w;
  w.a[RNN_SEQ_W_HH].count = 64;  // an lstm's
  CHECK_STATUS(rnn_seq_check_args(&w.d, RNN_PASS_FORWARD, w.a), RNN_ERR_SHAPE);
  CHECK(says("w_hh has 64 elements but shape [12, 4] needs 48"));
  SeqArgs dt;
  dt.a[RNN_SEQ_B_IH].dtype = RNN_F32;
  CHECK_STATUS(rnn_seq_check_args(&dt.d, RNN_PASS_FORWARD, dt.a), RNN_ERR_DTYPE);
  CHECK(says("b_ih is float32 but float64 was expected"));
  SeqArgs x;
  x.a[RNN_SEQ_X].dtype = RNN_I32;
  x.d.dtype = RNN_I32;
  CHECK_STATUS(rnn_seq_check_args(&x.d, RNN_PASS_FORWARD, x.a), RNN_ERR_DTYPE);
  SeqArgs missing;
  missing.a[RNN_SEQ_B_HH] = {-1, -1};
  CHECK_STATUS(rnn_seq_check_args(&missing.d, RNN_PASS_FORWARD, missing.a), RNN_ERR_ARG);
  CHECK(says("b_hh is missing"));
  SeqArgs recycled;
  recycled.a[RNN_SEQ_RESERVE] = {119, RNN_F64};
  CHECK_STATUS(rnn_seq_check_args(&recycled.d, RNN_PASS_FORWARD, recycled.a), RNN_ERR_SHAPE);
  recycled.a[RNN_SEQ_RESERVE].count = 120;
  CHECK_OK(rnn_seq_check_args(&recycled.d, RNN_PASS_FORWARD, recycled.a));
  CHECK_STATUS(rnn_seq_check_args(nullptr, RNN_PASS_FORWARD, s.a), RNN_ERR_ARG);
  CHECK_STATUS(rnn_seq_check_args(&s.d, 7, s.a), RNN_ERR_ARG);
}

TEST(check_args, sequence_lengths) {
  // The count is checked before any value is read: a one-entry array for a batch of 2.
  int32_t one[] = {3};
  SeqArgs s;
  s.d.lengths = one;
  s.a[RNN_SEQ_LENGTHS] = {1, RNN_I32};
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.a), RNN_ERR_SHAPE);
  CHECK(says("lengths has 1 entries for a batch of 2"));
  int32_t bad[] = {1, 4};
  s.d.lengths = bad;
  s.a[RNN_SEQ_LENGTHS] = {2, RNN_I32};
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.a), RNN_ERR_INDEX);
  CHECK(says("lengths[1] = 4 is out of range"));
  s.a[RNN_SEQ_LENGTHS] = {2, RNN_F64};
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.a), RNN_ERR_DTYPE);
  s.a[RNN_SEQ_LENGTHS] = {-1, -1};  // the descriptor has lengths the binding did not count
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_FORWARD, s.a), RNN_ERR_ARG);
}

TEST(check_args, sequence_backward) {
  SeqArgs s;
  s.a[RNN_SEQ_B_IH] = s.a[RNN_SEQ_B_HH] = {-1, -1};  // backward takes no biases
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_BACKWARD, s.a), RNN_ERR_ARG);
  CHECK(says("no reserve"));
  s.a[RNN_SEQ_RESERVE] = {7, RNN_F64};
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_BACKWARD, s.a), RNN_ERR_SHAPE);
  CHECK(says("the reserve has 7 elements but these arguments need 120"));
  s.a[RNN_SEQ_RESERVE].count = 120;
  CHECK_OK(rnn_seq_check_args(&s.d, RNN_PASS_BACKWARD, s.a));
  s.a[RNN_SEQ_DY] = {5, RNN_F64};
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_BACKWARD, s.a), RNN_ERR_SHAPE);
  CHECK(says("dy has 5 elements but shape [2, 3, 4] needs 24"));
  s.a[RNN_SEQ_DY] = {24, RNN_F64};
  s.a[RNN_SEQ_DH_N] = {8, RNN_F32};
  CHECK_STATUS(rnn_seq_check_args(&s.d, RNN_PASS_BACKWARD, s.a), RNN_ERR_DTYPE);
}

TEST(check_args, tree_level) {
  // 3 nodes, input 2, hidden 4: gates 20, reserve 72.
  rnn_tree_desc d{RNN_F32, 3, 2, 4};
  rnn_array_info a[RNN_TREE_ARG_COUNT];
  for (auto& x : a) x = {-1, -1};
  const int64_t counts[] = {6, 12, 12, 12, 12, 40, 160, 20};
  for (int k = 0; k <= RNN_TREE_B; ++k) a[k] = {counts[k], RNN_F32};
  CHECK_OK(rnn_tree_check_args(&d, RNN_PASS_FORWARD, a));
  a[RNN_TREE_CR].count = 8;
  CHECK_STATUS(rnn_tree_check_args(&d, RNN_PASS_FORWARD, a), RNN_ERR_SHAPE);
  CHECK(says("cr has 8 elements but shape [3, 4] needs 12"));
  a[RNN_TREE_CR].count = 12;
  CHECK_STATUS(rnn_tree_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_ARG);
  CHECK(says("no reserve"));
  a[RNN_TREE_RESERVE] = {72, RNN_F32};
  a[RNN_TREE_DH] = {12, RNN_F64};
  CHECK_STATUS(rnn_tree_check_args(&d, RNN_PASS_BACKWARD, a), RNN_ERR_DTYPE);
  a[RNN_TREE_DH] = {12, RNN_F32};
  CHECK_OK(rnn_tree_check_args(&d, RNN_PASS_BACKWARD, a));
}

TEST(check_args, adam) {
  rnn_array_info a[RNN_ADAM_ARG_COUNT] = {{3, RNN_F64}, {2, RNN_F64}, {3, RNN_F64}, {3, RNN_F64}};
  CHECK_STATUS(rnn_adam_check_args(a), RNN_ERR_SHAPE);
  CHECK(says("grad has 2 elements but shape [3] needs 3"));
  a[RNN_ADAM_GRAD].count = 3;
  CHECK_OK(rnn_adam_check_args(a));
  a[RNN_ADAM_V].dtype = RNN_F32;
  CHECK_STATUS(rnn_adam_check_args(a), RNN_ERR_DTYPE);
  a[RNN_ADAM_V].dtype = RNN_F64;
  a[RNN_ADAM_PARAM].dtype = RNN_I32;
  CHECK_STATUS(rnn_adam_check_args(a), RNN_ERR_DTYPE);
  CHECK(says("param must be float32 or float64"));
}
