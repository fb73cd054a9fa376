import { ConfigError, add, keep, mul, noGrad, parseOptions, tensor, type ParameterSet, type Tensor, type TypedArray } from '@rnn/core';
import type { z } from 'zod';

/**
 * Optimizers update a model's whole flat parameter buffer at once from its flat gradient buffer
 * (see `ParameterSet`): one pass of a few elementwise ops per step, whatever the model's size,
 * and the same buffers a data-parallel trainer all-reduces.
 */
export abstract class Optimizer {
  abstract readonly name: string;
  /** Steps taken so far. */
  steps = 0;
  protected slots = new Map<string, Tensor>();

  constructor(public lr: number) {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new ConfigError(`optimizer: lr must be a positive number, found ${lr}`);
  }

  /** Apply one update to `params` using `params.grads`. */
  step(params: ParameterSet): void {
    this.steps++;
    noGrad(() => this.update(params));
  }

  protected abstract update(params: ParameterSet): void;

  /** A state buffer the size of the parameters (momentum, moments), zeros at first. */
  protected slot(name: string, params: ParameterSet): Tensor {
    let s = this.slots.get(name);
    if (!s || s.size !== params.size) {
      // kept: created inside the first step, which a trainer may run in a tidy scope (tidySteps)
      s = keep(tensor(new Float64Array(params.size), [params.size], { dtype: params.values.dtype, backend: params.backend }));
      this.slots.set(name, s);
    }
    return s;
  }

  /** The gradient with L2 weight decay folded in (`g + wd·p`, as torch.optim's `weight_decay`). */
  protected decayedGrad(params: ParameterSet, weightDecay: number): Tensor {
    return weightDecay ? add(params.grads, mul(params.values, weightDecay)) : params.grads;
  }

  /** `dst <- value`, in place, keeping views of `dst` valid. */
  protected write(dst: Tensor, value: Tensor): void {
    dst.backend.assign(dst, value);
  }

  /** Serialisable state, for checkpoints that resume exactly. */
  getState(): { name: string; lr: number; steps: number; slots: Record<string, TypedArray> } {
    const slots: Record<string, TypedArray> = {};
    for (const [k, v] of this.slots) slots[k] = v.data();
    return { name: this.name, lr: this.lr, steps: this.steps, slots };
  }

  setState(state: { lr: number; steps: number; slots: Record<string, TypedArray | number[]> }, params: ParameterSet): void {
    this.lr = state.lr;
    this.steps = state.steps;
    this.slots.clear();
    for (const [k, v] of Object.entries(state.slots)) {
      if (v.length !== params.size) {
        throw new ConfigError(`optimizer state '${k}' has ${v.length} values, expected ${params.size} (one per parameter)`);
      }
      this.slots.set(k, keep(tensor(Float64Array.from(v), [params.size], { dtype: params.values.dtype, backend: params.backend })));
    }
  }
}

/** An optimizer's settings once checked: every option, the absent ones at their (PyTorch) default. */
export type Settings<O> = { readonly [K in keyof O]-?: Exclude<O[K], undefined> };

/** `o` checked against its strict `schema` (a wrong key or value refused by name), the absent options set from `defaults`. */
export function settings<O extends object>(schema: z.ZodType, o: O, where: string, defaults: Settings<O>): Settings<O> {
  parseOptions(schema, o, where);
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out as Settings<O>;
}
