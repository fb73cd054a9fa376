import { describe, expect, it } from 'vitest';
import { Rng, tensor } from '@rnn/core';
import { dense, lstm, sequential } from '../src/index.js';
import './setup.js';

describe('smoke', () => {
  it('an LSTM model trains and its loss falls', async () => {
    const rng = new Rng(1);
    const N = 64, T = 10;
    const x: number[][][] = [];
    const y: number[][] = [];
    for (let i = 0; i < N; i++) {
      const seq: number[][] = [];
      let s = 0;
      for (let t = 0; t < T; t++) {
        const v = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
        s += v[0]!;
        seq.push(v);
      }
      x.push(seq);
      y.push([s / T]);
    }
    const model = sequential([lstm({ units: 8 }), dense({ units: 1 })]);
    model.compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' });
    const h = await model.fit(x, y, { epochs: 20, batchSize: 16 });
    console.log(model.summary());
    console.log(h.epochs.map((e) => e.loss.toFixed(4)).join(' '));
    expect(h.epochs.at(-1)!.loss).toBeLessThan(h.epochs[0]!.loss * 0.5);
    void tensor;
  });
});
