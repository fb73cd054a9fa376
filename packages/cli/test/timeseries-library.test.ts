import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Forecaster } from '@rnn/timeseries';
import { describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

// `rnn train --csv` is Forecaster.fit on the CSV's column: the same model file either way, and
// `rnn evaluate/forecast` read a model fitted in code as they read their own.
const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const TARGET = 'passengers_thousands';
const rows = readFileSync(AIR, 'utf8').trim().split('\n').slice(1);
const series = { name: TARGET, dateName: 'month', dates: rows.map((r) => r.split(',')[0]!), values: rows.map((r) => Number(r.split(',')[1])) };

describe('the library forecaster and the --csv workflow', () => {
  const dir = tmp();
  const cliModel = join(dir, 'cli.safetensors');
  const libModel = join(dir, 'lib.safetensors');
  let f: Forecaster;

  it('rnn train --csv writes byte for byte the model file Forecaster.fit + save writes', async () => {
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '6', '--epochs', '6', '--seed', '3', '--out', cliModel]);
    // stderr is not a terminal here: one progress line per epoch, nothing else
    expect(r.stderr.trimEnd().split('\n')).toEqual(Array.from({ length: 6 }, (_, i) => expect.stringMatching(new RegExp(`^train epoch ${i + 1}/6 loss `))));
    expect(r.code).toBe(0);
    f = await Forecaster.fit(series, { horizon: 6, epochs: 6, seed: 3 });
    await f.save(libModel);
    expect(Buffer.compare(readFileSync(cliModel), readFileSync(libModel))).toBe(0);
  });

  it('rnn forecast reads a model fitted in code: the forecasts of f.forecast', async () => {
    const r = await run(['forecast', '--model', libModel, '--csv', AIR, '--steps', '9', '--json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, string | number>[];
    const want = f.forecast(9);
    const dates = f.nextDates(9);
    expect(got.map((o) => o['month'])).toEqual(dates);
    expect(got.map((o) => o[TARGET])).toEqual(want.map((v) => +v.toPrecision(7)));
  });

  it('rnn evaluate on a model fitted in code prints the scores of f.evaluate()', async () => {
    const r = await run(['evaluate', '--model', libModel, '--csv', AIR, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const e = f.evaluate();
    expect(j.scores).toEqual({ lstm: e.scores.model, naive: e.scores.naive, 'seasonal naive': e.scores['seasonal naive'] });
    expect(j.range).toBe(e.range);
  });

  it('Forecaster.load reads a model of rnn train --csv', async () => {
    const g = await Forecaster.load(cliModel);
    const r = await run(['forecast', '--model', cliModel, '--csv', AIR, '--steps', '3', '--json']);
    expect((JSON.parse(r.stdout) as Record<string, number>[]).map((o) => o[TARGET])).toEqual(g.forecast(3, series).map((v) => +v.toPrecision(7)));
  });
});
