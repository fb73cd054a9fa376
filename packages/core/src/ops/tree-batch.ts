import type { TreeBatchArgs, TreeSchedule } from '../backend.js';
import { isGradEnabled, needsGrad, recordFused, wrap } from '../engine.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tensor, zeros } from './creation.js';
import { concat, gather, scatterAdd, slice, split } from './shape-ops.js';
import { treeLstmLevel } from './tree.js';
import { backendOf } from './util.js';

/**
 * A whole mini-batch of binary Tree-LSTM trees (the cell of `treeLstmLevel`) over a level
 * schedule: level by level, each node's children's (h, c) gathered from earlier levels (zeros
 * where a child is missing), its word vector added where it has one, the level's nodes computed
 * at once. On a backend with `treeBatchForward` the whole schedule, forward and backward, is ONE
 * kernel call and one node of the autodiff graph; elsewhere it runs `treeLstmLevel` per level,
 * which is also the reference (`treeLstmBatchComposed`).
 */
export interface TreeBatchInput {
  plan: TreeSchedule;
  /** `[words, I]`: the word vectors of the rows `plan.wordRow`. */
  x: Tensor;
  weight: Tensor;
  weightH: Tensor;
  bias: Tensor;
}

/** The schedule's sizes, after checking that it describes trees (what the kernel relies on). */
export function checkTreeSchedule(plan: TreeSchedule, words: number, what = 'treeLstmBatch'): { nodes: number; levels: number } {
  const { levelStart, left, right, wordRow } = plan;
  for (const [k, v] of Object.entries({ levelStart, left, right, wordRow })) {
    if (!(v instanceof Int32Array)) throw new ValueError(`${what}: plan.${k} must be an Int32Array, found ${typeof v}`);
  }
  const nodes = left.length;
  const levels = levelStart.length - 1;
  if (right.length !== nodes) throw new ValueError(`${what}: plan.right has ${right.length} entries but plan.left has ${nodes}; give one per node`);
  if (levels < 0 || levelStart[0] !== 0 || levelStart[levels] !== nodes) {
    throw new ValueError(`${what}: plan.levelStart must run from 0 to the number of nodes (${nodes}), found [${levelStart.slice(0, 3).join(', ')}${levels > 2 ? ', …' : ''}]`);
  }
  if (wordRow.length !== words) throw new ValueError(`${what}: plan.wordRow has ${wordRow.length} entries but x has ${words} rows; give one row per word vector`);
  const used = new Uint8Array(nodes);
  for (let l = 0; l < levels; l++) {
    const s = levelStart[l]!;
    const e = levelStart[l + 1]!;
    if (e < s) throw new ValueError(`${what}: plan.levelStart[${l + 1}] = ${e} is below plan.levelStart[${l}] = ${s}; levels must not shrink`);
    for (let r = s; r < e; r++) {
      // both sides in one loop without an array per row: this runs on every node of every batch
      for (let side = 0; side < 2; side++) {
        const k = (side === 0 ? left : right)[r]!;
        if (k === -1) continue;
        const name = side === 0 ? 'left' : 'right';
        if (!(k >= 0 && k < s)) throw new ValueError(`${what}: plan.${name}[${r}] = ${k}; expected -1 (no child) or a row of an earlier level (0..${s - 1})`);
        if (used[k]) throw new ValueError(`${what}: row ${k} is the child of two nodes (plan.${name}[${r}]); in a tree each node has one parent`);
        used[k] = 1;
      }
    }
  }
  used.fill(0);
  for (let k = 0; k < wordRow.length; k++) {
    const r = wordRow[k]!;
    if (!(r >= 0 && r < nodes)) throw new ValueError(`${what}: plan.wordRow[${k}] = ${r} is not a row (0..${nodes - 1})`);
    if (used[r]) throw new ValueError(`${what}: plan.wordRow[${k}] = ${r}: that row already has a word; give each node one word at most`);
    used[r] = 1;
  }
  return { nodes, levels };
}

function check(a: TreeBatchInput): { nodes: number; H: number } {
  const H = a.weightH.shape[1]! / 2;
  const [W, I] = [a.x.shape[0]!, a.x.shape[1]!];
  const want: [Tensor, number[], string][] = [
    [a.x, [W, I], 'x'],
    [a.weight, [5 * H, I], 'weight'],
    [a.weightH, [5 * H, 2 * H], 'weightH'],
    [a.bias, [5 * H], 'bias'],
  ];
  if (a.x.rank !== 2) throw new ShapeError(`treeLstmBatch: x must be [words, input], found ${a.x.describe()}`);
  if (a.weightH.rank !== 2 || !Number.isInteger(H)) throw new ShapeError(`treeLstmBatch: weightH must be [5H, 2H], found ${a.weightH.describe()}`);
  for (const [t, shape, what] of want) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`treeLstmBatch: ${what} must have shape ${fmt(shape)}, found ${t.describe()}`);
    }
    if (t.dtype !== a.x.dtype) {
      throw new DTypeError(`treeLstmBatch: ${what} is ${t.describe()} but x is ${a.x.describe()}; cast it to ${a.x.dtype} with cast() first`);
    }
  }
  backendOf('treeLstmBatch', ...want.map((w) => w[0]));
  return { nodes: checkTreeSchedule(a.plan, W).nodes, H };
}

/** Every node's `h` and `c` `[nodes, H]` in row order. `fused: false` runs the per-level path. */
export function treeLstmBatch(a: TreeBatchInput, options: { fused?: boolean } = {}): { h: Tensor; c: Tensor } {
  const { nodes, H } = check(a);
  const backend = a.x.backend;
  if (options.fused === false || !backend.treeBatchForward || !backend.treeBatchBackward) return levelByLevel(a, options.fused !== false);
  const inputs = [a.x, a.weight, a.weightH, a.bias];
  const args: TreeBatchArgs = { ...a, training: isGradEnabled() && inputs.some(needsGrad) };
  const res = backend.treeBatchForward(args);
  const h = wrap(backend, res.h, [nodes, H], a.x.dtype);
  const c = wrap(backend, res.c, [nodes, H], a.x.dtype);
  recordFused(
    'treeLstmBatch',
    inputs,
    [h, c],
    ([dh, dc]) => {
      const r = backend.treeBatchBackward!({ ...args, forward: res, dh: dh ?? null, dc: dc ?? null });
      return [r.dx, r.dWeight, r.dWeightH, r.dBias].map((s, i) => wrap(backend, s, inputs[i]!.shape, a.x.dtype));
    },
    () => backend.disposeReserve?.(res.reserve),
  );
  return { h, c };
}

/** The reference: one `treeLstmLevelComposed` per level, children gathered, outputs concatenated. */
export function treeLstmBatchComposed(a: TreeBatchInput): { h: Tensor; c: Tensor } {
  check(a);
  return levelByLevel(a, false);
}

function levelByLevel(a: TreeBatchInput, fusedLevels: boolean): { h: Tensor; c: Tensor } {
  const { levelStart, left, right, wordRow } = a.plan;
  const H = a.weightH.shape[1]! / 2;
  const I = a.x.shape[1]!;
  const like = { dtype: a.x.dtype, backend: a.x.backend };
  const int = (v: Int32Array): Tensor => tensor(v, [v.length], { dtype: 'int32', backend: a.x.backend });
  const wordOf = new Int32Array(left.length).fill(-1);
  wordRow.forEach((r, k) => (wordOf[r] = k));
  // [h | c] of every finished row, after a zero row 0 for missing children
  let buffer = zeros([1, 2 * H], like);
  for (let l = 0; l + 1 < levelStart.length; l++) {
    const s = levelStart[l]!;
    const n = levelStart[l + 1]! - s;
    if (n === 0) continue;
    const rows = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      rows[i] = left[s + i]! + 1;
      rows[n + i] = right[s + i]! + 1;
    }
    const [kids] = [gather(buffer, int(rows))];
    const [hL, cL] = split(slice(kids, [0, 0], [n, 2 * H]), [H, H], 1) as [Tensor, Tensor];
    const [hR, cR] = split(slice(kids, [n, 0], [n, 2 * H]), [H, H], 1) as [Tensor, Tensor];
    const pos: number[] = [];
    const ids: number[] = [];
    for (let i = 0; i < n; i++) if (wordOf[s + i]! >= 0) pos.push(i), ids.push(wordOf[s + i]!);
    const words = ids.length ? gather(a.x, int(Int32Array.from(ids))) : null;
    const x = !words ? zeros([n, I], like) : ids.length === n ? words : scatterAdd(int(Int32Array.from(pos)), words, n);
    const out = treeLstmLevel({ x, hL, cL, hR, cR, weight: a.weight, weightH: a.weightH, bias: a.bias }, { fused: fusedLevels });
    buffer = concat([buffer, concat([out.h, out.c], 1)], 0);
  }
  const all = slice(buffer, [1, 0], [left.length, 2 * H]);
  const [h, c] = split(all, [H, H], 1) as [Tensor, Tensor];
  return { h, c };
}
