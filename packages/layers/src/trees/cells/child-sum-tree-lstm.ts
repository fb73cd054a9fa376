import { add, linear, mul, sigmoid, split, tanh, type Rng, type Tensor, type CellParameter, type CellParams } from '@rnn/core';
import { uniformParameters, type Children, type TreeCell } from '../cell.js';

/**
 * The Child-Sum Tree-LSTM of Tai, Socher & Manning 2015 (eq. 2-8), for any number of unordered
 * children, with one forget gate per child:
 *
 *   h̃ = Σ_k h_k
 *   [i, o, u] = W_iou x + U_iou h̃ + b_iou
 *   f_k = σ(W_f x + U_f h_k + b_f)
 *   c = σ(i) ⊙ tanh(u) + Σ_k f_k ⊙ c_k,    h = σ(o) ⊙ tanh(c)
 *
 * Parameters: `weight_ih [4H, in]` (rows i, o, u, f), `weight_hh [3H, H]` (U_iou),
 * `weight_fh [H, H]` (U_f), `bias [4H]`. A leaf has no children: h̃ = 0 and the sum over k is empty.
 */
export class ChildSumTreeLSTMCell implements TreeCell {
  readonly kind = 'child-sum';
  readonly maxChildren = Infinity;
  readonly carryWidths: readonly number[];

  constructor(readonly hiddenSize: number) {
    this.carryWidths = [hiddenSize, hiddenSize];
  }

  parameters(inputSize: number, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const shapes = { weight_ih: [4 * H, inputSize], weight_hh: [3 * H, H], weight_fh: [H, H], bias: [4 * H] };
    return uniformParameters(shapes, 1 / Math.sqrt(H), rng);
  }

  private finish(iou: Tensor, fc: Tensor | null): Tensor[] {
    const H = this.hiddenSize;
    const [i, o, u] = split(iou, [H, H, H], 1) as [Tensor, Tensor, Tensor];
    let c = mul(sigmoid(i), tanh(u));
    if (fc) c = add(c, fc);
    return [mul(sigmoid(o), tanh(c)), c];
  }

  leaf(p: CellParams, x: Tensor): Tensor[] {
    const H = this.hiddenSize;
    const [wIou] = split(p['weight_ih']!, [3 * H, H], 0) as [Tensor, Tensor];
    const [bIou] = split(p['bias']!, [3 * H, H], 0) as [Tensor, Tensor];
    return this.finish(linear(x, wIou, bIou), null);
  }

  combine(p: CellParams, children: Children, x: Tensor | null): Tensor[] {
    const H = this.hiddenSize;
    const [hs, cs] = children.all() as [Tensor, Tensor];
    const [bIou, bF] = split(p['bias']!, [3 * H, H], 0) as [Tensor, Tensor];
    let iou = linear(children.sum(hs), p['weight_hh']!, bIou);
    let fPre = linear(hs, p['weight_fh']!, bF);
    if (x) {
      const xw = linear(x, p['weight_ih']!, null);
      const [xIou, xF] = split(xw, [3 * H, H], 1) as [Tensor, Tensor];
      iou = add(iou, xIou);
      fPre = add(fPre, children.spread(xF));
    }
    return this.finish(iou, children.sum(mul(sigmoid(fPre), cs)));
  }
}
