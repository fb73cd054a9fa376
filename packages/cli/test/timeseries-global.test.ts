import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '@rnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

const LONG = new URL('../../../data/r-datasets/deaths-long.csv', import.meta.url).pathname;
const DEATHS = new URL('../../../data/r-datasets/usaccdeaths.csv', import.meta.url).pathname;
const base = ['--target', 'deaths', '--horizon', '6', '--val-split', '12', '--test-split', '12', '--epochs', '3', '--hidden', '4', '--members', '1'];

describe('rnn train --csv --series-column: one global model over the series of a long-format file', () => {
  const dir = tmp();
  const model = join(dir, 'global.safetensors');
  let trained: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    trained = await run(['train', '--csv', LONG, '--series-column', 'series', ...base, '--out', model]);
  });

  it('trains across every series, each with its own scaler, and gives each validation MASE', () => {
    expect(trained.stderr).not.toMatch(/rnn: (?!warning)/);
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/^trained one global model over 3 series of 'series' \(ldeaths, usaccdeaths, ukdriverdeaths\)/);
    expect(trained.stdout).toMatch(/^ {2}usaccdeaths: \d+\.\d{3} \(\d+\.\d{3}\)$/m);
    const meta = JSON.parse(readModelFile(new Uint8Array(readFileSync(model)), model).metadata['rnn.timeseries']!);
    expect(meta.global.column).toBe('series');
    expect(meta.global.keys).toEqual(['ldeaths', 'usaccdeaths', 'ukdriverdeaths']);
    // usaccdeaths (about 9,000 a month) and ldeaths (about 2,000) each scaled by their own training part
    expect(meta.global.scalers).toHaveLength(3);
    expect(meta.global.scalers[1]).not.toEqual(meta.global.scalers[0]);
  });

  it('evaluate and forecast pick a series with --where; the same model reads it as a one-series file', async () => {
    const e = await run(['evaluate', '--model', model, '--csv', LONG, '--where', 'series=usaccdeaths', '--json']);
    expect(e.code).toBe(0);
    const one = await run(['evaluate', '--model', model, '--csv', DEATHS, '--json']);
    // a file without the series column is a new series, scaled on its own steps before the parts, as in training: the same forecasts
    expect(one.code).toBe(0);
    const [a, b] = [JSON.parse(e.stdout), JSON.parse(one.stdout)];
    expect(a.scores['seasonal naive']).toEqual(b.scores['seasonal naive']);
    expect(a.scores.lstm).toEqual(b.scores.lstm);
    const f = await run(['forecast', '--model', model, '--csv', LONG, '--where', 'series=ldeaths', '--steps', '3']);
    expect(f.code).toBe(0);
    expect(f.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('without --where it says which series there are (exit 2)', async () => {
    const r = await run(['evaluate', '--model', model, '--csv', LONG]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "rnn: this model is global over the series column 'series' (ldeaths, usaccdeaths, ukdriverdeaths); pick one with --where series=VALUE (a value it did not train on is a new series)",
    );
    const w = await run(['forecast', '--model', model, '--csv', LONG, '--where', 'month=1974-01']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/^rnn: --where month=1974-01: this global model's series column is 'series'; pass --where series=VALUE\n$/);
  });

  it('refuses an unknown series column, naming the columns', async () => {
    const r = await run(['train', '--csv', LONG, '--series-column', 'symbol', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnn: --series-column 'symbol' is not a column of .*deaths-long\.csv; its columns are: series, month, deaths\n$/);
  });

  it('refuses the flags a global model does not take, by name (exit 2)', async () => {
    const r = await run(['train', '--csv', LONG, '--series-column', 'series', '--where', 'series=ldeaths', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rnn: --where cannot be used with --series-column: it trains on every series of the column/);
    const c = await run(['train', '--csv', LONG, '--series-column', 'series', ...base, '--checkpoint', join(dir, 'c.safetensors'), '--out', join(dir, 'x.safetensors')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^rnn: --checkpoint cannot be used with --series-column/);
  });

  it('names a series too short for the windows, and a column with one series', async () => {
    const short = join(dir, 'short.csv');
    const lines = readFileSync(LONG, 'utf8').trim().split('\n');
    // ldeaths cut to its first 20 months
    writeFileSync(short, [lines[0], ...lines.slice(1).filter((l, i) => !l.startsWith('ldeaths') || i < 20)].join('\n') + '\n');
    const r = await run(['train', '--csv', short, '--series-column', 'series', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("rnn: series 'ldeaths': has 20 steps, too few for a validation part of 12 and a test part of 12; lower --val-split or --test-split\n");
    // long enough for the parts, too short for the windows
    writeFileSync(short, [lines[0], ...lines.slice(1).filter((l, i) => !l.startsWith('ldeaths') || i < 40)].join('\n') + '\n');
    const w = await run(['train', '--csv', short, '--series-column', 'series', ...base, '--window', '24', '--out', join(dir, 'x.safetensors')]);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/^rnn: series 'ldeaths' has 40 steps, too few for windows of 24 differences over \d+ steps? and 6 steps ahead before its validation and test parts \(it needs at least \d+\)/);
    const single = join(dir, 'single.csv');
    writeFileSync(single, [lines[0], ...lines.slice(1).filter((l) => l.startsWith('usaccdeaths'))].join('\n') + '\n');
    const s = await run(['train', '--csv', single, '--series-column', 'series', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/^rnn: a global model learns across series, and the series column 'series' holds only one value; train a single series without it\n$/);
  });
});

describe('rnn train --csv --strategy', () => {
  it('refuses recursive or es with --features, and es recursive, by name (exit 2)', async () => {
    const dir = tmp();
    const f = join(dir, 'f.csv');
    const lines = readFileSync(DEATHS, 'utf8').trim().split('\n');
    writeFileSync(f, [`${lines[0]},t`, ...lines.slice(1).map((l, i) => `${l},${i}`)].join('\n') + '\n');
    const r = await run(['train', '--csv', f, '--features', 't', '--strategy', 'recursive', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('rnn: --strategy recursive feeds the forecasts back in, which needs future values of the features t; use --strategy direct or drop the features\n');
    const es = await run(['train', '--csv', f, '--features', 't', '--transform', 'es', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(es.code).toBe(2);
    expect(es.stderr).toBe('rnn: --transform es reads the target alone; drop the features t or use --transform seasonal or diff\n');
    const esr = await run(['train', '--csv', DEATHS, '--transform', 'es', '--strategy', 'recursive', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(esr.code).toBe(2);
    expect(esr.stderr).toBe('rnn: --transform es forecasts every step at once; use --strategy direct\n');
    const bad = await run(['train', '--csv', f, '--strategy', 'sideways', ...base, '--out', join(dir, 'x.safetensors')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--strategy/);
  });
});

describe('rnn train --csv --augment', () => {
  it('trains with the named methods, and refuses an unknown one or a bad strength by name', async () => {
    const dir = tmp();
    const ok = await run(['train', '--csv', DEATHS, ...base, '--augment', 'jitter,mixup=0.3', '--strategy', 'direct', '--transform', 'diff', '--out', join(dir, 'a.safetensors')]);
    expect(ok.code).toBe(0);
    const bad = await run(['train', '--csv', DEATHS, ...base, '--augment', 'jitter,warp', '--out', join(dir, 'b.safetensors')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("rnn: --augment: unknown augmentation 'warp'; the methods are jitter, scale, magnitude-warp, time-warp, window-slice, mixup (each NAME or NAME=STRENGTH)\n");
    const strength = await run(['train', '--csv', DEATHS, ...base, '--augment', 'window-slice=2', '--out', join(dir, 'c.safetensors')]);
    expect(strength.code).toBe(1);
    expect(strength.stderr).toBe('rnn: --augment: window-slice strength must be a fraction in (0, 1), found 2\n');
  });
});

describe('rnn explain and the ES-RNN hybrid', () => {
  it('refuses a model with --transform es by name (exit 1)', async () => {
    const dir = tmp();
    const m = join(dir, 'es.safetensors');
    expect((await run(['train', '--csv', DEATHS, ...base, '--transform', 'es', '--out', m])).code).toBe(0);
    const r = await run(['explain', '--model', m, '--csv', DEATHS, '--out', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `rnn: --model ${m}: rnn explain reads the differences a network sees, and this model's transform is es (ES-RNN); explain a model trained with --transform seasonal, diff or none\n`,
    );
  });
});
