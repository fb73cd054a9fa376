/**
 * The Keras example this project starts from:
 *
 *   model = Sequential([LSTM(20), Dense(5)])
 *   model.compile(optimizer='adam', loss='mse')
 *   model.fit(X, y)        # X: [1000, 100, F], y: [1000, 100, 5]
 *
 * The LSTM returns only its last state, so the output is [1000, 5] and y's time axis cannot match.
 * Here that mistake is refused at once, before any step, with a message that names both shapes
 * and the fix; the fixed versions train.
 */
import { describe, expect, it } from 'vitest';
import { Rng, ShapeError, tensor, type Tensor } from '@rnn/core';
import { dense, lstm, sequential } from '../src/index.js';
import './setup.js';

function uniform(shape: number[], rng: Rng): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(-1, 1);
  return tensor(d, shape, { dtype: 'float32' });
}

/** A learnable target: per output j, a scaled running mean of feature j % F over the sequence. */
function targets(x: Tensor, units: number, perStep: boolean): Tensor {
  const [N, T, F] = x.shape as [number, number, number];
  const xd = x.data();
  const out = new Float32Array(N * (perStep ? T : 1) * units);
  for (let n = 0; n < N; n++) {
    const acc = new Float64Array(F);
    for (let t = 0; t < T; t++) {
      for (let f = 0; f < F; f++) acc[f]! += xd[(n * T + t) * F + f]!;
      if (perStep || t === T - 1) {
        const row = perStep ? n * T + t : n;
        for (let j = 0; j < units; j++) out[row * units + j] = (acc[j % F]! / (t + 1)) * (1 + j / units);
      }
    }
  }
  return tensor(out, perStep ? [N, T, units] : [N, units], { dtype: 'float32' });
}

describe('the Keras seed example: sequential([lstm({ units: 20 }), dense({ units: 5 })])', () => {
  it('refuses y [1000, 100, 5] at once: ShapeError naming [1000, 100, 5], [1000, 5] and returnSequences', async () => {
    const rng = new Rng(1);
    const F = 3;
    const X = uniform([1000, 100, F], rng);
    const y = tensor(new Float32Array(1000 * 100 * 5), [1000, 100, 5], { dtype: 'float32' });
    const model = sequential([lstm({ units: 20 }), dense({ units: 5 })]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    let batches = 0;
    const t0 = performance.now();
    const err = await model
      .fit(X, y, { epochs: 1, callbacks: [{ onBatchEnd: () => void batches++ }] })
      .then(() => null, (e: unknown) => e);
    const ms = performance.now() - t0;
    expect(err).toBeInstanceOf(ShapeError);
    const msg = (err as Error).message;
    expect(msg).toContain('[1000, 100, 5]');
    expect(msg).toContain('[1000, 5]');
    expect(msg).toContain('returnSequences');
    // at once: no batch ran and no optimizer step was taken (one step on this data takes far longer)
    expect(batches).toBe(0);
    expect(model.training.optimizer.steps).toBe(0);
    expect(ms).toBeLessThan(2000);
    console.log(`Keras seed example refused in ${ms.toFixed(0)} ms: ${msg}`);
  });

  it('the fixed version (one target per sequence, y [N, 5]) trains and its loss falls', async () => {
    const rng = new Rng(2);
    const X = uniform([128, 12, 3], rng);
    const y = targets(X, 5, false);
    const model = sequential([lstm({ units: 20 }), dense({ units: 5 })]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await model.fit(X, y, { epochs: 12, batchSize: 8, seed: 1 });
    const losses = h.epochs.map((e) => e.loss);
    expect(model.predict(X).shape).toEqual([128, 5]);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    console.log(`fixed Keras example (y [N, 5]) epoch losses: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
  });

  it('the other fix (returnSequences: true, y [N, T, 5]) trains too', async () => {
    const rng = new Rng(3);
    const X = uniform([64, 12, 3], rng);
    const y = targets(X, 5, true);
    const model = sequential([lstm({ units: 20, returnSequences: true }), dense({ units: 5 })]);
    model.compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' });
    const h = await model.fit(X, y, { epochs: 8, batchSize: 16, seed: 1 });
    const losses = h.epochs.map((e) => e.loss);
    expect(model.predict(X).shape).toEqual([64, 12, 5]);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
  });
});
