// What the CPU is (probed once at load: cpuid, then the OS for what cpuid cannot say) and the kernel
// plan picked for it: which step kernels run and their register tiles and cache blocking.
//
//   probe_cpu()      the machine's CpuProbe (cpuid; impure)
//   plan_for(probe)  the plan for a probe (pure: tests/test_cpu_plan.cpp runs it over fixtures of the
//                    CPUs this project has run on, so the choice is tested on any machine)
//   kernel_plan()    the plan in force: plan_for(cpu_probe()), then RNN_SIMD and RNN_CPU_PLAN
//
// What a plan may change, and what that does to results (details in docs/cpu-plans.md):
//   - the row tiles (gemm_mr, lstm_mr, gru_mr) and the rows per chunk: nothing (every output element
//     is still one sum over k in the same order, whatever tile or chunk holds its row);
//   - the depth block (block_bytes): the fused LSTM/GRU steps carry their partial sums across blocks
//     unrounded-by-order (same bits), but a packed gemm adds its blocks' sums into C: float rounding
//     of the order of 1e-7 relative; the thread count never changes a result under one plan.
#pragma once

#include <string>

namespace rnn {

struct CpuProbe {
  std::string vendor;      // cpuid vendor string: "GenuineIntel", "AuthenticAMD", ... ("" when not x86)
  int family = 0, model = 0, stepping = 0;  // display family / model (base + extended)
  std::string model_name;  // cpuid brand string, trimmed
  // instruction sets the CPU reports AND the OS saves the registers of (XCR0)
  bool fma = false, avx2 = false, avx512f = false, avx512vl = false, avx512dq = false, avx512bw = false;
  // per-core data caches in KiB (0: unknown) and where the figures came from
  int l1d_kib = 0, l2_kib = 0, l3_kib = 0;
  std::string cache_source;  // "cpuid leaf 4", "cpuid 0x8000001D", "sysfs", "sysconf" or "none"
  // FMA: the widest vector an FMA takes (bits), how many such FMAs a core issues per cycle, and
  // whether a 512-bit FMA is split into two 256-bit halves (AMD Zen 4): see fma_units_for below.
  int fma_width_bits = 0;
  int fma_units = 0;           // 0: unknown
  bool zmm_double_pumped = false;
  std::string fma_source;      // how fma_units / zmm_double_pumped were decided
};

// The step kernels' variant and blocking. The MR caps are what fits the 32 zmm registers with the
// weight vectors of one k (avx512.cpp): gemm 12 x 2, LSTM 6 x 4, GRU 8 x 3 accumulators.
struct KernelPlan {
  std::string name;     // "intel-avx512", "zen4", "zen5", "avx512", "baseline" (+ "+override")
  std::string variant;  // "avx512-zmm" (own packed kernels) or "baseline" (OpenBLAS per step)
  int gemm_mr = 12, lstm_mr = 6, gru_mr = 8;  // rows per register tile
  int block_bytes = 36 * 1024;  // packed-weight bytes per depth block of an LSTM/GRU step (kept in L1 while the row tiles stream it)
  int gemm_block_bytes = 36 * 1024;  // the same for the packed gemm (weight gradients, dh, projections)
  int chunk_rows = 192;         // rows of A gathered per chunk of a big product (kept in L2)
  std::string why;              // one line: what in the probe led here
  bool avx512() const { return variant == "avx512-zmm"; }
};

constexpr int kMaxGemmMR = 12, kMaxLstmMR = 6, kMaxGruMR = 8, kMaxChunkRows = 192;

CpuProbe probe_cpu();
KernelPlan plan_for(const CpuProbe& cpu);

// FMA units per core and double pumping, known by vendor/family (see cpu_plan.cpp for the table and
// why it is a table and not a timing). Sets fma_units, zmm_double_pumped and fma_source.
void fma_units_for(CpuProbe& cpu);

// The probes of the reference CPUs (what their cpuid reports): "intel-avx512" (the Xeon this
// project was tuned on), "zen4", "zen5", "avx2" (a CPU without AVX-512). nullptr: no such name.
const CpuProbe* reference_probe(const std::string& name);

// RNN_CPU_PLAN: "auto", a preset (the plan of a reference probe, or "baseline"), and/or comma-separated
// key=value items applied on top (gemm_mr, lstm_mr, gru_mr, block_kib, chunk_rows). A preset that needs
// AVX-512 on a CPU without it falls back to baseline with *note set. Returns false with *error (what
// was expected) when the text is not such a value; `plan` is then unchanged.
bool apply_plan_override(const std::string& text, const CpuProbe& cpu, KernelPlan* plan, std::string* error,
                         std::string* note);

// The machine's probe and the plan in force (plan_for, then RNN_SIMD=baseline, then RNN_CPU_PLAN;
// a bad RNN_CPU_PLAN is reported on stderr, naming it, and ignored). Computed once, thread-safe.
const CpuProbe& cpu_probe();
const KernelPlan& kernel_plan();

// Hands a plan's blocking to the AVX-512 kernels (kernel_plan() does this once; tests call it to run
// the kernels under several plans in one process: never while a kernel runs).
void use_plan_blocking(const KernelPlan& plan);

// {"cpu": {...probe...}, "plan": {...}} for `rnn info` and the bench.
std::string cpu_plan_json(const CpuProbe& cpu, const KernelPlan& plan);

}  // namespace rnn
