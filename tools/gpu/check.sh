#!/usr/bin/env bash
# The CUDA backend's check on a GPU machine: ONE script, run by the device tool after
# `bash tools/gpu/pack.sh` here (which builds everything and bundles what the GPU image lacks):
#
#   run(command="bash tools/gpu/check.sh", carry=["build/gpu-carry"], timeout_s=540)
#
# It writes to $OUT (at most 8 files come back): check.log (everything), summary.md (the results
# and the timing table), machine.txt, build.txt, ctest.txt, vitest.txt, bench-cuda.json,
# bench-torch.json. Each step has its own timeout so one hang cannot eat the rest; expected total
# 4-6 minutes on an H200 (the worst case of all timeouts is longer: give the call timeout_s=540):
#   1.  machine: nvidia-smi, driver, nvcc, torch                                        ~5 s
#   2.  unpack node, node_modules, dist, the prebuilt addons; find cuBLAS (PyTorch's)    ~20 s
#   2b. build the CUDA addon with this machine's nvcc (RNN_GPU_CHECK_BUILD=0 skips it;
#       the addon pack.sh built is the fallback)                                        <= 150 s
#   3.  native/ ctest on the GPU: every kernel against the CPU library                  <= 180 s
#   4.  vitest: @rnn/core's conformance suite on cuda, the device tests (workload A vs
#       native, memory, GEMMs, faults), registry, build, shape fuzz                     <= 180 s
#   5.  timings of workloads A and B (tools/bench/lib/workloads.mjs): rnn cuda (cuBLAS and
#       built-in GEMM), rnn native on the machine's CPUs, PyTorch + cuDNN              <= 270 s
#   6.  compute-sanitizer memcheck of a short cuda run (when the runtime allows it)     <= 60 s
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
OUT="${OUT:-/tmp/rnn-gpu-check}"
mkdir -p "$OUT"
exec > >(tee "$OUT/check.log") 2>&1
t0=$(date +%s)
carry=build/gpu-carry
status=0
section() { printf '\n=== %s (t+%ss)\n' "$*" "$(($(date +%s) - t0))"; }
fail() { echo "CHECK FAILED: $*"; status=1; }
summary() { echo "$*" >> "$OUT/summary.md"; }
: > "$OUT/summary.md"
summary "# CUDA backend check on $(hostname) ($(date -u +%FT%TZ))"

section "1. machine"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  nvcc --version 2>&1 | tail -2
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "gpu", torch.cuda.is_available())' 2>&1
  uname -a
} | tee "$OUT/machine.txt"
summary '```'; cat "$OUT/machine.txt" >> "$OUT/summary.md"; summary '```'

section "2. unpack"
if [ ! -f "$carry/node.tar.xz" ]; then
  fail "$carry is missing: run 'bash tools/gpu/pack.sh' here first and carry build/gpu-carry"
  exit 1
fi
mkdir -p /tmp/rnn-node/bin
xz -dc "$carry/node.tar.xz" | tar -C /tmp/rnn-node/bin -xf -
export PATH="/tmp/rnn-node/bin:$PATH"
for t in node_modules dist addons; do xz -dc "$carry/$t.tar.xz" | tar -xf - || fail "unpacking $t"; done
mkdir -p /tmp/rnn-lib /tmp/rnn-bin
for f in "$carry"/lib/*.xz; do [ -e "$f" ] && xz -dc "$f" > "/tmp/rnn-lib/$(basename "${f%.xz}")"; done
for f in "$carry"/bin/*.xz; do [ -e "$f" ] && xz -dc "$f" > "/tmp/rnn-bin/$(basename "${f%.xz}")" && chmod +x "/tmp/rnn-bin/$(basename "${f%.xz}")"; done
( cd /tmp/rnn-lib && for f in lib*.so.*; do [ -e "$f" ] && ln -sf "$f" "${f%%.so.*}.so"; done ) 2>/dev/null
export LD_LIBRARY_PATH="/tmp/rnn-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
node --version || fail "node does not run here"
# cuBLAS: PyTorch's wheel ships it (nvidia/cu13/lib or nvidia/cublas/lib); the addon dlopens it.
cublas="$(python3 - <<'EOF' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
hits = sorted(p for r in roots for p in glob.glob(os.path.join(r, "nvidia", "**", "libcublas.so.*"), recursive=True) if "Lt" not in p)
print(hits[-1] if hits else "")
EOF
)"
if [ -n "$cublas" ]; then export RNN_CUBLAS_PATH="$cublas"; export LD_LIBRARY_PATH="$(dirname "$cublas"):$LD_LIBRARY_PATH"; fi
echo "cuBLAS for the addon: ${cublas:-none found (the built-in tiled GEMM will be used)}"
addon="$root/packages/backend-native/build/cuda/Release/rnn_cuda.node"  # prebuilt by pack.sh
if [ "${RNN_GPU_CHECK_BUILD:-1}" = 1 ]; then
  section "2b. build the CUDA addon with this machine's nvcc (the prebuilt one is the fallback)"
  if timeout 150 node node_modules/cmake-js/bin/cmake-js compile --directory packages/backend-native \
      --out build/cuda-device --CDRNN_CUDA_ONLY=ON --parallel "$(nproc)" > "$OUT/build.txt" 2>&1 &&
     [ -f build/cuda-device/Release/rnn_cuda.node ]; then
    addon="$root/build/cuda-device/Release/rnn_cuda.node"
    summary "- build on this machine: OK ($(grep -o 'architectures [^ ]*.*' "$OUT/build.txt" | head -1))"
  else
    tail -30 "$OUT/build.txt"
    fail "building the CUDA addon here (see build.txt); using the prebuilt one"
    summary "- build on this machine: FAILED (build.txt); the checks below use the addon built by pack.sh"
  fi
fi
export RNN_CUDA_ADDON="$addon"
node -e "
const a = require('$addon'); const p = a.probe(); console.log('probe', JSON.stringify(p));
a.init(0); console.log('info', JSON.stringify(a.info()));
" 2>&1 | tee -a "$OUT/machine.txt" || fail "the CUDA addon does not start on this GPU"
summary "- addon: $(grep -o '"gemm":"[^"]*"' "$OUT/machine.txt" | head -1)"

section "3. native/ ctest on the GPU"
{
  for g in checks primitives fused; do
    timeout 60 /tmp/rnn-bin/rnn_cuda_gpu_tests "$g"; echo "group $g exit $?"
  done
} > "$OUT/ctest.txt" 2>&1
tail -25 "$OUT/ctest.txt"
if grep -q "exit [^0]" "$OUT/ctest.txt"; then fail "ctest groups: $(grep 'exit' "$OUT/ctest.txt" | tr '\n' ' ')"; fi
summary "- ctest (kernels vs CPU library): $(grep -E '^[0-9]+ tests' "$OUT/ctest.txt" | tr '\n' ';' )"

section "4. vitest: conformance + device tests on cuda"
(cd packages/backend-native &&
  timeout 180 node ../../node_modules/vitest/vitest.mjs run test/cuda-conformance.test.ts test/cuda-device.test.ts test/cuda-registry.test.ts \
    test/cuda-build.test.ts test/shape-fuzz.test.ts --reporter=verbose) > "$OUT/vitest.txt" 2>&1 || fail "vitest"
grep -a -E "Test Files|Tests |FAIL|×" "$OUT/vitest.txt" | tail -20
summary "- vitest: $(grep -a -E 'Tests ' "$OUT/vitest.txt" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')"

section "5. timings: workloads A and B"
timeout 60 node tools/gpu/bench.mjs --backend cuda --json "$OUT/bench-cuda.json" || fail "bench cuda"
RNN_CUDA_CUBLAS=0 timeout 60 node tools/gpu/bench.mjs --backend cuda --reps 10 --json /tmp/bench-cuda-tiled.json || fail "bench cuda (tiled GEMM)"
node tools/gpu/bench.mjs --print-workloads > /tmp/workloads.json
timeout 90 python3 tools/gpu/bench_torch.py --workloads /tmp/workloads.json --json "$OUT/bench-torch.json" || fail "bench torch"
RNN_NUM_THREADS=16 timeout 60 node tools/gpu/bench.mjs --backend native --reps 5 --json /tmp/bench-native.json || echo "(native timing skipped or failed)"
node - "$OUT" >> "$OUT/summary.md" <<'EOF'
const fs = require('fs');
const dir = process.argv[2];
const load = (f) => { try { return JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return null; } };
const cols = [
  ['rnn cuda', load(`${dir}/bench-cuda.json`)],
  ['rnn cuda, built-in GEMM', load('/tmp/bench-cuda-tiled.json')],
  ['rnn native (CPU)', load('/tmp/bench-native.json')],
  ['PyTorch + cuDNN', load(`${dir}/bench-torch.json`)],
];
const cell = (r, w, k) => { const v = r?.workloads?.[w]?.[k]?.medianMs; return v === undefined ? '-' : v.toFixed(2); };
const rows = [
  ['A forward (LSTM 128, B64 T50)', 'A', 'forward'],
  ['A train step', 'A', 'train'],
  ['B forward (char-LM, LSTM 2x256, B32 T100)', 'B', 'forward'],
  ['B train step', 'B', 'train'],
];
console.log('\n| median ms | ' + cols.map((c) => c[0]).join(' | ') + ' |');
console.log('|---|' + cols.map(() => '---').join('|') + '|');
for (const [label, w, k] of rows) console.log(`| ${label} | ${cols.map(([, r]) => cell(r, w, k)).join(' | ')} |`);
const t = cols[3][1];
if (t) console.log(`\nPyTorch ${t.torch}, CUDA ${t.cuda}, cuDNN ${t.cudnn}, ${t.device}; rnn GEMM: ${cols[0][1]?.info?.blas ?? '?'}`);
EOF
tail -8 "$OUT/summary.md"

section "6. compute-sanitizer memcheck (short run)"
if command -v compute-sanitizer >/dev/null; then
  timeout 60 compute-sanitizer --tool memcheck --error-exitcode 9 node tools/gpu/bench.mjs --backend cuda --quick > /tmp/memcheck.txt 2>&1
  rc=$?
  tail -5 /tmp/memcheck.txt
  case $rc in
    0) summary "- compute-sanitizer memcheck (bench --quick): clean" ;;
    9) fail "compute-sanitizer found errors"; summary "- compute-sanitizer memcheck: ERRORS (see check.log)"; cat /tmp/memcheck.txt | head -60 ;;
    *) summary "- compute-sanitizer memcheck: did not run here (exit $rc; gVisor machines refuse it)" ;;
  esac
else
  summary "- compute-sanitizer: not installed"
fi

section "done: $([ $status = 0 ] && echo ALL OK || echo SOME CHECKS FAILED)"
summary "- overall: $([ $status = 0 ] && echo 'all checks passed' || echo 'SOME CHECKS FAILED (see check.log)') in $(($(date +%s) - t0)) s"
exit $status
