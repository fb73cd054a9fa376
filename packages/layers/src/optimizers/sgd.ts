import { parseOptions, ConfigError, add, mul, type ParameterSet, sub } from '@rnn/core';
import { z } from 'zod';
import { Optimizer } from './optimizer.js';
import { sgdOptions } from './options.js';

export type SGDOptions = z.infer<typeof sgdOptions>;

/**
 * `torch.optim.SGD`: g ← g + wd·p; with momentum, b ← μ b + (1 − τ) g (b = g on the first step)
 * and g ← g + μ b (Nesterov) or g ← b; then p ← p − lr·g.
 */
export class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(o: SGDOptions = {}) {
    parseOptions(sgdOptions, o, 'new SGD');
    super(o.lr ?? 0.01);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
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
