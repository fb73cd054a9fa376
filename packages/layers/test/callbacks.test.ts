import { describe, expect, it } from 'vitest';
import { Rng } from '@rnn/core';
import { cosineLR, dense, earlyStopping, lstm, sequential, stepLR } from '../src/index.js';
import './setup.js';

function data(n: number) {
  const rng = new Rng(5);
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => [rng.uniform(-1, 1)]));
  const y = x.map((s) => [s.reduce((a, v) => a + v[0]!, 0)]);
  return { x, y };
}

describe('callbacks', () => {
  it('stepLR and cosineLR set the learning rate per epoch as PyTorch StepLR / CosineAnnealingLR', async () => {
    const { x, y } = data(16);
    for (const [cb, expected] of [
      [stepLR(2, 0.5), [0.1, 0.1, 0.05, 0.05, 0.025]],
      [cosineLR(4, 0.01), [0.1, 0.1 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.01 * 0.5 * (1 - Math.cos(Math.PI / 4)), 0.055, 0.01 + 0.09 * 0.5 * (1 + Math.cos((3 * Math.PI) / 4)), 0.01]],
    ] as const) {
      const model = sequential([lstm({ units: 3 }), dense({ units: 1 })]);
      model.compile({ optimizer: { type: 'sgd', lr: 0.1 }, loss: 'mse' });
      const h = await model.fit(x, y, { epochs: 5, batchSize: 8, callbacks: [cb] });
      h.epochs.forEach((e, i) => expect(e['lr']).toBeCloseTo(expected[i]!, 10));
    }
  });

  it('earlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { x, y } = data(32);
    const model = sequential([lstm({ units: 4 }), dense({ units: 1 })]);
    // a learning rate this large makes the loss bounce, so improvement stalls quickly
    model.compile({ optimizer: { type: 'sgd', lr: 3 }, loss: 'mse', clipNorm: 10 });
    const es = earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const h = await model.fit(x, y, { epochs: 50, batchSize: 32, shuffle: false, callbacks: [es], checkNumerics: false });
    expect(es.stoppedEpoch).not.toBeNull();
    expect(h.epochs.length).toBe(es.stoppedEpoch! + 1);
    const losses = h.epochs.map((e) => e.loss);
    const best = Math.min(...losses);
    const bestAt = losses.indexOf(best);
    expect(h.epochs.length - 1 - bestAt).toBeGreaterThanOrEqual(2);
  });
});
