import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { backendByName, getBackend, parseSafetensors, readModelFile, ready, setBackend } from '@rnn/core';
import { loadTreeNet } from '@rnn/layers';
import { evaluateTreeModel } from '../src/workflows/trees/evaluate.js';
import { run, sstSlice, tmp } from './helpers.js';



describe('rnn train --trees', () => {
  it('trains, keeps the best epoch on dev, writes a tree model and scores the test trees once', async () => {
    const dir = tmp();
    const out = join(dir, 'sst.safetensors');
    const r = await run([
      'train', '--trees', sstSlice('train', 40, dir), '--dev', sstSlice('dev', 20, dir), '--test', sstSlice('test', 20, dir),
      '--cell', 'tree-lstm', '--hidden', '8', '--embedding', '8', '--epochs', '2', '--batch-size', '10', '--lr', '0.01',
      '--out', out, '--json', '--seed', '3',
    ]);
    expect(r.stderr).toContain('best epoch on dev');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'epoch')).toHaveLength(2);
    const done = lines.at(-1);
    expect(done.event).toBe('done');
    expect(done.test.trees).toBe(20);
    expect(done.test.fine_root).toBeGreaterThanOrEqual(0);
    expect(r.stderr).toMatch(/test: fine-grained \(5-class\) [\d.]+% at the root/);
    // a safetensors file with rnn.tree metadata, not a contract model file
    const bytes = new Uint8Array(readFileSync(out));
    expect(Object.keys(parseSafetensors(bytes).metadata)).toEqual(['rnn.tree']);
    expect(() => readModelFile(bytes, out)).toThrow(/rnn.format/);
    const net = loadTreeNet(out);
    expect(net.config()).toMatchObject({ cell: 'tree-lstm', hiddenSize: 8, embeddingDim: 8, numClasses: 5 });
    // the exported scorer gives the same test scores as the training run
    const { scores } = evaluateTreeModel(out, join(dir, 'test.txt'));
    expect(scores.fineRoot).toBeCloseTo(done.test.fine_root, 6);
    // and so does `rnn evaluate --trees`
    const ev = await run(['evaluate', '--model', out, '--trees', join(dir, 'test.txt'), '--json']);
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout).fine_root).toBeCloseTo(done.test.fine_root, 6);
  });

  it('runs each mini-batch of the native backend as one tree-schedule call, forward and backward', async () => {
    await ready();
    const before = getBackend().name;
    const native = setBackend('native');
    const fwd = vi.spyOn(native, 'treeBatchForward');
    const bwd = vi.spyOn(native, 'treeBatchBackward');
    const level = vi.spyOn(native, 'treeLevelForward');
    try {
      const dir = tmp();
      const r = await run([
        'train', '--trees', sstSlice('train', 40, dir), '--dev', sstSlice('dev', 10, dir), '--cell', 'tree-lstm', '--hidden', '8',
        '--embedding', '8', '--epochs', '2', '--batch-size', '10', '--out', join(dir, 'm.safetensors'), '--seed', '3',
      ]);
      expect(r.code).toBe(0);
      // 4 training batches per epoch, 2 epochs: one backward call each; the forwards include dev scoring
      expect(bwd).toHaveBeenCalledTimes(8);
      expect(fwd.mock.calls.length).toBeGreaterThanOrEqual(8);
      expect(level).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
      setBackend(before);
      expect(backendByName(before).name).toBe(before);
    }
  });

  it('refuses a malformed trees file with its line and column', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, '(3 (2 a) (2 b))\n(2 (x b) (2 c))\n');
    const r = await run(['train', '--trees', bad, '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.txt:2:5: label 'x' is not an integer/);
  });

  it('refuses a sequence cell', async () => {
    const dir = tmp();
    const r = await run(['train', '--trees', sstSlice('dev', 5, dir), '--cell', 'gru', '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--cell gru is not a tree cell');
  });
});
