import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationReport } from '../src/workflows/classify/scores.js';
import { run, tmp } from './helpers.js';

// The indoor-movement data (data/indoor-movement/SOURCE.md): train a tiny classifier, then label and score with it.
const DATA = new URL('../../../data/indoor-movement/', import.meta.url).pathname;
const SEQUENCES = join(DATA, 'sequences.csv');
const LABELS = join(DATA, 'labels.csv');
const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;

describe('rnn predict and evaluate --sequences', () => {
  const dir = tmp();
  const model = join(dir, 'movement.safetensors');

  it('trains a classifier that records its held-out sequences', async () => {
    const r = await run(['train', '--sequences', SEQUENCES, '--labels', LABELS, '--out', model, '--epochs', '3', '--hidden', '8', '--json']);
    expect(r.code).toBe(0);
  });

  it('predict: one label per sequence as CSV, the id column named as in the input', async () => {
    const r = await run(['predict', '--sequences', SEQUENCES, '--model', model]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('seq_id,label');
    expect(lines.length).toBe(1 + 314);
    expect(lines[1]).toMatch(/^1,(-1|1)$/);
    expect(lines.slice(1).every((l) => /^\d+,(-1|1)$/.test(l))).toBe(true);
  });

  it('predict --probabilities: a probability per class that sums to 1 and agrees with the label; --output .json', async () => {
    const r = await run(['predict', '--sequences', SEQUENCES, '--model', model, '--probabilities']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('seq_id,label,p_-1,p_1');
    for (const l of lines.slice(1)) {
      const [, label, a, b] = l.split(',');
      expect(Number(a) + Number(b)).toBeCloseTo(1, 4);
      expect(label).toBe(Number(a) > Number(b) ? '-1' : '1');
    }
    const out = join(dir, 'labels.json');
    const j = await run(['predict', '--sequences', SEQUENCES, '--model', model, '--probabilities', '--output', out]);
    expect(j.code).toBe(0);
    expect(j.stderr).toBe(`rnn: labelled 314 sequences; wrote ${out}\n`);
    const rows = JSON.parse(readFileSync(out, 'utf8'));
    expect(rows).toHaveLength(314);
    expect(rows[0]).toMatchObject({ id: '1', label: lines[1]!.split(',')[1] });
    expect(Object.keys(rows[0].probabilities).sort()).toEqual(['-1', '1']);
  });

  it('evaluate --held-out: the held-out accuracy training reported, per-class scores and the confusion matrix', async () => {
    const dir2 = tmp();
    const m = join(dir2, 'm.safetensors');
    const t = await run(['train', '--sequences', SEQUENCES, '--labels', LABELS, '--out', m, '--epochs', '3', '--hidden', '8', '--json']);
    const trained = JSON.parse(t.stdout.trim().split('\n').pop()!);
    const r = await run(['evaluate', '--sequences', SEQUENCES, '--labels', LABELS, '--model', m, '--held-out', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.sequences).toBe(63);
    expect(j.accuracy).toBeCloseTo(trained.test_accuracy, 10);
    expect(j.classes).toEqual(['-1', '1']);
    expect(j.per_class.map((c: { class: string }) => c.class)).toEqual(['-1', '1']);
    expect(j.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(63);
    expect(j.per_class[0].support + j.per_class[1].support).toBe(63);
    expect(j.per_class[0].support).toBe(j.confusion[0][0] + j.confusion[0][1]);
    const text = await run(['evaluate', '--sequences', SEQUENCES, '--labels', LABELS, '--model', m]);
    expect(text.stdout).toMatch(/^all 314 sequences of .*sequences\.csv: accuracy \d+\.\d% \(\d+\/314\), macro F1 (\d\.\d{3}|n\/a)\n/);
    expect(text.stdout).toMatch(/^class\s+precision\s+recall\s+F1\s+support$/m);
    expect(text.stdout).toMatch(/^confusion matrix \(rows: true class, columns: predicted\):$/m);
  });

  it('wrong input gets one clear line: a time-series CSV, a text model, an unknown label, a CSV file as the model', async () => {
    const dir3 = tmp();
    const air = await run(['predict', '--sequences', AIR, '--model', model]);
    expect(air.code).toBe(1);
    expect(air.stderr).toMatch(/^rnn: --sequences .*airpassengers\.csv: its channels are passengers_thousands; the model reads rss_anchor1, rss_anchor2, rss_anchor3, rss_anchor4 \(.*\)\n$/);

    const text = join(dir3, 'text.txt');
    writeFileSync(text, 'abcabcabcabcabcabcabcabcabcabc'.repeat(4));
    const tm = join(dir3, 'text.safetensors');
    expect((await run(['train', '--text', text, '--out', tm, '--epochs', '1', '--hidden', '4', '--layers', '1', '--embedding', '2', '--seq-len', '8'])).code).toBe(0);
    const wrong = await run(['predict', '--sequences', SEQUENCES, '--model', tm]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`rnn: --model ${tm}: not a sequence classifier (its metadata has no "rnn.classify"; it is a text model); train one with rnn train --sequences FILE --labels FILE\n`);

    const badLabels = join(dir3, 'labels.csv');
    writeFileSync(badLabels, readFileSync(LABELS, 'utf8').replace('\n1,1,', '\n1,3,'));
    const ev = await run(['evaluate', '--sequences', SEQUENCES, '--labels', badLabels, '--model', model]);
    expect(ev.code).toBe(1);
    expect(ev.stderr).toBe(`rnn: --labels ${badLabels}: label '3' the model does not know; its classes are -1, 1\n`);

    const notModel = await run(['predict', '--sequences', SEQUENCES, '--model', LABELS]);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr.split('\n').length).toBe(2);

    const noLabels = await run(['evaluate', '--sequences', SEQUENCES, '--model', model]);
    expect(noLabels.code).toBe(2);
    expect(noLabels.stderr).toMatch(/--labels/);
  });
});

describe('classificationReport', () => {
  it('matches the hand count (and sklearn) on a small case', () => {
    // truth 0 0 1 1 2, predicted 0 1 1 1 0
    const r = classificationReport([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 3);
    expect(r.confusion).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
    expect(r.accuracy).toBeCloseTo(0.6);
    expect(r.perClass[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.perClass[1]!.precision).toBeCloseTo(2 / 3);
    expect(r.perClass[1]!.recall).toBe(1);
    expect(r.perClass[1]!.f1).toBeCloseTo(0.8);
    expect(r.perClass[2]).toMatchObject({ recall: 0, support: 1 });
    expect(r.perClass[2]!.precision).toBeNaN();
    expect(r.perClass[2]!.f1).toBeNaN();
  });
});
