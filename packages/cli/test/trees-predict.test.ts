import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTreeNet, parseTrees, readTrees } from '@rnn/layers';
import { describe, expect, it } from 'vitest';
import { evaluateTreeModel } from '../src/workflows/trees/evaluate.js';
import { run, sstSlice, tmp } from './helpers.js';

// the SST excerpt (data/sst/SOURCE.md): a tiny Tree-LSTM, then a label per tree and per node
const SEQUENCES = new URL('../../../data/indoor-movement/sequences.csv', import.meta.url).pathname;
const LABELS = new URL('../../../data/indoor-movement/labels.csv', import.meta.url).pathname;


describe('rnn predict --trees', () => {
  const dir = tmp();
  const model = join(dir, 'sst.safetensors');
  let test = '';

  it('trains a small tree model', async () => {
    test = sstSlice('test', 30, dir);
    const r = await run(['train', '--trees', sstSlice('train', 60, dir), '--hidden', '8', '--embedding', '8', '--epochs', '2', '--batch-size', '10', '--lr', '0.01', '--out', model, '--seed', '3']);
    expect(r.code).toBe(0);
  });

  it('a root label and the sentence per tree: the classes TreeNet.predict gives, scored as evaluate scores them', async () => {
    const r = await run(['predict', '--trees', test, '--model', model]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(30);
    const trees = readTrees(test);
    const want = loadTreeNet(model).predict(trees);
    lines.forEach((l, i) => {
      const [label, words] = l.split('\t');
      expect(Number(label)).toBe(want[i]);
      expect(words).toBe(trees[i]!.words.filter((w, n) => w !== null && trees[i]!.children[n]!.length === 0).join(' '));
    });
    expect(lines[0]).toMatch(/^[0-4]\tEffective but too-tepid biopic$/);
    const right = lines.filter((l, i) => Number(l.split('\t')[0]) === trees[i]!.labels[trees[i]!.labels.length - 1]).length;
    expect(evaluateTreeModel(model, test).scores.fineRoot).toBeCloseTo(right / 30, 10);
  });

  it('--nodes: each tree in brackets with a predicted label at every node; the structure and words kept', async () => {
    const out = join(dir, 'labelled.txt');
    const r = await run(['predict', '--trees', test, '--model', model, '--nodes', '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`rnn: labelled 30 trees; wrote ${out}\n`);
    const got = parseTrees(readFileSync(out, 'utf8'));
    const input = readTrees(test);
    const roots = (await run(['predict', '--trees', test, '--model', model])).stdout.trim().split('\n').map((l) => Number(l.split('\t')[0]));
    expect(got).toHaveLength(30);
    got.forEach((t, i) => {
      expect(t.children).toEqual(input[i]!.children);
      expect(t.words).toEqual(input[i]!.words);
      expect([...t.labels].every((y) => y >= 0 && y <= 4)).toBe(true);
      expect(t.labels[t.labels.length - 1]).toBe(roots[i]);
    });
  });

  it('wrong input gets one clear line: a sequence classifier as the model, a CSV as the trees', async () => {
    const cls = join(dir, 'cls.safetensors');
    expect((await run(['train', '--sequences', SEQUENCES, '--labels', LABELS, '--out', cls, '--epochs', '1', '--hidden', '4'])).code).toBe(0);
    const r = await run(['predict', '--trees', test, '--model', cls]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`rnn: ${cls}: metadata key "rnn.tree" is missing; not a tree model (it is a sequence model file: load it with Sequential.load)\n`);
    const csv = await run(['predict', '--trees', SEQUENCES, '--model', model]);
    expect(csv.code).toBe(1);
    expect(csv.stderr).toMatch(/^rnn: .*sequences\.csv:1:1: .*\n$/);
  });
});
