import { abs, add, cast, maximum, mean, mul, square, sub, tensor, type Tensor } from '@rnn/core';
import type { Callback, Sequential } from '@rnn/layers';
import { forecastModel, keepBest, type CellName } from './model.js';
import { QUANTILES } from './quantiles.js';

/**
 * Members that read windows of the same length train as one network in one pass: K members of
 * hidden size H become one recurrent layer of K·H units whose recurrent (and deeper input) matrices
 * and output head are block-diagonal, so member k's outputs depend on member k's weights only. The
 * blocks start from each member's own initial weights, the off-diagonal entries are set to zero
 * before every batch (a fixed 0/1 mask: the optimiser's step there is undone, so the blocks follow
 * exactly the gradients they would alone), and the loss is the sum of the members' own losses (mse
 * or mae on the median head, pinball on the bounds). Each member reads its own copy of the input
 * (block-diagonal input matrix too) with the windows in its own fixed permutation (`passOrder`), so
 * that the pass's one shuffle per epoch still gives every member its own order. What changes
 * against training them one by one: those orders come from one shuffle (the first member's seed),
 * the gradient norm is clipped over the pass rather than per member, and the pass runs until the
 * last member's early stopping ends it (each member keeps the weights of its own best validation epoch).
 */

/** One member of a pass: its network (built, with its initial weights) and its point loss. */
export interface PassMember {
  model: Sequential;
  loss: 'mse' | 'mae';
}

export interface PassShape {
  cell: CellName;
  hidden: number;
  layers: number;
  features: number;
  /** Outputs of one member's network (3·H with quantile heads). */
  outputs: number;
  /** Forecast steps of one member (H), for the quantile layout. */
  horizon: number;
  intervals: boolean;
}

/**
 * Where member k's parameter `name` (of shape `shape` in its own network) lies in the wide one:
 * for each of its entries, the wide entry's index. Rows are gate-major (`[gate][unit]`, the cells'
 * layout, so the gate count is rows / units; the head has one "gate", its outputs), and a
 * matrix's columns move to member k's block (its hidden state, or its own copy of the inputs).
 */
function placement(name: string, shape: readonly number[], k: number, K: number, s: PassShape): Int32Array {
  const head = name.startsWith('out.');
  const units = head ? s.outputs : s.hidden;
  const rows = shape[0]!;
  const cols = shape.length > 1 ? shape[1]! : 1;
  const matrix = shape.length > 1;
  const wideCols = matrix ? cols * K : cols;
  const out = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const g = Math.floor(r / units);
    const u = r % units;
    const wr = g * K * units + k * units + u;
    for (let c = 0; c < cols; c++) out[r * cols + c] = wr * wideCols + (matrix ? k * cols + c : c);
  }
  return out;
}

/** The loss of the wide network: the sum over members of each one's own loss on its block of outputs. */
export function passLoss(losses: readonly ('mse' | 'mae')[], s: PassShape): (pred: Tensor, target: Tensor) => Tensor {
  const K = losses.length;
  const n = K * s.outputs;
  const q = new Float32Array(n);
  const tail = new Float32Array(n);
  const sq = new Float32Array(n);
  const ab = new Float32Array(n);
  losses.forEach((loss, k) => {
    for (let j = 0; j < s.outputs; j++) {
      const i = k * s.outputs + j;
      const quantile = s.intervals ? QUANTILES[Math.floor(j / s.horizon)]! : 0.5;
      q[i] = quantile;
      if (quantile !== 0.5) tail[i] = 1;
      else (loss === 'mse' ? sq : ab)[i] = 1;
    }
  });
  return (pred, target) => {
    const c = (a: Float32Array) => tensor(a, [1, n], { dtype: pred.dtype, backend: pred.backend });
    const d = sub(cast(target, pred.dtype), pred);
    const qt = c(q);
    const pin = maximum(mul(d, qt), mul(d, sub(qt, 1)));
    // each member's loss is a mean over its own outputs: the sum of K of them is K times the mean over all
    return mul(mean(add(mul(pin, c(tail)), add(mul(square(d), c(sq)), mul(abs(d), c(ab))))), K);
  };
}

/**
 * The window order of member k of a pass over `n` windows: member 0 reads them as they are, the others
 * in a fixed permutation of their own (seeded), so that the pass's one shuffle per epoch still gives
 * every member its own order.
 */
export function passOrder(k: number, n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  if (k === 0) return p;
  let s = (Math.abs(seed * 7919 + k * 104729) % 2147483646) + 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 16807) % 2147483647;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Rows `[n, …, C]` of one array side by side per member, member k's rows in its `orders[k]`: `[n, …, K·C]`. */
function sideBySide(a: Float32Array, n: number, inner: number, C: number, orders: readonly Int32Array[]): Float32Array {
  const K = orders.length;
  const out = new Float32Array(a.length * K);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < K; k++) {
      const from = orders[k]![r]!;
      for (let t = 0; t < inner; t++) out.set(a.subarray((from * inner + t) * C, (from * inner + t + 1) * C), ((r * inner + t) * K + k) * C);
    }
  return out;
}

/** One member's loss on its block of the wide predictions `[B, K·O]`, as `passLoss` computes it. */
function memberLoss(p: Float32Array, y: Float32Array, rows: number, k: number, K: number, loss: 'mse' | 'mae', s: PassShape): number {
  let sum = 0;
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < s.outputs; j++) {
      const d = y[b * s.outputs + j]! - p[(b * K + k) * s.outputs + j]!;
      const quantile = s.intervals ? QUANTILES[Math.floor(j / s.horizon)]! : 0.5;
      sum += quantile !== 0.5 ? Math.max(quantile * d, (quantile - 1) * d) : loss === 'mse' ? d * d : Math.abs(d);
    }
  }
  return sum / (rows * s.outputs);
}

/** The wide network of K members, compiled, with each member's weights in its blocks, and the maps between them. */
export function widen(members: readonly PassMember[], s: PassShape, compile: { lr: number; clipNorm: number }) {
  const K = members.length;
  const wide = forecastModel({ cell: s.cell, hidden: K * s.hidden, layers: s.layers, horizon: K * s.outputs, features: K * s.features, seed: 0 });
  wide.compile({ optimizer: { type: 'adam', lr: compile.lr }, loss: passLoss(members.map((m) => m.loss), s), clipNorm: compile.clipNorm });
  const host = wide.params!.toHost();
  const places = new Map<string, Int32Array[]>();
  const shapes = new Map(members[0]!.model.params!.tensors.map((t) => [t.name!, t.shape]));
  for (const [name, data] of host) {
    data.fill(0);
    const shape = shapes.get(name)!;
    places.set(name, members.map((_, k) => placement(name, shape, k, K, s)));
  }
  // the mask: 1 where some member's entry lies, 0 off the blocks
  const masks = new Map<string, Float32Array>();
  for (const [name, ps] of places) {
    const m = new Float32Array(host.get(name)!.length);
    for (const p of ps) for (const i of p) m[i] = 1;
    if (m.some((v) => v === 0)) masks.set(name, m);
  }
  members.forEach((m, k) => {
    for (const [name, d] of m.model.params!.toHost()) {
      const to = host.get(name)!;
      const p = places.get(name)![k]!;
      for (let i = 0; i < p.length; i++) to[p[i]!] = d[i]!;
    }
  });
  for (const [name, d] of host) wide.params!.set(name, d);
  /** Member k's weights, out of the wide network's (`now`: its host copy, read once for several members). */
  const extract = (k: number, now: Map<string, ArrayLike<number>> = wide.params!.toHost()): Map<string, Float32Array> => {
    const out = new Map<string, Float32Array>();
    for (const [name, ps] of places) {
      const p = ps[k]!;
      const from = now.get(name)!;
      const d = new Float32Array(p.length);
      for (let i = 0; i < p.length; i++) d[i] = from[p[i]!]!;
      out.set(name, d);
    }
    return out;
  };
  /** Zero the entries off the blocks (before each batch). */
  const project = () => {
    for (const [name, m] of masks) {
      const d = wide.params!.get(name).data() as Float32Array;
      for (let i = 0; i < d.length; i++) d[i]! *= m[i]!;
      wide.params!.set(name, d);
    }
  };
  return { wide, extract, project, masks };
}

/**
 * Train the members (same window, same shapes) as one wide network on the windows `x`/`y` shared
 * by all of them, early stopping each on its own validation loss; their networks end with the
 * weights of their own best epoch. Returns each member's best epoch (0-based).
 */
export async function trainPass(
  members: readonly PassMember[],
  s: PassShape,
  data: { x: Tensor; y: Tensor; val?: [Tensor, Tensor] },
  o: { lr: number; clipNorm: number; epochs: number; batchSize: number; seed: number; patience: number; warmup: number; average?: number },
): Promise<number[]> {
  const K = members.length;
  const { wide, extract, project } = widen(members, s, o);
  const rows = data.y.shape[0]!;
  const steps = data.x.shape[1]!;
  const orders = members.map((_, k) => passOrder(k, rows, o.seed));
  const x = tensor(sideBySide(data.x.data() as Float32Array, rows, steps, s.features, orders), [rows, steps, K * s.features]);
  const y = tensor(sideBySide(data.y.data() as Float32Array, rows, 1, s.outputs, orders), [rows, K * s.outputs]);
  // scoring: every member reads the same windows in their own order (the validation part's, else the training part's)
  const [sx, sy] = data.val ?? [data.x, data.y];
  const n = sy.shape[0]!;
  const same = members.map(() => Int32Array.from({ length: n }, (_, i) => i));
  const px = tensor(sideBySide(sx.data() as Float32Array, n, steps, s.features, same), [n, steps, K * s.features]);
  const py = sy.data() as Float32Array;
  // keepBest of model.ts, once per member, on that member's block of the wide network's weights
  let now: Map<string, ArrayLike<number>> | null = null;
  const best = members.map((m, k) => {
    const kb = keepBest(o.patience, o.warmup, o.average ?? 0);
    kb.onTrainBegin!({ model: { params: { toHost: () => extract(k, now ?? undefined), set: (name: string, d: Float32Array) => m.model.params!.set(name, d) } } } as never);
    return kb;
  });
  const cb: Callback = {
    onBatchBegin() {
      project();
      if (best.every((b) => b.stopped)) return 'stop';
    },
    onEpochEnd(epoch) {
      project();
      const p = wide.predict(px).data() as Float32Array;
      now = wide.params!.toHost();
      members.forEach((m, k) => {
        if (!best[k]!.stopped) best[k]!.onEpochEnd!(epoch, { epoch, loss: NaN, val_loss: memberLoss(p, py, n, k, K, m.loss, s) });
      });
      now = null;
      if (best.every((b) => b.stopped)) return 'stop';
    },
  };
  // the validation loss is each member's own (onEpochEnd), so the trainer computes none of its own
  await wide.fit(x, y, { epochs: o.epochs, batchSize: o.batchSize, shuffle: true, seed: o.seed, callbacks: [cb] });
  members.forEach((m, k) => {
    // a member never scored (no epoch ran) keeps the wide network's weights as they are
    if (best[k]!.bestEpoch < 0) for (const [name, d] of extract(k)) m.model.params!.set(name, d);
    else best[k]!.onTrainEnd!({} as never);
  });
  return best.map((b) => b.bestEpoch);
}
