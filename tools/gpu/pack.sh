#!/usr/bin/env bash
# Prepares what tools/gpu/check.sh needs on the GPU machine, which has CUDA, PyTorch and nvcc but
# no Node.js, no npm registry and no OpenBLAS: everything goes into build/gpu-carry (ignored by
# git, so it travels only when the device call names it in `carry`), at most ~60 MiB together
# with the working tree.
#
#   bash tools/gpu/pack.sh        # here, before the device call; then:
#   run(command="bash tools/gpu/check.sh", carry=["build/gpu-carry"], timeout_s=540)
#
# build/gpu-carry holds:
#   node.tar.xz           this machine's node binary (Node 20; glibc, so it runs on the image)
#   node_modules.tar.xz   the closure check.sh needs: vitest, zod, node-addon-api, cmake-js and the
#                         workspace links @rnn/* (the packages' sources travel with the tree)
#   dist.tar.xz           packages/*/dist (plain `node` resolves @rnn/* to dist)
#   addons.tar.xz         packages/backend-native/build/{Release,cuda/Release}: the CPU addon and
#                         the CUDA addon (sm_90 + compute_90 PTX), built here by build-native.mjs
#   bin/                  native/ ctest binaries for the GPU (rnn_cuda_gpu_tests, rnn_native_tests)
#   lib/                  the shared libraries those need that the GPU image lacks (OpenBLAS)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
carry=build/gpu-carry
rm -rf "$carry" && mkdir -p "$carry/bin" "$carry/lib"
xz_opts="-6 -T0"

echo "== 1. build: TypeScript dist, the addons (CPU + CUDA), the native ctest binaries"
for p in core backend-js backend-native layers; do (cd "packages/$p" && npx tsc -p tsconfig.build.json); done
(cd packages/backend-native && node scripts/build-native.mjs --cuda)
cmake -S native -B build/gpu-native -DCMAKE_BUILD_TYPE=Release -DRNN_CUDA=ON -DRNN_CUDA_EMULATION=OFF >/dev/null
cmake --build build/gpu-native --parallel "$(nproc)" --target rnn_cuda_gpu_tests rnn_native_tests
cp build/gpu-native/cuda/rnn_cuda_gpu_tests build/gpu-native/rnn_native_tests "$carry/bin/"

echo "== 2. libraries the GPU image lacks"
for lib in $(ldd packages/backend-native/build/Release/rnn_native.node | awk '/=>/ {print $3}'); do
  case "$(basename "$lib")" in
    libopenblas*|libgfortran*|libquadmath*) cp -L "$lib" "$carry/lib/" ;;
  esac
done

echo "== 3. node, node_modules closure, dist, addons"
# The node binary compresses slowly (minutes): cached per version in build/gpu-cache.
node_cache="build/gpu-cache/node-$(node --version).tar.xz"
if [ ! -f "$node_cache" ]; then
  mkdir -p build/gpu-cache
  tar -C "$(dirname "$(readlink -f "$(command -v node)")")" -cf - node | xz $xz_opts > "$node_cache.tmp"
  mv "$node_cache.tmp" "$node_cache"
fi
cp "$node_cache" "$carry/node.tar.xz"
node - "$carry/modules.txt" <<'EOF'
const fs = require('fs'), path = require('path');
const seen = new Set();
function resolve(name, from) {
  for (let d = from; ; d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', name);
    if (fs.existsSync(path.join(p, 'package.json'))) return p;
    if (path.dirname(d) === d) return null;
  }
}
function walk(name, from) {
  const p = resolve(name, from);
  if (!p || seen.has(p)) return;
  seen.add(p); // a workspace package is a link: the link travels, its sources travel with the tree
  const real = fs.realpathSync(p);
  const pj = JSON.parse(fs.readFileSync(path.join(real, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) walk(dep, real);
}
for (const n of ['vitest', '@rnn/core', '@rnn/backend-js', '@rnn/backend-native', '@rnn/layers', 'node-addon-api', 'node-api-headers', 'cmake-js']) walk(n, process.cwd());
fs.writeFileSync(process.argv[2], [...seen].map((p) => path.relative(process.cwd(), p)).join('\n') + '\n');
EOF
tar -cf - -T "$carry/modules.txt" | xz $xz_opts > "$carry/node_modules.tar.xz"
tar -cf - packages/*/dist | xz $xz_opts > "$carry/dist.tar.xz"
tar -cf - packages/backend-native/build/Release/rnn_native.node packages/backend-native/build/cuda/Release/rnn_cuda.node |
  xz $xz_opts > "$carry/addons.tar.xz"
xz $xz_opts "$carry"/lib/* "$carry"/bin/*

echo "== done: $(du -sh "$carry" | cut -f1) in $carry (the limit for the tree plus carried paths is 64 MiB)"
du -h "$carry"/* "$carry"/*/* 2>/dev/null | sort -h | tail -12
