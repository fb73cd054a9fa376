import {
  concat,
  linear,
  mul,
  sigmoid,
  slice,
  split,
  tanh,
  treeLstmBatch,
  treeLstmLevel,
  zeros,
  type Backend,
  type Rng,
  type Tensor,
  type CellParameter,
  type CellParams,
  type TreeSchedule,
} from '@rnn/core';
import { uniformParameters, type Children, type TreeCell } from '../cell.js';

/**
 * The binary (N-ary, N = 2) Tree-LSTM of Tai, Socher & Manning 2015 (eq. 9-14), gates i, fL, fR,
 * o, u stacked in the rows of `weight_ih [5H, in]`, `weight_hh [5H, 2H]` and `bias [5H]`:
 *
 *   [i, fL, fR, o, u] = W x + U [hL; hR] + b
 *   c = σ(i) ⊙ tanh(u) + σ(fL) ⊙ cL + σ(fR) ⊙ cR,    h = σ(o) ⊙ tanh(c)
 *
 * A leaf is the same with no children (its forget gates multiply zeros, so only i, o, u are
 * computed). Internal nodes run core's `treeLstmLevel`, which a backend may fuse (backend-js
 * does); internal nodes without a word (all of them in SST) skip the `W x` product altogether.
 * Where the backend has core's whole-batch kernel (`treeBatchForward`: the native backend), `batch`
 * runs every level of a mini-batch, forward and backward, in one call (`treeLstmBatch`).
 */
export class BinaryTreeLSTMCell implements TreeCell {
  readonly kind = 'tree-lstm';
  readonly maxChildren = 2;
  readonly carryWidths: readonly number[];

  constructor(readonly hiddenSize: number) {
    this.carryWidths = [hiddenSize, hiddenSize];
  }

  parameters(inputSize: number, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    return uniformParameters({ weight_ih: [5 * H, inputSize], weight_hh: [5 * H, 2 * H], bias: [5 * H] }, 1 / Math.sqrt(H), rng);
  }

  leaf(p: CellParams, x: Tensor): Tensor[] {
    const H = this.hiddenSize;
    const w = p['weight_ih']!;
    const b = p['bias']!;
    const I = w.shape[1]!;
    // rows i (0..H) and o, u (3H..5H): the forget gates of a leaf have nothing to forget
    const wLeaf = concat([slice(w, [0, 0], [H, I]), slice(w, [3 * H, 0], [2 * H, I])], 0);
    const bLeaf = concat([slice(b, [0], [H]), slice(b, [3 * H], [2 * H])], 0);
    const [i, o, g] = split(linear(x, wLeaf, bLeaf), [H, H, H], 1) as [Tensor, Tensor, Tensor];
    const c = mul(sigmoid(i), tanh(g));
    return [mul(sigmoid(o), tanh(c)), c];
  }

  batchesOn(backend: Backend): boolean {
    return !!backend.treeBatchForward && !!backend.treeBatchBackward;
  }

  batch(p: CellParams, schedule: TreeSchedule, x: Tensor): Tensor[] {
    const { h, c } = treeLstmBatch({ plan: schedule, x, weight: p['weight_ih']!, weightH: p['weight_hh']!, bias: p['bias']! });
    return [h, c];
  }

  combine(p: CellParams, children: Children, x: Tensor | null): Tensor[] {
    const [hL, cL] = children.at(0) as [Tensor, Tensor];
    const [hR, cR] = children.at(1) as [Tensor, Tensor];
    const H = this.hiddenSize;
    const like = { dtype: hL.dtype, backend: hL.backend };
    // No word at these nodes: a one-column zero input adds nothing and costs nothing.
    const xs = x ?? zeros([children.count, 1], like);
    const w = x ? p['weight_ih']! : zeros([5 * H, 1], like);
    const { h, c } = treeLstmLevel({ x: xs, hL, cL, hR, cR, weight: w, weightH: p['weight_hh']!, bias: p['bias']! });
    return [h, c];
  }
}
