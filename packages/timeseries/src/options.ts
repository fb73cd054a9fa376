import { ConfigError } from '@rnn/core';
import type { Callback } from '@rnn/layers';
import { z } from 'zod';
import { CELLS } from './model.js';

const count = z.number().int().positive();
/** A part of the series: a fraction in [0, 1), or a whole number of steps (checked by splitSeries, whose message says both). */
const part = z.number();

/**
 * What `Forecaster.fit` takes. The defaults are `rnn train --csv`'s, chosen on the validation
 * parts of AirPassengers and CO2 (see packages/cli/src/workflows/timeseries/train.ts).
 */
export const forecastOptionsSchema = z.strictObject({
  /** Forecast steps 1..horizon from one forward pass (direct multi-output). */
  horizon: count.default(1),
  /** Seasonal period in steps; default: from the dates (12 for monthly data), 1 without dates. */
  season: count.optional(),
  /** Past steps the network reads per forecast; default: two seasons, at least 8. */
  window: count.optional(),
  /**
   * What the network predicts: `seasonal` the change over one season, `diff` the change over one
   * step, `none` the level; `auto`: seasonal when the training part repeats with the season.
   */
  transform: z.enum(['auto', 'seasonal', 'diff', 'none']).default('auto'),
  cell: z.enum(CELLS).default('lstm'),
  hidden: count.default(32),
  layers: count.default(1),
  /** At most this many epochs, with early stopping (`patience`). */
  epochs: count.default(300),
  /** Time budget: training stops at the end of the epoch that passes it. */
  minutes: z.number().positive().optional(),
  lr: z.number().positive().default(0.005),
  batchSize: count.default(16),
  clipNorm: z.number().positive().default(1),
  /** The validation part (after the training part; picks the best epoch): a fraction or a number of steps. */
  valSplit: part.default(0.15),
  /** The test part (the end of the series; only `evaluate()` reads it): a fraction or a number of steps. */
  testSplit: part.default(0.15),
  /** Stop after this many epochs without a better validation loss; the best epoch's weights are kept. */
  patience: count.default(40),
  seed: z.number().int().default(0),
  /** More callbacks for the training loop (a progress reporter, a logger); they run before early stopping. */
  callbacks: z.array(z.custom<Callback>((c) => typeof c === 'object' && c !== null, 'expected a callback object')).default([]),
  /**
   * How `rnn evaluate/forecast --csv` should read the series again from a CSV file (a filter, the
   * separator, missing cells); recorded in the model file. The CLI sets it; code rarely needs to.
   */
  csv: z
    .strictObject({ where: z.string().nullable().default(null), delimiter: z.string().nullable().default(null), missing: z.enum(['ffill', 'error']).default('ffill') })
    .default({ where: null, delimiter: null, missing: 'ffill' }),
});

export type ForecastOptions = z.input<typeof forecastOptionsSchema>;
export type ResolvedForecastOptions = z.output<typeof forecastOptionsSchema>;

/** Edit distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known key, when close enough to be a typo (`learningRate` → `lr` is listed separately). */
function closest(name: string, known: readonly string[]): string | null {
  const alias: Record<string, string> = { learningRate: 'lr', learning_rate: 'lr', units: 'hidden', hiddenSize: 'hidden', numLayers: 'layers', batch_size: 'batchSize', lookback: 'window' };
  if (alias[name]) return alias[name]!;
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(name, k);
    if (dd < bestD) [best, bestD] = [k, dd];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Options checked and defaults filled; an unknown key or a bad value is a ConfigError naming it. */
export function parseForecastOptions(o: unknown, where = 'Forecaster.fit'): ResolvedForecastOptions {
  const r = forecastOptionsSchema.safeParse(o ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0]!;
  const known = Object.keys(forecastOptionsSchema.shape);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const at = issue.path.length ? `${issue.path.join('.')}.` : '';
    const hint = issue.path.length ? null : closest(key, known);
    throw new ConfigError(`${where}: unknown option '${at}${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; options are: ${known.join(', ')}`);
  }
  const path = issue.path.join('.') || 'options';
  throw new ConfigError(`${where}: option '${path}': ${issue.message}`);
}
