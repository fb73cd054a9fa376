import type { ReduceOp } from '../backend.js';
import { record, wrap } from '../engine.js';
import { normAxes, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { abs, add, div, eq, exp, log, mul, sub } from './elementwise.js';
import { broadcastTo, reshape, where } from './shape-ops.js';
import { requireFloat } from './util.js';
import { noGrad } from '../engine.js';

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceOp(op: ReduceOp, x: Tensor, axesIn: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normAxes(op, axesIn, x.rank);
  const kept = keptShape(x.shape, axes);
  if (axes.length === 0) return x;
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  let y = wrap(x.backend, x.backend.reduce(op, x, axes), outShape, x.dtype);
  if (op === 'sum') {
    record('sum', [x], [y], ([g]) => [broadcastTo(reshape(g!, kept), x.shape)]);
  } else {
    record(op, [x], [y], ([g]) => {
      // the gradient is shared evenly between tied extremes (as PyTorch's amax/amin)
      const mask = eq(x, broadcastTo(reshape(y, kept), x.shape));
      const count = sum(mask, axes, true);
      return [mul(broadcastTo(reshape(g!, kept), x.shape), div(mask, count))];
    });
  }
  if (keepDims) y = reshape(y, kept);
  return y;
}

/** Sum over `axes` (all when omitted). */
export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceOp('sum', x, axes, keepDims);
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceOp('max', x, axes, keepDims);
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceOp('min', x, axes, keepDims);

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  requireFloat('mean', x);
  const ax = normAxes('mean', axes, x.rank);
  let n = 1;
  for (const a of ax) n *= x.shape[a]!;
  return div(sum(x, ax, keepDims), n);
}

/** Index of the largest value along `axis` (int32; no gradient). */
export function argmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('argmax', axis, x.rank);
  return wrap(x.backend, x.backend.argmax(x, a), x.shape.filter((_, i) => i !== a), 'int32');
}

/** `log Σ exp(x)` along `axis`, stable (the max is subtracted first). */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  requireFloat('logSumExp', x);
  const a = normAxis('logSumExp', axis, x.rank);
  const m = noGrad(() => {
    // an infinite max (a row all -Inf, e.g. fully masked, or one holding +Inf) would make x - m
    // NaN; shifting such rows by 0 instead gives -Inf / +Inf as PyTorch does
    const mx = max(x, a, true);
    return where(eq(abs(mx), Infinity), full([], 0, { dtype: mx.dtype, backend: mx.backend }), mx);
  });
  const s = add(log(sum(exp(sub(x, m)), a, true)), m);
  return keepDims ? s : reshape(s, x.shape.filter((_, i) => i !== a));
}
