import { assert, describe, it } from 'vitest';
import type { BinaryOp } from '../backend.js';
import type { FloatDType } from '../dtype.js';
import { backward, grad } from '../autodiff.js';
import { full } from '../ops/creation.js';
import * as E from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { linear, logSoftmax, softmax } from '../ops/nn.js';
import { logSumExp, mean } from '../ops/composite.js';
import { max, min, sum } from '../ops/reduce.js';
import * as S from '../ops/shape-ops.js';
import { ParameterSet } from '../params.js';
import { VALUE_TOL, expectClose, make, randomValues, rng, spreadValues, type SuiteContext } from './context.js';
import { GRAD_CHECK, checkGradients, type GradFn } from './gradcheck.js';
import * as R from './reference.js';
import { BINARY_FNS } from './values.js';

/**
 * The gradient of every differentiable op against central finite differences. Inputs keep away
 * from kinks (relu/abs at 0, ties in max/min) and from domain edges (log, sqrt, pow at 0).
 */

type Gen = (seed: number) => R.Host[];
interface Case {
  name: string;
  inputs: Gen;
  /** Builds the function under test; constants (indices, masks) are made on the backend here. */
  f: (ctx: SuiteContext, dtype: FloatDType) => GradFn;
}

const uniform = (shape: number[], lo = -2, hi = 2) => (seed: number) => R.host(randomValues(rng(seed), R.size(shape), lo, hi), shape);
const spread = (shape: number[], offset = 0.1) => (seed: number) => R.host(spreadValues(rng(seed), R.size(shape), 0.25, offset), shape);
const gens = (...gs: ((seed: number) => R.Host)[]): Gen => (seed) => gs.map((g, i) => g(seed + i));

const UNARY_CASES: Case[] = [
  ['neg', E.neg, uniform([2, 3])],
  ['exp', E.exp, uniform([2, 3])],
  ['log', E.log, uniform([2, 3], 0.5, 2)],
  ['tanh', E.tanh, uniform([2, 3])],
  ['sigmoid', E.sigmoid, uniform([2, 3], -4, 4)],
  ['relu', E.relu, spread([2, 3])],
  ['sqrt', E.sqrt, uniform([2, 3], 0.5, 2)],
  ['abs', E.abs, spread([2, 3])],
  ['square', E.square, uniform([2, 3])],
  ['reciprocal', E.reciprocal, uniform([2, 3], 0.5, 2)],
].map(([name, fn, g]) => ({
  name: name as string,
  inputs: gens(g as (s: number) => R.Host),
  f: () => fn as GradFn,
}));

const BROADCAST_SHAPES: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1, 3], [4, 1]], [[], [2, 2]], [[2, 2], [1]]];

function binaryCases(): Case[] {
  const out: Case[] = [];
  const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow'];
  for (const op of ops) {
    for (const [sa, sb] of BROADCAST_SHAPES) {
      let inputs: Gen;
      if (op === 'div') inputs = gens(uniform(sa), uniform(sb, 0.5, 2));
      else if (op === 'pow') inputs = gens(uniform(sa, 0.5, 2), uniform(sb, -1.5, 1.5));
      // a on one grid, b on a grid offset by half a step: never within 0.125 of each other
      else if (op === 'max' || op === 'min') inputs = gens(spread(sa, 0.1), spread(sb, 0.225));
      else inputs = gens(uniform(sa), uniform(sb));
      out.push({ name: `${op} [${sa}] with [${sb}]`, inputs, f: () => BINARY_FNS[op] as GradFn });
    }
  }
  return out;
}

const x234 = uniform([2, 3, 4]);
const REDUCE_CASES: Case[] = [
  { name: 'sum over axis 1', inputs: gens(x234), f: () => (x) => sum(x!, 1) },
  { name: 'sum over axes [0, 2] keepDims', inputs: gens(x234), f: () => (x) => sum(x!, [0, 2], true) },
  { name: 'sum over all axes', inputs: gens(x234), f: () => (x) => sum(x!) },
  { name: 'mean over axis 2', inputs: gens(x234), f: () => (x) => mean(x!, 2) },
  { name: 'mean over all axes', inputs: gens(x234), f: () => (x) => mean(x!) },
  { name: 'max over axis 2', inputs: gens(spread([2, 3, 4])), f: () => (x) => max(x!, 2) },
  { name: 'max over axes [0, 1]', inputs: gens(spread([2, 3, 4])), f: () => (x) => max(x!, [0, 1]) },
  { name: 'max over all axes', inputs: gens(spread([2, 3, 4])), f: () => (x) => max(x!) },
  { name: 'min over axis 0', inputs: gens(spread([2, 3, 4])), f: () => (x) => min(x!, 0) },
  { name: 'min over all axes', inputs: gens(spread([2, 3, 4])), f: () => (x) => min(x!) },
  { name: 'logSumExp over axis 1', inputs: gens(x234), f: () => (x) => logSumExp(x!, 1) },
  { name: 'logSumExp over the last axis, keepDims', inputs: gens(x234), f: () => (x) => logSumExp(x!, -1, true) },
];

function matmulCases(): Case[] {
  const out: Case[] = [];
  const [m, k, n, B] = [2, 3, 4, 2];
  const layouts: [string, boolean, boolean][] = [
    ['rank 2', false, false],
    ['rank 3', true, true],
    ['rank 3 x shared b', true, false],
    ['shared a x rank 3', false, true],
  ];
  for (const [layout, batchA, batchB] of layouts) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const sa = [...(batchA ? [B] : []), ...(transA ? [k, m] : [m, k])];
        const sb = [...(batchB ? [B] : []), ...(transB ? [n, k] : [k, n])];
        out.push({
          name: `matmul ${layout} transA=${transA} transB=${transB}`,
          inputs: gens(uniform(sa), uniform(sb)),
          f: () => (a, b) => matmul(a!, b!, { transA, transB }),
        });
      }
    }
  }
  return out;
}

const SHAPE_CASES: Case[] = [
  { name: 'transpose [2,3,4] perm [2,0,1]', inputs: gens(x234), f: () => (x) => S.transpose(x!, [2, 0, 1]) },
  { name: 'reshape [2,3,4] -> [4,6] then square', inputs: gens(x234), f: () => (x) => E.square(S.reshape(x!, [4, 6])) },
  { name: 'slice', inputs: gens(uniform([3, 4])), f: () => (x) => S.slice(x!, [1, 1], [2, 2]) },
  { name: 'pad', inputs: gens(uniform([2, 3])), f: () => (x) => S.pad(x!, [1, 0], [0, 2]) },
  {
    name: 'concat of three along axis 1',
    inputs: gens(uniform([2, 1]), uniform([2, 3]), uniform([2, 2])),
    f: () => (a, b, c) => S.concat([a!, b!, c!], 1),
  },
  { name: 'stack along axis 1', inputs: gens(uniform([2, 3]), uniform([2, 3])), f: () => (a, b) => S.stack([a!, b!], 1) },
  {
    name: 'split along axis 1 (both pieces used)',
    inputs: gens(uniform([3, 4])),
    f: () => (x) => {
      const [p, q] = S.split(x!, [1, 3], 1);
      return [E.tanh(p!), E.square(q!)];
    },
  },
  {
    name: 'gather w.r.t. the table (repeated indices)',
    inputs: gens(uniform([5, 3])),
    f: (ctx) => {
      const idx = make(ctx, [4, 0, 4, 2, 4], [5], 'int32');
      return (x) => E.tanh(S.gather(x!, idx));
    },
  },
  {
    name: 'scatterAdd w.r.t. the updates',
    inputs: gens(uniform([3, 2])),
    f: (ctx) => {
      const idx = make(ctx, [2, 0, 2], [3], 'int32');
      return (u) => E.square(S.scatterAdd(idx, u!, 4));
    },
  },
  {
    name: 'where w.r.t. both branches (broadcast [2,1] ? [2,3] : [3])',
    inputs: gens(uniform([2, 3]), uniform([3])),
    f: (ctx, dtype) => {
      const cond = make(ctx, [1, 0], [2, 1], dtype);
      return (a, b) => S.where(cond, a!, b!);
    },
  },
  { name: 'broadcastTo [3,1] -> [2,3,4]', inputs: gens(uniform([3, 1])), f: () => (x) => S.broadcastTo(x!, [2, 3, 4]) },
  { name: 'softmax over axis 1', inputs: gens(uniform([3, 4])), f: () => (x) => softmax(x!, 1) },
  { name: 'logSoftmax over axis 0', inputs: gens(uniform([3, 4])), f: () => (x) => logSoftmax(x!, 0) },
  {
    name: 'linear on rank-3 input with bias',
    inputs: gens(uniform([2, 3, 4]), uniform([5, 4]), uniform([5])),
    f: () => (x, w, b) => linear(x!, w!, b!),
  },
  { name: 'linear without bias', inputs: gens(uniform([3, 4]), uniform([2, 4])), f: () => (x, w) => linear(x!, w!, null) },
];

export function describeGradients(ctx: SuiteContext): void {
  const dtype = ctx.gradDType;
  const { eps, tol } = GRAD_CHECK[dtype];
  const label =
    dtype === 'float64'
      ? `gradients vs finite differences (float64, eps ${eps.toExponential()})`
      : `gradients vs finite differences (float32: backend lacks float64, loose tolerance eps ${eps.toExponential()}, atol ${tol.atol}, rtol ${tol.rtol})`;
  describe(label, () => {
    const groups: [string, Case[]][] = [
      ['unary', UNARY_CASES],
      ['binary with broadcasting', binaryCases()],
      ['reductions', REDUCE_CASES],
      ['matmul', matmulCases()],
      ['shape and nn ops', SHAPE_CASES],
    ];
    for (const [group, cases] of groups) {
      describe(group, () => {
        cases.forEach((c, i) => {
          it(c.name, () => {
            checkGradients(ctx.backend, c.f(ctx, dtype), c.inputs(1000 + i * 7), { dtype, what: c.name, seed: i });
          });
        });
      });
    }
    describe('accumulation', () => accumulation(ctx, dtype));
  });
}

function accumulation(ctx: SuiteContext, dtype: FloatDType): void {
  const tol = VALUE_TOL[dtype];

  it('a leaf used twice gets the sum of both paths; a second backward adds into .grad', () => {
    const x = make(ctx, [0.5, -1, 2], [3], dtype);
    x.requiresGrad = true;
    backward(sum(E.add(E.mul(x, x), x)));
    expectClose(x.grad!.data(), [2, -1, 5], tol, 'd(x² + x)/dx');
    backward(sum(E.mul(x, 3)));
    expectClose(x.grad!.data(), [5, 2, 8], tol, '.grad after a second backward');
  });

  it('backward writes parameter gradients into the flat gradient buffer through its views', () => {
    const r = rng(77);
    const ps = new ParameterSet(
      [
        { name: 'w', shape: [3, 4], init: randomValues(r, 12) },
        { name: 'b', shape: [3], init: randomValues(r, 3) },
      ],
      { dtype, backend: ctx.backend },
    );
    const x = make(ctx, randomValues(r, 8), [2, 4], dtype);
    const loss = () => sum(E.tanh(linear(x, ps.get('w'), ps.get('b'))));
    const [gw, gb] = grad(loss(), [ps.get('w'), ps.get('b')]);
    backward(loss());
    const flat = ps.grads.data();
    expectClose(flat.subarray(0, 12), gw!.data(), tol, 'w gradient in the flat buffer');
    expectClose(flat.subarray(12, 15), gb!.data(), tol, 'b gradient in the flat buffer');
    expectClose(ps.get('w').grad!.data(), gw!.data(), tol, 'w.grad view');
    backward(loss());
    expectClose(ps.grads.data().subarray(12, 15), gb!.data().map((v) => 2 * v), tol, 'b gradient after two backwards');
    ps.zeroGrad();
    assert(ps.grads.data().every((v) => v === 0), 'zeroGrad clears the flat buffer');
    expectClose(ps.get('b').grad!.data(), [0, 0, 0], tol, 'b.grad view after zeroGrad');
  });

  it('full() constants carry no gradient', () => {
    const x = make(ctx, [1, 2], [2], dtype);
    x.requiresGrad = true;
    const c = full([2], 3, { dtype, backend: ctx.backend });
    const [gx, gc] = grad(sum(E.mul(x, c)), [x, c]);
    expectClose(gx!.data(), [3, 3], tol, 'd/dx');
    assert.equal(gc, null, 'constant has no gradient');
  });
}
