import { ConfigError, concat, linear, tanh, initialise, type Rng, type Tensor, type CellParameter, type CellParams } from '@rnn/core';
import type { Children, TreeCell } from '../cell.js';

/**
 * The recursive neural network of Socher et al. 2011 (the "RNN" of the SST paper): one matrix
 * composes two children,
 *
 *   h = tanh(W [hL; hR] + b),    W `weight [H, 2H]`, b `bias [H]`
 *
 * A leaf is its word vector (as in the papers, when the word vectors are `H` wide); with words of
 * another width a leaf is `tanh(W_leaf x + b_leaf)` (`leaf_weight [H, in]`, `leaf_bias [H]`).
 */
export class RecursiveCell implements TreeCell {
  readonly kind: string = 'rnn';
  readonly maxChildren = 2;
  readonly carryWidths: readonly number[];

  constructor(readonly hiddenSize: number) {
    this.carryWidths = [hiddenSize];
  }

  parameters(inputSize: number, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const u = { kind: 'uniform', bound: 1 / Math.sqrt(2 * H) } as const;
    const out: CellParameter[] = [
      { name: 'weight', shape: [H, 2 * H], init: initialise(u, [H, 2 * H], rng) },
      { name: 'bias', shape: [H], init: new Float64Array(H) },
    ];
    if (inputSize !== H) {
      const v = { kind: 'uniform', bound: 1 / Math.sqrt(inputSize) } as const;
      out.push(
        { name: 'leaf_weight', shape: [H, inputSize], init: initialise(v, [H, inputSize], rng) },
        { name: 'leaf_bias', shape: [H], init: new Float64Array(H) },
      );
    }
    return out;
  }

  leaf(p: CellParams, x: Tensor): Tensor[] {
    const w = p['leaf_weight'];
    return [w ? tanh(linear(x, w, p['leaf_bias']!)) : x];
  }

  /** `[hL; hR]` of each node. */
  protected pair(children: Children, x: Tensor | null): Tensor {
    if (x) {
      throw new ConfigError(`${this.kind} cell: an internal node has a word; this cell reads words at the leaves only (use child-sum or tree-lstm)`);
    }
    return concat([children.at(0)[0]!, children.at(1)[0]!], 1);
  }

  combine(p: CellParams, children: Children, x: Tensor | null): Tensor[] {
    return [tanh(linear(this.pair(children, x), p['weight']!, p['bias']!))];
  }
}
