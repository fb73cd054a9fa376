import { describe, expect, it } from 'vitest';
import { fitSeq2Seq, parseSeq2Seq } from '../src/index.js';
import { cmudictSlice, tinyModel } from './seq2seq-helpers.js';

const PAIRS = cmudictSlice();

describe('Seq2Seq API', () => {
  for (const attention of ['luong', 'bahdanau', 'none'] as const) {
    for (const inputFeeding of attention === 'none' ? [false] : [false, true]) {
      it(`${attention}${inputFeeding ? ' + input feeding' : ''}: training lowers the loss; greedy decoding and a save/load round trip`, async () => {
        const model = tinyModel(PAIRS, { attention, inputFeeding });
        const data = model.encodePairs(PAIRS);
        const before = model.evaluateLoss(data);
        const h = await fitSeq2Seq(model, data, { epochs: 4, batchSize: 16, optimizer: { type: 'adam', lr: 0.02 } });
        const after = model.evaluateLoss(data);
        expect(h.epochs).toHaveLength(4);
        expect(after).toBeLessThan(before);
        const out = model.predict(PAIRS.slice(0, 5).map((p) => p.source));
        expect(out).toHaveLength(5);
        for (const [i, t] of out.entries()) {
          expect(t.tokens.length).toBeLessThanOrEqual(2 * PAIRS[i]!.source.length + 10);
          if (attention === 'none') expect(t.attention).toBeNull();
          else {
            expect(t.attention).toHaveLength(t.tokens.length + (t.ended ? 1 : 0));
            for (const row of t.attention!) {
              expect(row).toHaveLength(PAIRS[i]!.source.length);
              expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
            }
          }
        }
        const copy = parseSeq2Seq(model.toBytes(), 'mem');
        expect(copy.config()).toEqual(model.config());
        expect(Array.from(copy.params.values.data())).toEqual(Array.from(model.params.values.data()));
        expect(copy.predict(PAIRS.slice(0, 5).map((p) => p.source))).toEqual(out);
      });
    }
  }
});
