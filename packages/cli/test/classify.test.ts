import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sequential } from '@rnn/layers';
import { channelScaler, padded, readSequenceSet, stratifiedSplit } from '../src/workflows/classify/data.js';
import { classLogits, classifierModel } from '../src/workflows/classify/model.js';
import { run, tmp } from './helpers.js';

const DATA = new URL('../../../data/indoor-movement/', import.meta.url).pathname;
const SEQUENCES = join(DATA, 'sequences.csv');
const LABELS = join(DATA, 'labels.csv');

describe('reading labelled sequences', () => {
  it('reads the indoor-movement data as its SOURCE.md describes it', () => {
    const s = readSequenceSet(SEQUENCES, LABELS);
    expect(s.ids.length).toBe(314);
    expect(s.channels).toEqual(['rss_anchor1', 'rss_anchor2', 'rss_anchor3', 'rss_anchor4']);
    expect(s.lengths.reduce((a, b) => a + b, 0)).toBe(13197);
    expect(Math.min(...s.lengths)).toBe(19);
    expect(Math.max(...s.lengths)).toBe(129);
    expect(s.classes).toEqual(['-1', '1']);
    expect(s.labels.filter((c) => c === 1).length).toBe(158);
    // sequence 1, step 0: -0.90476,-0.48,0.28571,0.3
    expect([...s.data[0]!.subarray(0, 4)]).toEqual([-0.90476, -0.48, 0.28571, 0.3]);
  });

  it('orders steps by the step column, and refuses bad files with the line and column', () => {
    const dir = tmp();
    const seq = join(dir, 's.csv');
    const lab = join(dir, 'l.csv');
    writeFileSync(seq, 'id,step,a,b\nx,1,3,4\ny,0,9,9\nx,0,1,2\n');
    writeFileSync(lab, 'id,label\nx,up\ny,down\n');
    const s = readSequenceSet(seq, lab);
    expect(s.ids).toEqual(['x', 'y']);
    expect([...s.data[0]!]).toEqual([1, 2, 3, 4]);
    expect(s.classes).toEqual(['down', 'up']);
    expect(s.labels).toEqual([1, 0]);
    writeFileSync(seq, 'id,step,a,b\nx,0,1,oops\n');
    expect(() => readSequenceSet(seq, lab)).toThrow(/s\.csv: line 2, column 'b': expected a number, found 'oops'/);
    writeFileSync(seq, 'id,step,a,b\nx,0,1,2\ny,0,1,2\nz,0,1,2\n');
    expect(() => readSequenceSet(seq, lab)).toThrow(/l\.csv: no label for 1 sequence\(s\): z/);
    writeFileSync(seq, 'id,step,a,b\nx,0,1,2\nx,0,1,2\ny,0,1,2\n');
    expect(() => readSequenceSet(seq, lab)).toThrow(/sequence 'x' has step 0 twice \(lines 2 and 3\)/);
  });

  it('splits each class by the same fraction, reproducibly', () => {
    const labels = [...Array(40).fill(0), ...Array(20).fill(1)] as number[];
    const a = stratifiedSplit(labels, 0.25, 3);
    expect(a.test.filter((i) => labels[i] === 0).length).toBe(10);
    expect(a.test.filter((i) => labels[i] === 1).length).toBe(5);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    expect(stratifiedSplit(labels, 0.25, 3)).toEqual(a);
    expect(stratifiedSplit(labels, 0.25, 4)).not.toEqual(a);
  });
});

describe('variable-length batches', () => {
  it("padding does not change a sequence's result: a batch equals each sequence run alone", () => {
    const s = readSequenceSet(SEQUENCES, LABELS);
    const idx = [0, 5, 100, 200, 250, 313];
    const lengths = idx.map((i) => s.lengths[i]!);
    expect(new Set(lengths).size).toBeGreaterThan(3);
    const scaler = channelScaler(s, idx);
    for (const cell of ['lstm', 'gru'] as const) {
      const m = classifierModel({ cell, hidden: 8, layers: 2, channels: 4, classes: 2, seed: 1 });
      const batch = classLogits(m, s, idx, scaler);
      idx.forEach((i, r) => {
        const alone = classLogits(m, s, [i], scaler);
        expect(batch[r * 2]).toBeCloseTo(alone[0]!, 6);
        expect(batch[r * 2 + 1]).toBeCloseTo(alone[1]!, 6);
      });
      // and the batch padded to the longest of all sequences gives the same again
      const { x, lengths: l } = padded(s, [...idx, s.lengths.indexOf(129)], scaler);
      const all = m.predict(x, { lengths: l }).data();
      for (let k = 0; k < idx.length * 2; k++) expect(all[k]).toBeCloseTo(batch[k]!, 6);
    }
  });
});

describe('rnn train --sequences', () => {
  it('trains a classifier and reports held-out accuracy next to the majority baseline', async () => {
    const dir = tmp();
    const out = join(dir, 'c.safetensors');
    const r = await run(['train', '--sequences', SEQUENCES, '--labels', LABELS, '--out', out, '--epochs', '3', '--hidden', '8', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/held-out accuracy \d+\.\d% on 63 sequences \(majority class '1': 50\.8%\)/);
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(done['event']).toBe('done');
    expect(done['test']).toBe(63);
    expect(done['baseline_accuracy']).toBeCloseTo(32 / 63, 6);
    expect(done['test_accuracy']).toBeGreaterThanOrEqual(0);
    const m = await Sequential.load(out);
    const meta = JSON.parse(m.metadata['rnn.classify']!) as { classes: string[]; scaler: { mean: number[]; std: number[] } };
    expect(meta.classes).toEqual(['-1', '1']);
    expect(meta.scaler.mean.length).toBe(4);
  });

  it('needs --labels (a missing required flag is a usage error: exit 2)', async () => {
    const r = await run(['train', '--sequences', SEQUENCES, '--out', join(tmp(), 'c.safetensors')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--labels FILE\.csv is required/);
  });
});
