import type { Logs } from '@rnn/layers';
import { PALETTE, type LineChartSpec, type LineSeries } from '../../plot/index.js';
import { decimalYear, type Evaluation } from '@rnn/timeseries';
import type { Series } from './series.js';

/** Training and validation loss per epoch (log scale), the kept epoch marked. */
export function lossChart(logs: readonly Logs[], bestEpoch: number, target: string): LineChartSpec {
  const x = logs.map((_, i) => i + 1);
  const series: LineSeries[] = [{ name: 'training loss', x, y: logs.map((l) => l.loss), color: PALETTE[1]! }];
  if (logs.some((l) => l['val_loss'] !== undefined)) series.push({ name: 'validation loss', x, y: logs.map((l) => l['val_loss'] ?? NaN), color: PALETTE[2]! });
  return {
    title: `Training loss: ${target}`,
    subtitle: 'mean squared error of the scaled differences, per epoch',
    xLabel: 'epoch',
    yLabel: 'loss (MSE, log scale)',
    yLog: true,
    series,
    markers: bestEpoch >= 0 ? [{ x: bestEpoch + 1, label: `kept: epoch ${bestEpoch + 1}` }] : [],
  };
}

/** The x coordinate of each step: decimal years when the dates parse, else the step number (1-based). */
export function timeAxis(s: Series): { x: (i: number) => number; kind: 'year' | 'number'; label: string } {
  if (s.times) {
    const ts = s.times;
    const step = ts.length > 1 ? decimalYear(ts[ts.length - 1]!) - decimalYear(ts[ts.length - 2]!) : 1;
    return { x: (i) => (i < ts.length ? decimalYear(ts[i]!) : decimalYear(ts[ts.length - 1]!) + (i - ts.length + 1) * step), kind: 'year', label: s.date ?? 'date' };
  }
  return { x: (i) => i + 1, kind: 'number', label: s.date ?? 'step' };
}

/** Actual values of the test (or validation) part against the model's and the baselines' forecasts. */
export function evaluationChart(s: Series, e: Evaluation, name: string, context: number, interval: { level: number; lower: number[][]; upper: number[][] } | null = null): LineChartSpec {
  const ax = timeAxis(s);
  const y = s.values[0]!;
  const start = Math.max(0, e.from - context);
  const idx = Array.from({ length: e.to - start }, (_, k) => start + k);
  // forecasts made once every `h` steps, each for the next `h` (the last block from the last origin)
  const h = e.forecasts.model[0]!.length;
  const last = e.origins.length - 1;
  const pick = (f: number[][]) => {
    const steps = Array.from({ length: e.to - e.from }, (_, k) => e.from + k);
    const t0 = e.origins[0]!; // origins are consecutive steps
    const yv = steps.map((k) => {
      if (k <= t0) return NaN;
      const b = Math.min(last, h * Math.floor((k - t0 - 1) / h));
      return f[b]![k - t0 - b - 1] ?? NaN;
    });
    return { x: steps.map(ax.x), y: yv };
  };
  return {
    title: `${s.columns[0]}: ${e.part} forecasts vs actual`,
    subtitle: `${h === 1 ? 'one step ahead' : `forecasts made every ${h} steps, each for the next ${h}`}; MASE ${name} ${e.scores.model.mase.toFixed(3)}, seasonal naive ${e.scores['seasonal naive'].mase.toFixed(3)}, naive ${e.scores.naive.mase.toFixed(3)}`,
    xLabel: ax.label,
    yLabel: s.columns[0],
    xAxis: ax.kind,
    bands: [{ from: ax.x(e.from) - (ax.x(e.from) - ax.x(Math.max(0, e.from - 1))) / 2, to: ax.x(e.to - 1), label: `${e.part} part`, color: '#f1f1f1' }],
    series: [
      { name: 'actual', x: idx.map(ax.x), y: idx.map((i) => y[i]!), color: PALETTE[0]!, width: 2 },
      { name, ...pick(e.forecasts.model), color: PALETTE[2]!, width: 2.5 },
      ...bandLines(interval, pick),
      { name: 'seasonal naive', ...pick(e.forecasts['seasonal naive']), color: PALETTE[1]!, dash: true, width: 1.5 },
      { name: 'naive', ...pick(e.forecasts.naive), color: PALETTE[3]!, dash: true, width: 1.5 },
    ],
  };
}

/** The bounds of a prediction interval as two thin lines in the model's colour (the chart draws lines, not areas). */
function bandLines(interval: { level: number; lower: number[][]; upper: number[][] } | null, pick: (f: number[][]) => { x: number[]; y: number[] }): LineSeries[] {
  if (!interval) return [];
  const pct = Math.round(interval.level * 100);
  return [
    { name: `${pct} % interval, lower`, ...pick(interval.lower), color: PALETTE[2]!, width: 1 },
    { name: `${pct} % interval, upper`, ...pick(interval.upper), color: PALETTE[2]!, width: 1 },
  ];
}

/** The series and the forecast that continues it, with the interval's bounds up to the horizon when the model has them. */
export function forecastChart(
  s: Series,
  forecast: readonly number[],
  context: number,
  dates: readonly string[],
  horizon: number,
  interval: { level: number; lower: number[]; upper: number[] } | null = null,
): LineChartSpec {
  const ax = timeAxis(s);
  const y = s.values[0]!;
  const n = s.length;
  const start = Math.max(0, n - context);
  const hist = Array.from({ length: n - start }, (_, k) => start + k);
  const fx = [n - 1, ...forecast.map((_, k) => n + k)];
  return {
    title: `${s.columns[0]}: ${forecast.length}-step forecast`,
    subtitle: `after ${s.dates ? s.dates[n - 1] : `step ${n}`}, through ${dates[dates.length - 1] ?? ''}${forecast.length > horizon ? `; beyond ${horizon} step${horizon === 1 ? '' : 's'} the forecasts are fed back in (recursive)` : ''}`,
    xLabel: ax.label,
    yLabel: s.columns[0],
    xAxis: ax.kind,
    bands: [{ from: ax.x(n - 1), to: ax.x(n - 1 + forecast.length), label: 'forecast', color: '#f1f1f1' }],
    series: [
      { name: 'history', x: hist.map(ax.x), y: hist.map((i) => y[i]!), color: PALETTE[0]!, width: 2 },
      { name: 'forecast', x: fx.map(ax.x), y: [y[n - 1]!, ...forecast], color: PALETTE[2]!, width: 2.5 },
      ...bandLines(
        interval && { level: interval.level, lower: [[y[n - 1]!, ...interval.lower.slice(0, forecast.length)]], upper: [[y[n - 1]!, ...interval.upper.slice(0, forecast.length)]] },
        (f) => ({ x: f[0]!.map((_, k) => ax.x(n - 1 + k)), y: f[0]! }),
      ),
    ],
  };
}
