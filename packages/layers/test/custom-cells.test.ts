import { describe, expect, it } from 'vitest';
import { Rng, getBackend, grad, randUniform, sum, tensor, type Tensor } from '@rnn/core';
import { checkGradients } from '@rnn/core/testing';
import { ElmanCell } from '../../../examples/custom-cells/elman.js';
import { PeepholeLSTMCell } from '../../../examples/custom-cells/peephole-lstm.js';
import { trainCustomCells } from '../../../examples/custom-cells/train.js';
import { Recurrent, rnn, type Cell } from '../src/index.js';
import './setup.js';

/** A recurrent layer over `cell`, float64, its parameters as leaves, run on x with lengths. */
function harness(cell: Cell, options: { bidirectional?: boolean; numLayers?: number; returnSequences?: boolean } = {}) {
  const rng = new Rng(7);
  const layer = rnn(cell, { name: 'cell', returnSequences: options.returnSequences ?? true, ...options }) as Recurrent;
  layer.build({ kind: 'sequence', features: 3 });
  const params = new Map<string, Tensor>();
  for (const p of layer.parameters(rng)) {
    const t = tensor(p.init, p.shape, { dtype: 'float64' });
    t.requiresGrad = true;
    params.set(p.name, t);
  }
  const ctx = (lengths: number[] | null) => ({ training: true, lengths, rng, param: (n: string) => params.get(n)! });
  return { layer, params, ctx };
}

for (const [name, make] of [
  ['Elman (h = tanh(Wx + Uh + b), y = W_y h + V x + c)', () => new ElmanCell(4, 2)],
  ['peephole LSTM', () => new PeepholeLSTMCell(3)],
] as const) {
  describe(`custom cell: ${name}`, () => {
    it('gradients w.r.t. every parameter and the input match float64 finite differences', () => {
      for (const opts of [{}, { bidirectional: true, numLayers: 2 }]) {
        const { layer, params } = harness(make(), opts);
        const x = randUniform([2, 4, 3], -1, 1, { rng: new Rng(2), dtype: 'float64' });
        const names = [...params.keys()];
        const inputs = [x, ...params.values()].map((t) => ({ data: Float64Array.from(t.data()), shape: [...t.shape] }));
        const f = (xt: Tensor, ...ps: Tensor[]) =>
          layer.call(xt, { training: true, lengths: [4, 2], rng: new Rng(0), param: (n: string) => ps[names.indexOf(n)]! });
        checkGradients(getBackend(), f, inputs, { dtype: 'float64', what: `${name} ${JSON.stringify(opts)}` });
      }
    });

    it('padded steps change neither the output nor the gradient of a row', () => {
      const { layer, params, ctx } = harness(make());
      const xs = randUniform([1, 5, 3], -1, 1, { rng: new Rng(4), dtype: 'float64' });
      const alone = layer.call(xs, ctx(null));
      // the same row padded with garbage to T = 8, length 5
      const padded = tensor(
        Float64Array.from([...xs.data(), ...Array.from({ length: 9 }, () => 1e3)]),
        [1, 8, 3],
        { dtype: 'float64' },
      );
      const y = layer.call(padded, ctx([5]));
      const a = alone.data();
      const b = y.data();
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 12);
      for (let i = a.length; i < b.length; i++) expect(Math.abs(b[i]!)).toBe(0);
      const w = [...params.values()][0]!;
      const [g1] = grad(sum(alone), [w]);
      const [g2] = grad(sum(layer.call(padded, ctx([5]))), [w]);
      const d1 = g1!.data();
      const d2 = g2!.data();
      for (let i = 0; i < d1.length; i++) expect(d2[i]).toBeCloseTo(d1[i]!, 10);
    });
  });
}

describe('custom cells train on real data (Nile flow, one-step-ahead)', () => {
  it('both losses fall and beat predicting the mean (MSE 1 on standardised flow)', async () => {
    const r = await trainCustomCells(15);
    console.log(JSON.stringify(r));
    for (const v of Object.values(r)) {
      expect(v.last).toBeLessThan(v.first);
      expect(v.last).toBeLessThan(0.8);
    }
  });
});
