import type { BinaryOp, UnaryOp } from '../backend.js';
import { record, wrap } from '../engine.js';
import { broadcastShapes, sameShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape-ops.js';
import { sum } from './reduce.js';
import { backendOf, lift, requireFloat, sameDType } from './util.js';

function unaryOp(op: UnaryOp, x: Tensor, grad: ((g: Tensor, x: Tensor, y: Tensor) => Tensor) | null): Tensor {
  if (op !== 'neg' && op !== 'abs' && op !== 'sign' && op !== 'square' && op !== 'step' && op !== 'relu') {
    requireFloat(op, x);
  }
  const y = wrap(x.backend, x.backend.unary(op, x), x.shape, x.dtype);
  if (grad) record(op, [x], [y], ([g]) => [grad(g!, x, y)]);
  return y;
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x, (g) => neg(g));
export const exp = (x: Tensor): Tensor => unaryOp('exp', x, (g, _x, y) => mul(g, y));
export const log = (x: Tensor): Tensor => unaryOp('log', x, (g, x) => div(g, x));
/** d tanh = 1 - tanh² */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x, (g, _x, y) => mul(g, sub(1, square(y))));
/** d σ = σ (1 - σ) */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x, (g, _x, y) => mul(g, mul(y, sub(1, y))));
export const relu = (x: Tensor): Tensor => unaryOp('relu', x, (g, x) => mul(g, step(x)));
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x, (g, _x, y) => div(g, mul(y, 2)));
export const abs = (x: Tensor): Tensor => unaryOp('abs', x, (g, x) => mul(g, sign(x)));
export const sign = (x: Tensor): Tensor => unaryOp('sign', x, null);
/** `x > 0 ? 1 : 0` (no gradient). */
export const step = (x: Tensor): Tensor => unaryOp('step', x, null);
export const square = (x: Tensor): Tensor => unaryOp('square', x, (g, x) => mul(g, mul(x, 2)));
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x, (g, _x, y) => neg(mul(g, square(y))));

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

type Grad2 = (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

function binaryOp(op: BinaryOp, aIn: Tensor | number, bIn: Tensor | number, grad: Grad2 | null): Tensor {
  const a = typeof aIn === 'number' ? lift(aIn, bIn as Tensor) : aIn;
  const b = lift(bIn, a);
  const backend = backendOf(op, a, b);
  sameDType(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const y = wrap(backend, backend.binary(op, a, b, shape), shape, a.dtype);
  if (grad) {
    record(op, [a, b], [y], ([g]) => {
      const [ga, gb] = grad(g!, a, b, y);
      return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
    });
  }
  return y;
}

export const add = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('add', a, b, (g) => [g, g]);
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('sub', a, b, (g) => [g, neg(g)]);
export const mul = (a: Tensor | number, b: Tensor | number): Tensor =>
  binaryOp('mul', a, b, (g, a, b) => [mul(g, b), mul(g, a)]);
export const div = (a: Tensor | number, b: Tensor | number): Tensor =>
  binaryOp('div', a, b, (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))]);
/** Elementwise maximum; on ties the gradient goes to `a`. */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor =>
  binaryOp('max', a, b, (g, a, b) => {
    const m = ge(a, b);
    return [mul(g, m), mul(g, sub(1, m))];
  });
/** Elementwise minimum; on ties the gradient goes to `a`. */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor =>
  binaryOp('min', a, b, (g, a, b) => {
    const m = ge(b, a);
    return [mul(g, m), mul(g, sub(1, m))];
  });
/** `a ** b`; the gradient w.r.t. `b` is `y log a` (defined for a > 0). */
export const pow = (a: Tensor | number, b: Tensor | number): Tensor =>
  binaryOp('pow', a, b, (g, a, b, y) => [mul(g, mul(b, pow(a, sub(b, 1)))), mul(g, mul(y, log(a)))]);
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('gt', a, b, null);
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('ge', a, b, null);
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('eq', a, b, null);
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => gt(b as Tensor, a);
export const le = (a: Tensor | number, b: Tensor | number): Tensor => ge(b as Tensor, a);
