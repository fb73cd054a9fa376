import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

// tiny shakespeare (data/tinyshakespeare/SOURCE.md): a small character model trained on a prefix,
// scored on text it never saw, asked for the next character
const TEXT = readFileSync(new URL('../../../data/tinyshakespeare/first-50k.txt', import.meta.url), 'utf8');
const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;

describe('rnn evaluate and predict --text', () => {
  const dir = tmp();
  const train = join(dir, 'train.txt');
  const model = join(dir, 'char.safetensors');
  const T = 50;
  // 8000 characters: 159 sequences of 50; --val-split 0.1 holds out the last 15
  writeFileSync(train, TEXT.slice(0, 8000));
  let valLoss = NaN;

  it('trains a small model', async () => {
    const r = await run(['train', '--text', train, '--out', model, '--epochs', '3', '--lr', '0.01', '--hidden', '32', '--layers', '1', '--embedding', '8', '--seq-len', String(T), '--val-split', '0.1', '--json']);
    expect(r.code).toBe(0);
    valLoss = JSON.parse(r.stdout.trim().split('\n').pop()!).val_loss;
    expect(Number.isFinite(valLoss)).toBe(true);
  });

  it("evaluate on training's validation text gives training's val_loss, in nats and bits per char", async () => {
    const rows = Math.floor(7999 / T);
    const nVal = Math.floor(rows * 0.1);
    const val = join(dir, 'val.txt');
    writeFileSync(val, TEXT.slice((rows - nVal) * T, rows * T + 1));
    const r = await run(['evaluate', '--text', val, '--model', model, '--seq-len', String(T), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ scored: nVal * T, seq_len: T, sequences: nVal });
    expect(j.loss).toBeCloseTo(valLoss, 5);
    expect(j.bits_per_char).toBeCloseTo(valLoss / Math.LN2, 5);
  });

  it('evaluate on unseen text: a loss below the uniform guess over the vocabulary', async () => {
    const held = join(dir, 'held.txt');
    // characters the training part never had would be refused: spaces instead
    const seen = new Set(TEXT.slice(0, 8000));
    writeFileSync(held, [...TEXT.slice(8000, 10000)].map((c) => (seen.has(c) ? c : ' ')).join(''));
    const r = await run(['evaluate', '--text', held, '--model', model]);
    expect(r.code).toBe(0);
    const m = /^.*held\.txt: (\d+\.\d+) nats\/char, (\d+\.\d+) bits\/char \(perplexity (\d+\.\d+)\) over 1900 characters \(19 sequences of 100; the last 99 not scored\)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const vocab = new Set(TEXT.slice(0, 8000)).size;
    expect(Number(m![1])).toBeLessThan(Math.log(vocab) - 0.5);
    expect(Number(m![2])).toBeCloseTo(Number(m![1]) / Math.LN2, 2);
  });

  it('predict: the distribution of the next character, likeliest first, summing to 1', async () => {
    const prompt = join(dir, 'prompt.txt');
    writeFileSync(prompt, 'First Citizen:\nBefore we proceed any further, hear me speak');
    const r = await run(['predict', '--text', prompt, '--model', model, '--all', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.context).toBe(59);
    const ps = j.next.map((n: { p: number }) => n.p);
    expect(ps.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect([...ps].sort((a, b) => b - a)).toEqual(ps);
    expect(j.next.length).toBe(new Set(TEXT.slice(0, 8000)).size);
    const top = await run(['predict', '--text', prompt, '--model', model, '--top', '3']);
    const lines = top.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^next character after the 59 characters of .*prompt\.txt \(entropy \d\.\d{3} bits\):$/);
    expect(lines.length).toBe(4);
    expect(lines[1]).toBe(`${(j.next[0].char === '\n' ? "'\\n'" : `'${j.next[0].char}'`).padEnd(lines[1]!.indexOf('  '))}  ${j.next[0].p.toFixed(4)}`);
  });

  it('wrong input gets one clear line: a CSV model, characters the model never saw, an empty file', async () => {
    const csvModel = join(dir, 'air.safetensors');
    expect((await run(['train', '--csv', AIR, '--target', 'passengers_thousands', '--epochs', '1', '--out', csvModel])).code).toBe(0);
    const prompt = join(dir, 'p.txt');
    writeFileSync(prompt, 'ROMEO:');
    const r = await run(['predict', '--text', prompt, '--model', csvModel]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnn: --model .*air\.safetensors: no "rnn\.vocab" in the model's metadata: it is not a character model \(train one with rnn train --text FILE\)\n$/);
    writeFileSync(prompt, 'ROMEO: ☃');
    const odd = await run(['evaluate', '--text', prompt, '--model', model]);
    expect(odd.code).toBe(1);
    expect(odd.stderr).toMatch(/^rnn: --text .*p\.txt has a character the model never saw: '☃'; its vocabulary is these \d+: .*\n$/);
    writeFileSync(prompt, '');
    const empty = await run(['predict', '--text', prompt, '--model', model]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/the file is empty; predict needs at least one character/);
    const csvAsText = await run(['evaluate', '--text', AIR, '--model', model]);
    expect(csvAsText.code).toBe(1);
    expect(csvAsText.stderr.split('\n').length).toBe(2);
  });
});
