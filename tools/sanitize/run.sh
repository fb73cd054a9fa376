#!/usr/bin/env bash
# Runs the native code under AddressSanitizer + UndefinedBehaviorSanitizer:
#   1. native/ (the CPU kernels and the CUDA kernels' CPU emulation) built with
#      -fsanitize=address,undefined in build/sanitize/native, and its ctest suite;
#   2. the Node addons built the same way (build/sanitize/addon: rnn_native.node,
#      build/sanitize/cuda-emulation: the CUDA addon's emulation build), and
#      packages/backend-native's vitest suite run against them (conformance, fused kernels,
#      errors, the shape fuzz, the CUDA backend's tests on the emulation).
# Exits non-zero on any sanitizer report or test failure. The GPU build itself is not covered
# (nvcc's device code cannot be instrumented this way; on a GPU use compute-sanitizer, see
# tools/gpu/check.sh).
#
#   bash tools/sanitize/run.sh            everything (about 10 minutes on 2 cores)
#   bash tools/sanitize/run.sh ctest      step 1 only
#   bash tools/sanitize/run.sh vitest     step 2 only (reuses step 2's build when present)
#   bash tools/sanitize/run.sh tsan       step 3 only: native/ under ThreadSanitizer, the ctest groups
#                                         that run the thread pool (pool, sequence, tree_lstm, tree_batch, both SIMD
#                                         paths); part of "all"
#
# Node itself is not instrumented, so for step 2:
#   - LD_PRELOAD=libasan.so: the ASan runtime must be the first library loaded into node;
#   - ASAN_OPTIONS=detect_leaks=0: node and V8 free little at exit by design, so LeakSanitizer
#     would report their allocations, not ours (step 1 keeps leak detection on: there the whole
#     process is ours);
#   - allocator_may_return_null=1: the shape fuzz asks for absurd sizes on purpose, and the addons
#     must turn a failed allocation into an error instead of ASan aborting first;
#   - quarantine_size_mb=16 (default 256): freed blocks wait in ASan's quarantine to catch
#     use-after-free, which the conformance suite's RSS check (< 50 MB growth over 2000 steps) would
#     otherwise count as growth; 16 MB still holds several steps' worth of tensors.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${RNN_SANITIZE_DIR:-$root/build/sanitize}"
what="${1:-all}"
jobs="$(nproc 2>/dev/null || echo 2)"

flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1"
libasan="$(${CXX:-g++} -print-file-name=libasan.so)"
if [ ! -f "$libasan" ]; then
  echo "sanitize: libasan.so not found (${CXX:-g++} -print-file-name=libasan.so gave '$libasan'); install the compiler's sanitizer runtime (e.g. libasan8)" >&2
  exit 2
fi

step() { printf '\n==== %s ====\n' "$*"; }

if [ "$what" = all ] || [ "$what" = ctest ]; then
  step "1. native/ with ASan+UBSan: build ($out/native)"
  cmake -S native -B "$out/native" -DCMAKE_BUILD_TYPE=Debug -DRNN_CUDA=OFF -DRNN_CUDA_EMULATION=ON \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build "$out/native" --parallel "$jobs"
  step "1. native/ with ASan+UBSan: ctest"
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --test-dir "$out/native" --output-on-failure
fi

if [ "$what" = all ] || [ "$what" = vitest ]; then
  cmakejs="$root/node_modules/cmake-js/bin/cmake-js"
  # cmake-js sets CMAKE_CXX_FLAGS itself (Release build): the sanitizer flags go in the _RELEASE ones.
  san=(--CDCMAKE_CXX_FLAGS_RELEASE="$flags" --CDCMAKE_SHARED_LINKER_FLAGS_RELEASE="-fsanitize=address,undefined")
  step "2. the addons with ASan+UBSan: build ($out/addon, $out/cuda-emulation)"
  node "$cmakejs" compile --directory packages/backend-native --out "$out/addon" --parallel "$jobs" "${san[@]}"
  node "$cmakejs" compile --directory packages/backend-native --out "$out/cuda-emulation" --parallel "$jobs" "${san[@]}" \
    --CDRNN_CUDA_ONLY=ON --CDRNN_CUDA_ADDON_FLAVOUR=emulation
  step "2. packages/backend-native vitest against the ASan addons"
  (cd packages/backend-native &&
    LD_PRELOAD="$libasan" \
    ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:quarantine_size_mb=16:abort_on_error=1:verify_asan_link_order=0" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    RNN_NATIVE_ADDON="$out/addon/Release/rnn_native.node" \
    RNN_CUDA_EMULATION_ADDON="$out/cuda-emulation/Release/rnn_cuda.node" \
    npx vitest run --reporter=dot)
fi

if [ "$what" = all ] || [ "$what" = tsan ]; then
  # -DRNN_NO_CLONES: an ifunc resolver runs before the TSan runtime is up and would crash in it
  tflags="-fsanitize=thread -fno-omit-frame-pointer -g -O1 -DRNN_NO_CLONES"
  step "3. native/ with ThreadSanitizer: build ($out/tsan)"
  cmake -S native -B "$out/tsan" -DCMAKE_BUILD_TYPE=Debug -DRNN_CUDA=OFF -DRNN_CUDA_EMULATION=OFF \
    -DCMAKE_CXX_FLAGS="$tflags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
  cmake --build "$out/tsan" --parallel "$jobs" --target rnn_native_tests
  step "3. native/ with ThreadSanitizer: the thread pool's users"
  # 4 threads on however many cores: the pool's workers, its spin-then-park and the batch-parallel kernels
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" RNN_NUM_THREADS=4 \
    ctest --test-dir "$out/tsan" --output-on-failure -R '^(pool|sequence|sequence_baseline|tree_lstm|tree_lstm_baseline|tree_batch|tree_batch_baseline)$'
fi

step "sanitize: clean (no AddressSanitizer, UndefinedBehaviorSanitizer or ThreadSanitizer report, all tests passed)"
