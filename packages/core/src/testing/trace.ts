import { assert, describe, it } from 'vitest';
import type { FusedCell } from '../backend.js';
import { traceOnHost } from '../cells/trace.js';
import { grad } from '../autodiff.js';
import { noGrad } from '../engine.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { recurrence } from '../ops/recurrence.js';
import { FUSED_TOL, expectClose, make, type SuiteContext } from './context.js';
import { sequenceArgs, sequenceHostInputs, type SequenceCase } from './fused.js';

/**
 * Recording (`recurrence(…, { record: true })`, the `rnn explain` traces): the recorded gate
 * activations and lstm cell states equal the cell's equations computed on the host (`traceOnHost`,
 * float64), with lengths and reverse; and recording changes no output bit, fused or composed.
 */

const KERNELS: FusedCell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

function bitsEqual(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} is ${a[i]} with recording, ${b[i]} without`);
  }
}

export function describeTrace(ctx: SuiteContext): void {
  describe('recording per-step internals (record: true)', () => {
    for (const kernel of KERNELS) {
      for (const fused of [true, false]) {
        for (const training of [false, true]) {
          const c: SequenceCase = { kernel, B: 3, T: 5, I: 4, H: 6, lengths: [5, 2, 4], reverse: kernel === 'gru', initial: true };
          it(`${kernel}, ${fused ? 'fused' : 'composed'}, ${training ? 'training' : 'inference'}: gates equal the equations, outputs unchanged`, () => {
            const { hosts } = sequenceHostInputs(c, 11 + c.H);
            const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
            leaves.forEach((t) => (t.requiresGrad = training));
            const run = (record: boolean) =>
              training ? recurrence(sequenceArgs(c, leaves), { fused, record }) : noGrad(() => recurrence(sequenceArgs(c, leaves), { fused, record }));
            const plain = run(false);
            const rec = run(true);
            assert.isUndefined(plain.trace, 'no trace unless asked');
            bitsEqual(rec.y.data(), plain.y.data(), 'y');
            rec.carry.forEach((t, i) => bitsEqual(t.data(), plain.carry[i]!.data(), `carry[${i}]`));
            const at = (name: string) => hosts[['x', 'h0', ...(kernel === 'lstm' ? ['c0'] : []), 'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].indexOf(name)]!.data;
            const want = traceOnHost({
              kernel, B: c.B, T: c.T, I: c.I, H: c.H,
              x: at('x'), h0: at('h0'), c0: kernel === 'lstm' ? at('c0') : null,
              weightIh: at('weight_ih'), weightHh: at('weight_hh'), biasIh: at('bias_ih'), biasHh: at('bias_hh'),
              lengths: c.lengths, reverse: c.reverse,
            });
            if (training) {
              // backward reads the reserve the trace views: the gradients must not move either
              const gp = grad(sum(mul(plain.y, plain.y)), leaves);
              const gr = grad(sum(mul(rec.y, rec.y)), leaves);
              gp.forEach((g, i) => bitsEqual(gr[i]!.data(), g!.data(), `d/d input ${i}`));
            }
            const tr = rec.trace!;
            assert.ok(tr, 'a trace');
            expectClose(tr.gates.data(), want.gates, FUSED_TOL, `${kernel}: recorded gates`);
            if (kernel === 'lstm') expectClose(tr.cells!.data(), want.cells!, FUSED_TOL, 'recorded c_t');
            else assert.isNull(tr.cells, 'cells only for lstm');
            // the recorded h of the lstm and gru is y: o * tanh(c) and (1 - z) n + z h_prev agree with it
            if (kernel === 'lstm') {
              const g = tr.gates.data(), cs = tr.cells!.data(), y = rec.y.data();
              for (let i = 0; i < c.B * c.T * c.H; i++) {
                const row = Math.floor(i / c.H), j = i % c.H;
                const o = g[row * 4 * c.H + 3 * c.H + j]!;
                assert.approximately(o * Math.tanh(cs[i]!), y[i]!, 2e-5, `h = o tanh(c) at ${i}`);
              }
            }
          });
        }
      }
    }
  });
}
