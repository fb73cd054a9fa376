import type { BinaryOp, UnaryOp } from '../backend.js';
import { record, wrap } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, lift, requireFloat, sameDType } from './util.js';

/** Elementwise primitives. Their gradients are in `grads.ts`, keyed by the op names recorded here. */

/** Ops defined on int32 as well as floats. */
const INT_OK = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square', 'step', 'relu']);

function unaryOp(op: UnaryOp, x: Tensor, differentiable = true): Tensor {
  if (!INT_OK.has(op)) requireFloat(op, x);
  const y = wrap(x.backend, x.backend.unary(op, x), x.shape, x.dtype);
  if (differentiable) record(op, [x], [y]);
  return y;
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', x, false);
/** `x > 0 ? 1 : 0` (no gradient). */
export const step = (x: Tensor): Tensor => unaryOp('step', x, false);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);

/** `name` is the op's name in the graph (and in `grads.ts`) when it differs from the backend's. */
function binaryOp(op: BinaryOp, aIn: Tensor | number, bIn: Tensor | number, differentiable = true, name: string = op): Tensor {
  const a = typeof aIn === 'number' ? lift(aIn, bIn as Tensor) : aIn;
  const b = lift(bIn, a);
  const backend = backendOf(op, a, b);
  sameDType(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const y = wrap(backend, backend.binary(op, a, b, shape), shape, a.dtype);
  if (differentiable) record(name, [a, b], [y]);
  return y;
}

export const add = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('add', a, b);
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('sub', a, b);
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('mul', a, b);
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('div', a, b);
/** Elementwise maximum; on ties the gradient goes to `a`. */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('max', a, b, true, 'maximum');
/** Elementwise minimum; on ties the gradient goes to `a`. */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('min', a, b, true, 'minimum');
/** `a ** b`; the gradient w.r.t. `b` is `y log a` (defined for a > 0). */
export const pow = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('pow', a, b);
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('gt', a, b, false);
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('ge', a, b, false);
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('eq', a, b, false);
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => gt(b as Tensor, a);
export const le = (a: Tensor | number, b: Tensor | number): Tensor => ge(b as Tensor, a);
