import { describe, expect, it } from 'vitest';
import { Rng, getBackend, grad, randUniform, readModelFile, sum, tensor, writeModelFile, type Tensor } from '@rnn/core';
import { checkGradients } from '@rnn/core/testing';
import { ElmanCell } from '../../../examples/custom-cells/elman.js';
import { PeepholeLSTMCell } from '../../../examples/custom-cells/peephole-lstm.js';
import { trainCustomCells } from '../../../examples/custom-cells/train.js';
import { Recurrent, Sequential, dense, rnn, sequential, type Cell } from '../src/index.js';
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

describe('custom cells save and load by name', () => {
  for (const [kind, make] of [
    ['elman', () => new ElmanCell(5, 3, 'sigmoid')],
    ['peephole-lstm', () => new PeepholeLSTMCell(4)],
  ] as const) {
    it(`${kind}: the model file names the cell, and loading it predicts identically`, () => {
      const model = sequential([rnn(make(), { name: 'cell', numLayers: 2, bidirectional: true }), dense({ name: 'fc', units: 2 })]);
      model.build({ inputSize: 3, seed: 4 });
      const x = randUniform([2, 6, 3], -1, 1, { rng: new Rng(8) });
      const bytes = model.toBytes();
      const layer = readModelFile(bytes, 'mem').config.layers[0]!;
      expect(layer).toMatchObject({ type: 'custom', cell: kind, name: 'cell', numLayers: 2, bidirectional: true });
      const loaded = Sequential.fromBytes(bytes, 'mem');
      expect((loaded.layers[0] as Recurrent).cell).toBeInstanceOf(make().constructor);
      expect((loaded.layers[0] as Recurrent).cell).toMatchObject(make());
      expect(Array.from(loaded.predict(x).data())).toEqual(Array.from(model.predict(x).data()));
    });
  }

  it('a file naming an unregistered cell is refused with the kind and what to import', () => {
    const model = sequential([rnn(new ElmanCell(3, 2), { name: 'cell' })]);
    model.build({ inputSize: 1 });
    const config = JSON.stringify(model.config()).replace('"cell":"elman"', '"cell":"elman-v2"');
    const file = readModelFile(model.toBytes(), 'mem');
    expect(() => Sequential.fromConfig(JSON.parse(config))).toThrow(
      /layer 'cell': no sequence cell 'elman-v2' is registered; if it is a custom cell, import the package that defines it \(it calls registerCell\('elman-v2', …\)\) before loading; registered: .*elman/,
    );
    expect(file.tensors.size).toBe(6);
  });

  it('a custom cell that is not registered trains but cannot be saved, and the error says how to fix it', () => {
    const unregistered: Cell = Object.assign(new PeepholeLSTMCell(2), { kind: 'peephole-unregistered' });
    const model = sequential([rnn(unregistered, { name: 'p' })]);
    model.build({ inputSize: 1 });
    expect(() => model.toBytes()).toThrow(/cell kind 'peephole-unregistered' is not registered; call registerCell\('peephole-unregistered'/);
  });

  it('summary() shows the shapes predict gives, for registered and unregistered custom cells', () => {
    const unregistered: Cell = Object.assign(new ElmanCell(6, 3), { kind: 'elman-unregistered' });
    const x = [[[1], [2], [3]], [[4], [5], [6]]];
    const cases = [
      [rnn(unregistered, { name: 'c' }), '[B, 3]', '[B, 1]', [2, 1]],
      [rnn(new ElmanCell(6, 3), { name: 'c' }), '[B, 3]', '[B, 1]', [2, 1]],
      [rnn(unregistered, { name: 'c', returnSequences: true, bidirectional: true }), '[B, T, 6]', '[B, T, 1]', [2, 3, 1]],
      [rnn(new PeepholeLSTMCell(5), { name: 'c' }), '[B, 5]', '[B, 1]', [2, 1]],
    ] as const;
    for (const [layer, cellOut, out, predicted] of cases) {
      const model = sequential([layer, dense({ units: 1, name: 'out' })]);
      model.build({ inputSize: 1 });
      const rows = model.summary().split('\n');
      expect(rows.find((r) => r.startsWith('c '))).toContain(`  ${cellOut}  `);
      expect(rows.find((r) => r.startsWith('out '))).toContain(`  ${out}  `);
      expect(model.predict(x).shape).toEqual(predicted);
    }
  });

  it('a file whose tensors do not match the built cell is refused, naming the tensor and both shapes', () => {
    const model = sequential([rnn(new PeepholeLSTMCell(2), { name: 'p' })]);
    model.build({ inputSize: 1 });
    const file = readModelFile(model.toBytes(), 'mem');
    const wider = { ...file.config, layers: [{ ...file.config.layers[0]!, hiddenSize: 3 }] };
    // the reader cannot know a custom cell's tensors; the loader checks them against the built cell
    const bytes = writeModelFile(wider, file.tensors);
    expect(() => Sequential.fromBytes(bytes, 'wider.safetensors')).toThrow(
      /wider\.safetensors: tensor 'p\.weight_ih_l0' has shape \[8, 1\], expected \[12, 1\]/,
    );
    const fewer = new Map([...file.tensors].filter(([n]) => n !== 'p.peephole_o_l0'));
    expect(() => Sequential.fromBytes(writeModelFile(file.config, fewer), 'fewer.safetensors')).toThrow(
      /fewer\.safetensors: weights do not match the model; missing p\.peephole_o_l0/,
    );
  });

});
