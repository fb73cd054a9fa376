import { GATES, type BTensor, type SequenceForwardArgs, type FusedCell } from '../backend.js';
import { isGradEnabled, needsGrad, record, wrap } from '../engine.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tensor, zeros } from './creation.js';
import { add, mul, relu, sigmoid, sub, tanh } from './elementwise.js';
import { linear } from './nn.js';
import { reshape, split, stack, where } from './shape-ops.js';
import { backendOf, requireFloat } from './util.js';

/**
 * Whole-sequence recurrences, one layer and one direction at a time. `rnnSequence` runs the
 * backend's fused kernel when it has one and otherwise composes the same computation from
 * primitives (`rnnSequenceComposed`), so every backend gives the same numbers and gradients.
 */
export interface RnnSequenceArgs {
  mode: FusedCell;
  /** `[B, T, I]` */
  x: Tensor;
  /** `[B, H]`; zeros when omitted. */
  h0?: Tensor | null;
  /** `[B, H]`, lstm only; zeros when omitted. */
  c0?: Tensor | null;
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor;
  biasHh: Tensor;
  /** Valid steps per row (1..T); padded steps keep the state and output zeros. */
  lengths?: readonly number[] | Int32Array | null;
  reverse?: boolean;
}

export interface RnnSequenceResult {
  /** `[B, T, H]`, zeros at padded steps. */
  y: Tensor;
  /** `[B, H]` final hidden state (after step 0 when reverse). */
  hN: Tensor;
  /** `[B, H]` final cell state (lstm), else null. */
  cN: Tensor | null;
}

interface Checked {
  B: number;
  T: number;
  H: number;
  h0: Tensor;
  c0: Tensor | null;
  lengths: Int32Array | null;
}

function check(args: RnnSequenceArgs): Checked {
  const { mode, x, weightIh, weightHh, biasIh, biasHh } = args;
  const op = `rnnSequence(${mode})`;
  requireFloat(op, x, 'x');
  if (x.rank !== 3) throw new ShapeError(`${op}: x must be [batch, time, features], found ${x.describe()}`);
  for (const [t, what] of [[weightIh, 'weightIh'], [weightHh, 'weightHh'], [biasIh, 'biasIh'], [biasHh, 'biasHh'], [args.h0, 'h0'], [args.c0, 'c0']] as const) {
    if (t && t.dtype !== x.dtype) throw new DTypeError(`${op}: ${what} is ${t.describe()} but x is ${x.describe()}; cast it to ${x.dtype} with cast() first`);
  }
  const [B, T, I] = x.shape as [number, number, number];
  const G = GATES[mode];
  const H = weightHh.shape[1]!;
  const expect = (t: Tensor, shape: number[], what: string) => {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${op}: ${what} must have shape ${fmt(shape)}, found ${t.describe()}`);
    }
  };
  expect(weightHh, [G * H, H], 'weightHh');
  expect(weightIh, [G * H, I], 'weightIh (its columns must equal the input features)');
  expect(biasIh, [G * H], 'biasIh');
  expect(biasHh, [G * H], 'biasHh');
  const h0 = args.h0 ?? zeros([B, H], { dtype: x.dtype, backend: x.backend });
  expect(h0, [B, H], 'h0');
  let c0: Tensor | null = null;
  if (mode === 'lstm') {
    c0 = args.c0 ?? zeros([B, H], { dtype: x.dtype, backend: x.backend });
    expect(c0, [B, H], 'c0');
  }
  let lengths: Int32Array | null = null;
  if (args.lengths) {
    if (args.lengths.length !== B) {
      throw new ShapeError(`${op}: lengths has ${args.lengths.length} entries, expected one per batch row (${B})`);
    }
    lengths = Int32Array.from(args.lengths);
    for (let b = 0; b < B; b++) {
      const l = args.lengths[b]!;
      if (!Number.isInteger(l) || l < 1 || l > T) {
        throw new ShapeError(`${op}: lengths[${b}] = ${l}, expected an integer in 1..${T} (the time axis of x)`);
      }
    }
    if (lengths.every((l) => l === T)) lengths = null;
  }
  backendOf(op, x, h0, weightIh, weightHh, biasIh, biasHh, ...(c0 ? [c0] : []));
  return { B, T, H, h0, c0, lengths };
}

/** Run one recurrent layer direction over a whole sequence (fused when the backend can). */
export function rnnSequence(args: RnnSequenceArgs, options: { fused?: boolean } = {}): RnnSequenceResult {
  const c = check(args);
  const backend = args.x.backend;
  if (options.fused === false || !backend.sequenceForward || !backend.sequenceBackward) return composed(args, c);

  const inputs: Tensor[] = [args.x, c.h0, ...(c.c0 ? [c.c0] : []), args.weightIh, args.weightHh, args.biasIh, args.biasHh];
  const fargs: SequenceForwardArgs = {
    cell: args.mode,
    x: args.x,
    h0: c.h0,
    c0: c.c0,
    weightIh: args.weightIh,
    weightHh: args.weightHh,
    biasIh: args.biasIh,
    biasHh: args.biasHh,
    lengths: c.lengths,
    reverse: args.reverse ?? false,
    training: isGradEnabled() && inputs.some(needsGrad),
  };
  const res = backend.sequenceForward(fargs);
  const dt = args.x.dtype;
  const y = wrap(backend, res.y, [c.B, c.T, c.H], dt);
  const hN = wrap(backend, res.hN, [c.B, c.H], dt);
  const cN = res.cN === null ? null : wrap(backend, res.cN, [c.B, c.H], dt);
  const outputs = cN ? [y, hN, cN] : [y, hN];
  record(
    `rnn_${args.mode}`,
    inputs,
    outputs,
    (grads) => {
      const [dy, dhN, dcN] = grads as [Tensor | null, Tensor | null, Tensor | null];
      const r = backend.sequenceBackward!({ ...fargs, forward: res, dy, dhN, dcN: dcN ?? null, needDx: needsGrad(args.x) });
      const w = (s: unknown, t: BTensor) => wrap(backend, s, t.shape, dt);
      return [
        r.dx === null ? null : w(r.dx, args.x),
        w(r.dh0, c.h0),
        ...(c.c0 ? [w(r.dc0, c.c0)] : []),
        w(r.dWeightIh, args.weightIh),
        w(r.dWeightHh, args.weightHh),
        w(r.dBiasIh, args.biasIh),
        w(r.dBiasHh, args.biasHh),
      ];
    },
    () => backend.disposeReserve?.(res.reserve),
  );
  return { y, hN, cN };
}

/** The same computation as the fused kernels, composed from primitives (the reference). */
export function rnnSequenceComposed(args: RnnSequenceArgs): RnnSequenceResult {
  return composed(args, check(args));
}

function composed(args: RnnSequenceArgs, c: Checked): RnnSequenceResult {
  const { mode, x, weightHh, biasHh } = args;
  const { B, T, H, lengths } = c;
  const G = GATES[mode];
  // input projection of every step at once, then one recurrent matmul per step
  const xProj = linear(x, args.weightIh, args.biasIh);
  let h = c.h0;
  let cell = c.c0;
  const ys: Tensor[] = new Array(T);
  const reverse = args.reverse ?? false;
  // one split node rather than T slices: its backward is one concat, linear in T (see split)
  const steps = split(xProj, new Array<number>(T).fill(1), 1);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const xt = reshape(steps[t]!, [B, G * H]);
    const next = rnnCellStep(mode, xt, h, cell, weightHh, biasHh);
    if (lengths) {
      const m = tensor(
        Float64Array.from(lengths, (l) => (t < l ? 1 : 0)),
        [B, 1],
        { dtype: x.dtype, backend: x.backend },
      );
      h = where(m, next.h, h);
      if (cell && next.c) cell = where(m, next.c, cell);
      ys[t] = mul(next.h, m);
    } else {
      h = next.h;
      cell = next.c;
      ys[t] = next.h;
    }
  }
  return { y: stack(ys, 1), hN: h, cN: mode === 'lstm' ? cell : null };
}

/**
 * One step of a built-in cell given the input already projected (`xProj = x W_ih^T + b_ih`,
 * `[B, G*H]`). PyTorch's equations and gate order:
 * - rnn: `h' = act(xProj + W_hh h + b_hh)`
 * - lstm (i, f, g, o): `i,f,o = σ(·)`, `g = tanh(·)`, `c' = f c + i g`, `h' = o tanh(c')`
 * - gru (r, z, n): `r,z = σ(·)`, `n = tanh(x_n + r (W_hn h + b_hn))`, `h' = (1 - z) n + z h`
 */
export function rnnCellStep(
  mode: FusedCell,
  xProj: Tensor,
  h: Tensor,
  c: Tensor | null,
  weightHh: Tensor,
  biasHh: Tensor,
): { h: Tensor; c: Tensor | null } {
  const H = h.shape[1]!;
  const hProj = linear(h, weightHh, biasHh);
  switch (mode) {
    case 'rnn_tanh':
      return { h: tanh(add(xProj, hProj)), c: null };
    case 'rnn_relu':
      return { h: relu(add(xProj, hProj)), c: null };
    case 'lstm': {
      const [i, f, g, o] = split(add(xProj, hProj), [H, H, H, H], 1) as [Tensor, Tensor, Tensor, Tensor];
      const c2 = add(mul(sigmoid(f), c!), mul(sigmoid(i), tanh(g)));
      return { h: mul(sigmoid(o), tanh(c2)), c: c2 };
    }
    case 'gru': {
      const [xr, xz, xn] = split(xProj, [H, H, H], 1) as [Tensor, Tensor, Tensor];
      const [hr, hz, hn] = split(hProj, [H, H, H], 1) as [Tensor, Tensor, Tensor];
      const r = sigmoid(add(xr, hr));
      const z = sigmoid(add(xz, hz));
      const n = tanh(add(xn, mul(r, hn)));
      return { h: add(mul(sub(1, z), n), mul(z, h)), c: null };
    }
  }
}
