// Decoding on the native backend runs each step's tail (and, for a one-layer decoder without input
// feeding, the LSTM step from a per-vocabulary gate table) as ONE decodeStep kernel call: the same
// hypotheses as the composed ops (`fused: false`), scores and attention to float tolerance.
import { describe, expect, it } from 'vitest';
import { backendByName, type Backend } from '@rnn/core';
import '@rnn/backend-native';
import type { Hypothesis } from '../src/index.js';
import { cmudictSlice, tinyModel } from './seq2seq-helpers.js';

const PAIRS = cmudictSlice();

const VARIANTS = [
  { attention: 'luong', inputFeeding: false },
  { attention: 'luong', inputFeeding: true },
  { attention: 'luong', inputFeeding: false, decoder: { hiddenSize: 7, numLayers: 2 } },
  { attention: 'bahdanau', inputFeeding: false },
  { attention: 'bahdanau', inputFeeding: true },
  { attention: 'none', inputFeeding: false, encoder: { type: 'lstm', hiddenSize: 7, numLayers: 1, bidirectional: false } },
] as const;

function expectSame(a: Hypothesis[], b: Hypothesis[], tol: number): void {
  expect(a.map((h) => [h.ids, h.ended])).toEqual(b.map((h) => [h.ids, h.ended]));
  a.forEach((h, i) => {
    const g = b[i]!;
    expect(Math.abs(h.score - g.score)).toBeLessThanOrEqual(tol * (1 + Math.abs(g.score)));
    expect(Math.abs(h.normalizedScore - g.normalizedScore)).toBeLessThanOrEqual(tol * (1 + Math.abs(g.normalizedScore)));
    expect(h.attention === null).toBe(g.attention === null);
    h.attention?.forEach((row, t) => row.forEach((w, j) => expect(Math.abs(w - g.attention![t]![j]!)).toBeLessThanOrEqual(tol)));
  });
}

describe('seq2seq decoding on the native backend: one decodeStep call per step', () => {
  const native: Backend = backendByName('native');
  const sources = (m: ReturnType<typeof tinyModel>) => PAIRS.slice(0, 24).map((p) => m.sourceVocab.encode(p.source));

  for (const v of VARIANTS) {
    for (const dtype of ['float32', 'float64'] as const) {
      const name = `${v.attention}${v.inputFeeding ? ' + input feeding' : ''}${'decoder' in v ? ' (2-layer decoder)' : ''}, ${dtype}`;
      it(`${name}: greedy and beam 4 equal the composed path`, () => {
        const model = tinyModel(PAIRS, { ...v, backend: native, dtype });
        const calls = { n: 0 };
        const step = native.decodeStep!.bind(native);
        native.decodeStep = (a) => (calls.n++, step(a));
        try {
          const src = sources(model);
          const tol = dtype === 'float32' ? 2e-5 : 1e-10;
          for (const beam of [1, 4]) {
            const fused = model.decode(src, { beam, maxLength: 12, batchSize: 10 });
            const n = calls.n;
            expect(n).toBeGreaterThan(0);
            const composed = model.decode(src, { beam, maxLength: 12, batchSize: 10, fused: false });
            expect(calls.n).toBe(n);
            expectSame(fused, composed, tol);
          }
        } finally {
          delete (native as { decodeStep?: unknown }).decodeStep; // the prototype's again
        }
      });
    }
  }

  it('refuses a non-boolean fused option by name', () => {
    const model = tinyModel(PAIRS, { backend: native });
    expect(() => model.decode(sources(model), { fused: 'yes' as unknown as boolean })).toThrow(/fused/);
  });
});
