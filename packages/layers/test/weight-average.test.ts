import { describe, expect, it } from 'vitest';
import { Rng } from '@rnn/core';
import { dense, lstm, sequential, weightAverage, type Callback } from '../src/index.js';
import './setup.js';

function data(n: number) {
  const rng = new Rng(5);
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => [rng.uniform(-1, 1)]));
  const y = x.map((s) => [s.reduce((a, v) => a + v[0]!, 0)]);
  return { x, y };
}

describe('weightAverage', () => {
  it('keeps avg ← d·avg + (1−d)·w after every step (d = min(decay, (1+t)/(10+t))); swapIn puts it in the model, swapOut the trained weights back', async () => {
    const { x, y } = data(24);
    const model = sequential([lstm({ units: 3 }), dense({ units: 1 })]);
    model.compile({ optimizer: { type: 'sgd', lr: 0.2 }, loss: 'mse' });
    const avg = weightAverage({ decay: 0.7 });
    const seen: Float64Array[] = [];
    const spy: Callback = { onBatchEnd: () => void seen.push(Float64Array.from(model.params!.values.data())) };
    await model.fit(x, y, { epochs: 3, batchSize: 4, callbacks: [avg, spy] });
    expect(seen).toHaveLength(18);
    const want = Float64Array.from(seen[0]!);
    seen.slice(1).forEach((w, i) => {
      const d = Math.min(0.7, (2 + i) / (11 + i));
      for (let k = 0; k < w.length; k++) want[k] = d * want[k]! + (1 - d) * w[k]!;
    });
    const last = model.params!.values.data();
    expect(Array.from(last)).toEqual(Array.from(Float32Array.from(seen.at(-1)!)));
    avg.swapIn();
    expect(avg.swapped).toBe(true);
    const got = model.params!.values.data();
    // the average is not the last weights (the steps moved them), and it is the EMA of every step's weights
    expect(Array.from(got)).not.toEqual(Array.from(last));
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 5));
    avg.swapOut();
    expect(Array.from(model.params!.values.data())).toEqual(Array.from(last));
    // its state round-trips (what a checkpoint keeps)
    const s = avg.getState();
    expect(s.steps).toBe(18);
    expect(() => avg.setState({ steps: 1, average: new Float64Array(3) })).toThrow(/the saved average has 3 values, the model has \d+/);
  });

  it('refuses a decay outside (0, 1), and a step taken on the averaged weights', async () => {
    expect(() => weightAverage({ decay: 1 })).toThrow(/decay must be in \(0, 1\), found 1/);
    expect(() => weightAverage({ decay: 0 })).toThrow(/decay must be in \(0, 1\)/);
    expect(() => weightAverage({ decay: 0.9, every: 2 } as never)).toThrow(/every/);
    const { x, y } = data(8);
    const model = sequential([lstm({ units: 2 }), dense({ units: 1 })]);
    model.compile({ optimizer: { type: 'sgd', lr: 0.1 }, loss: 'mse' });
    const avg = weightAverage({ decay: 0.9 });
    const swapAfterFirst: Callback = { onBatchEnd: (b) => void (b === 1 && avg.swapIn()) };
    await expect(model.fit(x, y, { epochs: 1, batchSize: 4, callbacks: [swapAfterFirst, avg] })).rejects.toThrow(/a training step ran on the averaged weights/);
  });
});
