import { parseOptions, add, div, mul, sqrt, square, sub, type ParameterSet } from '@rnn/core';
import { z } from 'zod';
import { Optimizer, settings, type Settings } from './optimizer.js';
import { adamOptions } from './options.js';

export type AdamOptions = z.infer<typeof adamOptions>;

/**
 * `torch.optim.Adam` (and AdamW with `decoupled`):
 *   Adam: g ← g + wd·p;   AdamW: p ← p (1 − lr·wd)
 *   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * Runs the backend's fused `adamStep` when it has one.
 */
export interface Adam extends Omit<Settings<AdamOptions>, 'lr'> {}
export class Adam extends Optimizer {
  readonly name: string = 'adam';
  protected decoupled = false;

  constructor(o: AdamOptions = {}) {
    const { lr, ...h } = settings(adamOptions, o, 'new Adam', { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    super(lr);
    Object.assign(this, h);
  }

  protected update(params: ParameterSet): void {
    const m = this.slot('m', params);
    const v = this.slot('v', params);
    const p = params.values;
    const backend = params.backend;
    if (backend.adamStep) {
      backend.adamStep({
        param: p,
        grad: params.grads,
        m,
        v,
        lr: this.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        step: this.steps,
        weightDecay: this.weightDecay,
        decoupled: this.decoupled,
      });
      return;
    }
    adamComposed(p, params.grads, m, v, this, this.steps, this.decoupled, (d, s) => this.write(d, s));
  }
}

/** Adam from primitives, the reference for backends' fused `adamStep`. */
export function adamComposed(
  p: import('@rnn/core').Tensor,
  grad: import('@rnn/core').Tensor,
  m: import('@rnn/core').Tensor,
  v: import('@rnn/core').Tensor,
  h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
  step: number,
  decoupled: boolean,
  write: (dst: import('@rnn/core').Tensor, src: import('@rnn/core').Tensor) => void,
): void {
  let g = grad;
  let base = p;
  if (h.weightDecay && !decoupled) g = add(g, mul(p, h.weightDecay));
  if (h.weightDecay && decoupled) base = mul(p, 1 - h.lr * h.weightDecay);
  const m2 = add(mul(m, h.beta1), mul(g, 1 - h.beta1));
  const v2 = add(mul(v, h.beta2), mul(square(g), 1 - h.beta2));
  write(m, m2);
  write(v, v2);
  const bc1 = 1 - Math.pow(h.beta1, step);
  const bc2 = 1 - Math.pow(h.beta2, step);
  const denom = add(div(sqrt(v2), Math.sqrt(bc2)), h.eps);
  write(p, sub(base, mul(div(m2, denom), h.lr / bc1)));
}

/** `torch.optim.AdamW`: decoupled weight decay (default 0.01). */
export class AdamW extends Adam {
  override readonly name = 'adamw';
  constructor(o: AdamOptions = {}) {
    parseOptions(adamOptions, o, 'new AdamW');
    super({ weightDecay: 0.01, ...o });
    this.decoupled = true;
  }
}
