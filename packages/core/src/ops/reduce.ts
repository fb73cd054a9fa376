import type { ReduceOp } from '../backend.js';
import { record, wrap } from '../engine.js';
import { normAxes, normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape-ops.js';

/** Reductions (primitives; `mean` and `logSumExp` are composed from them in `composite.ts`). */

function reduceOp(op: ReduceOp, x: Tensor, axesIn: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normAxes(op, axesIn, x.rank);
  if (axes.length === 0) return x;
  // the input's shape with the reduced axes kept as 1: the gradient broadcasts back through it
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const y = wrap(x.backend, x.backend.reduce(op, x, axes), outShape, x.dtype);
  record(op, [x], [y], { axes, kept });
  return keepDims ? reshape(y, kept) : y;
}

/** Sum over `axes` (all when omitted). */
export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceOp('sum', x, axes, keepDims);
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceOp('max', x, axes, keepDims);
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduceOp('min', x, axes, keepDims);

/** Index of the largest value along `axis` (int32; no gradient). */
export function argmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('argmax', axis, x.rank);
  return wrap(x.backend, x.backend.argmax(x, a), x.shape.filter((_, i) => i !== a), 'int32');
}
