// The CPU probe and the kernel plan: plan_for over fixtures of the CPUs this project has run on (so
// the choice is tested on any machine), RNN_CPU_PLAN's parser, and the kernels under several plans
// (what may change a result and what may not; cpu_plan.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../src/blas.h"
#include "../src/cpu_plan.h"
#include "../src/parallel.h"
#include "harness.h"

#define CHECK_EQ(a, b) \
  th::report((a) == (b), __FILE__, __LINE__, std::string(#a " == " #b ": ") + std::to_string(a) + " vs " + std::to_string(b))

namespace {

using rnn::CpuProbe;
using rnn::KernelPlan;

// What cpuid reports on each (lscpu / the machines): vendor, family, model, ISA, caches.
CpuProbe fixture(const char* vendor, int family, int model, bool avx512, int l1, int l2) {
  CpuProbe c;
  c.vendor = vendor;
  c.family = family;
  c.model = model;
  c.fma = c.avx2 = true;
  c.avx512f = c.avx512vl = c.avx512dq = c.avx512bw = avx512;
  c.l1d_kib = l1;
  c.l2_kib = l2;
  c.fma_width_bits = avx512 ? 512 : 256;
  rnn::fma_units_for(c);
  return c;
}
CpuProbe xeon() { return fixture("GenuineIntel", 6, 167, true, 48, 2048); }  // this project's Xeon (lscpu)
CpuProbe zen4() { return fixture("AuthenticAMD", 25, 17, true, 32, 1024); }  // EPYC Genoa (issue 22)
CpuProbe zen5() { return fixture("AuthenticAMD", 26, 2, true, 48, 1024); }   // EPYC Turin
CpuProbe zen3() { return fixture("AuthenticAMD", 25, 1, false, 32, 512); }   // family 19h without AVX-512
CpuProbe haswell() { return fixture("GenuineIntel", 6, 63, false, 32, 256); }

void check_plan(const KernelPlan& p, const char* name, const char* variant, int block_kib, int chunk_rows) {
  CHECK(p.name == name);
  CHECK(p.variant == variant);
  if (p.avx512()) {
    CHECK_EQ(p.gemm_mr, 12);
    CHECK_EQ(p.lstm_mr, 6);
    CHECK_EQ(p.gru_mr, 8);
    CHECK_EQ(p.block_bytes, block_kib * 1024);
    CHECK_EQ(p.gemm_block_bytes, block_kib * 1024);
    CHECK_EQ(p.chunk_rows, chunk_rows);
  }
  CHECK(!p.why.empty());
}

}  // namespace

TEST(cpu_plan, plan_for_xeon_keeps_the_blocking_it_was_tuned_with) {
  // 36 KiB depth blocks and 192-row chunks: the constants of the kernels before plans existed
  check_plan(rnn::plan_for(xeon()), "intel-avx512", "avx512-zmm", 36, 192);
  const CpuProbe c = xeon();
  CHECK_EQ(c.fma_units, 2);
  CHECK_EQ(c.fma_width_bits, 512);
  CHECK(!c.zmm_double_pumped);
}

TEST(cpu_plan, plan_for_zen4_scales_to_its_caches_and_knows_double_pumping) {
  const CpuProbe c = zen4();
  check_plan(rnn::plan_for(c), "zen4", "avx512-zmm", 24, 96);
  CHECK(c.zmm_double_pumped);
  CHECK_EQ(c.fma_width_bits, 256);
  CHECK_EQ(c.fma_units, 2);
  CHECK(rnn::plan_for(c).why.find("double-pumped") != std::string::npos);
}

TEST(cpu_plan, plan_for_zen5_full_width) {
  const CpuProbe c = zen5();
  check_plan(rnn::plan_for(c), "zen5", "avx512-zmm", 36, 96);
  CHECK(!c.zmm_double_pumped);
  CHECK_EQ(c.fma_width_bits, 512);
}

TEST(cpu_plan, plan_for_cpus_without_avx512_is_baseline) {
  check_plan(rnn::plan_for(zen3()), "baseline", "baseline", 0, 0);
  check_plan(rnn::plan_for(haswell()), "baseline", "baseline", 0, 0);
  CHECK(!zen3().zmm_double_pumped);  // family 19h alone is not Zen 4
  CHECK_EQ(haswell().fma_width_bits, 256);
  CpuProbe partial = xeon();
  partial.avx512vl = false;  // F without VL: the kernels need both
  CHECK(!rnn::plan_for(partial).avx512());
}

TEST(cpu_plan, unknown_caches_count_as_the_xeons_and_tiny_caches_are_clamped) {
  CpuProbe c = zen5();
  c.l1d_kib = c.l2_kib = 0;
  check_plan(rnn::plan_for(c), "zen5", "avx512-zmm", 36, 192);
  c.l1d_kib = 8;
  c.l2_kib = 128;
  check_plan(rnn::plan_for(c), "zen5", "avx512-zmm", 12, 48);
  c.vendor = "SomeVendor";
  CHECK(rnn::plan_for(c).name == "avx512");
}

TEST(cpu_plan, presets_are_the_plans_of_the_reference_cpus) {
  for (const char* name : {"intel-avx512", "zen4", "zen5"}) {
    KernelPlan p = rnn::plan_for(xeon());
    std::string err, note;
    CHECK(rnn::apply_plan_override(name, xeon(), &p, &err, &note));
    const KernelPlan ref = rnn::plan_for(*rnn::reference_probe(name));
    CHECK(p.name == ref.name);
    CHECK_EQ(p.block_bytes, ref.block_bytes);
    CHECK_EQ(p.chunk_rows, ref.chunk_rows);
    CHECK(note.empty());
  }
  KernelPlan p = rnn::plan_for(xeon());
  std::string err, note;
  CHECK(rnn::apply_plan_override("zen4", xeon(), &p, &err, &note));
  check_plan(p, "zen4", "avx512-zmm", 24, 96);
  CHECK(p.why == "RNN_CPU_PLAN=zen4");
  CHECK(rnn::apply_plan_override("baseline", xeon(), &p, &err, &note));
  CHECK(!p.avx512());
}

TEST(cpu_plan, override_items_and_auto) {
  KernelPlan p = rnn::plan_for(xeon());
  std::string err, note;
  CHECK(rnn::apply_plan_override("auto", xeon(), &p, &err, &note));
  CHECK(p.name == "intel-avx512");
  CHECK(rnn::apply_plan_override("gemm_mr=8, block_kib=20,chunk_rows=48,gemm_block_kib=1024", xeon(), &p, &err, &note));
  CHECK_EQ(p.gemm_block_bytes, 1024 * 1024);
  CHECK(p.name == "intel-avx512+override");
  CHECK_EQ(p.gemm_mr, 8);
  CHECK_EQ(p.block_bytes, 20 * 1024);
  CHECK_EQ(p.chunk_rows, 48);
  CHECK_EQ(p.lstm_mr, 6);
  p = rnn::plan_for(xeon());
  CHECK(rnn::apply_plan_override("zen4,lstm_mr=4", xeon(), &p, &err, &note));
  CHECK(p.name == "zen4+override");
  CHECK_EQ(p.lstm_mr, 4);
  CHECK_EQ(p.block_bytes, 24 * 1024);
}

TEST(cpu_plan, override_refuses_bad_values_and_leaves_the_plan) {
  for (const char* bad : {"zen9", "avx2", "gemm_mr=13", "gemm_mr=0", "gemm_mr=x", "gemm_mr=", "block_kib=2",
                          "chunk_rows=500", "gemm_block_kib=3", "mr=4", "gemm_mr=8,zen4", "zen4,zen5", "baseline,gemm_mr=4", "=4"}) {
    KernelPlan p = rnn::plan_for(xeon());
    std::string err, note;
    const bool ok = rnn::apply_plan_override(bad, xeon(), &p, &err, &note);
    CHECK(!ok);
    CHECK(err.find("gemm_mr=1..12") != std::string::npos);
    CHECK(p.name == "intel-avx512");
    CHECK_EQ(p.gemm_mr, 12);
  }
}

TEST(cpu_plan, avx512_preset_on_a_cpu_without_it_falls_back_with_a_note) {
  KernelPlan p = rnn::plan_for(haswell());
  std::string err, note;
  CHECK(rnn::apply_plan_override("zen5", haswell(), &p, &err, &note));
  CHECK(!p.avx512());
  CHECK(note.find("lacks") != std::string::npos);
  p = rnn::plan_for(haswell());
  CHECK(!rnn::apply_plan_override("gemm_mr=6", haswell(), &p, &err, &note));
  CHECK(err.find("baseline") != std::string::npos);
}

TEST(cpu_plan, this_machine_probe_is_sane) {
  const CpuProbe& c = rnn::cpu_probe();
#if defined(__x86_64__)
  CHECK(!c.vendor.empty());
  CHECK(c.family > 0);
  __builtin_cpu_init();
  CHECK_EQ(c.avx512f, bool(__builtin_cpu_supports("avx512f")));
  CHECK_EQ(c.avx2, bool(__builtin_cpu_supports("avx2")));
  CHECK_EQ(c.fma, bool(__builtin_cpu_supports("fma")));
#endif
  CHECK(c.cache_source != "none" || c.l1d_kib == 0);
  CHECK(c.l1d_kib >= 0 && c.l1d_kib < 4096);
  const KernelPlan& p = rnn::kernel_plan();
  CHECK_EQ(p.avx512(), rnn::use_avx512());
  const std::string json = rnn_cpu_plan();
  CHECK(json.find("\"plan\":{\"name\":\"" + p.name + "\"") != std::string::npos);
  CHECK(json.find("\"l1d\":" + std::to_string(c.l1d_kib)) != std::string::npos);
}

namespace {
// C = op(A) op(B) on the packed kernel under `plan` (nothing when AVX-512 is not in use).
std::vector<float> gemm_under(const KernelPlan& plan, bool ta, int M, int N, int K, const std::vector<float>& A,
                              const std::vector<float>& B) {
  rnn::use_plan_blocking(plan);
  std::vector<float> C(size_t(M) * N, -1.0f);
  const bool ran = rnn::fast_sgemm(ta, false, M, N, K, 1.0f, A.data(), ta ? M : K, B.data(), N, 0.0f, C.data(), N);
  CHECK(ran);
  return C;
}
}  // namespace

TEST(cpu_plan, tiles_and_chunks_change_no_bit_depth_blocks_only_rounding) {
  if (!rnn::use_avx512()) return;  // the portable path has no plan blocking
  const int M = 250, N = 70, K = 700;  // > 192 rows (chunks), > one depth block, a ragged last panel
  std::vector<float> A(size_t(M) * K), B(size_t(K) * N);
  for (auto& v : A) v = float(th::uniform(-1, 1));
  for (auto& v : B) v = float(th::uniform(-1, 1));
  const KernelPlan xeon_plan = rnn::plan_for(xeon());
  for (bool ta : {false, true}) {
    const std::vector<float> ref = gemm_under(xeon_plan, ta, M, N, K, A, B);
    for (int mr : {1, 5, 7, 12})
      for (int chunk : {12, 48, 100, 192}) {
        KernelPlan p = xeon_plan;
        p.gemm_mr = mr;
        p.chunk_rows = chunk;
        CHECK(gemm_under(p, ta, M, N, K, A, B) == ref);
      }
    for (const CpuProbe& c : {zen4(), zen5()}) {
      const std::vector<float> got = gemm_under(rnn::plan_for(c), ta, M, N, K, A, B);
      double worst = 0;
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          double exact = 0;
          for (int k = 0; k < K; ++k) exact += double(ta ? A[size_t(k) * M + i] : A[size_t(i) * K + k]) * B[size_t(k) * N + j];
          worst = std::max(worst, std::fabs(got[size_t(i) * N + j] - exact));
        }
      CHECK(worst < 1e-4);
    }
  }
  rnn::use_plan_blocking(rnn::kernel_plan());
}

TEST(cpu_plan, lstm_step_is_bit_identical_under_every_plan) {
  if (!rnn::use_avx512()) return;
  const int64_t Bn = 13, T = 4, I = 9, H = 150;  // K = 159 rows of 256 B: 2 depth blocks at 24 KiB
  rnn_seq_desc d{RNN_MODE_LSTM, RNN_F32, Bn, T, I, H, nullptr, 0};
  auto rnd = [](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = float(th::uniform(-0.5, 0.5));
    return v;
  };
  const auto x = rnd(Bn * T * I), h0 = rnd(Bn * H), c0 = rnd(Bn * H), wih = rnd(4 * H * I), whh = rnd(4 * H * H),
             bih = rnd(4 * H), bhh = rnd(4 * H);
  auto run = [&](const KernelPlan& plan) {
    rnn::use_plan_blocking(plan);
    std::vector<float> y(size_t(Bn * T * H)), hn(size_t(Bn * H)), cn(size_t(Bn * H));
    CHECK_OK(rnn_seq_forward(&d, x.data(), h0.data(), c0.data(), wih.data(), whh.data(), bih.data(), bhh.data(), y.data(),
                             hn.data(), cn.data(), nullptr));
    y.insert(y.end(), cn.begin(), cn.end());
    return y;
  };
  const std::vector<float> ref = run(rnn::plan_for(xeon()));
  KernelPlan p = rnn::plan_for(zen4());
  CHECK(run(p) == ref);
  for (int mr : {1, 4}) {
    p.lstm_mr = mr;
    p.block_bytes = 4096;
    CHECK(run(p) == ref);
  }
  rnn::use_plan_blocking(rnn::kernel_plan());
}
