import { describe, it } from 'vitest';
import { describeBackend } from '@rnn/core/testing';
import { JsBackend } from '@rnn/backend-js';
import { CudaBackend } from '../src/index.js';
import { cudaTargets } from './cuda-helpers.js';

// @rnn/core's conformance suite on the cuda backend: on the GPU when one answers, and on the CPU
// emulation build when it is built (the same addon, TypeScript and host code, kernels as loops).
// A target that is not available is skipped with the reason.
for (const t of cudaTargets()) {
  const name = `cuda (${t.name})`;
  const addon = t.addon;
  if (!addon) {
    console.warn(`[backend-native] skipping the conformance suite on ${name}: ${t.why}`);
    describe.skip(`backend conformance: ${name}`, () => it(`needs the ${t.name} build: ${t.why}`, () => {}));
    continue;
  }
  describeBackend(name, () => new CudaBackend(addon), { reference: () => new JsBackend() });
}
