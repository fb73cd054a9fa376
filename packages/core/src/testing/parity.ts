import { describe, it } from 'vitest';
import type { Backend, FusedCell } from '../backend.js';
import { grad } from '../autodiff.js';
import * as E from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { linear, logSoftmax, softmax } from '../ops/nn.js';
import { recurrence } from '../ops/recurrence.js';
import { logSumExp, mean } from '../ops/composite.js';
import { max, sum } from '../ops/reduce.js';
import * as S from '../ops/shape-ops.js';
import { treeLstmLevel } from '../ops/tree.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { sequenceArgs, sequenceHostInputs, type SequenceCase } from './fused.js';
import { treeArgs, treeHostInputs } from './fused-tree.js';
import * as R from './reference.js';

/**
 * Cross-backend parity: the same programs (seeded random op chains, an embedding classifier, and
 * the fused-or-composed recurrent kernels) on the backend under test and on the reference backend,
 * values and gradients at float32 tolerance.
 */

type Program = (...xs: Tensor[]) => Tensor[];

/** Shape-preserving steps on a [4, 5] tensor; `y` [4, 5] and `w` [5, 5] are the other leaves. */
const STEPS: ((t: Tensor, y: Tensor, w: Tensor) => Tensor)[] = [
  (t) => E.tanh(t),
  (t) => E.sigmoid(t),
  (t, y) => E.mul(t, y),
  (t, y) => E.add(t, y),
  (t) => E.sub(t, mean(t, 1, true)),
  (t) => softmax(t, 1),
  (t) => E.sqrt(E.add(E.square(t), 1)),
  (t) => E.log(E.add(E.abs(t), 1)),
  (t) => E.relu(t),
  (t, _y, w) => matmul(t, w),
  (t, y) => E.div(t, E.add(E.abs(y), 1)),
  (t, y) => E.maximum(t, y),
  (t) => S.reshape(S.transpose(t), [4, 5]),
  (t) => E.sub(t, logSumExp(t, 0, true)),
  (t) => S.concat([S.slice(t, [0, 2], [4, 3]), S.slice(t, [0, 0], [4, 2])], 1),
  (t) => E.mul(t, max(t, 0, true)),
  (t, _y, w) => E.pow(E.add(E.sigmoid(t), 0.5), S.slice(w, [0, 0], [1, 5])),
];

function randomChain(seed: number): { name: string; program: Program } {
  const r = rng(seed);
  const picks = Array.from({ length: 8 }, () => r.int(STEPS.length));
  return {
    name: `random chain #${seed}: steps [${picks}]`,
    program: (x, y, w) => [picks.reduce((t, k) => STEPS[k]!(t, y!, w!), x!)],
  };
}

function run(backend: Backend, program: Program, hosts: R.Host[]): { outs: Float32Array[]; grads: Float32Array[] } {
  const leaves = hosts.map((h) => {
    const t = make(backend, h.data, h.shape, 'float32');
    t.requiresGrad = true;
    return t;
  });
  const outs = program(...leaves);
  const r = rng(5);
  const loss = outs
    .map((o) => sum(E.mul(o, make(backend, randomValues(r, o.size), o.shape, 'float32'))))
    .reduce((s, t) => E.add(s, t));
  const grads = grad(loss, leaves);
  return {
    outs: outs.map((o) => Float32Array.from(o.data())),
    grads: grads.map((g, i) => (g ? Float32Array.from(g.data()) : new Float32Array(leaves[i]!.size))),
  };
}

function compare(ctx: SuiteContext, program: Program, hosts: R.Host[], what: string): void {
  const a = run(ctx.backend, program, hosts);
  const b = run(ctx.reference!, program, hosts);
  a.outs.forEach((o, i) => expectClose(o, b.outs[i]!, FUSED_TOL, `${what}: output ${i} (${ctx.name} vs ${ctx.reference!.name})`));
  a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, FUSED_TOL, `${what}: gradient of input ${i} (${ctx.name} vs ${ctx.reference!.name})`));
}

export function describeParity(ctx: SuiteContext): void {
  describe(`parity with reference backend '${ctx.reference!.name}' (float32)`, () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { name, program } = randomChain(seed);
      it(name, () => {
        const r = rng(seed + 100);
        const hosts = [R.host(randomValues(r, 20), [4, 5]), R.host(randomValues(r, 20), [4, 5]), R.host(randomValues(r, 25, -0.5, 0.5), [5, 5])];
        compare(ctx, program, hosts, name);
      });
    }

    it('embedding classifier: gather, linear, logSoftmax, gathered NLL', () => {
      const idx = (backend: Backend, data: number[], shape: number[]) => make(backend, data, shape, 'int32');
      const r = rng(7);
      const hosts = [R.host(randomValues(r, 30), [10, 3]), R.host(randomValues(r, 12), [4, 3]), R.host(randomValues(r, 4), [4])];
      const program = (backend: Backend): Program => (emb, w, b) => {
        const h = S.gather(emb!, idx(backend, [3, 1, 4, 1, 5, 9], [2, 3]));
        const logits = linear(E.tanh(h), w!, b!);
        const lp = logSoftmax(logits, -1);
        const picked = S.gather(S.reshape(lp, [24, 1]), idx(backend, [0, 5, 10, 12, 19, 23], [6]));
        return [E.neg(mean(picked)), lp];
      };
      const a = run(ctx.backend, program(ctx.backend), hosts);
      const b = run(ctx.reference!, program(ctx.reference!), hosts);
      a.outs.forEach((o, i) => expectClose(o, b.outs[i]!, FUSED_TOL, `classifier output ${i}`));
      a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, FUSED_TOL, `classifier gradient ${i}`));
    });

    for (const kernel of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as FusedCell[]) {
      it(`recurrence ${kernel} (each backend's fused or composed path)`, () => {
        for (const reverse of [false, true]) {
          const c: SequenceCase = { kernel, B: 3, T: 6, I: 5, H: 7, lengths: [6, 3, 5], reverse, initial: true };
          const { hosts } = sequenceHostInputs(c, 31);
          compare(ctx, (...xs) => {
            const res = recurrence(sequenceArgs(c, xs));
            return [res.y, ...res.carry];
          }, hosts, `${kernel} reverse=${reverse}`);
        }
      });
    }

    it("treeLstmLevel (each backend's fused or composed path)", () => {
      compare(ctx, (...xs) => {
        const out = treeLstmLevel(treeArgs(xs));
        return [out.h, out.c];
      }, treeHostInputs(6, 4, 5, 41), 'treeLstmLevel');
    });
  });
}
