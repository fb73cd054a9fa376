import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '@rnn/core';
import { readCheckpoint } from '../src/workflows/checkpoint.js';
import { WORKFLOWS } from '../src/workflows/index.js';
import { run, sstSlice, tmp, wnutSlice } from './helpers.js';

/**
 * The text workflow's bar, for every workflow: N epochs straight and N/2 epochs, then --resume to
 * N, end with the same weights bit for bit; --resume of a missing file is one clear line, exit 1.
 */

const DATA = new URL('../../../data/', import.meta.url).pathname;
const AIR = join(DATA, 'airpassengers/airpassengers.csv');

/** Every tensor of two safetensors files, compared bit for bit. */
function sameWeights(a: string, b: string): void {
  const fa = parseSafetensors(new Uint8Array(readFileSync(a)), a);
  const fb = parseSafetensors(new Uint8Array(readFileSync(b)), b);
  expect([...fa.tensors.keys()].sort()).toEqual([...fb.tensors.keys()].sort());
  for (const [name, t] of fa.tensors) expect(Buffer.from(fb.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
}

/** Train `base` N epochs straight, and N/2 with --checkpoint then --resume to N: the same weights. */
async function straightVsResumed(base: string[], n: number, dir: string): Promise<void> {
  const straight = join(dir, 'straight.safetensors');
  const s = await run([...base, '--out', straight, '--epochs', String(n)]);
  expect(s.stderr).not.toMatch(/error/i);
  expect(s.code).toBe(0);
  const ckpt = join(dir, 'half.ckpt.safetensors');
  const half = await run([...base, '--out', join(dir, 'half.safetensors'), '--epochs', String(n / 2), '--checkpoint', ckpt]);
  expect(half.code).toBe(0);
  expect(existsSync(ckpt)).toBe(true);
  const resumed = join(dir, 'resumed.safetensors');
  const r = await run([...base, '--out', resumed, '--epochs', String(n), '--resume', ckpt]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  sameWeights(straight, resumed);
}

async function missingResume(base: string[], dir: string): Promise<void> {
  const missing = join(dir, 'missing.safetensors');
  const r = await run([...base, '--out', join(dir, 'm.safetensors'), '--epochs', '2', '--resume', missing]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`rnn: --resume ${missing}: no such file\n`);
  expect(existsSync(join(dir, 'm.safetensors'))).toBe(false);
}

describe('rnn train --csv: checkpoints and exact resume', () => {
  const base = ['train', '--csv', AIR, '--target', 'passengers_thousands', '--hidden', '6', '--val-split', '24', '--test-split', '24', '--seed', '3'];

  it('8 epochs straight = 4 epochs, then --resume to 8 (early stopping and the best epoch carried through)', async () => {
    // lr 1: the validation loss jumps about; the best epoch is the 4th, and patience 3 stops after the 7th
    await straightVsResumed([...base, '--lr', '1', '--patience', '3'], 8, tmp());
  });

  it('a checkpoint is a time-series model file: evaluate reads it', async () => {
    const dir = tmp();
    const ckpt = join(dir, 'c.safetensors');
    expect((await run([...base, '--out', join(dir, 'm.safetensors'), '--epochs', '1', '--checkpoint', ckpt])).code).toBe(0);
    expect((await readCheckpoint(ckpt)).state).toMatchObject({ workflow: 'csv', epoch: 1, batch: 0 });
    expect((await run(['evaluate', '--model', ckpt, '--csv', AIR])).code).toBe(0);
  });

  it('--minutes stops before a batch and writes the checkpoint; the resume finishes the run exactly', async () => {
    const dir = tmp();
    const straight = join(dir, 'straight.safetensors');
    expect((await run([...base, '--out', straight, '--epochs', '2'])).code).toBe(0);
    const ckpt = join(dir, 'c.safetensors');
    const out = join(dir, 'm.safetensors');
    const t = await run([...base, '--out', out, '--epochs', '2', '--minutes', '0.000001', '--checkpoint', ckpt, '--json']);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout.trim().split('\n').at(-1)!)).toMatchObject({ stopped: 'time', checkpoint: ckpt });
    expect(existsSync(out)).toBe(true);
    expect((await readCheckpoint(ckpt)).state.epoch).toBe(0); // stopped inside the first epoch
    expect((await run([...base, '--out', out, '--epochs', '2', '--resume', ckpt])).code).toBe(0);
    sameWeights(straight, out);
  });

  it('--resume of a missing file is one clear line, exit 1, and nothing trained', async () => {
    await missingResume(base, tmp());
  });
});


describe('rnn train --trees: checkpoints and exact resume', () => {
  const dir = tmp();
  const base = ['train', '--trees', sstSlice('train', 40, dir), '--dev', sstSlice('dev', 20, dir), '--hidden', '6', '--embedding', '6', '--batch-size', '10', '--lr', '0.05', '--seed', '3'];

  it('4 epochs straight = 2 epochs, then --resume to 4 (dropout, Adam and the best epoch on dev carried through)', async () => {
    await straightVsResumed(base, 4, tmp());
  });

  it('a checkpoint is a tree-model file: evaluate --trees reads it', async () => {
    const d = tmp();
    const ckpt = join(d, 'c.safetensors');
    expect((await run([...base, '--out', join(d, 'm.safetensors'), '--epochs', '1', '--checkpoint', ckpt])).code).toBe(0);
    expect((await readCheckpoint(ckpt, async (p) => ({ model: { params: null, config: () => null }, metadata: parseSafetensors(readFileSync(p), p).metadata }))).state).toMatchObject({
      workflow: 'trees',
      epoch: 1,
      batch: 0,
    });
    expect((await run(['evaluate', '--model', ckpt, '--trees', join(dir, 'dev.txt')])).code).toBe(0);
  });

  it('--minutes stops before a batch, writes the checkpoint and the model', async () => {
    const d = tmp();
    const ckpt = join(d, 'c.safetensors');
    const out = join(d, 'm.safetensors');
    const t = await run([...base, '--out', out, '--epochs', '2', '--minutes', '0.000001', '--checkpoint', ckpt, '--json']);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout.trim().split('\n').at(-1)!)).toMatchObject({ stopped: 'time', checkpoint: ckpt, out });
    expect(existsSync(out)).toBe(true);
    expect(existsSync(ckpt)).toBe(true);
  });

  it('--resume of a missing file is one clear line, exit 1, and nothing trained', async () => {
    await missingResume(base, tmp());
  });
});

describe('rnn train --tagging: checkpoints and exact resume', () => {
  const dir = tmp();
  const base = ['train', '--tagging', wnutSlice('train', 40, dir), '--dev', wnutSlice('dev', 15, dir), '--hidden', '6', '--embedding', '6', '--char-filters', '5', '--batch-size', '8', '--seed', '3'];

  it('4 epochs straight = 2 epochs, then --resume to 4 (dropout, Adam and the best epoch on dev carried through)', async () => {
    await straightVsResumed(base, 4, tmp());
  });

  it('with --shape and --word-dropout: 4 epochs straight = 2, then --resume to 4 (the word-dropout draws carried through)', async () => {
    await straightVsResumed([...base, '--shape', '3', '--word-dropout', '0.3'], 4, tmp());
  });

  it('with --weight-average: 4 epochs straight = 2, then --resume to 4 (the average carried through)', async () => {
    await straightVsResumed([...base, '--weight-average', '0.9'], 4, tmp());
  });

  it('--resume of a missing file is one clear line, exit 1, and nothing trained', async () => {
    await missingResume(base, tmp());
  });
});

describe('rnn train (array mode): checkpoints and exact resume', () => {
  const G = new URL('../../layers/test/golden/', import.meta.url).pathname;
  const base = (kind: string) => ['train', '--model', join(G, `${kind}.init.safetensors`), '--x', join(G, `${kind}.x.json`), '--y', join(G, `${kind}.y.json`), '--batch-size', '3', '--seed', '5'];

  it('adam, shuffled: 4 epochs straight = 2, then --resume to 4', async () => {
    await straightVsResumed([...base('train-mse-adam'), '--optimizer', 'adam', '--lr', '0.01'], 4, tmp());
  });

  it('adagrad (its own optimizer state), crossentropy: 4 epochs straight = 2, then --resume to 4', async () => {
    await straightVsResumed([...base('train-crossentropy-adam-char'), '--optimizer', 'adagrad', '--lr', '0.1', '--loss', 'crossentropy'], 4, tmp());
  });

  it('--resume of a missing file is one clear line, exit 1, and nothing trained', async () => {
    await missingResume(base('train-mse-adam'), tmp());
  });
});

describe('every workflow', () => {
  it("declares --checkpoint, --checkpoint-every, --resume and --minutes in its train flags (so none is ignored: an undeclared flag is refused by name)", () => {
    for (const w of WORKFLOWS) {
      for (const f of ['checkpoint', 'checkpoint-every', 'resume', 'minutes']) expect(Object.keys(w.train.flags.flags), `${w.name} --${f}`).toContain(f);
    }
  });

  it('--resume of a missing file is one clear line, exit 1 (text, sequences)', async () => {
    const dir = tmp();
    const text = join(dir, 't.txt');
    writeFileSync(text, 'abcabcabc\n'.repeat(20));
    await missingResume(['train', '--text', text, '--seq-len', '8', '--hidden', '4', '--layers', '1'], dir);
    await missingResume(['train', '--sequences', join(DATA, 'indoor-movement/sequences.csv'), '--labels', join(DATA, 'indoor-movement/labels.csv'), '--hidden', '4'], dir);
  });
});
