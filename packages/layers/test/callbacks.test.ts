import { describe, expect, it, vi } from 'vitest';
import { Rng } from '@rnn/core';
import { cosineLR, dense, earlyStopping, lstm, sequential, stepLR, warmupCosine, warmupCosineRate, type Callback } from '../src/index.js';
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

  it('warmupCosine sets the rate before every batch: linear warm-up, then a half cosine to final, sized by epochs × batches', async () => {
    const { x, y } = data(16);
    const seen: number[] = [];
    let opt: { lr: number } | null = null;
    const spy: Callback = {
      onTrainBegin: (info) => {
        opt = info.optimizer;
      },
      onBatchBegin: () => {
        seen.push(opt!.lr);
      },
    };
    const model = sequential([lstm({ units: 3 }), dense({ units: 1 })]);
    model.compile({ optimizer: { type: 'sgd', lr: 0.1 }, loss: 'mse' });
    // 2 epochs of 4 batches = 8 steps; warm-up over the first quarter (2 steps)
    await model.fit(x, y, { epochs: 2, batchSize: 4, callbacks: [warmupCosine({ warmup: 0.25, final: 0.1 }), spy] });
    const cos = (t: number) => 0.1 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * t)));
    const want = [0.05, cos(0), cos(1 / 6), cos(2 / 6), cos(3 / 6), cos(4 / 6), cos(5 / 6), cos(1)];
    expect(seen).toHaveLength(8);
    seen.forEach((lr, i) => expect(lr, `step ${i + 1}`).toBeCloseTo(want[i]!, 12));
  });

  it('warmupCosine by a time budget: the rate follows the fraction of the minutes spent', () => {
    const cb = warmupCosine({ minutes: 1, warmup: 0.5 });
    const opt = { lr: 0.2 } as never;
    const now = vi.spyOn(performance, 'now');
    try {
      now.mockReturnValue(1000);
      cb.onTrainBegin!({ optimizer: opt, epochs: Number.MAX_SAFE_INTEGER, batches: 10 } as never);
      now.mockReturnValue(1000 + 15_000); // a quarter of the minute: half way up the warm-up
      cb.onBatchBegin!(0, 0);
      expect(cb.lr).toBeCloseTo(0.1, 12);
      now.mockReturnValue(1000 + 45_000); // half way down the cosine
      cb.onBatchBegin!(5, 3);
      expect(cb.lr).toBeCloseTo(0.1, 12);
      now.mockReturnValue(1000 + 120_000); // past the budget: the final rate
      cb.onBatchBegin!(9, 9);
      expect(cb.lr).toBe(0);
    } finally {
      now.mockRestore();
    }
    expect(warmupCosineRate(1, 0.75, 0.5, 0)).toBeCloseTo(0.5, 12);
  });

  it('warmupCosine refuses a step schedule for a run with no epoch limit, and a final rate above the base', () => {
    const cb = warmupCosine();
    expect(() => cb.onTrainBegin!({ optimizer: { lr: 1 }, epochs: Number.MAX_SAFE_INTEGER, batches: 10 } as never)).toThrow(/no epoch limit, so a schedule by steps has no end; give it minutes/);
    expect(() => warmupCosine({ final: 2 })).toThrow(/final is a fraction of the base rate, at most 1, found 2/);
  });
});
