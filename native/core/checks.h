// The argument checks of the C APIs that are more than one line, shared by the CPU and CUDA entry
// points (api/*.inc) and by the binding checks (rnn_*_check_args).
#pragma once

#include <cstdint>

#include "errors.h"

namespace rnn {

// A sequence descriptor: mode, dtype, sizes in range for (cu)BLAS's int, lengths in 0..steps.
int check_seq_desc(const char* what, const rnn_seq_desc* d);
int check_tree_desc(const char* what, const rnn_tree_desc* d);
// An attention descriptor: score, dtype, sizes >= 0 (sources >= 1 when there is a query), lengths in 1..sources.
int check_attn_desc(const char* what, const rnn_attn_desc* d);
// Adam's hyper-parameters: finite, betas in [0, 1), step >= 1.
int check_adam_params(const char* what, const rnn_adam_params* hp);
// Every index in [0, rows) (host memory).
int check_index(const char* what, const int32_t* idx, int64_t n, int64_t rows);

}  // namespace rnn
