import { ValueError } from '@rnn/core';
import { Forecaster, keysText, type ForecastOptions, type SeriesInput } from '@rnn/timeseries';
import type { Io } from '../../command.js';
import { UsageError } from '../../flags.js';
import { progressCallback } from '../../progress.js';
import { columnIndex, readCsvFile } from './csv.js';
import { FLAG_NAMES, seriesInput } from './open.js';
import { saveModel } from '../outputs.js';
import { loadSeries, type SeriesSpec } from './series.js';

/** Flags a global model does not take, each with why. */
const NOT_GLOBAL: Record<string, string> = {
  where: 'it trains on every series of the column; pick one at evaluate/forecast time with --where',
  checkpoint: 'checkpoints hold one series’ training; train a global model in one run',
  resume: 'checkpoints hold one series’ training; train a global model in one run',
  plot: 'the loss chart is drawn for one series’ training only',
};

/** Every series of a long-format CSV: one per value of `column`, in the order they first appear. */
export function loadCollection(path: string, column: string, spec: Omit<SeriesSpec, 'where'>, io: Io): Map<string, SeriesInput> {
  const t = readCsvFile(path, '--csv', { delimiter: spec.delimiter });
  const k = columnIndex(t, column, '--series-column');
  if (column === spec.target || spec.features?.includes(column)) throw new ValueError(`--series-column '${column}' is also the target or a feature; it names the series, so it cannot be an input`);
  const keys = [...new Set(t.rows.map((r) => r[k]!.trim()))];
  const out = new Map<string, SeriesInput>();
  for (const key of keys) {
    if (key.includes('=')) throw new ValueError(`--series-column '${column}': the value '${key}' holds '=', which --where ${column}=VALUE cannot name; rename it`);
    const s = loadSeries(path, { ...spec, where: `${column}=${key}` });
    for (const n of s.notes) io.stderr.write(`rnn: note: series '${key}': ${n}\n`);
    out.set(key, { ...seriesInput(s), key });
  }
  return out;
}

/**
 * `rnn train --csv --series-column COL`: one network over every series of a long-format file, each
 * series scaled by its own training part (see @rnn/timeseries global.ts); the summary gives each
 * series' validation MASE.
 */
export async function runGlobal(
  v: { csv: string; 'series-column': string; json?: boolean; verbose?: boolean; out: string; where?: string; checkpoint?: string; resume?: string; plot?: string },
  spec: Omit<SeriesSpec, 'where'>,
  options: ForecastOptions,
  io: Io,
): Promise<void> {
  for (const [name, why] of Object.entries(NOT_GLOBAL)) {
    if ((v as Record<string, unknown>)[name] !== undefined) throw new UsageError(`--${name} cannot be used with --series-column: ${why}`);
  }
  const column = v['series-column'];
  const collection = loadCollection(v.csv, column, spec, io);
  const t0 = performance.now();
  const f = await Forecaster.fitGlobal(collection, { ...options, callbacks: [progressCallback(io, { json: v.json, label: 'train' })] }, column, FLAG_NAMES);
  const seconds = (performance.now() - t0) / 1000;
  const saved = await saveModel(io, 'out', v.out, (p) => f.save(p));
  const m = f.meta;
  const perSeries = [...collection].map(([key, data]) => {
    const e = m.split.val ? f.evaluate({ part: 'validation', data }) : null;
    return { key, steps: (data as { values: ArrayLike<number> }).values.length, mase: e ? e.scores.model.mase : null, seasonalNaive: e ? e.scores['seasonal naive'].mase : null };
  });
  if (v.json) {
    io.stdout.write(
      JSON.stringify({
        event: 'done',
        global: { column, series: perSeries },
        seconds: +seconds.toFixed(2),
        transform: m.transform,
        strategy: m.strategy ?? 'direct',
        window: m.window,
        horizon: m.horizon,
        season: m.season,
        split: { val: m.split.val, test: m.split.test },
        members: f.members.length,
        out: saved.path,
      }) + '\n',
    );
  } else {
    const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
    io.stdout.write(
      `trained one global model over ${collection.size} series of '${column}' (${keysText([...collection.keys()])}) in ${seconds.toFixed(1)}s: ` +
        `${f.members.length} network${f.members.length === 1 ? '' : 's'}, windows of ${m.window} steps, horizon ${m.horizon}${m.strategy === 'recursive' ? ' (recursive)' : ''}, ` +
        `${m.transform === 'none' ? 'levels' : `${m.transform} differences (lag ${m.lag})`}, each series scaled on its own training part\n` +
        (m.split.val ? `validation MASE per series (seasonal naive in brackets):\n${perSeries.map((p) => `  ${p.key}: ${fmt(p.mase)} (${fmt(p.seasonalNaive)})`).join('\n')}\n` : '') +
        `wrote ${saved.path}\n`,
    );
  }
  if (saved.error) throw saved.error;
}
