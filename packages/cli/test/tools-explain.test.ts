import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Smoke runs of tools/explain at toy sizes: the scripts run and print what the proofs read. The
// real figures (T = 100, the trained models, the timing against PyTorch) are for a quiet machine.
const root = new URL('../../../', import.meta.url).pathname;
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('tools/explain', () => {
  it('ground-truth.mjs: both problems print their share, loss and completeness', () => {
    const r = node(['tools/explain/ground-truth.mjs', '--length', '8', '--train', '64', '--epochs', '1', '--test', '8', '--hidden', '4']);
    expect(r.status, r.stderr).toBe(0);
    const [adding, lag] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(adding).toMatchObject({ problem: 'adding', T: 8, test: 8, target: 0.95, baseline: 'mean' });
    expect(adding.marked_in_top2).toBeGreaterThanOrEqual(0);
    expect(adding.worst_completeness_error).toBeLessThan(0.01);
    expect(lag).toMatchObject({ problem: 'lag12', window: 16, test: 8 });
    expect(lag.top_lag_is_12).toBeLessThanOrEqual(1);
  });

  it('ig-bench.mjs --no-torch: times integrated gradients of a batch', () => {
    const r = node(['tools/explain/ig-bench.mjs', '--batch', '4', '--length', '6', '--hidden', '8', '--ig-steps', '4', '--reps', '1', '--no-torch']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rnn \(native\) +\d+\.\d ms wall, \d+\.\d ms CPU +worst completeness error/);
  });

  it('record-overhead.mjs: plain vs recording, both cells', () => {
    const r = node(['tools/explain/record-overhead.mjs', '--batch', '4', '--steps', '6', '--hidden', '8', '--input', '3', '--reps', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lstm +plain [\d.]+ ms +recording [\d.]+ ms +overhead -?[\d.]+ % +\(CPU time: /);
    expect(r.stdout).toMatch(/gru +plain/);
  });
});
