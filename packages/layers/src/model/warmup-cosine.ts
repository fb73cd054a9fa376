import { z } from 'zod';
import { ConfigError, parseOptions, schemas } from '@rnn/core';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Callback } from './types.js';

const { positiveNumber, nonNegativeNumber } = schemas;

const warmupCosineOptions = z.strictObject({
  /** The part of the run spent warming up linearly from ~0 to the base rate (default 0.02). */
  warmup: z.number({ error: 'a fraction in [0, 1)' }).min(0, { error: 'a fraction in [0, 1)' }).lt(1, { error: 'a fraction in [0, 1)' }).optional(),
  /**
   * Size the schedule by a time budget of this many minutes (wall clock from the start of
   * training) instead of by steps: the run's progress is the fraction of the budget spent.
   */
  minutes: positiveNumber().optional(),
  /** The rate at the end, as a fraction of the base rate (default 0). */
  final: nonNegativeNumber().optional(),
});
export type WarmupCosineOptions = z.infer<typeof warmupCosineOptions>;

/**
 * The rate at progress `p` (0 at the first step, 1 at the end of the run): linear warm-up over
 * the first `warmup` of the run, then a half cosine from `base` down to `final · base`.
 */
export function warmupCosineRate(base: number, p: number, warmup: number, final: number): number {
  const q = Math.min(Math.max(p, 0), 1);
  if (q < warmup) return (base * q) / warmup;
  const t = warmup < 1 ? (q - warmup) / (1 - warmup) : 1;
  return base * (final + ((1 - final) * (1 + Math.cos(Math.PI * t))) / 2);
}

/**
 * A learning-rate schedule set before every batch (not every epoch, as `cosineLR`): linear
 * warm-up, then cosine decay to `final` times the rate the optimizer began with. The run's length
 * is its time budget with `minutes` (progress = wall time spent / budget: a schedule that ends
 * when a `--minutes` run does, whatever its speed), else its steps, epochs × batches per epoch
 * (which must then be finite). Resuming at epoch e, batch b continues the step schedule where it
 * was; a time schedule spans the budget of the run it is given to.
 */
export function warmupCosine(options: WarmupCosineOptions = {}): Callback & { readonly lr: number } {
  const o = parseOptions(warmupCosineOptions, options, 'warmupCosine');
  const warmup = o.warmup ?? 0.02;
  const final = o.final ?? 0;
  if (final > 1) throw new ConfigError(`warmupCosine: final is a fraction of the base rate, at most 1, found ${final}`);
  let opt: Optimizer | null = null;
  let base = 0;
  let steps = 0;
  let perEpoch = 1;
  let t0 = 0;
  const cb = {
    lr: 0,
    onTrainBegin(info: { optimizer: Optimizer; epochs: number; batches: number }) {
      opt = info.optimizer;
      base = opt.lr;
      t0 = performance.now();
      perEpoch = info.batches;
      steps = info.epochs * info.batches;
      if (o.minutes === undefined && !(Number.isFinite(steps) && steps < Number.MAX_SAFE_INTEGER)) {
        throw new ConfigError('warmupCosine: the run has no epoch limit, so a schedule by steps has no end; give it minutes (the time budget) or train a fixed number of epochs');
      }
    },
    onBatchBegin(batch: number, epoch: number) {
      if (!opt) return;
      // the step about to run counts as done: the first step's rate is not 0
      const p = o.minutes !== undefined ? (performance.now() - t0) / (o.minutes * 60_000) : (epoch * perEpoch + batch + 1) / steps;
      cb.lr = opt.lr = warmupCosineRate(base, p, warmup, final);
    },
  };
  return cb;
}
