import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelFile } from '@rnn/core';
import { GOLDEN, run, tmp } from './helpers.js';

const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const TARGET = 'passengers_thousands';
const air = readFileSync(AIR, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));

describe('rnn train --csv, evaluate, forecast on AirPassengers', () => {
  const dir = tmp();
  const model = join(dir, 'air.safetensors');
  let trained: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    trained = await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '12', '--val-split', '24', '--test-split', '24', '--epochs', '3', '--hidden', '8', '--out', model, '--plot', join(dir, 'loss.svg')]);
  });

  it('trains, reports validation scores and writes the model and the loss chart', () => {
    // stderr: one progress line per epoch (not a terminal), nothing else
    expect(trained.stderr.split('\n').filter((l) => l && !l.startsWith('rnn: warning:'))).toEqual(
      [1, 2, 3].map((e) => expect.stringMatching(new RegExp(`^train epoch ${e}/3 loss \\S+ val_loss \\S+ \\(\\d+\\.\\ds\\)$`))),
    );
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/trained 3 epochs/);
    expect(trained.stdout).toMatch(/validation \(steps 97\.\.120, 156 forecasts\)/);
    expect(trained.stdout).toMatch(/^seasonal naive\s/m);
    const svg = readFileSync(join(dir, 'loss.svg'), 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('validation loss');
  });

  it('stores the split and a scaler fitted on the training steps only', () => {
    const file = readModelFile(new Uint8Array(readFileSync(model)), model);
    const meta = JSON.parse(file.metadata['rnn.timeseries']!);
    expect(meta).toMatchObject({ target: TARGET, columns: [TARGET], date: 'month', frequency: 'month', season: 12, transform: 'seasonal', lag: 12, window: 24, horizon: 12 });
    expect(meta.split).toEqual({ rows: 144, train: 96, val: 24, test: 24 });
    // the mean and std of y[t] - y[t-12] over t = 12..95, by hand
    const d = air.slice(12, 96).map((v, i) => v - air[i]!);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    expect(meta.scaler.mean[0]).toBeCloseTo(mean, 9);
    expect(meta.scaler.std[0]).toBeCloseTo(std, 9);
  });

  it('evaluate scores the test part against naive and seasonal naive, in original units', async () => {
    const r = await run(['evaluate', '--model', model, '--csv', AIR, '--json']);
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('rnn: warning:'))).toEqual([]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ part: 'test', range: '1959-01 .. 1960-12', steps: 24, origins: 13, horizon: 12, forecasts: 156, season: 12 });
    // seasonal naive by hand: origins t = 119..131, y[t+h-12] against y[t+h]
    let err = 0;
    let n = 0;
    for (let t = 119; t <= 131; t++) for (let h = 1; h <= 12; h++) (err += Math.abs(air[t + h]! - air[t + h - 12]!)), n++;
    let scale = 0;
    for (let t = 12; t < 120; t++) scale += Math.abs(air[t]! - air[t - 12]!);
    scale /= 108;
    expect(j.maseScale).toBeCloseTo(scale, 9);
    expect(j.scores['seasonal naive'].mae).toBeCloseTo(err / n, 9);
    expect(j.scores['seasonal naive'].mase).toBeCloseTo(err / n / scale, 9);
    expect(Object.keys(j.scores)).toEqual(['lstm', 'naive', 'seasonal naive']);
    expect(j.scores.lstm.mae).toBeGreaterThan(0);

    const table = await run(['evaluate', '--model', model, '--csv', AIR, '--plot', join(dir, 'test.png')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^forecast\s+MAE\s+RMSE\s+MASE$/m);
    expect(table.stdout).toMatch(/^lstm\s/m);
    expect([...readFileSync(join(dir, 'test.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('forecast continues the series past its horizon, with the next dates', async () => {
    const r = await run(['forecast', '--model', model, '--csv', AIR, '--steps', '14']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`month,${TARGET}`);
    expect(lines.length).toBe(15);
    expect(lines[1]).toMatch(/^1961-01,\d/);
    expect(lines[14]).toMatch(/^1962-02,\d/);
    const out = join(dir, 'next.json');
    const r2 = await run(['forecast', '--model', model, '--csv', AIR, '--steps', '3', '--output', out, '--plot', join(dir, 'next.svg')]);
    expect(r2.code).toBe(0);
    const rows = JSON.parse(readFileSync(out, 'utf8'));
    expect(rows.map((x: Record<string, unknown>) => x['month'])).toEqual(['1961-01', '1961-02', '1961-03']);
    // the first 3 steps of a direct forecast do not depend on how many follow
    expect(rows.map((x: Record<string, number>) => String(x[TARGET]))).toEqual(lines.slice(1, 4).map((l) => l.split(',')[1]));
    expect(existsSync(join(dir, 'next.svg'))).toBe(true);
  });
});

describe('rnn train --csv --json', () => {
  it('prints one JSON line per epoch, then a summary with the validation scores', async () => {
    const dir = tmp();
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--epochs', '2', '--hidden', '4', '--json', '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['epoch', 'epoch', 'done']);
    expect(lines[0]).toMatchObject({ epoch: 1 });
    expect(typeof lines[0].val_loss).toBe('number');
    expect(lines[2]).toMatchObject({ epochs: 2, split: { train: 100, val: 22, test: 22 }, season: 12, transform: 'seasonal', window: 24, horizon: 1 });
    expect(Object.keys(lines[2].validation)).toEqual(['model', 'naive', 'seasonal naive']);
  });
});

describe('rnn train --csv: bad input gives one clear line', () => {
  it('names a missing column and lists the columns', async () => {
    const dir = tmp();
    const r = await run(['train', '--csv', AIR, '--target', 'passengers', '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnn: --target 'passengers' is not a column of .*airpassengers\.csv; its columns are: month, passengers_thousands\n$/);
    expect(existsSync(join(dir, 'm.safetensors'))).toBe(false);
  });

  it('names the line and column of a non-numeric cell', async () => {
    const dir = tmp();
    const f = join(dir, 'bad.csv');
    const lines = readFileSync(AIR, 'utf8').split('\n');
    lines[5] = '1949-05,12l';
    writeFileSync(f, lines.join('\n'));
    const r = await run(['train', '--csv', f, '--target', TARGET, '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`rnn: --csv ${f}: line 6, column '${TARGET}': '12l' is not a number\n`);
  });

  it('refuses a series too short for the window', async () => {
    const dir = tmp();
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--window', '100', '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the training part has \d+ steps, too few for windows of 100/);
  });

  it('evaluate refuses a model that is not a time-series model', async () => {
    const m = join(GOLDEN, 'train-mse-adam.init.safetensors');
    const r = await run(['evaluate', '--model', m, '--csv', AIR]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a time-series model \(its metadata has no "rnn\.timeseries"\); train one with rnn train --csv/);
  });
});
