import { ConfigError, suggestName, synonymOf } from '@rnn/core';
import type { Callback } from '@rnn/layers';
import { z } from 'zod';
import { CELLS } from './model.js';

const count = z.number().int().positive();

/** Members of the default ensemble: see the seed-spread figures in docs/time-series-forecasting.md. */
export const DEFAULT_MEMBERS = 10;
export const MAX_MEMBERS = 64;
/**
 * The default ensemble's size is chosen from the data (see `ensembleSize`): enough members that
 * they see ENSEMBLE_WINDOWS training windows per epoch together, at least DEFAULT_MEMBERS, at most
 * AUTO_MAX_MEMBERS. A short series' members each see few windows and are cheap, and their median
 * is the noisier for it: on wwwusage (63 windows) three seeds of 10 members scored MASE 1.75–2.62
 * (spread 1.50), of 20 members 2.00–2.36 (1.18).
 */
export const ENSEMBLE_WINDOWS = 2400;
export const AUTO_MAX_MEMBERS = 24;
export const DEFAULT_WARMUP = 10;
/** Epochs on each side of the best one whose weights a network averages (`averageEpochs`; why this many: docs/time-series-forecasting.md, "Seed 7 on UKDriverDeaths"). */
export const DEFAULT_AVERAGE_EPOCHS = 10;
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
  transform: z.enum(['auto', 'seasonal', 'diff', 'none', 'es']).default('auto'),
  /**
   * How forecasts reach `horizon` steps: `direct` one output per step, `recursive` a one-step
   * network fed its own forecasts (the target alone, no features); `auto`: with `transform: 'auto'`
   * too, each candidate recipe trains one network and the lowest validation MASE is kept (see select.ts).
   */
  strategy: z.enum(['auto', 'direct', 'recursive']).default('auto'),
  /**
   * Networks in the ensemble, each with its own seed, window and loss; their median is the
   * forecast (see ensemble.ts). 1 is the single network of earlier versions. Left out: chosen
   * from the training windows (`ensembleSize`), 10 or more.
   */
  members: count.max(MAX_MEMBERS).optional(),
  /**
   * How the members' forecasts are combined: `iqm` the interquartile mean (the mean of the middle
   * half), `median` the median of earlier versions; the same for K ≤ 4 (see ensemble.ts).
   */
  combine: z.enum(['iqm', 'median']).default('iqm'),
  /**
   * Members 1..K−1 that read windows of one length train as one block-diagonal network in one
   * pass (batched.ts) instead of one after another; not with `minutes`, `augment` or callbacks.
   */
  batchMembers: z.boolean().default(false),
  /** Quantile heads for the 10 % and 90 % bounds next to the median: an 80 % interval around every forecast (see quantiles.ts). */
  intervals: z.boolean().default(true),
  /**
   * `theta`: forecast with the Theta method instead of the networks when it scores a lower MASE on
   * the validation part (a target without features only); `none`: always the networks.
   */
  fallback: z.enum(['theta', 'none']).default('theta'),
  /**
   * Augmentation of the training windows, redrawn every epoch (see augment.ts for each method and
   * what its strength means): `{ jitter: 0.05, mixup: 0.2 }`. Absent: none.
   */
  augment: z
    .strictObject({
      jitter: z.number().positive().max(10).optional(),
      scale: z.number().positive().max(10).optional(),
      'magnitude-warp': z.number().positive().max(10).optional(),
      'time-warp': z.number().positive().max(10).optional(),
      'window-slice': z.number().gt(0).lt(1).optional(),
      mixup: z.number().positive().max(10).optional(),
    })
    .optional(),
  cell: z.enum(CELLS).default('lstm'),
  hidden: count.default(32),
  layers: count.default(1),
  /** At most this many epochs, with early stopping (`patience`). */
  epochs: count.default(300),
  /** Time budget of the whole ensemble, split evenly over its members: each stops at the end of the epoch that passes its share. */
  minutes: z.number().positive().optional(),
  lr: z.number().positive().default(0.005),
  batchSize: count.default(16),
  clipNorm: z.number().positive().default(1),
  /** The validation part (after the training part; picks the best epoch): a fraction or a number of steps. */
  valSplit: part.default(0.15),
  /** The test part (the end of the series; only `evaluate()` reads it): a fraction or a number of steps. */
  testSplit: part.default(0.15),
  /** Stop after this many epochs without a better validation loss; the mean of the weights around the best epoch is kept (`averageEpochs`). */
  patience: count.default(40),
  seed: z.number().int().default(0),
  /**
   * Epochs early stopping does not pick from (unless training ends before): on a short validation
   * part the barely trained network of the first epochs often scores best and then wins for good.
   */
  warmup: z.number().int().nonnegative().default(DEFAULT_WARMUP),
  /**
   * Each network keeps the mean of its weights over the epochs best − N .. best + N instead of the
   * best epoch's alone (checkpoint averaging, see `keepBest`); 0: the best epoch's, as before.
   */
  averageEpochs: z.number().int().nonnegative().max(100).default(DEFAULT_AVERAGE_EPOCHS),
  /** More callbacks for the training loop of the first member (a progress reporter, a logger); they run before early stopping. Not for the candidate networks of the recipe choice (select.ts). */
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

/**
 * The members of an ensemble whose networks see `trainWindows` training windows each: the
 * `members` asked for, else ⌈ENSEMBLE_WINDOWS / trainWindows⌉ within DEFAULT_MEMBERS..AUTO_MAX_MEMBERS.
 * The budget is then about the same for every series: DEFAULT_MEMBERS networks on a series of
 * 120 windows or more, and a series too short for that gets more (cheaper) members instead.
 */
export function ensembleSize(members: number | undefined, trainWindows: number): number {
  if (members !== undefined) return members;
  return Math.min(AUTO_MAX_MEMBERS, Math.max(DEFAULT_MEMBERS, Math.ceil(ENSEMBLE_WINDOWS / Math.max(1, trainWindows))));
}

/** Options checked and defaults filled; an unknown key or a bad value is a ConfigError naming it. */
export function parseForecastOptions(o: unknown, where = 'Forecaster.fit'): ResolvedForecastOptions {
  const r = forecastOptionsSchema.safeParse(o ?? {});
  if (r.success) {
    const d = r.data;
    const clash = d.minutes !== undefined ? 'minutes' : d.augment && Object.keys(d.augment).length ? 'augment' : null;
    if (d.batchMembers && clash) {
      throw new ConfigError(`${where}: option 'batchMembers' trains several members in one pass, which '${clash}' cannot ${clash === 'minutes' ? 'share out' : 'redraw per member'}; drop one of them`);
    }
    return d;
  }
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0]!;
  const known = Object.keys(forecastOptionsSchema.shape);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const at = issue.path.length ? `${issue.path.join('.')}.` : '';
    // the shared synonym table (learningRate → lr, units → hidden, lookback → window, …), else a typo
    const hint = issue.path.length ? null : (synonymOf(key, known) ?? suggestName(key, known));
    throw new ConfigError(`${where}: unknown option '${at}${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; options are: ${known.join(', ')}`);
  }
  const path = issue.path.join('.') || 'options';
  throw new ConfigError(`${where}: option '${path}': ${issue.message}`);
}
