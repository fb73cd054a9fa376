import { ConfigError, ValueError } from '@rnn/core';
import { Sequential, type History } from '@rnn/layers';
import { nextDates } from './dates.js';
import { evaluatePart, scoreTable, type Evaluation } from './evaluation.js';
import { seriesData, type SeriesData, type SeriesInput } from './input.js';
import { META_KEY, readMeta, type TimeseriesMeta } from './meta.js';
import { parseForecastOptions, type ForecastOptions } from './options.js';
import { OPTION_KEYS, planForecast, type ForecastPlan, type OptionNames } from './plan.js';
import { forecastAhead, predictFrom, predictQuantilesFrom } from './predict.js';
import { origins } from './split.js';
import { theta } from './classical/theta.js';
import { INTERVAL_LEVEL } from './quantiles.js';
import { coverage, msis } from './intervals.js';
import { MEMBERS_KEY, combineOf, membersFromMetadata, membersToMetadata, type Member } from './ensemble.js';
import { trainMembers } from './members.js';
import type { Scaler } from './scaler.js';
import { candidatesNote, selectRecipe } from './select.js';
import { keysText, newSeriesScaler, planGlobal } from './global.js';

/** How messages name things: option keys in code (the default), flags at the command line. */
export interface Names extends OptionNames {
  steps: string;
}
const CODE_NAMES: Names = { ...OPTION_KEYS, steps: 'steps' };

/** A scored part of the series: the model against naive and seasonal naive, from the same origins. */
export interface ForecastEvaluation extends Evaluation {
  /** The model's row in the table: its cell (`lstm`). */
  label: string;
  /** The dates (or steps) the part spans: `1959-01 .. 1960-12`. */
  range: string;
  horizon: number;
  /** MAE, RMSE and MASE of the three forecasts as an aligned text table, the best MASE marked; then the interval's line. */
  table: string;
  /** The model's interval from its quantile heads (null for a model without them): bounds per origin like `forecasts`, scored. */
  interval: Interval | null;
}

/** A central prediction interval around the forecasts from some origins, and how it scored. */
export interface Interval {
  /** Nominal coverage: 0.8 for the 10–90 % heads. */
  level: number;
  lower: number[][];
  upper: number[][];
  /** Fraction of the actual values inside. */
  coverage: number;
  /** M4's mean scaled interval score at this level (NaN without a MASE scale). */
  msis: number;
}

export interface EvaluateOptions {
  /** Which held-out part to score (default `test`, the end of the series). */
  part?: 'test' | 'validation';
  /** Seasonal period of the seasonal-naive forecast and of MASE's scale (default: the model's). */
  season?: number;
  /** The series to score on (default: the one the forecaster was fit on); its end is the test part. */
  data?: SeriesInput;
}

/**
 * A recurrent forecaster with the recipe of `rnn train --csv` in one call: what the network
 * predicts (the level, the change over one step, or over one season: chosen from the training
 * part), scaling fitted on the training part only, windows of past steps, a validation part for
 * early stopping, a test part at the end scored against the naive and seasonal-naive forecasts.
 *
 * ```ts no-run
 * const f = await Forecaster.fit({ values, dates }, { horizon: 12 });
 * console.log(f.evaluate().table); // MASE below 1: better than seasonal naive
 * const next = f.forecast(24);     // beyond the horizon, forecasts are fed back in
 * await f.save('air.safetensors'); // the file `rnn forecast --model` reads
 * ```
 */
export class Forecaster {
  private constructor(
    /** The network: recurrent layers reading the window, one linear output per horizon step. */
    readonly model: Sequential,
    /** What the model file records besides the weights: columns, season, transform, scaler, split. */
    readonly meta: TimeseriesMeta,
    private series: SeriesData | null,
    /** The training history, for a forecaster trained in this process. */
    readonly history: History | null,
    /** The best epoch (0-based) on the validation part, for a forecaster trained in this process. */
    readonly bestEpoch: number | null,
    private readonly names: Names,
    /** The ensemble: member 0 is `model`; the forecast combines the members' (`meta.combine`). */
    readonly members: readonly Member[],
  ) {
    if (members.length > 1) this.model.metadata = { ...this.model.metadata, [MEMBERS_KEY]: membersToMetadata(members) };
  }

  /** A global model's training series (see global.ts); null for a model of one series. */
  private training: SeriesData[] | null = null;

  /**
   * The recipe for one series: a global model's scaler is that of the series (by its `key`, the
   * value of the series column), or for a series it never saw, one fitted on that series' own steps
   * before its validation and test parts, as the training series' were.
   */
  private metaFor(s: SeriesData): TimeseriesMeta {
    const g = this.meta.global;
    if (!g) return this.meta;
    const k = s.key === null ? -1 : g.keys.indexOf(s.key);
    if (k >= 0) return { ...this.meta, scaler: g.scalers[k]! };
    return { ...this.meta, scaler: newSeriesScaler(s, this.meta) };
  }

  /** The scaler the network reads a series with: the model's, or for a global model that of the series (see `metaFor`). */
  scalerFor(data: SeriesInput): Scaler {
    return this.metaFor(this.seriesOf(data, 'scalerFor')).scaler;
  }

  /** Steps of history a forecast reads: the lag of the transform and the longest member's window. */
  private get reach(): number {
    return this.meta.lag + Math.max(...this.members.map((m) => m.window));
  }

  /** The ensemble's interval `[origins][horizon]`: each bound head combined over the members as the forecasts are; null without heads. */
  private bandAt(values: readonly Float64Array[], ts: readonly number[], meta: TimeseriesMeta = this.meta): { level: number; lower: number[][]; upper: number[][] } | null {
    if (this.meta.choice?.method === 'theta') {
      const fs = ts.map((t) => this.thetaFrom(values, t, this.meta.horizon));
      return { level: INTERVAL_LEVEL, lower: fs.map((f) => f.lower), upper: fs.map((f) => f.upper) };
    }
    const q = this.meta.quantiles;
    if (!q) return null;
    const runs = this.members.map((m) => predictQuantilesFrom(m.model, { ...meta, window: m.window }, values, ts));
    const lo = q.indexOf(Math.min(...q));
    const hi = q.indexOf(Math.max(...q));
    const how = this.meta.combine ?? 'median';
    const mid = combineOf(runs.map((r) => r[q.indexOf(0.5)]!), how);
    const c = this.meta.intervalScale ?? 1;
    const widen = (b: number[][]) => b.map((row, i) => row.map((v, h) => mid[i]![h]! + c * (v - mid[i]![h]!)));
    return { level: q[hi]! - q[lo]!, lower: widen(combineOf(runs.map((r) => r[lo]!), how)), upper: widen(combineOf(runs.map((r) => r[hi]!), how)) };
  }

  /**
   * Calibrate the interval on the validation part (split conformal prediction, Vovk et al. 2005;
   * Romano et al. 2019 for quantile heads): the heads are fitted to the training windows, whose
   * errors are smaller than those of new data, so their bounds come out too narrow. Each
   * validation value needs the factor `r = (y − median) / (bound − median)` on the bounds' distance
   * from the median to be covered; the factor kept is the `level` quantile of the n values of r
   * (linear interpolation between order statistics; at least 0.5, at most 10), so that a new value
   * is covered with probability about `level` when the validation part is like what follows.
   * Split conformal prediction's own choice, the ⌈(n+1)·level⌉-th smallest, guarantees at least
   * `level`, but on validation parts of 12–60 values it errs wide by a step of 1/n or more (it
   * covered 83–86 % of the bundled series' test points at 80 %); an 80 % interval is meant to
   * cover 80 %. Recorded in the model file as `intervalScale`.
   */
  private calibrate(): void {
    const { split, quantiles } = this.meta;
    if (!quantiles || !this.series || split.val === 0) return;
    const r: number[] = [];
    let level = 0;
    // a global model: the validation parts of all its series together
    for (const series of this.training ?? [this.series]) {
      const n = series.length;
      const from = n - split.test - split.val;
      const to = n - split.test;
      const ts = origins(from, to, { ...this.meta, window: this.reach - this.meta.lag });
      if (!ts.length) continue;
      const meta = this.metaFor(series);
      const y = series.values[0]!;
      const b = this.bandAt(series.values, ts, meta)!;
      const mid = this.predictAt(series.values, ts, meta);
      level = b.level;
      ts.forEach((t, i) =>
        mid[i]!.forEach((m, h) => {
          const v = y[t + 1 + h]!;
          const bound = v < m ? b.lower[i]![h]! : b.upper[i]![h]!;
          r.push(v === m ? 0 : bound === m ? 10 : (v - m) / (bound - m));
        }),
      );
    }
    if (!r.length) return;
    this.meta.intervalScale = intervalScaleFor(r, level);
    this.model.metadata = { ...this.model.metadata, [META_KEY]: JSON.stringify(this.meta) };
  }

  /** The interval of the next `horizon` steps after the end of the series (null without quantile heads). */
  forecastInterval(data?: SeriesInput): { level: number; lower: number[]; upper: number[] } | null {
    const s = this.seriesOf(data, 'forecastInterval');
    const b = this.bandAt(s.values, [s.length - 1], this.metaFor(s));
    return b && { level: b.level, lower: b.lower[0]!, upper: b.upper[0]! };
  }

  /** The ensemble's forecasts `[origins][horizon]` in original units: its members' combined (`meta.combine`: the interquartile mean, or the median of older files). */
  private networkAt = (values: readonly Float64Array[], ts: readonly number[], meta: TimeseriesMeta = this.meta): number[][] =>
    combineOf(
      this.members.map((m) => predictFrom(m.model, { ...meta, window: m.window }, values, ts)),
      this.meta.combine ?? 'median',
    );

  /** The Theta method fitted on steps 0..t of the target, `steps` ahead. */
  private thetaFrom(values: readonly Float64Array[], t: number, steps: number) {
    return theta(Array.from(values[0]!.subarray(0, t + 1)), { season: this.meta.season, horizon: steps, level: INTERVAL_LEVEL });
  }

  private thetaAt = (values: readonly Float64Array[], ts: readonly number[]): number[][] => ts.map((t) => this.thetaFrom(values, t, this.meta.horizon).mean);

  /** What forecasts: the networks, or Theta where the validation part chose it (see `choose`). */
  private predictAt = (values: readonly Float64Array[], ts: readonly number[], meta: TimeseriesMeta = this.meta): number[][] =>
    this.meta.choice?.method === 'theta' ? this.thetaAt(values, ts) : this.networkAt(values, ts, meta);

  /**
   * The hybrid's choice: the networks, or the Theta method (the M4 benchmark, refitted at every
   * origin) when it scores a lower MASE on the validation part. Networks learn little from a short
   * series; there the statisticians' method is the better bet, and the validation part says where.
   */
  private choose(): void {
    const { split, season } = this.meta;
    if (!this.series || this.training || split.val === 0 || this.series.columns.length > 1) return;
    const n = this.series.length;
    const [from, to] = [n - split.test - split.val, n - split.test];
    const meta = { ...this.meta, window: this.reach - this.meta.lag };
    let net: number;
    let th: number;
    try {
      net = evaluatePart(this.networkAt, meta, this.series.values, from, to, season, 'validation').scores.model.mase;
      th = evaluatePart(this.thetaAt, meta, this.series.values, from, to, season, 'validation').scores.model.mase;
    } catch {
      return; // too short a part, or a series Theta cannot fit: the networks stay
    }
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    this.meta.choice = { method: th < net ? 'theta' : 'network', network: finite(net), theta: finite(th) };
    this.model.metadata = { ...this.model.metadata, [META_KEY]: JSON.stringify(this.meta) };
  }

  /** What forecasts and why, in a sentence (null when nothing was chosen). */
  choiceNote(): string | null {
    const c = this.meta.choice;
    if (!c || c.network === null || c.theta === null) return null;
    return c.method === 'theta'
      ? `forecasting with the Theta method: on the validation part its MASE ${c.theta.toFixed(3)} beat the networks' ${c.network.toFixed(3)}`
      : `forecasting with the networks: on the validation part their MASE ${c.network.toFixed(3)} beat the Theta method's ${c.theta.toFixed(3)}`;
  }

  /** Check the series and options and build everything up to training (see `ForecastPlan`); `fit` is `prepare` + `model.fit` + `fromPlan`. */
  static prepare(data: SeriesInput, options: ForecastOptions = {}, names: OptionNames = OPTION_KEYS): ForecastPlan & { series: SeriesData } {
    const o = parseForecastOptions(options);
    const series = seriesData(data);
    return { ...planForecast(series, o, names), series };
  }

  /** The forecaster of a plan once its model is trained. */
  static fromPlan(plan: ForecastPlan & { series: SeriesData }, history: History | null = null, names: Partial<Names> = {}, members?: readonly Member[], training?: readonly SeriesData[]): Forecaster {
    plan.model.metadata = { ...plan.model.metadata, [META_KEY]: JSON.stringify(plan.meta) };
    const all = members ?? [{ seed: 0, window: plan.meta.window, loss: 'mse' as const, model: plan.model, bestEpoch: plan.best.bestEpoch }];
    const f = new Forecaster(plan.model, plan.meta, plan.series, history, plan.best.bestEpoch, { ...CODE_NAMES, ...names }, all);
    if (plan.meta.global) f.training = [...(training ?? [plan.series])];
    f.calibrate();
    if (plan.fallback === 'theta') f.choose();
    return f;
  }

  /**
   * Fit a forecaster on a series: the values alone, or `{ values, dates, name, features }`. The
   * recipe (transform, direct or recursive) is chosen on the validation part where the options
   * leave it open (see select.ts), then the ensemble is trained with it.
   */
  static async fit(data: SeriesInput, options: ForecastOptions = {}): Promise<Forecaster> {
    const o = parseForecastOptions(options);
    const series = seriesData(data);
    const sel = await selectRecipe(series, o, OPTION_KEYS);
    const fixed = { ...o, ...sel.chosen };
    // the candidates trained with SELECTION_SEED and SELECTION_EPOCHS; member 0 trains with the run's own (and the user's callbacks)
    const plan = planForecast(series, fixed, OPTION_KEYS);
    if (sel.plan.meta.candidates) plan.meta.candidates = sel.plan.meta.candidates;
    if (sel.plan.meta.candidateNetworks) plan.meta.candidateNetworks = sel.plan.meta.candidateNetworks;
    const history = await plan.model.fit(plan.x, plan.y, { ...plan.fitOptions, callbacks: [...o.callbacks, ...plan.callbacks] });
    const members = await trainMembers(plan, series, fixed);
    return Forecaster.fromPlan({ ...plan, series }, history, {}, members);
  }

  /**
   * One network over many series (a global model, see global.ts): `collection` maps each series'
   * key (its value in the series column, `AAPL`) to the series; `column` names that column in the
   * model file. Forecast or score any of them, or a new one, by passing `{ …, key }`.
   */
  static async fitGlobal(collection: Record<string, SeriesInput> | ReadonlyMap<string, SeriesInput>, options: ForecastOptions = {}, column = 'series', names: OptionNames = OPTION_KEYS): Promise<Forecaster> {
    const o = parseForecastOptions(options);
    const entries = collection instanceof Map ? [...collection] : Object.entries(collection);
    const list = entries.map(([key, input]) => {
      const base = typeof input === 'object' && input !== null && 'values' in input ? input : { values: input as ArrayLike<number> };
      return seriesData({ ...base, key });
    });
    const plan = planGlobal(list, o, column, names);
    const history = await plan.model.fit(plan.x, plan.y, { ...plan.fitOptions, callbacks: [...o.callbacks, ...plan.callbacks] });
    const fixed = { ...o, transform: plan.meta.transform, strategy: plan.meta.strategy ?? 'direct' };
    const members = await trainMembers(plan, list[0]!, fixed, names, { plan: (m) => planGlobal(list, { ...fixed, ...m }, column, names) });
    return Forecaster.fromPlan({ ...plan, series: list[0]! }, history, {}, members, list);
  }

  /** A model file written by `save` or by `rnn train --csv`. */
  static async load(path: string): Promise<Forecaster> {
    return Forecaster.fromModel(await Sequential.load(path), path);
  }

  /** A loaded `Sequential` with time-series metadata; `where` names it in errors. */
  static fromModel(model: Sequential, where = 'model', names: Partial<Names> = {}): Forecaster {
    const meta = readMeta(model, where);
    const first: Member = { seed: 0, window: meta.window, loss: 'mse', model, bestEpoch: -1 };
    return new Forecaster(model, meta, null, null, null, { ...CODE_NAMES, ...names }, [first, ...membersFromMetadata(model, meta, where)]);
  }

  /** Write the model file (safetensors with the recipe in its metadata), the one `rnn evaluate/forecast` read. */
  async save(path: string): Promise<void> {
    await this.model.save(path);
  }

  /** The series to read: `data` if given, else the one fit on; it must have the model's columns. */
  private seriesOf(data: SeriesInput | undefined, what: string): SeriesData {
    if (data === undefined) {
      if (this.training) {
        throw new ConfigError(`${what}: this global model was fit on ${this.training.length} series (${keysText(this.training.map((t) => t.key!))}); pass the one to read: ${what}(…, { values, dates, key })`);
      }
      if (!this.series) throw new ConfigError(`${what}: this forecaster was loaded from a file and holds no series; pass it: ${what}(…, { values, dates })`);
      return this.series;
    }
    const s = seriesData(data);
    const m = this.meta;
    const given = s.columns.slice(1).join(', ');
    if (s.columns.length !== m.columns.length || s.columns.slice(1).some((c, k) => c !== m.columns[k + 1])) {
      throw new ValueError(
        `${what}: the model reads the columns ${m.columns.map((c) => `'${c}'`).join(', ')} (the target, then its features); ` +
          `the series given has ${given ? `features ${given}` : 'no features'}`,
      );
    }
    const need = this.reach;
    if (s.length < need) throw new ValueError(`${what}: the model reads ${need - m.lag} steps${m.lag ? ` of ${m.lag}-step differences` : ''}, so it needs at least ${need} values; found ${s.length}`);
    return s;
  }

  /**
   * The next `steps` values after the end of the series (default: the horizon), in its units.
   * Up to the horizon they come from one forward pass (direct); beyond it the forecasts are fed
   * back in (recursive), which needs the target to be the only input.
   */
  forecast(steps: number = this.meta.horizon, data?: SeriesInput): number[] {
    if (!Number.isInteger(steps) || steps < 1) throw new ConfigError(`forecast: steps must be a positive integer, found ${steps}`);
    const s = this.seriesOf(data, 'forecast');
    if (steps > this.meta.horizon && s.columns.length > 1) {
      throw new ConfigError(
        `${this.names.steps} ${steps} is beyond the model's horizon (${this.meta.horizon}), and forecasting further needs future values of ` +
          `${this.meta.columns.slice(1).map((c) => `'${c}'`).join(', ')}, which are not known; forecast ${this.meta.horizon} steps or fit on the target alone`,
      );
    }
    if (this.meta.choice?.method === 'theta') return this.thetaFrom(s.values, s.length - 1, steps).mean;
    const m = this.metaFor(s);
    return forecastAhead((v, ts) => this.predictAt(v, ts, m), m, s.values, steps);
  }

  /**
   * The model's forecasts from every step of the series that has a full window behind it
   * (`origins[i]` is the last step it reads, 0-based): the fitted values a backtest plots. The
   * last origin is the end of the series, so its forecasts are the next `horizon` steps.
   */
  backtest(data?: SeriesInput): { origins: number[]; forecasts: number[][] } {
    const s = this.seriesOf(data, 'backtest');
    const first = this.reach - 1;
    const origins = Array.from({ length: s.length - first }, (_, k) => first + k);
    return { origins, forecasts: this.predictAt(s.values, origins, this.metaFor(s)) };
  }

  /** The dates of the next `steps` steps, in the style of the series' own (`1961-01`), or `+1, +2…` without dates. */
  nextDates(steps: number = this.meta.horizon, data?: SeriesInput): string[] {
    const s = this.seriesOf(data, 'nextDates');
    return s.dates ? nextDates(s.dates[s.length - 1]!, s.frequency, steps) : Array.from({ length: steps }, (_, k) => String(s.length + k + 1));
  }

  /**
   * Score the held-out test part (or the validation part) against the naive and seasonal-naive
   * forecasts from the same origins: MAE, RMSE and MASE (the MAE over the in-sample MAE of the
   * seasonal-naive forecast before the part; below 1 beats it). The parts are those of training,
   * counted from the end of the series.
   */
  evaluate(o: EvaluateOptions = {}): ForecastEvaluation {
    const known = ['part', 'season', 'data'];
    const unknown = Object.keys(o).find((k) => !known.includes(k));
    if (unknown !== undefined) throw new ConfigError(`evaluate: unknown option '${unknown}'; options are: ${known.join(', ')}`);
    const part = o.part ?? 'test';
    if (part !== 'test' && part !== 'validation') throw new ConfigError(`evaluate: part must be 'test' or 'validation', found '${String(part)}'`);
    const season = o.season ?? this.meta.season;
    if (!Number.isInteger(season) || season < 1) throw new ConfigError(`evaluate: season must be a positive integer, found ${season}`);
    const s = this.seriesOf(o.data, 'evaluate');
    const { split } = this.meta;
    const size = part === 'test' ? split.test : split.val;
    if (size === 0) {
      const key = part === 'test' ? this.names.testSplit : this.names.valSplit;
      throw new ConfigError(`the model was trained with no ${part} part (${key} 0), so there is nothing to score`);
    }
    const n = s.length;
    const [from, to] = part === 'test' ? [n - split.test, n] : [n - split.test - split.val, n - split.test];
    if (from < 1) throw new ValueError(`evaluate: the series has ${n} steps, fewer than the model's ${part} part needs (${size}) plus one before it`);
    const m = this.metaFor(s);
    const e = evaluatePart((v, ts) => this.predictAt(v, ts, m), { ...m, window: this.reach - this.meta.lag }, s.values, from, to, season, part);
    const label = this.meta.choice?.method === 'theta' ? 'theta' : this.model.config().layers[0]!.type;
    const range = s.dates ? `${s.dates[from]} .. ${s.dates[to - 1]}` : `steps ${from + 1}..${to}`;
    const band = this.bandAt(s.values, e.origins, m);
    let interval: Interval | null = null;
    let table = scoreTable(e, label);
    if (band) {
      const actual = e.origins.flatMap((t) => Array.from(s.values[0]!.subarray(t + 1, t + 1 + this.meta.horizon)));
      const lower = band.lower.flat();
      const upper = band.upper.flat();
      interval = { ...band, coverage: coverage(actual, lower, upper), msis: msis(actual, lower, upper, band.level, e.scale) };
      const pct = (v: number) => `${Math.round(v * 100)} %`;
      table += `\n${pct(band.level)} interval (${this.meta.choice?.method === 'theta' ? "the Theta method's" : 'quantile heads'}): covers ${pct(interval.coverage)} of the ${actual.length} actual values; MSIS ${Number.isNaN(interval.msis) ? 'n/a' : interval.msis.toFixed(3)}`;
    }
    const recipe = candidatesNote(this.meta);
    if (recipe) table += `\n${recipe}`;
    const why = this.choiceNote();
    if (why) table += `\n${why}`;
    return { ...e, label, range, horizon: this.meta.horizon, table, interval };
  }
}

/** The calibrated factor on the bounds' distance from the median: the `level` quantile of the validation values' needed factors `r`, within [0.5, 10] (see `calibrate`). */
export function intervalScaleFor(r: readonly number[], level: number): number {
  const sorted = [...r].sort((p, q) => p - q);
  return Math.min(10, Math.max(0.5, quantileOfSorted(sorted, level)));
}

/** The `p` quantile of ascending `xs` by linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantileOfSorted(xs: readonly number[], p: number): number {
  const pos = (xs.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.min(xs.length - 1, lo + 1);
  return xs[lo]! + (pos - lo) * (xs[hi]! - xs[lo]!);
}
