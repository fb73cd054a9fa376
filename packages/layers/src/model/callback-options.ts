import { z } from 'zod';
import { ConfigError, describeValue, parseOptions, schemas } from '@rnn/core';

/**
 * The options of the built-in callbacks, as strict schemas: `earlyStopping({ patience: 3 })`
 * and the learning-rate schedules check their arguments where the user calls them, so a
 * misspelt key (`min_delta`, `restore_best_weights`) is refused with the key meant.
 */
const { positiveInt, positiveNumber, nonNegativeNumber, bool, text } = schemas;

export const earlyStoppingOptions = z.strictObject({
  /** The log key watched (default `val_loss` when there is validation, else `loss`). */
  monitor: text().optional(),
  patience: positiveInt().optional(),
  minDelta: nonNegativeNumber().optional(),
  /** Put back the best weights seen when training stops. */
  restoreBestWeights: bool().optional(),
});
export type EarlyStoppingOptions = z.infer<typeof earlyStoppingOptions>;

export const checkpointOptions = z.strictObject({
  /** Save every this many epochs (default 1). */
  every: positiveInt().optional(),
  /** Save only when `monitor` improved. */
  saveBestOnly: bool().optional(),
  monitor: text().optional(),
});
export type CheckpointOptions = z.infer<typeof checkpointOptions>;

const stepLROptions = z.strictObject({ stepSize: positiveInt(), gamma: positiveNumber().optional() });
const cosineLROptions = z.strictObject({ tMax: positiveInt(), etaMin: nonNegativeNumber().optional() });
export type StepLROptions = z.infer<typeof stepLROptions>;
export type CosineLROptions = z.infer<typeof cosineLROptions>;

/** `stepLR(10, 0.5)` or `stepLR({ stepSize: 10, gamma: 0.5 })`, checked. */
export function stepLRArgs(a: number | StepLROptions, gamma?: number): { stepSize: number; gamma: number } {
  const o = parseOptions(stepLROptions, positional(a, 'stepLR', 'stepSize', { gamma }), 'stepLR');
  return { stepSize: o.stepSize, gamma: o.gamma ?? 0.1 };
}

/** `cosineLR(50)`, `cosineLR(50, 1e-5)` or `cosineLR({ tMax: 50, etaMin: 1e-5 })`, checked. */
export function cosineLRArgs(a: number | CosineLROptions, etaMin?: number): { tMax: number; etaMin: number } {
  const o = parseOptions(cosineLROptions, positional(a, 'cosineLR', 'tMax', { etaMin }), 'cosineLR');
  return { tMax: o.tMax, etaMin: o.etaMin ?? 0 };
}

function positional(a: unknown, where: string, first: string, rest: Record<string, number | undefined>): unknown {
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  if (typeof a === 'object' && a !== null) {
    if (Object.keys(given).length) throw new ConfigError(`${where}: give every option inside the options object, found a second argument too`);
    return a;
  }
  if (typeof a !== 'number') throw new ConfigError(`${where}: ${first} must be a positive integer (or an options object), found ${describeValue(a)}`);
  return { [first]: a, ...given };
}
