import type { GradNode, Tensor } from '../tensor.js';
import { filled } from './filled.js';
import { unbroadcast } from './composite.js';
import { div, eq, ge, log, mul, neg, pow, sign, square, step, sub } from './elementwise.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { broadcastTo, cast, concat, gather, pad, reshape, scatterAdd, slice, transpose, where } from './shape-ops.js';

/**
 * The gradient of every primitive op, in one table keyed by the op name it records (as
 * tinygrad's and tfjs' gradient registries): given the gradients of the node's outputs, the
 * gradients of its inputs, written in ops so they are differentiable and run on every backend.
 * Fused kernels bring their own backward instead (see `recordFused`). Ops without an entry
 * (sign, step, comparisons, argmax) record nothing: their outputs are constants to autodiff.
 */
export type GradRule = (grads: (Tensor | null)[], node: GradNode) => (Tensor | null)[];

type Attrs<T> = GradNode & { attrs: T };

/** d x from d y, the input `x` and the output `y` of a unary op. */
const unary =
  (f: (g: Tensor, x: Tensor, y: Tensor) => Tensor): GradRule =>
  ([g], n) => [f(g!, n.inputs[0]!, n.outputs[0]!)];

/** (d a, d b) of a broadcasting binary op, summed back to each operand's shape. */
const binary =
  (f: (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null]): GradRule =>
  ([g], n) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    const [ga, gb] = f(g!, a, b, n.outputs[0]!);
    return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
  };

/** max/min reductions: the gradient is shared evenly between tied extremes (as PyTorch's amax/amin). */
const extreme: GradRule = ([g], n) => {
  const { axes, kept } = (n as Attrs<{ axes: number[]; kept: number[] }>).attrs;
  const x = n.inputs[0]!;
  const mask = eq(x, broadcastTo(reshape(n.outputs[0]!, kept), x.shape));
  return [mul(broadcastTo(reshape(g!, kept), x.shape), div(mask, sum(mask, axes, true)))];
};

export const GRADS: Readonly<Record<string, GradRule>> = {
  neg: unary((g) => neg(g)),
  exp: unary((g, _x, y) => mul(g, y)),
  log: unary((g, x) => div(g, x)),
  /** d tanh = 1 - tanh² */
  tanh: unary((g, _x, y) => mul(g, sub(1, square(y)))),
  /** d σ = σ (1 - σ) */
  sigmoid: unary((g, _x, y) => mul(g, mul(y, sub(1, y)))),
  relu: unary((g, x) => mul(g, step(x))),
  sqrt: unary((g, _x, y) => div(g, mul(y, 2))),
  abs: unary((g, x) => mul(g, sign(x))),
  square: unary((g, x) => mul(g, mul(x, 2))),
  reciprocal: unary((g, _x, y) => neg(mul(g, square(y)))),

  add: binary((g) => [g, g]),
  sub: binary((g) => [g, neg(g)]),
  mul: binary((g, a, b) => [mul(g, b), mul(g, a)]),
  div: binary((g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))]),
  /** on ties the gradient goes to `a` */
  maximum: binary((g, a, b) => {
    const m = ge(a, b);
    return [mul(g, m), mul(g, sub(1, m))];
  }),
  minimum: binary((g, a, b) => {
    const m = ge(b, a);
    return [mul(g, m), mul(g, sub(1, m))];
  }),
  pow: binary((g, a, b, y) => [mul(g, mul(b, pow(a, sub(b, 1)))), mul(g, mul(y, log(a)))]),

  sum: ([g], n) => {
    const { kept } = (n as Attrs<{ kept: number[] }>).attrs;
    return [broadcastTo(reshape(g!, kept), n.inputs[0]!.shape)];
  },
  max: extreme,
  min: extreme,

  matmul: ([g], n) => {
    const { transA, transB } = (n as Attrs<{ transA: boolean; transB: boolean }>).attrs;
    const [a, b] = n.inputs as [Tensor, Tensor];
    let ga = transA ? matmul(b, g!, { transA: transB, transB: true }) : matmul(g!, b, { transB: !transB });
    let gb = transB ? matmul(g!, a, { transA: true, transB: transA }) : matmul(a, g!, { transA: !transA });
    // a shared (rank-2) operand collects its gradient from every batch entry
    if (a.rank === 2 && ga.rank === 3) ga = sum(ga, 0);
    if (b.rank === 2 && gb.rank === 3) gb = sum(gb, 0);
    return [ga, gb];
  },

  reshape: ([g], n) => [reshape(g!, n.inputs[0]!.shape)],
  broadcastTo: ([g], n) => [unbroadcast(g!, n.inputs[0]!.shape)],
  transpose: ([g], n) => {
    const { perm } = (n as Attrs<{ perm: readonly number[] }>).attrs;
    const inv = new Array<number>(perm.length);
    perm.forEach((a, i) => (inv[a] = i));
    return [transpose(g!, inv)];
  },
  slice: ([g], n) => {
    const { begin } = (n as Attrs<{ begin: readonly number[] }>).attrs;
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    return [pad(g!, begin, x.shape.map((d, i) => d - begin[i]! - y.shape[i]!))];
  },
  pad: ([g], n) => [slice(g!, (n as Attrs<{ before: readonly number[] }>).attrs.before, n.inputs[0]!.shape)],
  concat: ([g], n) => {
    const { axis } = (n as Attrs<{ axis: number }>).attrs;
    let off = 0;
    return n.inputs.map((t) => {
      const begin = g!.shape.map((_, i) => (i === axis ? off : 0));
      off += t.shape[axis]!;
      return slice(g!, begin, t.shape);
    });
  },
  /** one concat for all the pieces, so splitting T steps costs O(T) in backward, not O(T²) */
  split: (grads, n) => {
    const x = n.inputs[0]!;
    return [concat(grads.map((g, i) => g ?? filled(n.outputs[i]!.shape, 0, x.dtype, x.backend)), (n as Attrs<{ axis: number }>).attrs.axis)];
  },
  gather: ([g], n) => [scatterAdd(n.inputs[1]!, g!, n.inputs[0]!.shape[0]!), null],
  scatterAdd: ([g], n) => [null, gather(g!, n.inputs[0]!)],
  where: ([g], n) => {
    const { cond } = (n as Attrs<{ cond: Tensor }>).attrs;
    const [a, b] = n.inputs as [Tensor, Tensor];
    const z = filled([], 0, g!.dtype, g!.backend);
    return [unbroadcast(where(cond, g!, z), a.shape), unbroadcast(where(cond, z, g!), b.shape)];
  },
  cast: ([g], n) => [cast(g!, n.inputs[0]!.dtype)],
};

