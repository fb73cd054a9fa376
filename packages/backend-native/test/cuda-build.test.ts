import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUDA_ADDON_VERSION, DEFAULT_CUDA_ADDON_PATH, type CudaAddon } from '../src/index.js';

// The CUDA build, checked without a GPU: where nvcc is installed, `npm test` (its
// `build-native.mjs --test-addons` step) or `npm run build:native` must have produced
// build/cuda/Release/rnn_cuda.node, which must load with no GPU, export every entry point, carry
// sm_90 code plus PTX, and answer probe() with why no device answers instead of crashing. Where
// nvcc is not installed (CI) the build is not attempted; RNN_CUDA_OPTIONAL=1 skips the checks.
function findNvcc(): string | null {
  if (process.env['CUDACXX']) return process.env['CUDACXX'];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'nvcc'))) return join(dir, 'nvcc');
  return existsSync('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : null;
}

const nvcc = findNvcc();
const skipped = !nvcc
  ? 'no CUDA compiler (nvcc) on this machine, so the CUDA addon is not built here'
  : process.env['RNN_CUDA_OPTIONAL'] === '1'
    ? 'RNN_CUDA_OPTIONAL=1'
    : '';
if (skipped) console.warn(`[backend-native] skipping the CUDA build checks: ${skipped}`);

const ENTRY_POINTS = [
  'probe', 'init', 'info', 'setGemm', 'synchronize', 'bytesInUse', 'write', 'read', 'fill', 'view', 'assign', 'free',
  'unary', 'binary', 'where', 'reduce', 'argmax', 'matmul', 'transpose', 'slice', 'pad', 'concat', 'gather',
  'scatterAdd', 'cast', 'sequenceForward', 'sequenceBackward', 'treeLevelForward', 'treeLevelBackward', 'adamStep',
];

describe.skipIf(!!skipped)('the CUDA addon build (no GPU needed)', () => {
  const path = process.env['RNN_CUDA_ADDON'] || DEFAULT_CUDA_ADDON_PATH;

  it('is built where nvcc is installed', () => {
    const version = spawnSync(nvcc!, ['--version'], { encoding: 'utf8' });
    expect(version.status, `${nvcc} --version failed`).toBe(0);
    expect(existsSync(path), `${path} is missing: run \`npm run build:native -w @rnn/backend-native\` (nvcc: ${nvcc})`).toBe(true);
  });

  it('loads without a GPU, exports every entry point and probes cleanly', () => {
    const addon = createRequire(import.meta.url)(path) as CudaAddon;
    for (const name of ENTRY_POINTS) expect(typeof (addon as unknown as Record<string, unknown>)[name], name).toBe('function');
    const p = addon.probe();
    expect(p.version).toBe(CUDA_ADDON_VERSION);
    expect(p.emulation).toBe(false);
    expect(p.runtimeVersion).toBeGreaterThanOrEqual(12000);
    // sm_90 machine code for the H100/H200, and compute_90 PTX that newer GPUs JIT-compile
    expect(p.archs).toMatch(/90-real/);
    expect(p.archs).toMatch(/90-virtual/);
    if (p.deviceCount === 0) {
      expect(p.message.length).toBeGreaterThan(0);
      // every call that needs the device says so instead of crashing
      expect(() => addon.init(0)).toThrow(/rnn cuda: rnn_cuda_init: no CUDA device answers/);
      expect(() => addon.write(new Float32Array(2))).toThrow(/not initialised; call rnn_cuda_init first/);
    }
  });

  it('does not need the CUDA runtime library at run time (static cudart; cuBLAS is dlopened)', () => {
    const ldd = spawnSync('ldd', [path], { encoding: 'utf8' });
    if (ldd.error) return; // no ldd (not Linux)
    expect(ldd.stdout).not.toMatch(/libcudart|libcublas|not found/);
  });
});
