// The CPU probe and the kernel plan (see cpu_plan.h).
#include "cpu_plan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define RNN_X86 1
#endif
#if defined(__linux__)
#include <unistd.h>
#endif

#include "avx512.h"

namespace rnn {

namespace {

#ifdef RNN_X86
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};
Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}
unsigned long long xgetbv0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
}

// Deterministic cache parameters (Intel leaf 4, AMD 0x8000001D: the same layout): per level, the
// data or unified cache's size in KiB.
bool caches_from_cpuid(unsigned leaf, CpuProbe& p) {
  for (unsigned sub = 0; sub < 16; ++sub) {
    const Regs r = cpuid(leaf, sub);
    const unsigned type = r.a & 0x1f, level = (r.a >> 5) & 0x7;
    if (type == 0) break;
    if (type == 2) continue;  // instruction cache
    const unsigned long long bytes = (static_cast<unsigned long long>((r.b >> 22) & 0x3ff) + 1) *
                                     (((r.b >> 12) & 0x3ff) + 1) * ((r.b & 0xfff) + 1) * (static_cast<unsigned long long>(r.c) + 1);
    const int kib = static_cast<int>(bytes / 1024);
    if (level == 1) p.l1d_kib = kib;
    if (level == 2) p.l2_kib = kib;
    if (level == 3) p.l3_kib = kib;
  }
  return p.l1d_kib > 0 && p.l2_kib > 0;
}
#endif

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\n") - a + 1);
}

// "48K", "2048K", "1M" (sysfs) in KiB
int sysfs_kib(const std::string& text) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || v <= 0) return 0;
  if (*end == 'M') return static_cast<int>(v * 1024);
  if (*end == 'K') return static_cast<int>(v);
  return static_cast<int>(v / 1024);
}

bool caches_from_sysfs(CpuProbe& p) {
  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::ifstream lf(dir + "level"), tf(dir + "type"), sf(dir + "size");
    if (!lf || !tf || !sf) break;
    int level = 0;
    std::string type, size;
    lf >> level;
    tf >> type;
    sf >> size;
    if (type == "Instruction") continue;
    const int kib = sysfs_kib(size);
    if (level == 1) p.l1d_kib = kib;
    if (level == 2) p.l2_kib = kib;
    if (level == 3) p.l3_kib = kib;
  }
  return p.l1d_kib > 0 && p.l2_kib > 0;
}

bool caches_from_sysconf(CpuProbe& p) {
#if defined(__linux__) && defined(_SC_LEVEL1_DCACHE_SIZE)
  p.l1d_kib = static_cast<int>(std::max(0L, sysconf(_SC_LEVEL1_DCACHE_SIZE)) / 1024);
  p.l2_kib = static_cast<int>(std::max(0L, sysconf(_SC_LEVEL2_CACHE_SIZE)) / 1024);
  p.l3_kib = static_cast<int>(std::max(0L, sysconf(_SC_LEVEL3_CACHE_SIZE)) / 1024);
#endif
  return p.l1d_kib > 0 && p.l2_kib > 0;
}

bool has_avx512(const CpuProbe& c) { return c.avx512f && c.avx512vl && c.avx512dq; }

int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

KernelPlan baseline_plan(const std::string& why) {
  KernelPlan p;
  p.name = "baseline";
  p.variant = "baseline";
  p.why = why;
  return p;
}

// strict decimal integer in [lo, hi]
bool parse_int(const std::string& s, int lo, int hi, int* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char ch : s)
    if (ch < '0' || ch > '9') return false;
  const int v = std::atoi(s.c_str());
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(ch));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

CpuProbe probe_cpu() {
  CpuProbe p;
#ifdef RNN_X86
  const Regs r0 = cpuid(0);
  char vendor[13] = {};
  std::memcpy(vendor, &r0.b, 4);
  std::memcpy(vendor + 4, &r0.d, 4);
  std::memcpy(vendor + 8, &r0.c, 4);
  p.vendor = vendor;
  const unsigned max_leaf = r0.a;
  if (max_leaf >= 1) {
    const Regs r1 = cpuid(1);
    const unsigned base_family = (r1.a >> 8) & 0xf, base_model = (r1.a >> 4) & 0xf;
    p.family = static_cast<int>(base_family + (base_family == 0xf ? (r1.a >> 20) & 0xff : 0));
    p.model = static_cast<int>(base_model | ((base_family == 0x6 || base_family == 0xf) ? ((r1.a >> 16) & 0xf) << 4 : 0));
    p.stepping = static_cast<int>(r1.a & 0xf);
    const bool osxsave = (r1.c >> 27) & 1, avx = (r1.c >> 28) & 1;
    const unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    const bool ymm_os = (xcr0 & 0x6) == 0x6, zmm_os = (xcr0 & 0xe6) == 0xe6;
    p.fma = ymm_os && avx && ((r1.c >> 12) & 1);
    if (max_leaf >= 7) {
      const Regs r7 = cpuid(7, 0);
      p.avx2 = ymm_os && ((r7.b >> 5) & 1);
      p.avx512f = zmm_os && ((r7.b >> 16) & 1);
      p.avx512dq = zmm_os && ((r7.b >> 17) & 1);
      p.avx512bw = zmm_os && ((r7.b >> 30) & 1);
      p.avx512vl = zmm_os && ((r7.b >> 31) & 1);
    }
  }
  const unsigned max_ext = cpuid(0x80000000).a;
  if (max_ext >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      const Regs r = cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    p.model_name = trim(brand);
  }
  if (p.vendor == "GenuineIntel" && max_leaf >= 4 && caches_from_cpuid(4, p)) p.cache_source = "cpuid leaf 4";
  else if (p.vendor == "AuthenticAMD" && max_ext >= 0x8000001D && ((cpuid(0x80000001).c >> 22) & 1) &&
           caches_from_cpuid(0x8000001D, p))
    p.cache_source = "cpuid 0x8000001D";
#endif
  if (p.cache_source.empty()) {
    p.l1d_kib = p.l2_kib = p.l3_kib = 0;
    if (caches_from_sysfs(p)) p.cache_source = "sysfs";
    else if (caches_from_sysconf(p)) p.cache_source = "sysconf";
    else p.cache_source = "none";
  }
  p.fma_width_bits = has_avx512(p) ? 512 : p.fma ? 256 : 0;
  fma_units_for(p);
  return p;
}

// FMA units per core from a table by vendor and family, not from a timing: a 2 ms timing on a
// shared VM (two cores, other jobs, frequency ramps) would give different answers from one load to
// the next, and the plan must not flip between runs; the bench measures the real peak anyway
// (tools/bench/roofline/fma_peak.c). What cpuid cannot tell apart is said in fma_source.
void fma_units_for(CpuProbe& c) {
  c.fma_units = 0;
  c.zmm_double_pumped = false;
  if (c.fma_width_bits == 0) {
    c.fma_source = "no FMA";
    return;
  }
  if (c.vendor == "AuthenticAMD" && c.family == 0x19 && has_avx512(c)) {
    // Zen 4: two 256-bit FMA pipes; a zmm FMA takes both (one zmm or two ymm FMAs per cycle)
    c.fma_width_bits = 256;
    c.fma_units = 2;
    c.zmm_double_pumped = true;
    c.fma_source = "family table: AMD family 19h with AVX-512 = Zen 4, 2 x 256-bit FMA, zmm double-pumped";
  } else if (c.vendor == "AuthenticAMD" && c.family == 0x1A) {
    c.fma_units = 2;
    c.fma_source = c.fma_width_bits == 512
                       ? "family table: AMD family 1Ah = Zen 5, 2 x 512-bit FMA (EPYC/desktop; mobile Zen 5 splits zmm, not told apart)"
                       : "family table: AMD family 1Ah = Zen 5, 2 FMA units";
  } else if (c.vendor == "AuthenticAMD" && (c.family == 0x17 || c.family == 0x19)) {
    c.fma_width_bits = (c.family == 0x17 && c.model < 0x30) ? 128 : 256;  // Zen 1: 2 x 128-bit
    c.fma_units = 2;
    c.fma_source = "family table: AMD Zen 1-3, 2 FMA pipes";
  } else if (c.vendor == "GenuineIntel" && c.family == 6) {
    c.fma_units = 2;
    c.fma_source = c.fma_width_bits == 512
                       ? "family table: Intel family 6 with AVX-512, 2 x 512-bit FMA (Xeon Bronze/Silver parts with one unit are not told apart)"
                       : "family table: Intel family 6, 2 x 256-bit FMA";
  } else {
    c.fma_source = "unknown CPU family: FMA units not known";
  }
}

KernelPlan plan_for(const CpuProbe& c) {
  if (!has_avx512(c)) {
    std::string isa = c.avx2 && c.fma ? "AVX2+FMA" : c.fma ? "FMA" : "no FMA";
    return baseline_plan("no AVX-512 F/VL/DQ (" + isa + "): OpenBLAS per step, compiler-vectorised gates");
  }
  KernelPlan p;
  p.variant = "avx512-zmm";
  const bool amd = c.vendor == "AuthenticAMD";
  p.name = c.vendor == "GenuineIntel" ? "intel-avx512" : amd && c.family == 0x19 ? "zen4" : amd && c.family == 0x1A ? "zen5" : "avx512";
  // The blocking measured best on the Intel Xeon this was tuned on (L1d 48 KiB, L2 2 MiB: a 36 KiB depth
  // block, 192-row chunks), scaled by this CPU's caches; unknown sizes count as that Xeon's.
  const int l1 = c.l1d_kib > 0 ? c.l1d_kib : 48, l2 = c.l2_kib > 0 ? c.l2_kib : 2048;
  p.block_bytes = clampi(l1 * 3 / 4, 12, 96) * 1024;
  p.gemm_block_bytes = p.block_bytes;
  p.chunk_rows = clampi(kMaxChunkRows * l2 / 2048 / 12 * 12, 48, kMaxChunkRows);
  // The register tiles fill the 32 zmm registers on every AVX-512 core. A double-pumped zmm FMA (Zen 4)
  // has the same 4-cycle latency at half the rate, so the 24 independent accumulators hide it with room
  // to spare, and zmm halves the instructions a ymm kernel would issue at the same FLOP rate: same tiles.
  std::ostringstream why;
  why << "AVX-512 F/VL/DQ, " << (c.zmm_double_pumped ? "zmm double-pumped" : "full-width zmm") << "; L1d "
      << (c.l1d_kib > 0 ? std::to_string(c.l1d_kib) + " KiB" : "unknown") << " -> depth block " << p.block_bytes / 1024
      << " KiB, L2 " << (c.l2_kib > 0 ? std::to_string(c.l2_kib) + " KiB" : "unknown") << " -> " << p.chunk_rows
      << "-row chunks";
  p.why = why.str();
  return p;
}

const CpuProbe* reference_probe(const std::string& name) {
  static const std::vector<std::pair<std::string, CpuProbe>> refs = [] {
    auto make = [](const char* vendor, int family, int model, const char* brand, bool avx512, int l1, int l2, int l3) {
      CpuProbe c;
      c.vendor = vendor;
      c.family = family;
      c.model = model;
      c.model_name = brand;
      c.fma = c.avx2 = true;
      c.avx512f = c.avx512vl = c.avx512dq = c.avx512bw = avx512;
      c.l1d_kib = l1;
      c.l2_kib = l2;
      c.l3_kib = l3;
      c.cache_source = "reference";
      c.fma_width_bits = avx512 ? 512 : 256;
      fma_units_for(c);
      return c;
    };
    return std::vector<std::pair<std::string, CpuProbe>>{
        {"intel-avx512", make("GenuineIntel", 6, 143, "Intel(R) Xeon(R) Processor", true, 48, 2048, 491520)},
        {"zen4", make("AuthenticAMD", 0x19, 0x11, "AMD EPYC 9R14 96-Core Processor", true, 32, 1024, 32768)},
        {"zen5", make("AuthenticAMD", 0x1A, 0x02, "AMD EPYC 9R45 96-Core Processor", true, 48, 1024, 32768)},
        {"avx2", make("AuthenticAMD", 0x17, 0x31, "AMD EPYC 7R32", false, 32, 512, 16384)},
    };
  }();
  for (const auto& r : refs)
    if (r.first == name) return &r.second;
  return nullptr;
}

bool apply_plan_override(const std::string& text, const CpuProbe& cpu, KernelPlan* plan, std::string* error,
                         std::string* note) {
  static const char* kExpected =
      "auto, a preset (intel-avx512, zen4, zen5, baseline) and/or comma-separated key=value items "
      "(gemm_mr=1..12, lstm_mr=1..6, gru_mr=1..8, block_kib=4..256, gemm_block_kib=4..16384, chunk_rows=12..192), "
      "e.g. zen4,gemm_mr=8";
  std::vector<std::string> items;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) items.push_back(trim(item));
  if (items.empty() || (items.size() == 1 && (items[0].empty() || items[0] == "auto"))) return true;
  KernelPlan p = *plan;
  std::string n;
  bool keys = false;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& it = items[i];
    const auto eq = it.find('=');
    if (eq == std::string::npos) {
      if (i != 0) return *error = kExpected, false;  // a preset comes first, once
      if (it == "baseline") {
        p = baseline_plan("RNN_CPU_PLAN=baseline");
      } else if (const CpuProbe* ref = reference_probe(it); ref && it != "avx2") {
        if (!has_avx512(cpu)) {
          n = "RNN_CPU_PLAN=" + it + " needs AVX-512 F/VL/DQ, which this CPU lacks: using the baseline kernels";
          p = baseline_plan(n);
        } else {
          p = plan_for(*ref);
        }
      } else {
        return *error = kExpected, false;
      }
      continue;
    }
    const std::string key = it.substr(0, eq), val = it.substr(eq + 1);
    int v = 0;
    bool ok = false;
    if (key == "gemm_mr") ok = parse_int(val, 1, kMaxGemmMR, &p.gemm_mr);
    else if (key == "lstm_mr") ok = parse_int(val, 1, kMaxLstmMR, &p.lstm_mr);
    else if (key == "gru_mr") ok = parse_int(val, 1, kMaxGruMR, &p.gru_mr);
    else if (key == "chunk_rows") ok = parse_int(val, 12, kMaxChunkRows, &p.chunk_rows);
    else if (key == "block_kib") ok = parse_int(val, 4, 256, &v) && (p.block_bytes = v * 1024, true);
    else if (key == "gemm_block_kib") ok = parse_int(val, 4, 16384, &v) && (p.gemm_block_bytes = v * 1024, true);
    if (!ok) return *error = kExpected, false;
    keys = true;
  }
  if (keys && !p.avx512()) {
    if (!n.empty()) *note = n;
    *error = std::string("no key=value items with the baseline plan (they tune the AVX-512 kernels), or ") + kExpected;
    return false;
  }
  if (keys) p.name += "+override";
  p.why = "RNN_CPU_PLAN=" + text + (n.empty() ? "" : " (" + n + ")");
  if (!n.empty()) *note = n;
  *plan = p;
  return true;
}

const CpuProbe& cpu_probe() {
  static const CpuProbe probe = probe_cpu();
  return probe;
}

const KernelPlan& kernel_plan() {
  static const KernelPlan plan = [] {
    const CpuProbe& cpu = cpu_probe();
    KernelPlan p = plan_for(cpu);
#if !defined(RNN_HAVE_AVX512_KERNELS)
    if (p.avx512()) p = baseline_plan("this build has no AVX-512 kernels (not an x86-64 GCC/Clang build)");
#endif
    if (const char* env = std::getenv("RNN_CPU_PLAN"); env && *env) {
      std::string error, note;
      const bool ok = apply_plan_override(env, cpu, &p, &error, &note);
      if (!note.empty()) std::fprintf(stderr, "rnn: %s\n", note.c_str());
      if (!ok) std::fprintf(stderr, "rnn: ignoring RNN_CPU_PLAN='%s' (expected %s)\n", env, error.c_str());
#if !defined(RNN_HAVE_AVX512_KERNELS)
      if (p.avx512()) p = baseline_plan("this build has no AVX-512 kernels (not an x86-64 GCC/Clang build)");
#endif
    }
    // RNN_SIMD (older, coarser) has the last word: baseline forces the portable path
    if (const char* env = std::getenv("RNN_SIMD"); env && *env) {
      const std::string v = env;
      if (v == "baseline") p = baseline_plan("RNN_SIMD=baseline");
      else if (v != "avx512" && v != "auto")
        std::fprintf(stderr, "rnn: ignoring RNN_SIMD='%s' (expected auto, avx512 or baseline)\n", env);
      else if (v == "avx512" && !p.avx512())
        std::fprintf(stderr, "rnn: RNN_SIMD=avx512 but this CPU lacks AVX-512 F/VL/DQ; using the baseline kernels\n");
    }
    use_plan_blocking(p);
    return p;
  }();
  return plan;
}

void use_plan_blocking(const KernelPlan& plan) {
  if (!plan.avx512()) return;
  avx512::set_blocking(
      avx512::Blocking{plan.gemm_mr, plan.lstm_mr, plan.gru_mr, plan.block_bytes, plan.gemm_block_bytes, plan.chunk_rows});
}

std::string cpu_plan_json(const CpuProbe& c, const KernelPlan& p) {
  std::ostringstream o;
  auto b = [](bool v) { return v ? "true" : "false"; };
  o << "{\"cpu\":{\"vendor\":" << json_string(c.vendor) << ",\"family\":" << c.family << ",\"model\":" << c.model
    << ",\"stepping\":" << c.stepping << ",\"modelName\":" << json_string(c.model_name) << ",\"isa\":{\"fma\":" << b(c.fma)
    << ",\"avx2\":" << b(c.avx2) << ",\"avx512f\":" << b(c.avx512f) << ",\"avx512vl\":" << b(c.avx512vl)
    << ",\"avx512dq\":" << b(c.avx512dq) << ",\"avx512bw\":" << b(c.avx512bw) << "},\"cacheKiB\":{\"l1d\":" << c.l1d_kib
    << ",\"l2\":" << c.l2_kib << ",\"l3\":" << c.l3_kib << "},\"cacheSource\":" << json_string(c.cache_source)
    << ",\"fmaWidthBits\":" << c.fma_width_bits << ",\"fmaUnits\":" << c.fma_units
    << ",\"zmmDoublePumped\":" << b(c.zmm_double_pumped) << ",\"fmaSource\":" << json_string(c.fma_source) << "},"
    << "\"plan\":{\"name\":" << json_string(p.name) << ",\"variant\":" << json_string(p.variant);
  // the tiles and blocks belong to the AVX-512 kernels: a baseline plan has none (OpenBLAS blocks its own)
  if (p.avx512())
    o << ",\"gemmMR\":" << p.gemm_mr << ",\"lstmMR\":" << p.lstm_mr << ",\"gruMR\":" << p.gru_mr
      << ",\"depthBlockKiB\":" << p.block_bytes / 1024 << ",\"gemmDepthBlockKiB\":" << p.gemm_block_bytes / 1024
      << ",\"chunkRows\":" << p.chunk_rows;
  o << ",\"why\":" << json_string(p.why) << "}}";
  return o.str();
}

}  // namespace rnn
