import type { TreeLevelArgs } from '../backend.js';
import { isGradEnabled, needsGrad, recordFused, wrap } from '../engine.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sigmoid, tanh } from './elementwise.js';
import { linear } from './nn.js';
import { concat, split } from './shape-ops.js';
import { backendOf } from './util.js';

/**
 * One level of a binary Tree-LSTM (Tai, Socher & Manning 2015, N-ary with N = 2) over N nodes at
 * once — the unit of dynamic batching. Gates (rows of `weight`/`weightH`/`bias`): i, fL, fR, o, u.
 *
 *   [i, fL, fR, o, u] = W x + U [hL; hR] + b
 *   c = σ(i) tanh(u) + σ(fL) cL + σ(fR) cR,   h = σ(o) tanh(c)
 */
export interface TreeLevelInput {
  x: Tensor;
  hL: Tensor;
  cL: Tensor;
  hR: Tensor;
  cR: Tensor;
  weight: Tensor;
  weightH: Tensor;
  bias: Tensor;
}

function check(a: TreeLevelInput): { N: number; H: number } {
  const N = a.x.shape[0]!;
  const I = a.x.shape[1]!;
  const H = a.hL.shape[1]!;
  const want: [Tensor, number[], string][] = [
    [a.x, [N, I], 'x'],
    [a.hL, [N, H], 'hL'],
    [a.cL, [N, H], 'cL'],
    [a.hR, [N, H], 'hR'],
    [a.cR, [N, H], 'cR'],
    [a.weight, [5 * H, I], 'weight'],
    [a.weightH, [5 * H, 2 * H], 'weightH'],
    [a.bias, [5 * H], 'bias'],
  ];
  for (const [t, shape, what] of want) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`treeLstmLevel: ${what} must have shape ${fmt(shape)}, found ${t.describe()}`);
    }
    if (t.dtype !== a.x.dtype) {
      throw new DTypeError(`treeLstmLevel: ${what} is ${t.describe()} but x is ${a.x.describe()}; cast it to ${a.x.dtype} with cast() first`);
    }
  }
  backendOf('treeLstmLevel', ...want.map((w) => w[0]));
  return { N, H };
}

export function treeLstmLevel(a: TreeLevelInput, options: { fused?: boolean } = {}): { h: Tensor; c: Tensor } {
  const { N, H } = check(a);
  const backend = a.x.backend;
  if (options.fused === false || !backend.treeLevelForward || !backend.treeLevelBackward) return treeLstmLevelComposed(a);
  const inputs = [a.x, a.hL, a.cL, a.hR, a.cR, a.weight, a.weightH, a.bias];
  const args: TreeLevelArgs = { ...a, training: isGradEnabled() && inputs.some(needsGrad) };
  const res = backend.treeLevelForward(args);
  const h = wrap(backend, res.h, [N, H], a.x.dtype);
  const c = wrap(backend, res.c, [N, H], a.x.dtype);
  recordFused(
    'treeLstmLevel',
    inputs,
    [h, c],
    ([dh, dc]) => {
      const r = backend.treeLevelBackward!({ ...args, forward: res, dh: dh ?? null, dc: dc ?? null });
      const outs = [r.dx, r.dhL, r.dcL, r.dhR, r.dcR, r.dWeight, r.dWeightH, r.dBias];
      return outs.map((s, i) => wrap(backend, s, inputs[i]!.shape, a.x.dtype));
    },
    () => backend.disposeReserve?.(res.reserve),
  );
  return { h, c };
}

export function treeLstmLevelComposed(a: TreeLevelInput): { h: Tensor; c: Tensor } {
  const H = a.hL.shape[1]!;
  const gates = add(linear(a.x, a.weight, a.bias), linear(concat([a.hL, a.hR], 1), a.weightH, null));
  const [i, fL, fR, o, u] = split(gates, [H, H, H, H, H], 1) as Tensor[];
  const c = add(add(mul(sigmoid(i!), tanh(u!)), mul(sigmoid(fL!), a.cL)), mul(sigmoid(fR!), a.cR));
  return { h: mul(sigmoid(o!), tanh(c)), c };
}
