/**
 * The PyTorch golden models of tools/golden (packages/layers/test/golden), exported to ONNX and run
 * in onnxruntime: their outputs must be PyTorch's (float64 references, rel. error < 1e-4).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sequential } from '@rnn/layers';
import type { ModelConfig } from '@rnn/core';
import { exportOnnx } from '../src/onnx/index.js';
import { GOLDEN } from './helpers.js';
import { relError, runOnnx } from './onnx-helpers.js';

interface T {
  shape: number[];
  data: number[];
}
const models = JSON.parse(readFileSync(join(GOLDEN, 'models.json'), 'utf8')) as {
  cases: { id: string; config: ModelConfig; input: T; params: Record<string, T>; output: T; grads: { x?: T } }[];
};
const layers = JSON.parse(readFileSync(join(GOLDEN, 'layers.json'), 'utf8')) as {
  cases: { id: string; config: ModelConfig; lengths: number[] | null; inputs: { x: T; h0?: T }; params: Record<string, T>; outputs: { output: T; last: T } }[];
};

function withParams(config: ModelConfig, params: Record<string, T>): Sequential {
  const model = Sequential.fromConfig(config).build({ dtype: 'float32' });
  for (const [name, t] of Object.entries(params)) model.params!.set(name, t.data);
  return model;
}

describe('golden models (tools/golden/gen_models.py) exported to ONNX match PyTorch', () => {
  it('covers every case', () => expect(models.cases.length).toBe(7));
  it.each(models.cases)('$id', async (c) => {
    const bytes = exportOnnx(withParams(c.config, c.params));
    const got = await runOnnx(bytes, { ...c.input, ids: c.grads.x === undefined });
    expect(got.dims).toEqual(c.output.shape);
    expect(relError(got.data, c.output.data)).toBeLessThan(1e-4);
  });
});

// the caller-given initial state cases (-h0) have no ONNX input here: the export starts from zeros
const zeroState = layers.cases.filter((c) => c.id.endsWith('-zero'));
describe('golden recurrent layers (gen_layers.py), zero initial state: output and last, with sequence_lens for the packed cases', () => {
  it('covers rnn tanh/relu, lstm, gru × 1 layer/2 bidirectional × full/lengths', () => expect(zeroState.length).toBe(16));
  it.each(zeroState)('$id', async (c) => {
    const lens = c.lengths ?? undefined;
    for (const returnSequences of [true, false]) {
      const config = { ...c.config, layers: c.config.layers.map((l) => ({ ...l, returnSequences })) } as ModelConfig;
      const bytes = exportOnnx(withParams(config, c.params), { sequenceLens: lens !== undefined });
      const got = await runOnnx(bytes, c.inputs.x, lens);
      const want = returnSequences ? c.outputs.output : c.outputs.last;
      expect(got.dims).toEqual(want.shape);
      expect(relError(got.data, want.data), returnSequences ? 'output' : 'last').toBeLessThan(1e-4);
    }
  });
});
