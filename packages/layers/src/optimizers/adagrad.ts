import { parseOptions, ConfigError, add, div, mul, sqrt, square, sub, type ParameterSet } from '@rnn/core';
import { z } from 'zod';
import { Optimizer } from './optimizer.js';
import { adagradOptions } from './options.js';

export type AdagradOptions = z.infer<typeof adagradOptions>;

/**
 * `torch.optim.Adagrad` (defaults lr 0.01, lr_decay 0, weight_decay 0, initial accumulator 0,
 * eps 1e-10):
 *   g ← g + wd·p,   clr = lr / (1 + (t − 1)·lr_decay)
 *   s ← s + g²,     p ← p − clr · g / (√s + ε)
 */
export class Adagrad extends Optimizer {
  readonly name = 'adagrad';
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;

  constructor(o: AdagradOptions = {}) {
    parseOptions(adagradOptions, o, 'new Adagrad');
    super(o.lr ?? 0.01);
    this.lrDecay = o.lrDecay ?? 0;
    this.weightDecay = o.weightDecay ?? 0;
    this.initialAccumulatorValue = o.initialAccumulatorValue ?? 0;
    this.eps = o.eps ?? 1e-10;
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
