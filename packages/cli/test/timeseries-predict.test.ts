import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Forecaster } from '@rnn/timeseries';
import { describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

// AirPassengers (data/airpassengers/SOURCE.md): the model run at every step of the series
const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const SEQUENCES = new URL('../../../data/indoor-movement/sequences.csv', import.meta.url).pathname;
const TARGET = 'passengers_thousands';

describe('rnn predict --csv', () => {
  const dir = tmp();
  const model = join(dir, 'air.safetensors');

  it('one row per origin and step ahead: forecast date, forecast, actual; the last origin is rnn forecast', async () => {
    expect((await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '3', '--epochs', '3', '--out', model])).code).toBe(0);
    const r = await run(['predict', '--csv', AIR, '--model', model]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`origin,h,month,${TARGET},actual`);
    // seasonal differences (lag 12) and a window of 24: the first origin is month 36 (1951-12)
    const origins = 144 - 35;
    expect(lines).toHaveLength(1 + 3 * origins);
    expect(lines[1]).toMatch(/^1951-12,1,1952-01,\d+(\.\d+)?,171$/);
    expect(lines[3]).toMatch(/^1951-12,3,1952-03,\d+(\.\d+)?,193$/);
    expect(lines.at(-3)).toMatch(/^1960-12,1,1961-01,\d+(\.\d+)?,$/);
    expect(lines.at(-1)).toMatch(/^1960-12,3,1961-03,\d+(\.\d+)?,$/);
    const fc = await run(['forecast', '--csv', AIR, '--model', model, '--steps', '3']);
    expect(lines.slice(-3).map((l) => l.split(',')[3])).toEqual(fc.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[1]));
    // and the library's backtest gives the same numbers
    const rows = readFileSync(AIR, 'utf8').trim().split('\n').slice(1);
    const f = await Forecaster.load(model);
    const bt = f.backtest({ name: TARGET, values: rows.map((l) => Number(l.split(',')[1])) });
    expect(bt.origins[0]).toBe(35);
    expect(Number(lines[2]!.split(',')[3])).toBe(+bt.forecasts[0]![1]!.toPrecision(7));
  });

  it('--output .json writes the rows as objects', async () => {
    const out = join(dir, 'fitted.json');
    const r = await run(['predict', '--csv', AIR, '--model', model, '--output', out]);
    expect(r.stdout).toBe(`wrote ${out}\n`);
    const rows = JSON.parse(readFileSync(out, 'utf8'));
    expect(rows[0]).toMatchObject({ origin: '1951-12', h: 1, month: '1952-01', actual: 171 });
    expect(rows.at(-1)).toMatchObject({ origin: '1960-12', h: 3, month: '1961-03', actual: null });
  });

  it('wrong input gets one clear line: a classifier CSV, a model of another workflow', async () => {
    const seq = await run(['predict', '--csv', SEQUENCES, '--model', model]);
    expect(seq.code).toBe(1);
    expect(seq.stderr).toMatch(/^rnn: --target 'passengers_thousands' is not a column of .*sequences\.csv; its columns are: seq_id, step, rss_anchor1, rss_anchor2, rss_anchor3, rss_anchor4\n$/);
    const cls = join(dir, 'cls.safetensors');
    const LABELS = new URL('../../../data/indoor-movement/labels.csv', import.meta.url).pathname;
    expect((await run(['train', '--sequences', SEQUENCES, '--labels', LABELS, '--out', cls, '--epochs', '1', '--hidden', '4'])).code).toBe(0);
    const wrong = await run(['predict', '--csv', AIR, '--model', cls]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`rnn: --model ${cls}: not a time-series model (its metadata has no "rnn.timeseries"); train one with rnn train --csv FILE --target COL, or Forecaster.fit\n`);
  });
});
