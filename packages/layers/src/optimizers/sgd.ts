import { ConfigError, add, mul, type ParameterSet, sub } from '@rnn/core';
import { z } from 'zod';
import { Optimizer, settings, type Settings } from './optimizer.js';
import { sgdOptions } from './options.js';

export type SGDOptions = z.infer<typeof sgdOptions>;

/**
 * `torch.optim.SGD`: g ← g + wd·p; with momentum, b ← μ b + (1 − τ) g (b = g on the first step)
 * and g ← g + μ b (Nesterov) or g ← b; then p ← p − lr·g.
 */
export interface SGD extends Omit<Settings<SGDOptions>, 'lr'> {}
export class SGD extends Optimizer {
  readonly name = 'sgd';

  constructor(o: SGDOptions = {}) {
    const { lr, ...h } = settings(sgdOptions, o, 'new SGD', { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
    super(lr);
    Object.assign(this, h);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ConfigError('sgd: Nesterov momentum requires momentum > 0 and dampening 0');
    }
  }

  protected update(params: ParameterSet): void {
    const p = params.values;
    let g = this.decayedGrad(params, this.weightDecay);
    if (this.momentum) {
      const buf = this.slot('momentum', params);
      const next = this.steps === 1 ? g : add(mul(buf, this.momentum), mul(g, 1 - this.dampening));
      this.write(buf, next);
      g = this.nesterov ? add(g, mul(next, this.momentum)) : next;
    }
    this.write(p, sub(p, mul(g, this.lr)));
  }
}
