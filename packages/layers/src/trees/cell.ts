import { initialise, type Backend, type CellConfig, type CellParameter, type CellParams, type Rng, type Tensor, type TreeSchedule } from '@rnn/core';

/**
 * A tree cell is the sequence cell's idea turned over: where a sequence cell reduces (carry, x)
 * to the next carry, a tree cell reduces its children's carries (and the node's word, if it has
 * one) to the node's carry. It is a pure function of its parameters and inputs, always applied to
 * `N` nodes at once: the whole level of a mini-batch when dynamically batched (`runBatched`), or
 * one node when run node by node (`runNodeByNode`). Gradients come from the ops it uses, so a
 * custom cell written against this interface is trained, batched and saved like the built-in ones.
 *
 * The carry is a list of `[N, width]` tensors (`[h]` for the recursive nets, `[h, c]` for the
 * Tree-LSTMs); its first entry is the node's output `h`, which the classifier reads.
 */
export interface TreeCell {
  readonly kind: string;
  readonly hiddenSize: number;
  /** Width of each carry entry; the first is `hiddenSize` (the output h). */
  readonly carryWidths: readonly number[];
  /** Most children a node may have (2 for the binary cells, Infinity for child-sum). Nodes with
   * fewer see zero carries in the missing places. */
  readonly maxChildren: number;
  /** Parameters for words of `inputSize` features; names are local (the net adds `cell.`). */
  parameters(inputSize: number, rng: Rng): CellParameter[];
  /** Carry of `N` leaves from their word vectors `x` `[N, inputSize]`. */
  leaf(p: CellParams, x: Tensor): Tensor[];
  /** Carry of `N` internal nodes from their children's carries and, when some of them have a
   * word, `x` `[N, inputSize]` (zero rows for those without); null when none has a word. */
  combine(p: CellParams, children: Children, x: Tensor | null): Tensor[];
  /** Whether `batch` runs on this backend (a cell with a whole-batch kernel; optional). */
  batchesOn?(backend: Backend): boolean;
  /** The carry of every node of a mini-batch at once, in row order (`[nodes, width]` per entry), from
   * the schedule and the word vectors `x` `[schedule.wordRow.length, inputSize]`: the same result
   * as `leaf` and `combine` level by level (`runBatched` falls back to those). Optional. */
  batch?(p: CellParams, schedule: TreeSchedule, x: Tensor): Tensor[];
  /** What the cell's registered factory needs to build it again, when more than `hiddenSize` (see `Cell.config`). */
  config?(): CellConfig;
}

/**
 * The children of `count` nodes, in the two views cells need. Binary cells read children by
 * position (`at(0)` left, `at(1)` right); child-sum cells read them all as one flat list and sum
 * back to the parents with `sum`. Row order is fixed but otherwise unspecified: pair `all()` only
 * with `sum` and `spread`.
 */
export interface Children {
  /** Number of parent nodes. */
  readonly count: number;
  /** Number of children in all (rows of `all()`). */
  readonly total: number;
  /** The carry of each node's k-th child, `[count, width]` per entry; zeros where a node has fewer than k+1 children. */
  at(k: number): Tensor[];
  /** Every child's carry, `[total, width]` per entry. */
  all(): Tensor[];
  /** Sum rows of `t` `[total, ...]` into their parents: `[count, ...]`. */
  sum(t: Tensor): Tensor;
  /** Copy each parent's row of `t` `[count, ...]` to each of its children: `[total, ...]`. */
  spread(t: Tensor): Tensor;
}

/** The output `h` of a carry. */
export const outputOf = (carry: readonly Tensor[]): Tensor => carry[0]!;

/** Parameters drawn uniform(±bound) in the order given (the tree cells' initialisation). */
export function uniformParameters(shapes: Record<string, number[]>, bound: number, rng: Rng): CellParameter[] {
  return Object.entries(shapes).map(([name, shape]) => ({ name, shape, init: initialise({ kind: 'uniform', bound }, shape, rng) }));
}
