import { ConfigError, add, div, mul, sqrt, square, sub, type ParameterSet } from '@rnn/core';
import { z } from 'zod';
import { Optimizer, settings, type Settings } from './optimizer.js';
import { adagradOptions } from './options.js';

export type AdagradOptions = z.infer<typeof adagradOptions>;

/**
 * `torch.optim.Adagrad` (defaults lr 0.01, lr_decay 0, weight_decay 0, initial accumulator 0,
 * eps 1e-10):
 *   g ← g + wd·p,   clr = lr / (1 + (t − 1)·lr_decay)
 *   s ← s + g²,     p ← p − clr · g / (√s + ε)
 */
export interface Adagrad extends Omit<Settings<AdagradOptions>, 'lr'> {}
export class Adagrad extends Optimizer {
  readonly name = 'adagrad';

  constructor(o: AdagradOptions = {}) {
    const { lr, ...h } = settings(adagradOptions, o, 'new Adagrad', { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
    super(lr);
    Object.assign(this, h);
    if (!(this.lrDecay >= 0)) throw new ConfigError(`adagrad: lrDecay must be >= 0, found ${o.lrDecay}`);
    if (!(this.initialAccumulatorValue >= 0)) {
      throw new ConfigError(`adagrad: initialAccumulatorValue must be >= 0, found ${o.initialAccumulatorValue}`);
    }
  }

  protected update(params: ParameterSet): void {
    const p = params.values;
    const g = this.decayedGrad(params, this.weightDecay);
    const fresh = !this.slots.has('sum');
    const s = this.slot('sum', params);
    if (fresh && this.initialAccumulatorValue) this.write(s, add(s, this.initialAccumulatorValue));
    const s2 = add(s, square(g));
    this.write(s, s2);
    const clr = this.lr / (1 + (this.steps - 1) * this.lrDecay);
    this.write(p, sub(p, mul(div(g, add(sqrt(s2), this.eps)), clr)));
  }
}
