import type { DType } from '../dtype.js';
import { alias, record, wrap } from '../engine.js';
import { DTypeError, ShapeError } from '../errors.js';
import { broadcastShapes, checkShape, fmt, normAxis, sameShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { filled } from './filled.js';
import { backendOf, sameDType } from './util.js';

/** Shape and indexing primitives. Their gradients are in `grads.ts`, keyed by the op names recorded here. */

/** Same data, new shape (one dimension may be -1). Shares storage; no copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const out = [...shape];
  const infer = out.indexOf(-1);
  if (infer >= 0) {
    const rest = sizeOf(out.filter((_, i) => i !== infer));
    out[infer] = rest === 0 ? 0 : x.size / rest;
  }
  checkShape('reshape', out);
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${x.describe()} (${x.size} elements) to ${fmt(shape)} (${sizeOf(out)} elements)`);
  }
  if (sameShape(out, x.shape)) return x;
  const y = alias(x, out);
  record('reshape', [x], [y]);
  return y;
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normAxis('squeeze', axis, x.rank);
  if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${axis} of ${x.describe()} has size ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** Broadcast to a larger shape (materialised). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const out = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(out, shape)) throw new ShapeError(`broadcastTo: cannot broadcast ${x.describe()} to ${fmt(shape)}`);
  const z = filled(shape, 0, x.dtype, x.backend); // the gradient of every sum: no options check
  const y = wrap(x.backend, x.backend.binary('add', x, z, shape), shape, x.dtype);
  record('broadcastTo', [x], [y]);
  return y;
}

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError(`transpose: perm [${p.join(', ')}] is not a permutation of the ${x.rank} axes of ${x.describe()}`);
  }
  if (p.every((v, i) => v === i)) return x;
  const shape = p.map((a) => x.shape[a]!);
  const y = wrap(x.backend, x.backend.transpose(x, p), shape, x.dtype);
  record('transpose', [x], [y], { perm: p });
  return y;
}

/** `size[i] = -1` means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new ShapeError(`slice: begin [${begin}] and size [${size}] must each have ${x.rank} entries for ${x.describe()}`);
  }
  const sz = size.map((s, i) => (s === -1 ? x.shape[i]! - begin[i]! : s));
  for (let i = 0; i < x.rank; i++) {
    if (!(begin[i]! >= 0 && sz[i]! >= 0 && begin[i]! + sz[i]! <= x.shape[i]!)) {
      throw new ShapeError(
        `slice: axis ${i} range [${begin[i]}, ${begin[i]! + sz[i]!}) is outside ${x.describe()}`,
      );
    }
  }
  if (sameShape(sz, x.shape)) return x;
  const y = wrap(x.backend, x.backend.slice(x, begin, sz), sz, x.dtype);
  record('slice', [x], [y], { begin });
  return y;
}

export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  if (before.length !== x.rank || after.length !== x.rank || [...before, ...after].some((v) => !(v >= 0))) {
    throw new ShapeError(`pad: before [${before}] and after [${after}] must be ${x.rank} non-negative entries for ${x.describe()}`);
  }
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  if (sameShape(shape, x.shape)) return x;
  const y = wrap(x.backend, x.backend.pad(x, before, after), shape, x.dtype);
  record('pad', [x], [y], { before });
  return y;
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat: expected at least one tensor, found none');
  const first = xs[0]!;
  const a = normAxis('concat', axis, first.rank);
  const backend = backendOf('concat', ...xs);
  for (const [k, t] of xs.entries()) {
    sameDType('concat', first, t);
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(
        `concat: tensor ${k} has shape ${fmt(t.shape)}, which does not match ${fmt(first.shape)} outside axis ${a}`,
      );
    }
  }
  if (xs.length === 1) return first;
  const shape = [...first.shape];
  shape[a] = xs.reduce((s, t) => s + t.shape[a]!, 0);
  const y = wrap(backend, backend.concat(xs, a), shape, first.dtype);
  record('concat', [...xs], [y], { axis: a });
  return y;
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  return concat(xs.map((t) => expandDims(t, axis)), axis);
}

/**
 * Split along `axis` into pieces of the given sizes. One graph node for all the pieces: its
 * backward is a single concat of their gradients, so splitting a `[B, T, F]` sequence into T steps
 * costs O(B·T·F) in backward too (T separate slices would each pad a full-size gradient: O(T²)).
 */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const a = normAxis('split', axis, x.rank);
  if (sizes.some((s) => !(Number.isInteger(s) && s >= 0)) || sizes.reduce((s, v) => s + v, 0) !== x.shape[a]) {
    throw new ShapeError(`split: sizes [${sizes}] must be non-negative integers adding up to axis ${a} of ${x.describe()}`);
  }
  if (sizes.length === 1) return [x];
  let off = 0;
  const pieces = sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === a ? off : 0));
    const size = x.shape.map((d, i) => (i === a ? s : d));
    off += s;
    return wrap(x.backend, x.backend.slice(x, begin, size), size, x.dtype);
  });
  record('split', [x], pieces, { axis: a });
  return pieces;
}

/** Rows of `x` picked by int32 `indices` (embedding lookup). */
export function gather(x: Tensor, indices: Tensor): Tensor {
  if (indices.dtype !== 'int32') throw new DTypeError(`gather: indices must be int32, found ${indices.describe()}`);
  if (x.rank < 1) throw new ShapeError(`gather: expected a tensor of rank >= 1, found ${x.describe()}`);
  const backend = backendOf('gather', x, indices);
  const shape = [...indices.shape, ...x.shape.slice(1)];
  const y = wrap(backend, backend.gather(x, indices), shape, x.dtype);
  record('gather', [x, indices], [y]);
  return y;
}

/** Zeros `[numRows, ...]` with `updates` rows summed in at `indices`. */
export function scatterAdd(indices: Tensor, updates: Tensor, numRows: number): Tensor {
  if (indices.dtype !== 'int32') throw new DTypeError(`scatterAdd: indices must be int32, found ${indices.describe()}`);
  const rest = updates.shape.slice(indices.rank);
  if (!sameShape(updates.shape.slice(0, indices.rank), indices.shape)) {
    throw new ShapeError(`scatterAdd: updates ${updates.describe()} must start with the indices' shape ${fmt(indices.shape)}`);
  }
  const backend = backendOf('scatterAdd', indices, updates);
  const shape = [numRows, ...rest];
  const y = wrap(backend, backend.scatterAdd(indices, updates, numRows), shape, updates.dtype);
  record('scatterAdd', [indices, updates], [y]);
  return y;
}

/** `cond ? a : b` elementwise (cond: nonzero is true), broadcasting all three. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  sameDType('where', a, b);
  const backend = backendOf('where', cond, a, b);
  const c = cond.dtype === a.dtype ? cond : cast(cond, a.dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape);
  const y = wrap(backend, backend.where(c, a, b, shape), shape, a.dtype);
  record('where', [a, b], [y], { cond: c });
  return y;
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const y = wrap(x.backend, x.backend.cast(x, dtype), x.shape, dtype);
  if (dtype !== 'int32' && x.dtype !== 'int32') record('cast', [x], [y]);
  return y;
}
