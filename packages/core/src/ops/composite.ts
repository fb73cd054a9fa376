import { noGrad } from '../engine.js';
import { normAxes, normAxis, sameShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { filled } from './filled.js';
import { abs, add, div, eq, exp, log, sub } from './elementwise.js';
import { max, sum } from './reduce.js';
import { reshape, where } from './shape-ops.js';
import { requireFloat } from './util.js';

/** Ops composed from primitives: they need no gradient code of their own. */

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  requireFloat('mean', x);
  const ax = normAxes('mean', axes, x.rank);
  let n = 1;
  for (const a of ax) n *= x.shape[a]!;
  return div(sum(x, ax, keepDims), n);
}

/** `log Σ exp(x)` along `axis`, stable (the max is subtracted first). */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  requireFloat('logSumExp', x);
  const a = normAxis('logSumExp', axis, x.rank);
  const m = noGrad(() => {
    // an infinite max (a row all -Inf, e.g. fully masked, or one holding +Inf) would make x - m
    // NaN; shifting such rows by 0 instead gives -Inf / +Inf as PyTorch does
    const mx = max(x, a, true);
    return where(eq(abs(mx), Infinity), filled([], 0, mx.dtype, mx.backend), mx);
  });
  const s = add(log(sum(exp(sub(x, m)), a, true)), m);
  return keepDims ? s : reshape(s, x.shape.filter((_, i) => i !== a));
}

/** Sum `g` down to `shape`, undoing broadcasting. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(axes.length ? sum(g, axes) : g, shape);
}
