import { assert, describe, it } from 'vitest';
import { backward } from '../autodiff.js';
import { tidy } from '../engine.js';
import { mul } from '../ops/elementwise.js';
import { LSTMCell } from '../cells/lstm.js';
import { recurrence } from '../ops/recurrence.js';
import { sum } from '../ops/reduce.js';
import { ParameterSet } from '../params.js';
import { make, randomValues, rng, type SuiteContext } from './context.js';

/**
 * A training loop must not grow: 2,000 steps of a small LSTM forward + backward, the graph dropped
 * every step (backward cuts it, tidy disposes the step's tensors). RSS growth after a warm-up must
 * stay under 50 MB. The figure is printed so it lands in the run log.
 */

const STEPS = 2000;
const WARMUP = 200;
const LIMIT_MB = 50;

export function describeMemory(ctx: SuiteContext): void {
  describe('memory', () => {
    it(`${STEPS} LSTM forward+backward steps grow RSS by < ${LIMIT_MB} MB`, { timeout: 300_000 }, () => {
      const [B, T, I, H] = [4, 8, 6, 16];
      const r = rng(9);
      const ps = new ParameterSet(
        [
          { name: 'weight_ih', shape: [4 * H, I], init: randomValues(r, 4 * H * I, -0.3, 0.3) },
          { name: 'weight_hh', shape: [4 * H, H], init: randomValues(r, 4 * H * H, -0.3, 0.3) },
          { name: 'bias_ih', shape: [4 * H], init: randomValues(r, 4 * H, -0.1, 0.1) },
          { name: 'bias_hh', shape: [4 * H], init: randomValues(r, 4 * H, -0.1, 0.1) },
        ],
        { backend: ctx.backend },
      );
      const x = make(ctx, randomValues(r, B * T * I), [B, T, I], 'float32');
      const w = make(ctx, randomValues(r, B * T * H), [B, T, H], 'float32');
      const lengths = [8, 5, 8, 3];
      const cell = new LSTMCell(H);
      const params = Object.fromEntries(ps.names.map((n) => [n, ps.get(n)]));
      const step = () =>
        tidy(() => {
          const res = recurrence({ cell, params, x, lengths });
          backward(sum(mul(res.y, w)));
          ps.zeroGrad();
        });
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < WARMUP; i++) step();
      gc?.();
      const before = process.memoryUsage();
      const t0 = performance.now();
      for (let i = 0; i < STEPS; i++) step();
      const ms = performance.now() - t0;
      gc?.();
      const after = process.memoryUsage();
      const mb = (n: number) => n / 2 ** 20;
      const growth = mb(after.rss - before.rss);
      console.log(
        `[conformance:${ctx.name}] memory: ${STEPS} LSTM steps (B=${B} T=${T} I=${I} H=${H}, ` +
          `${ctx.backend.sequenceForward ? 'fused' : 'composed'}) in ${(ms / 1000).toFixed(2)} s; ` +
          `RSS ${mb(before.rss).toFixed(1)} -> ${mb(after.rss).toFixed(1)} MB (growth ${growth.toFixed(1)} MB), ` +
          `heapUsed ${mb(before.heapUsed).toFixed(1)} -> ${mb(after.heapUsed).toFixed(1)} MB` +
          (gc ? '' : ' (global.gc unavailable: run node with --expose-gc for a tighter figure)'),
      );
      assert(growth < LIMIT_MB, `RSS grew by ${growth.toFixed(1)} MB over ${STEPS} steps (limit ${LIMIT_MB} MB)`);
    });

    // optional (host-memory backends): the data-parallel trainer moves gradients through it
    it.skipIf(!ctx.backend.hostArray)('hostArray: the live elements of a tensor and of a view into a flat buffer, no copy', () => {
      const b = ctx.backend;
      const ps = new ParameterSet(
        [
          { name: 'a', shape: [2, 3], init: [1, 2, 3, 4, 5, 6] },
          { name: 'b', shape: [4], init: [7, 8, 9, 10] },
        ],
        { backend: b },
      );
      const whole = b.hostArray!(ps.values);
      assert.deepEqual(Array.from(whole), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const view = b.hostArray!(ps.get('b'));
      assert.equal(view.length, 4, 'a view has exactly its own elements');
      view[1] = -1;
      assert.deepEqual(Array.from(ps.get('b').data()), [7, -1, 9, 10], 'a write through hostArray is seen by the tensor');
      assert.equal(whole[7], -1, 'and by the flat buffer the view aliases');
      const t = make(ctx, [1, 2, 3], [3], 'float32');
      assert.equal(b.hostArray!(t), b.hostArray!(t), 'the same array each time: no copy');
    });
  });
}
