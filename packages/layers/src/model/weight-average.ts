import { z } from 'zod';
import { ConfigError, noGrad, parseOptions, type ParameterSet } from '@rnn/core';
import type { Callback, TrainBegin } from './types.js';

/** What a checkpoint keeps of a `weightAverage`: the steps averaged and the average itself. */
export interface WeightAverageState {
  steps: number;
  average: Float64Array | null;
}

/**
 * An exponential moving average of the weights over training steps (Polyak & Juditsky 1992; the
 * "shadow variables" of TensorFlow's ExponentialMovingAverage): after every step
 * `avg ← d·avg + (1−d)·w`, with `d = min(decay, (1+t)/(10+t))` at step t so the first steps are
 * not pulled towards the initial weights. On a small, noisy data set (a few thousand sentences,
 * high dropout) the weights after any one step wander; their average scores better and more
 * steadily. `swapIn` puts the average in the model (to score or keep it), `swapOut` puts the
 * trained weights back so training goes on from them.
 */
export interface WeightAverage extends Callback {
  readonly decay: number;
  /** The model's parameters now hold the average (until `swapOut`); a no-op before the first step. */
  swapIn(): void;
  /** The trained weights back in the model (a no-op unless swapped in). */
  swapOut(): void;
  readonly swapped: boolean;
  getState(): WeightAverageState;
  setState(s: WeightAverageState): void;
}

const weightAverageOptions = z.strictObject({
  /** The weight of the old average at each step, in (0, 1): 0.999 averages over about the last 1,000 steps. */
  decay: z.number({ error: 'a number in (0, 1)' }),
});
export type WeightAverageOptions = z.infer<typeof weightAverageOptions>;

export function weightAverage(options: WeightAverageOptions): WeightAverage {
  const decay = parseOptions(weightAverageOptions, options, 'weightAverage').decay;
  if (!(decay > 0 && decay < 1)) throw new ConfigError(`weightAverage: decay must be in (0, 1), found ${decay}; e.g. 0.999 averages over about 1,000 steps`);
  let params: ParameterSet | null = null;
  let average: Float64Array | null = null;
  let steps = 0;
  let trained: Float32Array | Float64Array | null = null;

  const put = (p: ParameterSet, w: ArrayLike<number>) => {
    const host = p.values.dtype === 'float64' ? Float64Array.from(w) : Float32Array.from(w);
    noGrad(() => p.backend.assign(p.values, { storage: p.backend.write(host), shape: p.values.shape, dtype: p.values.dtype }));
  };
  const need = (what: string): ParameterSet => {
    if (!params) throw new ConfigError(`weightAverage: ${what} before training began; give the callback to the Trainer first`);
    return params;
  };

  return {
    decay,
    get swapped() {
      return trained !== null;
    },
    onTrainBegin(info: TrainBegin) {
      const p = info.model.params;
      if (!p) throw new ConfigError('weightAverage: the model has no parameters to average');
      params = p;
      average = null;
      steps = 0;
      trained = null;
    },
    onBatchEnd() {
      const p = need('a step');
      if (trained) throw new ConfigError('weightAverage: a training step ran on the averaged weights; call swapOut() before training goes on');
      const w = p.values.data();
      const d = Math.min(decay, (1 + steps) / (10 + steps));
      if (!average) average = Float64Array.from(w);
      else for (let i = 0; i < w.length; i++) average[i] = d * average[i]! + (1 - d) * w[i]!;
      steps++;
    },
    swapIn() {
      const p = need('swapIn');
      if (trained || !average) return;
      trained = p.values.data() as Float32Array | Float64Array;
      put(p, average);
    },
    swapOut() {
      const p = need('swapOut');
      if (!trained) return;
      put(p, trained);
      trained = null;
    },
    getState: () => ({ steps, average: average && Float64Array.from(average) }),
    setState(s) {
      const p = need('setState');
      if (s.average && s.average.length !== p.values.size) {
        throw new ConfigError(`weightAverage: the saved average has ${s.average.length} values, the model has ${p.values.size}; resume with the flags of the run that saved it`);
      }
      steps = s.steps;
      average = s.average && Float64Array.from(s.average);
    },
  };
}
