import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '@rnn/core';
import { loadTagger, readConll, scoreConllFiles } from '@rnn/layers';
import { run, tmp, wnutSlice } from './helpers.js';

// End to end on small slices of the bundled WNUT17 data: train with --dev, predict, evaluate.
const SMALL = ['--hidden', '8', '--embedding', '8', '--char-embedding', '4', '--char-filters', '6', '--batch-size', '10', '--seed', '3'];

describe('rnn train/predict/evaluate --tagging', () => {
  const dir = tmp();
  const train = wnutSlice('train', 60, dir);
  const dev = wnutSlice('dev', 25, dir);
  const model = join(dir, 'm.safetensors');
  let done: Record<string, unknown>;

  it('trains with --dev, keeping the epoch with the best dev entity F1, and writes a tagger file', async () => {
    const r = await run(['train', '--tagging', train, '--dev', dev, '--out', model, '--epochs', '2', '--json', ...SMALL]);
    expect(r.stderr).toMatch(/best epoch on dev: [12]/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const epochs = lines.filter((l) => l.event === 'epoch');
    expect(epochs).toHaveLength(2);
    expect(epochs[0]).toHaveProperty('val_f1');
    expect(epochs[0]).toHaveProperty('val_accuracy');
    done = lines.at(-1);
    expect(done).toMatchObject({ event: 'done', stopped: 'epochs', epochs: 2, out: model });
    const bestF1 = Math.max(...epochs.map((e) => e.val_f1));
    expect((done['dev'] as { f1: number }).f1).toBe(bestF1);
    const tagger = loadTagger(model);
    expect(tagger.config()).toMatchObject({ type: 'tagger', hiddenSize: 8, wordDim: 8, crf: true, numLayers: 1 });
    expect(Object.keys(parseSafetensors(new Uint8Array(readFileSync(model))).metadata)).toContain('rnn.tagging');
  });

  it('predict writes token<TAB>tag for every token line and a blank line for every blank line, in order', async () => {
    const out = join(dir, 'pred.conll');
    const r = await run(['predict', '--model', model, '--tagging', dev, '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`tagged 25 sentences`);
    const inLines = readFileSync(dev, 'utf8').split('\n');
    const outLines = readFileSync(out, 'utf8').split('\n');
    expect(outLines).toHaveLength(inLines.length);
    inLines.forEach((l, i) => {
      if (l.trim() === '') expect(outLines[i]).toBe('');
      else {
        const [tok, tag] = outLines[i]!.split('\t');
        expect(tok).toBe(l.split('\t')[0]);
        expect(loadTagger(model).vocab.hasTag(tag!)).toBe(true);
      }
    });
    // stdout without --output: the same text
    expect((await run(['predict', '--model', model, '--tagging', dev])).stdout).toBe(readFileSync(out, 'utf8'));
  });

  it('evaluate prints conlleval\'s report; --json has the same figures as scoring the predict output', async () => {
    const text = await run(['evaluate', '--model', model, '--tagging', dev]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^processed \d+ tokens with \d+ phrases; found: \d+ phrases; correct: \d+\.\naccuracy: +[\d.]+%; precision: +[\d.]+%; recall: +[\d.]+%; FB1: +[\d.]+\n/);
    const j = JSON.parse((await run(['evaluate', '--model', model, '--tagging', dev, '--json'])).stdout);
    const pred = join(dir, 'pred.conll');
    const s = scoreConllFiles(dev, pred);
    expect(j).toMatchObject({ sentences: 25, tokens: s.tokens, accuracy: s.accuracy, f1: s.entities!.f1, precision: s.entities!.precision, recall: s.entities!.recall });
    expect(j.gold_entities).toBe(s.entities!.gold);
    // the dev scores the training run reported for its kept epoch
    expect(j.f1).toBe((done['dev'] as { f1: number }).f1);
    expect(j.accuracy).toBe((done['dev'] as { accuracy: number }).accuracy);
  });

  it('--report DIR writes the entities page, a sentence picture and the CRF heat map', async () => {
    const rep = join(dir, 'report');
    const r = await run(['evaluate', '--model', model, '--tagging', dev, '--report', rep]);
    expect(r.code).toBe(0);
    for (const f of ['entities.html', 'sentence.svg', 'transitions.svg', 'transitions.png']) expect(existsSync(join(rep, f)), f).toBe(true);
    const html = readFileSync(join(rep, 'entities.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('Token accuracy');
    const svg = readFileSync(join(rep, 'transitions.svg'), 'utf8');
    const tags = loadTagger(model).vocab.tags;
    for (const t of ['START', 'END', ...tags]) expect(svg).toContain(`>${t}</text>`);
    expect(readFileSync(join(rep, 'transitions.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('--no-crf trains a softmax tagger; its report has no transition map', async () => {
    const m = join(dir, 'softmax.safetensors');
    const r = await run(['train', '--tagging', train, '--out', m, '--epochs', '1', '--no-crf', ...SMALL]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no --dev: kept the last weights');
    expect(loadTagger(m).config()).toMatchObject({ crf: false });
    const rep = join(dir, 'report-softmax');
    expect((await run(['evaluate', '--model', m, '--tagging', dev, '--report', rep])).code).toBe(0);
    expect(existsSync(join(rep, 'entities.html'))).toBe(true);
    expect(existsSync(join(rep, 'transitions.svg'))).toBe(false);
  });

  it('--word-vectors initialises the words they list; --lowercase and --min-count shape the vocabulary', async () => {
    // a small vectors file made from the training text: one 8-number vector per distinct lower-cased word
    const words = [...new Set(readConll(train).sentences.flatMap((s) => s.tokens.map((t) => t.toLowerCase())))];
    const vecs = join(dir, 'vectors.txt');
    writeFileSync(vecs, words.map((w, i) => `${w} ${Array.from({ length: 8 }, (_, k) => (Math.sin(i * 7 + k) / 3).toFixed(4)).join(' ')}`).join('\n') + '\n');
    const sizes: Record<string, number> = {};
    for (const [name, extra] of [
      ['plain', []],
      ['lower', ['--lowercase']],
      ['min2', ['--min-count', '2']],
      ['vectors', ['--lowercase', '--word-vectors', vecs]],
    ] as const) {
      const r = await run(['train', '--tagging', train, '--out', join(dir, `${name}.safetensors`), '--epochs', '1', '--json', ...SMALL, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const d = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      sizes[name] = d.words;
      if (name === 'vectors') expect(d.pretrained_words).toBe(d.words - 1);
      else expect(d.pretrained_words).toBe(0);
    }
    expect(sizes['lower']).toBeLessThan(sizes['plain']!);
    expect(sizes['min2']).toBeLessThan(sizes['plain']!);
    expect(sizes['vectors']).toBe(sizes['lower']);
  });

  it('--shape N adds word-shape vectors that the model file keeps; --word-dropout P trains; both refuse bad values', async () => {
    const out = join(dir, 'shape.safetensors');
    const r = await run(['train', '--tagging', train, '--dev', dev, '--out', out, '--epochs', '1', ...SMALL, '--lowercase', '--shape', '4', '--word-dropout', '0.3']);
    expect(r.code, r.stderr).toBe(0);
    const tagger = loadTagger(out);
    expect(tagger.config().shape).toEqual({ numShapes: 12, dim: 4 });
    expect(tagger.params.names).toContain('tagger.shape_embedding.weight');
    const p = await run(['predict', '--model', out, '--tagging', dev]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.split('\n').filter((l) => l.includes('\t'))).toHaveLength(readConll(dev).sentences.reduce((n, s) => n + s.tokens.length, 0));
    // without --shape the file has no shape vectors
    expect(loadTagger(model).config().shape).toBeNull();
    const bad1 = await run(['train', '--tagging', train, '--out', join(dir, 'x.safetensors'), '--epochs', '1', '--word-dropout', '1']);
    expect(bad1.code).toBe(1);
    expect(bad1.stderr).toMatch(/--word-dropout.*must be a fraction in \[0, 1\)/);
    const bad2 = await run(['train', '--tagging', train, '--out', join(dir, 'x.safetensors'), '--epochs', '1', '--shape', '-2']);
    expect(bad2.code).toBe(1);
    expect(bad2.stderr).toMatch(/--shape.*must be a non-negative integer/);
  });

  it('--weight-average D scores and keeps the moving average of the weights, and a resume carries the average on', async () => {
    const d = tmp();
    const base = ['train', '--tagging', train, '--dev', dev, ...SMALL, '--lr', '0.02'];
    const tensors = (p: string) => parseSafetensors(new Uint8Array(readFileSync(p))).tensors;
    const straight = join(d, 'straight.safetensors');
    const r = await run([...base, '--out', straight, '--epochs', '3', '--weight-average', '0.9', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doneAvg = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // the file holds the weights that were scored: the average, not the last step's
    const ev = JSON.parse((await run(['evaluate', '--model', straight, '--tagging', dev, '--json'])).stdout);
    expect(ev.f1).toBe(doneAvg.dev.f1);
    const plain = join(d, 'plain.safetensors');
    expect((await run([...base, '--out', plain, '--epochs', '3'])).code).toBe(0);
    const [a, b] = [tensors(straight), tensors(plain)];
    expect(a.get('tagger.fc.weight')!.data).not.toEqual(b.get('tagger.fc.weight')!.data);
    // without --dev the average at the end is the model. 1 epoch, a checkpoint, then 2 more: the
    // same file as 3 epochs straight (the average travels in the checkpoint)
    const noDev = ['train', '--tagging', train, ...SMALL, '--lr', '0.02', '--weight-average', '0.9'];
    const whole = join(d, 'whole.safetensors');
    expect((await run([...noDev, '--out', whole, '--epochs', '3'])).code).toBe(0);
    const ckpt = join(d, 'c.safetensors');
    const resumed = join(d, 'resumed.safetensors');
    expect((await run([...noDev, '--out', resumed, '--epochs', '1', '--checkpoint', ckpt])).code).toBe(0);
    const rr = await run([...noDev, '--out', resumed, '--epochs', '3', '--resume', ckpt]);
    expect(rr.code, rr.stderr).toBe(0);
    const [w, c] = [tensors(whole), tensors(resumed)];
    for (const [name, t] of w) expect(c.get(name)!.data, name).toEqual(t.data);
    // the decay is part of what a resume must share
    const other = await run([...noDev.map((x) => (x === '0.9' ? '0.5' : x)), '--out', resumed, '--epochs', '3', '--resume', ckpt]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/this run differs from the one that wrote the checkpoint/);
    const bad = await run(['train', '--tagging', train, '--out', join(d, 'x.safetensors'), '--epochs', '1', '--weight-average', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--weight-average.*must be a fraction in \[0, 1\)/);
  });

  it('--reduce-lr-on-plateau watches the dev F1', async () => {
    // a rate too small to learn anything: the dev F1 stays where it started, and the rate halves
    const r = await run(['train', '--tagging', train, '--dev', dev, '--out', join(dir, 'plateau.safetensors'), ...SMALL, '--epochs', '3', '--lr', '1e-7', '--reduce-lr-on-plateau', '1', '--reduce-lr-factor', '0.5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rnn: epoch 2: val_f1 has not improved for 1 epoch; learning rate 1\.00e-7 -> 5\.00e-8$/m);
  });

  it('--minutes spent mid-epoch: those weights are scored on dev and kept when no epoch did better', async () => {
    const d = tmp();
    const out = join(d, 'm.safetensors');
    // 2000 sentences in batches of one: the 60 ms budget ends inside the first epoch on any machine
    // (an epoch is thousands of steps), which no epoch-end scoring saw
    const big = wnutSlice('train', 2000, d);
    const t = await run(['train', '--tagging', big, '--dev', dev, '--out', out, ...SMALL, '--batch-size', '1', '--minutes', '0.001', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const done = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
    expect(done).toMatchObject({ stopped: 'time', epochs: 0 });
    expect(t.stderr).toMatch(/the weights when the time ran out scored [\d.]+ on dev: kept them/);
    expect(done.dev).not.toBeNull();
    const ev = JSON.parse((await run(['evaluate', '--model', out, '--tagging', dev, '--json'])).stdout);
    expect(ev.f1).toBe(done.dev.f1);
  });

  it('--minutes stops before a batch and writes the checkpoint and the model; --resume continues it', async () => {
    const d = tmp();
    const ckpt = join(d, 'c.safetensors');
    const out = join(d, 'm.safetensors');
    const base = ['train', '--tagging', train, '--dev', dev, '--out', out, ...SMALL];
    const t = await run([...base, '--epochs', '2', '--minutes', '0.000001', '--checkpoint', ckpt, '--json']);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout.trim().split('\n').at(-1)!)).toMatchObject({ stopped: 'time', checkpoint: ckpt, out });
    expect(existsSync(out)).toBe(true);
    // a checkpoint is a tagger file: evaluate reads it
    expect((await run(['evaluate', '--model', ckpt, '--tagging', dev])).code).toBe(0);
    const r = await run([...base, '--epochs', '1', '--resume', ckpt, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ stopped: 'epochs', epochs: 1 });
    // the resumed run must use the same flags
    const bad = await run([...base.map((a) => (a === '8' ? '9' : a)), '--epochs', '2', '--resume', ckpt]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rnn: --resume .*: this run differs from the one that wrote the checkpoint/m);
  });
});
