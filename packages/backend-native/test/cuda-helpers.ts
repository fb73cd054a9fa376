import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import {
  CudaBackend,
  DEFAULT_CUDA_ADDON_PATH,
  EMULATION_CUDA_ADDON_PATH,
  loadCudaAddonFrom,
  type CudaAddon,
} from '../src/index.js';

/**
 * Where the CUDA backend's tests can run:
 * - 'gpu': the GPU build, when it is built and a device answers (RNN_CUDA_ADDON overrides the path);
 * - 'emulation': the CPU emulation build (`node scripts/build-native.mjs --cuda-emulation`;
 *   RNN_CUDA_EMULATION_ADDON overrides the path, e.g. for the AddressSanitizer build), which
 *   runs the same addon, TypeScript and host-side code with the kernels as loops, so every
 *   machine can check everything but the GPU itself.
 * Each says why it is unavailable, so skipped suites print the reason.
 */
export interface CudaTarget {
  name: 'gpu' | 'emulation';
  addon: CudaAddon | null;
  why: string;
}

function load(name: CudaTarget['name'], path: string, allowEmulation: boolean): CudaTarget {
  if (!existsSync(path)) {
    const how =
      name === 'gpu'
        ? 'build it with `npm run build:native -w @rnn/backend-native` on a machine with nvcc'
        : 'build it with `node scripts/build-native.mjs --cuda-emulation` in packages/backend-native';
    return { name, addon: null, why: `${path} is not built (${how})` };
  }
  try {
    return { name, addon: loadCudaAddonFrom(path, { allowEmulation }), why: '' };
  } catch (err) {
    return { name, addon: null, why: (err as Error).message };
  }
}

let targets: CudaTarget[] | null = null;

export function cudaTargets(): CudaTarget[] {
  targets ??= [
    load('gpu', process.env['RNN_CUDA_ADDON'] || DEFAULT_CUDA_ADDON_PATH, false),
    load('emulation', process.env['RNN_CUDA_EMULATION_ADDON'] || EMULATION_CUDA_ADDON_PATH, true),
  ];
  return targets;
}

export function gpuTarget(): CudaTarget {
  return cudaTargets()[0]!;
}

/**
 * `describe` once per available target (the backend built on its addon); a skipped target prints
 * why. `only` limits it to one target.
 */
export function describeCuda(name: string, body: (b: CudaBackend, t: CudaTarget) => void, only?: CudaTarget['name']): void {
  for (const t of cudaTargets()) {
    if (only && t.name !== only) continue;
    const title = `${name} [${t.name}]`;
    if (!t.addon) {
      console.warn(`[backend-native] skipping '${title}': ${t.why}`);
      describe.skip(title, () => it(`needs the ${t.name} build: ${t.why}`, () => {}));
      continue;
    }
    const addon = t.addon;
    describe(title, () => body(new CudaBackend(addon), t));
  }
}
