import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const TARGET = 'passengers_thousands';

describe('rnn train --csv: ensembles and intervals', () => {
  const dir = tmp();
  const model = join(dir, 'ens.safetensors');

  it('--members K trains K networks, says so, and evaluate scores the 80 % interval', async () => {
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '6', '--val-split', '24', '--test-split', '24', '--epochs', '3', '--hidden', '8', '--members', '3', '--out', model, '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ensemble of 3 networks, windows 24\/12\/18, losses mse\/mae, seeds from 0: the forecast is their median$/m);
    expect(r.stderr).toMatch(/^rnn: member 3\/3: window 18, loss mse, seed 15838, best epoch \d+ \(/m);
    const e = await run(['evaluate', '--model', model, '--csv', AIR]);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^80 % interval \(quantile heads\): covers \d+ % of the 114 actual values; MSIS \d+\.\d{3}$/m);
    const j = JSON.parse((await run(['evaluate', '--model', model, '--csv', AIR, '--json'])).stdout);
    expect(j.interval.level).toBeCloseTo(0.8, 12);
    expect(j.interval.coverage).toBeGreaterThanOrEqual(0);
    const svg = join(dir, 'next.svg');
    const f = await run(['forecast', '--model', model, '--csv', AIR, '--steps', '6', '--output', join(dir, 'next.csv'), '--plot', svg]);
    expect(f.code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('80 % interval, upper');
  });

  it('more than four members: the summary says the forecast is their interquartile mean', async () => {
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '3', '--val-split', '24', '--test-split', '24', '--epochs', '2', '--hidden', '4', '--members', '5', '--transform', 'seasonal', '--strategy', 'direct', '--out', join(dir, 'iqm.safetensors')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ensemble of 5 networks, windows 24\/12\/18, losses mse\/mae, seeds from 0: the forecast is their interquartile mean$/m);
  });

  it('--batch-members trains the members in passes (the same members), and is refused with --minutes or --augment', async () => {
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '6', '--val-split', '24', '--test-split', '24', '--epochs', '3', '--hidden', '8', '--members', '4', '--batch-members', '--out', join(dir, 'b.safetensors'), '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.members.map((m: { window: number; loss: string }) => `${m.window}/${m.loss}`)).toEqual(['24/mse', '12/mse', '18/mse', '24/mae']);
    const m = await run(['train', '--csv', AIR, '--target', TARGET, '--batch-members', '--minutes', '1', '--out', join(dir, 'x.safetensors')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toBe('rnn: --batch-members trains members in passes that --minutes cannot share out; drop one of them\n');
    const a = await run(['train', '--csv', AIR, '--target', TARGET, '--batch-members', '--augment', 'jitter', '--out', join(dir, 'x.safetensors')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('rnn: --batch-members trains members on shared windows that --augment would redraw per member; drop one of them\n');
  });

  it('--members 1 is one network, with no ensemble line', async () => {
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--horizon', '6', '--epochs', '2', '--hidden', '8', '--members', '1', '--out', join(dir, 'one.safetensors'), '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.members).toEqual([{ window: 24, loss: 'mse', seed: 0, bestEpoch: expect.any(Number) }]);
  });

  it('--members 0 or past 64 is refused by name', async () => {
    const r = await run(['train', '--csv', AIR, '--target', TARGET, '--members', '0', '--out', join(dir, 'x.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rnn: --members must be a positive integer, found 0\n');
    const big = await run(['train', '--csv', AIR, '--target', TARGET, '--members', '65', '--out', join(dir, 'x.safetensors')]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/^rnn: --members must be at most 64, found 65;/);
  });
});
