import { add, div, mul, sqrt, square, sub, type ParameterSet } from '@rnn/core';
import { z } from 'zod';
import { Optimizer, settings, type Settings } from './optimizer.js';
import { rmspropOptions } from './options.js';

export type RMSpropOptions = z.infer<typeof rmspropOptions>;

/**
 * `torch.optim.RMSprop`: v ← α v + (1 − α) g²; centered: ḡ ← α ḡ + (1 − α) g, d = √(v − ḡ²) + ε,
 * else d = √v + ε; with momentum b ← μ b + g/d, p ← p − lr·b; else p ← p − lr·g/d.
 */
export interface RMSprop extends Omit<Settings<RMSpropOptions>, 'lr'> {}
export class RMSprop extends Optimizer {
  readonly name = 'rmsprop';

  constructor(o: RMSpropOptions = {}) {
    const { lr, ...h } = settings(rmspropOptions, o, 'new RMSprop', { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
    super(lr);
    Object.assign(this, h);
  }

  protected update(params: ParameterSet): void {
    const p = params.values;
    const g = this.decayedGrad(params, this.weightDecay);
    const v = this.slot('square_avg', params);
    const v2 = add(mul(v, this.alpha), mul(square(g), 1 - this.alpha));
    this.write(v, v2);
    let avg;
    if (this.centered) {
      const ga = this.slot('grad_avg', params);
      const ga2 = add(mul(ga, this.alpha), mul(g, 1 - this.alpha));
      this.write(ga, ga2);
      avg = add(sqrt(sub(v2, square(ga2))), this.eps);
    } else {
      avg = add(sqrt(v2), this.eps);
    }
    if (this.momentum > 0) {
      const buf = this.slot('momentum', params);
      const b2 = add(mul(buf, this.momentum), div(g, avg));
      this.write(buf, b2);
      this.write(p, sub(p, mul(b2, this.lr)));
    } else {
      this.write(p, sub(p, mul(div(g, avg), this.lr)));
    }
  }
}
