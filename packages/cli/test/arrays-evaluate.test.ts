import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dense, lstm, sequential } from '@rnn/layers';
import { describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

// array mode on AirPassengers (data/airpassengers/SOURCE.md): windows of 12 scaled months as X,
// the next month (mse) or whether it rises (crossentropy, class ids) as Y
const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const air = readFileSync(AIR, 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',')[1]) / 100);
const x = Array.from({ length: air.length - 12 }, (_, i) => air.slice(i, i + 12).map((v) => [v]));
const next = air.slice(12).map((v) => [v]);
const rises = air.slice(12).map((v, i) => (v > air[i + 11]! ? 1 : 0));

describe('rnn evaluate (array mode)', () => {
  const dir = tmp();
  const f = (name: string, value: unknown) => (writeFileSync(join(dir, name), JSON.stringify(value)), join(dir, name));
  const X = f('x.json', x);
  const Y = f('y.json', next);
  const C = f('c.json', rises);

  it('mse: the mean squared error of rnn predict over every element, and the MAE', async () => {
    const start = join(dir, 'start.safetensors');
    await sequential([lstm({ units: 8 }), dense({ units: 1 })]).build({ inputSize: 1, seed: 2 }).save(start);
    const m = join(dir, 'm.safetensors');
    expect((await run(['train', '--model', start, '--x', X, '--y', Y, '--out', m, '--epochs', '3', '--lr', '0.01'])).code).toBe(0);
    const r = await run(['evaluate', '--model', m, '--x', X, '--y', Y, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const pred = JSON.parse((await run(['predict', '--model', m, '--input', X])).stdout) as number[][];
    const err = pred.map((p, i) => p[0]! - next[i]![0]!);
    expect(j.rows).toBe(132);
    expect(j.loss).toBeCloseTo(err.reduce((s, e) => s + e * e, 0) / err.length, 5);
    expect(j.mae).toBeCloseTo(err.reduce((s, e) => s + Math.abs(e), 0) / err.length, 5);
    const text = await run(['evaluate', '--model', m, '--x', X, '--y', Y]);
    expect(text.stdout).toMatch(/^mse loss \d\.\d+(e-\d+)?, MAE \d\.\d+ over 132 rows of .*x\.json\n$/);
  });

  it('crossentropy: the mean of -log softmax at the class ids, and the accuracy', async () => {
    const m = join(dir, 'cls.safetensors');
    await sequential([lstm({ units: 4, returnSequences: false }), dense({ units: 2 })]).build({ inputSize: 1, seed: 1 }).save(m);
    const r = await run(['evaluate', '--model', m, '--x', X, '--y', C, '--loss', 'crossentropy', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const logits = JSON.parse((await run(['predict', '--model', m, '--input', X])).stdout) as number[][];
    const nll = logits.map((l, i) => Math.log(Math.exp(l[0]!) + Math.exp(l[1]!)) - l[rises[i]!]!);
    expect(j.loss).toBeCloseTo(nll.reduce((a, b) => a + b, 0) / nll.length, 5);
    expect(j.accuracy).toBeCloseTo(logits.filter((l, i) => (l[1]! > l[0]! ? 1 : 0) === rises[i]).length / logits.length, 6);
  });

  it('wrong input gets one clear line: no --x, a CSV as --x, targets that do not fit', async () => {
    const m = join(dir, 'm.safetensors');
    const none = await run(['evaluate', '--model', m]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('rnn: evaluate: --x is required in array mode (or evaluate --csv, --text, --sequences or --trees); see rnn evaluate --help\n');
    const csv = await run(['evaluate', '--model', m, '--x', AIR, '--y', Y]);
    expect(csv.code).toBe(1);
    expect(csv.stderr.split('\n')).toHaveLength(2);
    expect(csv.stderr).toMatch(/^rnn: --x .*airpassengers\.csv: /);
    const bad = await run(['evaluate', '--model', m, '--x', X, '--y', f('short.json', next.slice(1))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rnn: --y .*short\.json \(shape \[131, 1\]\) does not fit --x .*x\.json and the model: .*\n$/);
  });
});
