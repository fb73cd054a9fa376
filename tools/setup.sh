#!/usr/bin/env bash
# Everything from a fresh Debian 12 machine with Node 20 to the README's main job, in one command:
#
#   bash tools/setup.sh
#
# 1. system packages for the native backend (libopenblas-dev cmake g++), the font of PNG charts
#    (fonts-dejavu-core), Chromium for the headless browser test (chromium) and Open MPI for
#    data-parallel training (openmpi-bin libopenmpi-dev: mpirun -np N rnn train), skipped when
#    present; without root it prints the apt-get line to run and carries on with the TypeScript
#    backend (and PNG text in the built-in ASCII bitmap font)
# 2. npm ci (its install hook builds the native addon when the tools are there)
# 3. build every package (nx), and the native addon if the install hook did not
# 4. the main job (tools/main-job.sh): LSTM forecasters for AirPassengers and CO2, scored
#    against naive and seasonal-naive forecasts, with charts in out/
#
# Environment: SKIP_APT=1 skips step 1, SKIP_NPM_CI=1 step 2 (reuse node_modules), SKIP_MAIN_JOB=1 step 4.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
t0=$(date +%s)
step() { printf '\n==> [%ss] %s\n' "$(($(date +%s) - t0))" "$*"; }
warn() { printf 'setup: warning: %s\n' "$*" >&2; }

step "checking Node.js"
if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js 20 or later is needed and 'node' is not on PATH; install it (e.g. https://nodejs.org or apt-get install nodejs) and run again" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "setup: Node.js 20 or later is needed, found $(node --version); install a newer one and run again" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version), $(nproc 2>/dev/null || echo '?') CPU cores"

step "system packages: libopenblas-dev cmake g++ (native backend), fonts-dejavu-core (text in PNG charts), chromium (browser test), openmpi-bin libopenmpi-dev (mpirun), python3-onnx (onnx.checker on exported models)"
PKGS=(libopenblas-dev cmake g++ fonts-dejavu-core chromium openmpi-bin libopenmpi-dev python3-onnx)
if [ -n "${SKIP_APT:-}" ]; then
  echo "skipped (SKIP_APT is set)"
elif ! command -v dpkg-query >/dev/null 2>&1; then
  warn "not a Debian-like system (no dpkg-query): install OpenBLAS, CMake and a C++ compiler yourself for the native backend; the TypeScript backend works without them"
else
  missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "already installed"
  elif [ "$(id -u)" -eq 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  else
    warn "not root, so not installing ${missing[*]}; for the native backend, PNG chart text and the browser test run:"
    warn "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    warn "then 'npm run build:native -w @rnn/backend-native'. Carrying on with the TypeScript backend."
  fi
fi

step "npm ci"
# onnxruntime-node (a test dependency) would download GPU binaries from nuget.org; its CPU ones are in the package
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -n "${SKIP_NPM_CI:-}" ] && [ -d node_modules ]; then
  echo "skipped (SKIP_NPM_CI is set)"
else
  if ! npm ci --no-audit --no-fund; then
    # e.g. a lock file written by another npm version that this one reads as out of sync
    warn "npm ci failed (see above); falling back to npm install, which may update package-lock.json"
    npm install --no-audit --no-fund
  fi
fi

step "build (npx nx run-many -t build)"
if ! npx nx run-many -t build --output-style=static; then
  # a package the CLI does not need may be broken; the main job needs only these, in this order
  warn "the full build failed (see above); building what the CLI needs: core, backend-js, layers, cli"
  for p in core backend-js layers cli; do npm run build -w "@rnn/$p"; done
fi

step "native addon (@rnn/backend-native)"
if ls packages/backend-native/build/Release/*.node >/dev/null 2>&1; then
  echo "built: $(ls packages/backend-native/build/Release/*.node)"
elif npm run build:native -w @rnn/backend-native --if-present; then
  :
else
  warn "the native addon did not build (see above); the TypeScript backend is used instead"
fi
step "Open MPI addon (data-parallel training: mpirun -np N rnn train)"
if [ -e packages/backend-native/build/mpi/Release/rnn_mpi.node ]; then
  echo "built: packages/backend-native/build/mpi/Release/rnn_mpi.node"
elif ! node packages/backend-native/scripts/build-native.mjs --mpi; then
  warn "the Open MPI addon did not build (see above); training on one process is not affected"
fi
node packages/cli/bin/rnn.js info || warn "rnn info failed"

if [ -n "${SKIP_MAIN_JOB:-}" ]; then
  step "main job skipped (SKIP_MAIN_JOB is set); run it with: bash tools/main-job.sh"
  exit 0
fi
step "main job (tools/main-job.sh)"
bash tools/main-job.sh
step "done: setup and main job took $(($(date +%s) - t0))s"
