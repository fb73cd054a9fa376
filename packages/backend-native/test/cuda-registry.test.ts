import { existsSync } from 'node:fs';
import { BackendError, backendByName, getBackend, listBackends, removeBackend, setBackend } from '@rnn/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CUDA_ADDON_PATH, EMULATION_CUDA_ADDON_PATH, cudaQuiet, loadCudaAddonFrom } from '../src/index.js';
import { gpuTarget } from './cuda-helpers.js';

// How the cuda backend behaves in the registry on a machine WITHOUT a usable GPU (here and in CI),
// and, where one answers, that it is picked. Importing the package registers 'native' and 'cuda'.
const gpu = gpuTarget();
const built = existsSync(process.env['RNN_CUDA_ADDON'] || DEFAULT_CUDA_ADDON_PATH);
const saved = process.env['RNN_BACKEND'];
let picked = '';
let warnings: string[] = [];

beforeAll(() => {
  // The first auto-selection of this file's registry, with its warnings recorded.
  delete process.env['RNN_BACKEND'];
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    picked = getBackend().name;
  } finally {
    warnings = spy.mock.calls.map((c) => String(c[0]));
    spy.mockRestore();
  }
});
afterAll(() => {
  if (saved === undefined) delete process.env['RNN_BACKEND'];
  else process.env['RNN_BACKEND'] = saved;
});

describe('cuda in the registry', () => {
  it('is registered at priority 100, above native and js', () => {
    const cuda = listBackends().find((b) => b.name === 'cuda');
    expect(cuda?.priority).toBe(100);
    expect(listBackends()[0]!.name).toBe('cuda');
  });

  it.skipIf(!!gpu.addon)('without a GPU: auto-selection falls back to native, and cuda reports why', () => {
    // (skipped where a GPU answers: there cuda must win, see below)
    const native = listBackends().find((b) => b.name === 'native')!;
    expect(picked).toBe(native.loaded ? 'native' : 'js');
    const cuda = listBackends().find((b) => b.name === 'cuda')!;
    expect(cuda.loaded).toBe(false);
    expect(cuda.error).toMatch(/cuda backend: (the CUDA addon is not built|no CUDA device answers)/);
    expect(cuda.error).toMatch(/RNN_BACKEND=native/);
  });

  it.skipIf(!!gpu.addon)('without a GPU: the fallback is silent unless the CUDA addon was built on a machine with a driver', () => {
    const driver = process.platform !== 'linux' || existsSync('/proc/driver/nvidia/version');
    expect(cudaQuiet()).toBe(!(built && driver));
    const aboutCuda = warnings.filter((w) => /backend 'cuda'/.test(w));
    if (built && driver) {
      // built, yet no device answers: worth saying, once
      expect(aboutCuda).toHaveLength(1);
      expect(aboutCuda[0]).toMatch(/no CUDA device answers/);
    } else {
      expect(aboutCuda).toEqual([]);
    }
  });

  it.skipIf(!!gpu.addon)('without a GPU: RNN_BACKEND=cuda is a BackendError that says why and what to do', () => {
    let err: unknown;
    try {
      setBackend('cuda');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackendError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^backend 'cuda' failed to load: cuda backend: /);
    if (built) {
      // built here (nvcc present) but no driver or GPU: the probe's reason and the driver it needs
      expect(msg).toMatch(/no CUDA device answers \(.+\); it needs an NVIDIA GPU .* driver for CUDA \d+\.\d+ or newer/);
    } else {
      expect(msg).toMatch(/the CUDA addon is not built .*nvcc.*cuda-downloads/);
    }
    expect(msg).toMatch(/use RNN_BACKEND=native \(CPU\)/);
    expect(() => backendByName('cuda')).toThrow(BackendError);
  });

  it.skipIf(!gpu.addon)('with a GPU: auto-selection picks cuda', () => {
    expect(picked).toBe('cuda');
  });

  it('the loader explains each way of failing', () => {
    expect(() => loadCudaAddonFrom('/nonexistent/rnn_cuda.node')).toThrow(
      /the CUDA addon is not built \(\/nonexistent\/rnn_cuda.node does not exist\)/,
    );
    expect(() => loadCudaAddonFrom(new URL('../package.json', import.meta.url).pathname)).toThrow(
      /failed to load|not the rnn CUDA addon/,
    );
    if (existsSync(EMULATION_CUDA_ADDON_PATH)) {
      expect(() => loadCudaAddonFrom(EMULATION_CUDA_ADDON_PATH)).toThrow(/is the CPU emulation build/);
    }
  });

  it('removing cuda leaves the CPU backends', () => {
    removeBackend('cuda');
    expect(listBackends().some((b) => b.name === 'cuda')).toBe(false);
    expect(['native', 'js']).toContain(getBackend().name);
  });
});
