// Very long sequences and very deep graphs: T = 10,000 through an LSTM forward and backward on the
// fused kernel and on the composed path (~100k graph nodes; backward sorts them iteratively),
// a custom cell through the shared scan (T = 2,000), deep chains of core ops, a 1,000-deep tree.
import { describe, expect, it } from 'vitest';
import {
  Rng,
  add,
  backward,
  getBackend,
  linear,
  mean,
  mul,
  randUniform,
  scalar,
  square,
  sub,
  tanh,
  zeros,
  type Tensor,
} from '@rnn/core';
import { Recurrent, TreeNet, Vocab, dense, lstm, parseTrees, sequential, type Cell, type CellParams } from '../src/index.js';
import './setup.js';

const T = 10_000;

function gradsOf(model: ReturnType<typeof sequential>): Map<string, Float32Array> {
  const p = model.params!;
  const all = p.grads.data() as Float32Array;
  return new Map(p.tensors.map((t, i) => [t.name!, all.slice(p.offsets[i]!, p.offsets[i]! + t.size)]));
}

/** One forward and backward pass at T steps; returns the loss, the gradients and the timings. */
function longRun(fused: boolean, x: Tensor, y: Tensor) {
  const model = sequential([lstm({ units: 8, fused }), dense({ units: 1 })]).build({ inputSize: 2, seed: 1 });
  const t0 = performance.now();
  const loss = mean(square(sub(model.forward(x, { training: true }), y)));
  const t1 = performance.now();
  backward(loss);
  const t2 = performance.now();
  return { loss: loss.item(), grads: gradsOf(model), forwardMs: t1 - t0, backwardMs: t2 - t1 };
}

describe(`T = ${T} through an LSTM on the ${getBackend().name} backend`, () => {
  const rng = new Rng(5);
  const x = randUniform([1, T, 2], -1, 1, { rng });
  const y = randUniform([1, 1], -1, 1, { rng });
  let fusedGrads: Map<string, Float32Array> | null = null;
  let fusedLoss = NaN;

  it('fused kernel: forward and backward finish with finite gradients', () => {
    const r = longRun(true, x, y);
    console.log(`T=${T} LSTM (H=8) fused: forward ${r.forwardMs.toFixed(0)} ms, backward ${r.backwardMs.toFixed(0)} ms`);
    expect(Number.isFinite(r.loss)).toBe(true);
    for (const g of r.grads.values()) expect(g.every(Number.isFinite)).toBe(true);
    expect(r.forwardMs + r.backwardMs).toBeLessThan(10_000);
    fusedGrads = r.grads;
    fusedLoss = r.loss;
  });

  it('composed path (fused: false, ~100k graph nodes): no stack overflow, linear time, same gradients', () => {
    // T/10 first, so that the check is on how time scales (a busy machine slows both alike)
    const short = longRun(false, randUniform([1, T / 10, 2], -1, 1, { rng: new Rng(6) }), y);
    const r = longRun(false, x, y);
    const ratio = (r.forwardMs + r.backwardMs) / (short.forwardMs + short.backwardMs);
    console.log(
      `T=${T} LSTM (H=8) composed: forward ${r.forwardMs.toFixed(0)} ms, backward ${r.backwardMs.toFixed(0)} ms ` +
        `(${ratio.toFixed(1)}x the time of T=${T / 10})`,
    );
    // Before split() became one graph node, backward here was quadratic in T: about two minutes
    // on an idle machine, 100x the time of T/10. Linear is 10x.
    expect(ratio).toBeLessThan(30);
    expect(r.forwardMs + r.backwardMs).toBeLessThan(120_000);
    expect(r.loss).toBeCloseTo(fusedLoss, 5);
    for (const [name, g] of r.grads) {
      const f = fusedGrads!.get(name)!;
      const scale = Math.max(1e-3, ...Array.from(f, Math.abs));
      const worst = Math.max(...Array.from(g, (v, i) => Math.abs(v - f[i]!)));
      expect(worst / scale, name).toBeLessThan(1e-3);
    }
  }, 180_000);

  it(`a custom cell through the shared scan at T = ${T / 5}, forward and backward`, () => {
    /** Elman cell, `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`, as a custom cell (no fused kernel). */
    const elman: Cell = {
      kind: 'elman',
      hiddenSize: 4,
      parameters: (inputSize, _init, r) => [
        { name: 'weight_ih', shape: [4, inputSize], init: Float64Array.from({ length: 4 * inputSize }, () => r.uniform(-0.5, 0.5)) },
        { name: 'weight_hh', shape: [4, 4], init: Float64Array.from({ length: 16 }, () => r.uniform(-0.5, 0.5)) },
        { name: 'bias_ih', shape: [4], init: new Float64Array(4) },
        { name: 'bias_hh', shape: [4], init: new Float64Array(4) },
      ],
      initCarry: (b, like) => [zeros([b, 4], { dtype: like.dtype, backend: like.backend })],
      step: (p: CellParams, [h], xt) => {
        const next = tanh(add(linear(xt, p['weight_ih']!, p['bias_ih']!), linear(h!, p['weight_hh']!, p['bias_hh']!)));
        return [[next], next];
      },
    };
    const model = sequential([new Recurrent(elman, { name: 'elman' }), dense({ units: 1 })]).build({ inputSize: 2, seed: 2 });
    // the scan shares the composed path's fix (one split node); T/5 keeps CI time down
    const xs = randUniform([1, T / 5, 2], -1, 1, { rng: new Rng(7) });
    const t0 = performance.now();
    const loss = mean(square(sub(model.forward(xs, { training: true }), y)));
    backward(loss);
    const ms = performance.now() - t0;
    console.log(`T=${T / 5} custom Elman cell through scan: forward + backward ${ms.toFixed(0)} ms`);
    for (const g of gradsOf(model).values()) expect(g.every(Number.isFinite)).toBe(true);
    expect(ms).toBeLessThan(30_000);
  });
});

describe('deep graphs of core ops', () => {
  it('a chain 1,000 ops deep: the gradient of w^1000·x is 1000·w^999·x', () => {
    const w = scalar(1.001, { dtype: 'float64' });
    w.requiresGrad = true;
    let v: Tensor = scalar(2, { dtype: 'float64' });
    for (let i = 0; i < 1000; i++) v = mul(v, w);
    backward(v);
    expect(w.grad!.item()).toBeCloseTo(1000 * 1.001 ** 999 * 2, 8);
  });

  it('a chain 20,000 ops deep backpropagates without a stack overflow', () => {
    const w = scalar(0.5, { dtype: 'float64' });
    w.requiresGrad = true;
    let v: Tensor = scalar(0, { dtype: 'float64' });
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) v = add(v, w);
    backward(v);
    console.log(`20,000-deep chain of adds: forward + backward ${(performance.now() - t0).toFixed(0)} ms`);
    expect(w.grad!.item()).toBe(20_000);
  });
});

describe('a tree 1,000 levels deep', () => {
  it('parses, runs through a binary Tree-LSTM and backpropagates', () => {
    let text = '(2 leaf)';
    for (let i = 0; i < 1000; i++) text = `(${i % 5} ${text} (1 w${i % 7}))`;
    const [tree] = parseTrees(text, 'deep.txt');
    const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 4, embeddingDim: 3, vocab: Vocab.build([tree!]), seed: 1 });
    const t0 = performance.now();
    const loss = net.lossOf(net.forward(net.encode([tree!])));
    backward(loss);
    console.log(`1,000-deep tree (2,001 nodes), Tree-LSTM forward + backward: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(Number.isFinite(loss.item())).toBe(true);
    expect((net.params.grads.data() as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('a tree 100,000 levels deep parses (the reader keeps an explicit stack)', () => {
    const text = '(1 '.repeat(100_000) + 'w' + ')'.repeat(100_000);
    expect(parseTrees(text, 'deeper.txt')[0]!.labels.length).toBe(100_000);
  });
});
