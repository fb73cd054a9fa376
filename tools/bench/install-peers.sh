#!/usr/bin/env bash
# Install the peer libraries of the side-by-side benchmark into tools/bench/.peers (gitignored),
# never into the project's dependencies. PyTorch comes from the system (Debian python3-torch).
#   bash tools/bench/install-peers.sh [DIR]
# onnxruntime-node ships its CPU binaries in the npm package; its install script only fetches
# CUDA/TensorRT extras, so it is skipped. @tensorflow/tfjs-node is not installed: its install
# script downloads libtensorflow from storage.googleapis.com (see BENCHMARKS.md).
set -euo pipefail
dir="${1:-$(cd "$(dirname "$0")" && pwd)/.peers}"
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || printf '{ "name": "rnn-bench-peers", "private": true, "version": "0.0.0" }\n' > package.json
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
  @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 brain.js@1.6.1 onnxruntime-node@1.30.0
node -e "
const r = require('module').createRequire(process.cwd() + '/package.json');
for (const p of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'brain.js', 'onnxruntime-node']) console.log(p, r(p + '/package.json').version);
r('onnxruntime-node'); console.log('onnxruntime-node binding loads');
"
