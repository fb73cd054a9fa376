import {
  ConfigError,
  broadcastTo,
  concat,
  gather,
  scatterAdd,
  slice,
  split,
  sum,
  tensor,
  zeros,
  type Backend,
  type FloatDType,
  type Tensor,
  type TreeSchedule,
} from '@rnn/core';
import type { CellParams } from '@rnn/core';
import type { Children, TreeCell } from './cell.js';
import type { Tree } from './tree.js';

/**
 * Dynamic batching (Looks et al. 2017, TensorFlow Fold; Neubig et al. 2017, DyNet autobatching):
 * the nodes of a mini-batch of differently-shaped trees are grouped by height — all leaves of all
 * trees first, then every node whose children are all leaves, and so on — and the cell runs once
 * per level on all of that level's nodes, so each weight takes part in one matrix product per
 * level instead of one per node. The children's carries are gathered by row index from a buffer
 * holding every earlier level's output (row 0 of it is zeros, for missing children), and each
 * level's output is concatenated onto it.
 *
 * Outputs are in "row order": level by level, and within a level tree by tree, node by node.
 * `BatchPlan.rowOf` maps (tree, node) to its row.
 */

/** A tree with its words as vocabulary ids (-1 where a node has no word). */
export interface EncodedTree {
  readonly tree: Tree;
  readonly ids: Int32Array;
}

export interface LevelPlan {
  readonly count: number;
  /** Per child position k: the buffer row of each node's k-th child (0 = none; rows are 1-based). */
  readonly childRows: readonly Int32Array[];
  /** Buffer rows of every child of every node, parents in order. */
  readonly allRows: Int32Array;
  /** For each entry of `allRows`, its parent's position in this level. */
  readonly parentOf: Int32Array;
  /** Positions (in this level) of the nodes with a word, and their word ids. */
  readonly wordPos: Int32Array;
  readonly wordIds: Int32Array;
}

export interface BatchPlan {
  readonly trees: number;
  /** Nodes in all. */
  readonly total: number;
  /** `levels[0]` holds the leaves. */
  readonly levels: readonly LevelPlan[];
  /** Per tree, the output row of each of its nodes. */
  readonly rowOf: readonly Int32Array[];
  /** Label of each row (-1 where none). */
  readonly labels: Int32Array;
  /** Row of each tree's root. */
  readonly roots: Int32Array;
}

/** Group the nodes of `trees` by height. `maxChildren` is the cell's limit, checked here. */
export function planBatch(trees: readonly EncodedTree[], maxChildren = Infinity): BatchPlan {
  if (trees.length === 0) throw new ConfigError('planBatch: expected at least one tree, found none');
  // Flat typed arrays indexed by (first node of tree t) + node, no arrays built by `map`: V8 gives
  // a `map` result another hidden class once the caller is optimized than before, and code that
  // read it deoptimized and was compiled again, steps into training (issue 22).
  const T = trees.length;
  const nodeStart = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) {
    const { tree, ids } = trees[t]!;
    if (ids.length !== tree.labels.length) {
      throw new ConfigError(`planBatch: tree ${t} has ${tree.labels.length} nodes but ${ids.length} word ids`);
    }
    nodeStart[t + 1] = nodeStart[t]! + ids.length;
  }
  const total = nodeStart[T]!;
  const height = new Int32Array(total);
  let top = 0;
  for (let t = 0; t < T; t++) {
    const { tree, ids } = trees[t]!;
    const base = nodeStart[t]!;
    for (let n = 0; n < ids.length; n++) {
      const kids = tree.children[n]!;
      const k = kids.length;
      if (k > maxChildren) {
        throw new ConfigError(
          `tree ${t}${tree.line ? ` (line ${tree.line})` : ''}: node ${n} has ${k} children; this cell takes at most ${maxChildren} ` +
            '(binarize the trees, or use the child-sum cell)',
        );
      }
      if (k === 0 && ids[n]! < 0) throw new ConfigError(`tree ${t}${tree.line ? ` (line ${tree.line})` : ''}: leaf node ${n} has no word`);
      let m = -1; // as nodeHeights: 0 at leaves, 1 + the tallest child above them
      for (let j = 0; j < k; j++) if (height[base + kids[j]!]! > m) m = height[base + kids[j]!]!;
      height[base + n] = m + 1;
      if (m + 1 > top) top = m + 1;
    }
  }
  // rows, level by level
  const counts = new Int32Array(top + 1);
  for (let i = 0; i < total; i++) counts[height[i]!]!++;
  const start = new Int32Array(top + 2);
  for (let l = 0; l <= top; l++) start[l + 1] = start[l]! + counts[l]!;
  const fill = start.slice(0, top + 1);
  const rowAt = new Int32Array(total); // row of node n of tree t at rowAt[nodeStart[t] + n]
  for (let i = 0; i < total; i++) rowAt[i] = fill[height[i]!]!++;
  const labels = new Int32Array(total);
  const roots = new Int32Array(T);
  // per row, which (tree, node) it holds
  const rowTree = new Int32Array(total);
  const rowNode = new Int32Array(total);
  const rowOf: Int32Array[] = [];
  for (let t = 0; t < T; t++) {
    const base = nodeStart[t]!;
    const size = nodeStart[t + 1]! - base;
    const tl = trees[t]!.tree.labels;
    for (let n = 0; n < size; n++) {
      const r = rowAt[base + n]!;
      labels[r] = tl[n]!;
      rowTree[r] = t;
      rowNode[r] = n;
    }
    roots[t] = rowAt[base + size - 1]!;
    rowOf.push(rowAt.subarray(base, base + size));
  }
  const plan = { trees: T, total, rowOf, labels, roots } as Omit<BatchPlan, 'levels'> as BatchPlan;
  // The per-level lists are built on first use: the whole-batch kernel's path reads the flat rows
  // instead (binarySchedule), and building ~6 small arrays per level was a third of its JavaScript.
  let levels: LevelPlan[] | null = null;
  Object.defineProperty(plan, 'levels', { enumerable: true, get: () => (levels ??= levelPlans(trees, rowOf, rowTree, rowNode, counts, start)) });
  flatRows.set(plan, { trees, rowTree, rowNode, levelStart: start, rowAt, nodeStart });
  return plan;
}

/** What `binarySchedule` reads of a plan without its levels: each row's tree and node. */
interface FlatRows {
  trees: readonly EncodedTree[];
  rowTree: Int32Array;
  rowNode: Int32Array;
  levelStart: Int32Array;
  /** Row of node n of tree t at `rowAt[nodeStart[t] + n]`. */
  rowAt: Int32Array;
  nodeStart: Int32Array;
}
const flatRows = new WeakMap<BatchPlan, FlatRows>();

function levelPlans(
  trees: readonly EncodedTree[],
  rowOf: readonly Int32Array[],
  rowTree: Int32Array,
  rowNode: Int32Array,
  counts: Int32Array,
  start: Int32Array,
): LevelPlan[] {
  const top = counts.length - 1;
  const levels: LevelPlan[] = [];
  for (let l = 0; l <= top; l++) {
    const count = counts[l]!;
    let width = 0;
    let nChildren = 0;
    let nWords = 0;
    for (let r = start[l]!; r < start[l + 1]!; r++) {
      const { tree, ids } = trees[rowTree[r]!]!;
      const k = tree.children[rowNode[r]!]!.length;
      if (k > width) width = k;
      nChildren += k;
      if (ids[rowNode[r]!]! >= 0) nWords++;
    }
    const childRows = Array.from({ length: width }, () => new Int32Array(count));
    const allRows = new Int32Array(nChildren);
    const parentOf = new Int32Array(nChildren);
    const wordPos = new Int32Array(nWords);
    const wordIds = new Int32Array(nWords);
    let c = 0;
    let w = 0;
    for (let r = start[l]!, pos = 0; r < start[l + 1]!; r++, pos++) {
      const t = rowTree[r]!;
      const n = rowNode[r]!;
      const { tree, ids } = trees[t]!;
      tree.children[n]!.forEach((child, k) => {
        const row = rowOf[t]![child]! + 1;
        childRows[k]![pos] = row;
        allRows[c] = row;
        parentOf[c++] = pos;
      });
      if (ids[n]! >= 0) {
        wordPos[w] = pos;
        wordIds[w++] = ids[n]!;
      }
    }
    levels.push({ count, childRows, allRows, parentOf, wordPos, wordIds });
  }
  return levels;
}

/** A tree net's forward pass over one batch. */
export interface TreeForward {
  plan: BatchPlan;
  /** Every node's output `[plan.total, hidden]`, in row order (see `planBatch`). */
  h: Tensor;
  /** Every node's class scores `[plan.total, numClasses]`. */
  logits: Tensor;
}

/** Word vectors `[ids.length, inputSize]` for word ids (the net's embedding lookup, with dropout). */
export type Embed = (ids: Int32Array) => Tensor;

export interface RunOptions {
  dtype: FloatDType;
  backend: Backend;
  /** false: run the cell level by level even where it can run the whole batch in one call. */
  fused?: boolean;
}

/**
 * The plan of a batch of trees with at most two children per node as the typed arrays of core's
 * `TreeSchedule` (0-based rows, -1 for a missing child), with the word id of each `wordRow` entry:
 * what a whole-batch kernel takes (`treeLstmBatch`). Word rows are in row order, so embedding them
 * in one call draws dropout masks in the order `runBatched` does level by level.
 */
export function binarySchedule(plan: BatchPlan): TreeSchedule & { wordIds: Int32Array } {
  const flat = flatRows.get(plan);
  if (flat) return scheduleOfRows(plan, flat);
  const levelStart = new Int32Array(plan.levels.length + 1);
  const left = new Int32Array(plan.total).fill(-1);
  const right = new Int32Array(plan.total).fill(-1);
  let words = 0;
  for (const level of plan.levels) words += level.wordIds.length;
  const wordRow = new Int32Array(words);
  const wordIds = new Int32Array(words);
  let w = 0;
  plan.levels.forEach((level, l) => {
    const s = levelStart[l]!;
    levelStart[l + 1] = s + level.count;
    if (level.childRows.length > 2) throw new ConfigError(`binarySchedule: a node has ${level.childRows.length} children; expected at most 2`);
    const [a, b] = level.childRows;
    for (let pos = 0; pos < level.count; pos++) {
      if (a) left[s + pos] = a[pos]! - 1;
      if (b) right[s + pos] = b[pos]! - 1;
    }
    level.wordPos.forEach((pos, k) => {
      wordRow[w] = s + pos;
      wordIds[w++] = level.wordIds[k]!;
    });
  });
  return { levelStart, left, right, wordRow, wordIds };
}

/** `binarySchedule` straight from each row's tree and node (one pass; the same arrays). */
function scheduleOfRows(plan: BatchPlan, flat: FlatRows): TreeSchedule & { wordIds: Int32Array } {
  const { trees, rowTree, rowNode, levelStart, rowAt, nodeStart } = flat;
  const total = plan.total;
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const wordAt = new Int32Array(total);
  let words = 0;
  for (let r = 0; r < total; r++) {
    const t = rowTree[r]!;
    const n = rowNode[r]!;
    const { tree, ids } = trees[t]!;
    const kids = tree.children[n]!;
    if (kids.length > 2) throw new ConfigError(`binarySchedule: a node has ${kids.length} children; expected at most 2`);
    const base = nodeStart[t]!;
    left[r] = kids.length > 0 ? rowAt[base + kids[0]!]! : -1;
    right[r] = kids.length > 1 ? rowAt[base + kids[1]!]! : -1;
    const id = ids[n]!;
    wordAt[r] = id;
    if (id >= 0) words++;
  }
  const wordRow = new Int32Array(words);
  const wordIds = new Int32Array(words);
  for (let r = 0, w = 0; r < total; r++) {
    if (wordAt[r]! < 0) continue;
    wordRow[w] = r;
    wordIds[w++] = wordAt[r]!;
  }
  return { levelStart: levelStart.slice(), left, right, wordRow, wordIds };
}

const index = (a: Int32Array, backend: Backend): Tensor => tensor(a, [a.length], { dtype: 'int32', backend });

/** Split the columns of `t` `[n, Σ widths]` back into the carry's entries. */
function splitCarry(t: Tensor, widths: readonly number[]): Tensor[] {
  return widths.length === 1 ? [t] : split(t, widths, 1);
}

/**
 * Children read from the buffer of earlier levels' carries (`[rows, Σ widths]`, every carry
 * entry side by side, row 0 zeros). All child positions are fetched with ONE gather, so the
 * buffer receives one scattered gradient per level in backward, not one per position and entry.
 */
class LevelChildren implements Children {
  readonly count: number;
  readonly total: number;
  private byPosition: Tensor | null = null;
  private parent: Tensor | null = null;
  constructor(
    private readonly buffer: Tensor,
    private readonly widths: readonly number[],
    private readonly level: LevelPlan,
    private readonly backend: Backend,
  ) {
    this.count = level.count;
    this.total = level.allRows.length;
  }
  at(k: number): Tensor[] {
    const K = this.level.childRows.length;
    const N = this.count;
    const W = this.buffer.shape[1]!;
    if (k >= K) return this.widths.map((w) => zeros([N, w], { dtype: this.buffer.dtype, backend: this.backend }));
    if (!this.byPosition) {
      const rows = new Int32Array(K * N);
      this.level.childRows.forEach((r, j) => rows.set(r, j * N));
      this.byPosition = gather(this.buffer, index(rows, this.backend));
    }
    const rows = K === 1 ? this.byPosition : slice(this.byPosition, [k * N, 0], [N, W]);
    return splitCarry(rows, this.widths);
  }
  all(): Tensor[] {
    return splitCarry(gather(this.buffer, index(this.level.allRows, this.backend)), this.widths);
  }
  private parents(): Tensor {
    return (this.parent ??= index(this.level.parentOf, this.backend));
  }
  sum(t: Tensor): Tensor {
    return scatterAdd(this.parents(), t, this.count);
  }
  spread(t: Tensor): Tensor {
    return gather(t, this.parents());
  }
}

/** This level's word vectors, zero rows for nodes without a word; null when none has one. */
function levelInput(level: LevelPlan, embed: Embed, backend: Backend): Tensor | null {
  if (level.wordPos.length === 0) return null;
  const x = embed(level.wordIds);
  if (level.wordPos.length === level.count) return x; // positions are 0..count-1 in order
  return scatterAdd(index(level.wordPos, backend), x, level.count);
}

/**
 * Run `cell` over a whole mini-batch, one call per level. Returns the carry of every node in row
 * order: one `[plan.total, width]` tensor per carry entry (the first is h).
 */
export function runBatched(cell: TreeCell, p: CellParams, plan: BatchPlan, embed: Embed, o: RunOptions): Tensor[] {
  if (o.fused !== false && cell.batch && cell.batchesOn?.(o.backend)) {
    // the whole schedule in one call: the plan's typed arrays, every word vector at once
    const schedule = binarySchedule(plan);
    const carry = cell.batch(p, schedule, embed(schedule.wordIds));
    checkCarry(cell, carry, plan.total, 'batch');
    return carry;
  }
  const widths = cell.carryWidths;
  const W = widths.reduce((a, b) => a + b, 0);
  const leaves = plan.levels[0]!;
  const leafCarry = cell.leaf(p, embed(leaves.wordIds));
  checkCarry(cell, leafCarry, leaves.count, 'leaf');
  let buffer = concat([zeros([1, W], { dtype: o.dtype, backend: o.backend }), concat(leafCarry, 1)], 0);
  for (let l = 1; l < plan.levels.length; l++) {
    const level = plan.levels[l]!;
    const carry = cell.combine(p, new LevelChildren(buffer, widths, level, o.backend), levelInput(level, embed, o.backend));
    checkCarry(cell, carry, level.count, 'combine');
    buffer = concat([buffer, concat(carry, 1)], 0);
  }
  return splitCarry(slice(buffer, [1, 0], [plan.total, W]), widths);
}

class NodeChildren implements Children {
  readonly count = 1;
  readonly total: number;
  constructor(
    private readonly carries: readonly (readonly Tensor[])[],
    private readonly widths: readonly number[],
    private readonly o: RunOptions,
  ) {
    this.total = carries.length;
  }
  at(k: number): Tensor[] {
    return [...(this.carries[k] ?? this.widths.map((w) => zeros([1, w], { dtype: this.o.dtype, backend: this.o.backend })))];
  }
  all(): Tensor[] {
    return this.widths.map((_, j) => concat(this.carries.map((c) => c[j]!), 0));
  }
  sum(t: Tensor): Tensor {
    return sum(t, 0, true);
  }
  spread(t: Tensor): Tensor {
    return broadcastTo(t, [this.total, ...t.shape.slice(1)]);
  }
}

/**
 * The same computation one node at a time (no recursion: nodes are visited in post-order), for
 * comparison with `runBatched`: same cell, same parameters, same result in the same row order.
 */
export function runNodeByNode(cell: TreeCell, p: CellParams, trees: readonly EncodedTree[], plan: BatchPlan, embed: Embed, o: RunOptions): Tensor[] {
  const rows: Tensor[][] = new Array(plan.total);
  trees.forEach(({ tree, ids }, t) => {
    const carries: Tensor[][] = new Array(tree.labels.length);
    for (let n = 0; n < tree.labels.length; n++) {
      const kids = tree.children[n]!;
      const x = ids[n]! >= 0 ? embed(Int32Array.of(ids[n]!)) : null;
      const carry =
        kids.length === 0
          ? cell.leaf(p, x!)
          : cell.combine(p, new NodeChildren(kids.map((c) => carries[c]!), cell.carryWidths, o), x);
      checkCarry(cell, carry, 1, kids.length === 0 ? 'leaf' : 'combine');
      carries[n] = carry;
      rows[plan.rowOf[t]![n]!] = carry;
    }
  });
  return cell.carryWidths.map((_, j) => concat(rows.map((c) => c[j]!), 0));
}

function checkCarry(cell: TreeCell, carry: readonly Tensor[], n: number, what: string): void {
  const want = cell.carryWidths;
  if (carry.length !== want.length || carry.some((c, j) => c.rank !== 2 || c.shape[0] !== n || c.shape[1] !== want[j])) {
    throw new ConfigError(
      `${cell.kind} cell: ${what}() returned a carry of shapes ${carry.map((c) => `[${c.shape.join(', ')}]`).join(', ')}; ` +
        `expected ${want.map((w) => `[${n}, ${w}]`).join(', ')} (carryWidths)`,
    );
  }
}
