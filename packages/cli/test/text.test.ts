import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { noGrad, tensor } from '@rnn/core';
import { Sequential } from '@rnn/layers';
import { Vocabulary, readText, windows } from '../src/workflows/text/corpus.js';
import { Stepper, sample } from '../src/workflows/text/sample.js';
import { textModel } from '../src/workflows/text/model.js';
import { Rng } from '@rnn/core';
import { run, tmp } from './helpers.js';

const SHAKESPEARE_50K = new URL('../../../data/tinyshakespeare/first-50k.txt', import.meta.url).pathname;
/** A small slice for fast training tests. */
function smallText(dir: string, chars = 3000): string {
  const p = join(dir, 'small.txt');
  writeFileSync(p, readFileSync(SHAKESPEARE_50K, 'utf8').slice(0, chars));
  return p;
}
const TINY = ['--seq-len', '20', '--hidden', '16', '--layers', '2', '--embedding', '8', '--batch-size', '16'];

describe('vocabulary and encoding', () => {
  it('is the sorted unique characters; encode and decode round-trip', () => {
    const v = Vocabulary.fromText('hello, world\n');
    expect(v.chars).toEqual(['\n', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    const ids = v.encode('hold', 'x');
    expect([...ids]).toEqual([5, 7, 6, 3]);
    expect(v.decode(ids)).toBe('hold');
    // code points, not UTF-16 units
    const e = Vocabulary.fromText('a😀b');
    expect(e.size).toBe(3);
    expect(e.decode(e.encode('😀a', 'x'))).toBe('😀a');
    expect(Vocabulary.fromMetadata({ 'rnn.vocab': v.toMetadata() }, 'm').chars).toEqual(v.chars);
  });

  it('refuses unknown characters, naming every one', () => {
    const v = Vocabulary.fromText('abc');
    expect(() => v.encode('abZ\tc~Z', '--prime')).toThrow(/--prime has characters the model never saw: 'Z', U\+0009, '~'; its vocabulary is these 3: "abc"/);
    expect(() => Vocabulary.fromMetadata({}, '--model m.safetensors')).toThrow(/m\.safetensors: no "rnn\.vocab".*rnn train --text/);
  });

  it('makes non-overlapping rows whose targets are the next characters', () => {
    const w = windows(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 3);
    expect(w.rows).toBe(2);
    expect([...w.x]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...w.y]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => windows(Int32Array.from([0, 1]), 3)).toThrow(/2 characters, too few .* --seq-len 3/);
  });

  it('reads .gz transparently, by magic bytes', () => {
    const dir = tmp();
    const plain = smallText(dir, 500);
    const gz = join(dir, 'packed.bin');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    expect(readText(gz)).toBe(readFileSync(plain, 'utf8'));
    expect(readText(plain, 'auto')).toBe(readFileSync(plain, 'utf8'));
    expect(() => readText(plain, 'yes')).toThrow(/not a valid gzip file/);
    expect(() => readText(gz, 'no')).toThrow(/not UTF-8 text \(it is gzip-compressed: drop --gz no\)/);
    expect(() => readText(join(dir, 'none.txt'))).toThrow(/none\.txt: no such file/);
  });
});

describe('stepping and sampling', () => {
  it('the stepping loop gives the same logits as the whole-sequence forward pass', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const m = textModel({ vocab: 7, embedding: 5, cell, hidden: 6, layers: 2, seed: 3 });
      const ids = [1, 4, 0, 6, 2];
      const full = noGrad(() => m.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'int32' })).data());
      const s = new Stepper(m);
      ids.forEach((id, t) => {
        const got = s.step(id);
        for (let k = 0; k < 7; k++) expect(got[k]).toBeCloseTo(full[t * 7 + k]!, 5);
      });
    }
  });

  it('samples from softmax(logits / T); T = 0 is argmax', () => {
    const logits = Float64Array.from([0, 2, 1]);
    expect(sample(logits, 0, new Rng(1))).toBe(1);
    const rng = new Rng(5);
    const n = [0, 0, 0];
    for (let i = 0; i < 4000; i++) n[sample(logits, 1, rng)]!++;
    const z = 1 + Math.E ** 2 + Math.E;
    expect(n[1]! / 4000).toBeCloseTo(Math.E ** 2 / z, 1);
    expect(n[0]! / 4000).toBeCloseTo(1 / z, 1);
  });
});

describe('rnn train --text and rnn generate', () => {
  it('trains, stores the vocabulary, reports validation loss in nats/char, and generates deterministically', async () => {
    const dir = tmp();
    const text = smallText(dir);
    const out = join(dir, 'm.safetensors');
    const r = await run(['train', '--text', text, '--out', out, ...TINY, '--epochs', '2', '--json', '--seed', '1']);
    expect(r.stderr).toMatch(/trained to epoch 2 .*validation loss \d\.\d{4} nats\/char \(\d\.\d{3} bits\/char\); wrote/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
    expect(lines.filter((l) => l['event'] === 'epoch').map((l) => l['epoch'])).toEqual([1, 2]);
    expect(lines.every((l) => (l['val_loss'] as number) > 0 && (l['val_loss'] as number) < Math.log(60))).toBe(true);
    const m = await Sequential.load(out);
    expect(JSON.parse(m.metadata['rnn.vocab']!)).toEqual(Vocabulary.fromText(readFileSync(text, 'utf8')).chars);
    expect(m.metadata['rnn.task']).toBe('text');

    const gen = (seed: string, prime = 'ROMEO:') => run(['generate', '--model', out, '--prime', prime, '--length', '80', '--temperature', '0.8', '--seed', seed]);
    const a = await gen('7');
    const b = await gen('7');
    const c = await gen('8');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    expect(a.stdout.startsWith('ROMEO:')).toBe(true);
    expect([...a.stdout.trimEnd()].length).toBeGreaterThanOrEqual(6 + 70);

    const bad = await gen('7', 'ROMEO~@:');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^rnn: --prime has characters the model never saw: '~', '@'; its vocabulary is these \d+: /);
  });

  it('--minutes stops cleanly after a batch and still writes the model', async () => {
    const dir = tmp();
    const out = join(dir, 'm.safetensors');
    const r = await run(['train', '--text', smallText(dir), '--out', out, ...TINY, '--minutes', '0.00001', '--json']);
    expect(r.code).toBe(0);
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as { stopped: string; epoch: number; val_loss: number };
    expect(done.stopped).toBe('time');
    expect(done.epoch).toBe(0);
    expect(done.val_loss).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/time budget reached at epoch 1 \(\d+\/\d+ batches\)/);
    await Sequential.load(out);
  });

  it('refuses a model that is not a character model', async () => {
    const golden = new URL('../../layers/test/golden/pytorch-lstm-dense.safetensors', import.meta.url).pathname;
    const r = await run(['generate', '--model', golden, '--prime', 'a']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no "rnn\.vocab" in the model's metadata/);
  });
});
