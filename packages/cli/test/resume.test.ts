import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { Rng, readModelFile, tensor } from '@rnn/core';
import { dense, dropout, lstm, sequential, type Sequential } from '@rnn/layers';
import { main } from '../src/main.js';
import { InterruptedError, fitResumable, readCheckpoint, type RunControl } from '../src/workflows/checkpoint.js';
import { run, tmp } from './helpers.js';

const DATA = new URL('../../../data/', import.meta.url).pathname;
const SEQUENCES = join(DATA, 'indoor-movement/sequences.csv');
const LABELS = join(DATA, 'indoor-movement/labels.csv');
const TINY = ['--seq-len', '20', '--hidden', '16', '--layers', '2', '--embedding', '8', '--batch-size', '16'];

function smallText(dir: string): string {
  const p = join(dir, 'small.txt');
  writeFileSync(p, readFileSync(join(DATA, 'tinyshakespeare/first-50k.txt'), 'utf8').slice(0, 3000));
  return p;
}

/** Every tensor of two model files, compared bit for bit. */
function sameWeights(a: string, b: string): void {
  const fa = readModelFile(new Uint8Array(readFileSync(a)), a);
  const fb = readModelFile(new Uint8Array(readFileSync(b)), b);
  expect([...fa.tensors.keys()]).toEqual([...fb.tensors.keys()]);
  for (const [name, t] of fa.tensors) expect(Buffer.from(fb.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
}

/** Press Ctrl-C: call the SIGINT handler training installed (not vitest's own). */
function pressCtrlC(before: readonly unknown[]): void {
  const ours = process.listeners('SIGINT').find((l) => !before.includes(l));
  if (!ours) throw new Error('no SIGINT handler installed');
  (ours as (s: string) => void)('SIGINT');
}

/** Run the CLI with --json and press Ctrl-C a few batches after epoch `afterEpoch` ends. */
async function runAndInterrupt(args: string[], afterEpoch: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const before = process.listeners('SIGINT');
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  let pressed = false;
  out.on('data', (d) => {
    stdout += d;
    if (!pressed && stdout.includes(`"event":"epoch","epoch":${afterEpoch},`)) {
      pressed = true;
      // training yields once per batch: three yields later it is inside the next epoch
      setImmediate(() => setImmediate(() => setImmediate(() => pressCtrlC(before))));
    }
  });
  err.on('data', (d) => (stderr += d));
  const code = await main([...args, '--json'], { stdout: out, stderr: err });
  return { code, stdout, stderr };
}

describe('checkpoints and exact resume (text)', () => {
  const dir = tmp();
  const text = smallText(dir);
  const base = ['train', '--text', text, ...TINY, '--seed', '4'];

  it('K epochs + resume to N ends with the same weights, bit for bit, as N epochs straight', async () => {
    const straight = join(dir, 'straight.safetensors');
    expect((await run([...base, '--out', straight, '--epochs', '3'])).code).toBe(0);
    const ckpt = join(dir, 'k.ckpt.safetensors');
    const first = await run([...base, '--out', join(dir, 'k.safetensors'), '--epochs', '1', '--checkpoint', ckpt]);
    expect(first.code).toBe(0);
    const c = await readCheckpoint(ckpt);
    expect(c.state.epoch).toBe(1);
    expect(c.state.batch).toBe(0);
    expect(c.state.optimizer.name).toBe('adam');
    expect(Object.keys(c.state.optimizer.slots).sort()).toEqual(['m', 'v']);
    expect(c.state.optimizer.steps).toBe(c.state.batches);
    const resumed = join(dir, 'resumed.safetensors');
    const r = await run([...base, '--out', resumed, '--epochs', '3', '--resume', ckpt]);
    expect(r.stderr).toMatch(/trained to epoch 3/);
    expect(r.code).toBe(0);
    sameWeights(straight, resumed);
  });

  it('Ctrl-C mid-epoch writes a checkpoint, exits 130 saying how to resume, and the resume is exact', async () => {
    const straight = join(dir, 'straight2.safetensors');
    expect((await run([...base, '--out', straight, '--epochs', '2'])).code).toBe(0);
    const out = join(dir, 'int.safetensors');
    const r = await runAndInterrupt([...base, '--out', out, '--epochs', '2'], 1);
    expect(r.code).toBe(130);
    const ckpt = join(dir, 'int.checkpoint.safetensors');
    expect(r.stderr).toContain(`checkpoint written to ${ckpt}. Resume with: rnn train --text ${text} --out ${out} --seq-len 20`);
    expect(r.stderr).toMatch(/--resume \S+int\.checkpoint\.safetensors\n$/);
    expect(existsSync(out)).toBe(false);
    const c = await readCheckpoint(ckpt);
    expect(c.state.epoch).toBe(1);
    expect(c.state.batch).toBeGreaterThan(0); // stopped inside the second epoch
    expect(c.state.rng).not.toBeNull();
    // the checkpoint is a model file too: generate reads it
    expect((await run(['generate', '--model', ckpt, '--prime', 'A', '--length', '5'])).code).toBe(0);
    const resumed = await run([...base, '--out', out, '--epochs', '2', '--json', '--resume', ckpt]);
    expect(resumed.code).toBe(0);
    sameWeights(straight, out);
  });

  it('Ctrl-C mid-epoch under --stateful: the checkpoint holds the carried state and the resume is exact', async () => {
    const stateful = [...base, '--stateful'];
    const straight = join(dir, 'straight-stateful.safetensors');
    expect((await run([...stateful, '--out', straight, '--epochs', '2'])).code).toBe(0);
    const out = join(dir, 'int-stateful.safetensors');
    const r = await runAndInterrupt([...stateful, '--out', out, '--epochs', '2'], 1);
    expect(r.code).toBe(130);
    const c = await readCheckpoint(join(dir, 'int-stateful.checkpoint.safetensors'));
    expect(c.state.batch).toBeGreaterThan(0);
    expect(JSON.parse(c.state.extra!).carried).not.toBeNull();
    const resumed = await run([...stateful, '--out', out, '--epochs', '2', '--resume', join(dir, 'int-stateful.checkpoint.safetensors')]);
    expect(resumed.code).toBe(0);
    sameWeights(straight, out);
  });

  it('refuses to resume with different settings, naming them', async () => {
    const ckpt = join(dir, 'k.ckpt.safetensors');
    const r = await run(['train', '--text', text, ...TINY, '--seed', '5', '--out', join(dir, 'x.safetensors'), '--epochs', '3', '--resume', ckpt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/differs from the one that wrote the checkpoint \(seed: checkpoint 4, now 5\)/);
    const done = await run([...base, '--out', join(dir, 'x.safetensors'), '--epochs', '1', '--resume', ckpt]);
    expect(done.stderr).toMatch(/already finished epoch 1; --epochs 1 leaves nothing to train/);
    const model = await run([...base, '--out', join(dir, 'x.safetensors'), '--epochs', '2', '--resume', join(dir, 'straight.safetensors')]);
    expect(model.stderr).toMatch(/a model file but not a checkpoint/);
  });
});

describe('checkpoints and exact resume (sequences, variable lengths)', () => {
  it('K epochs + resume to N equals N straight', async () => {
    const dir = tmp();
    const base = ['train', '--sequences', SEQUENCES, '--labels', LABELS, '--hidden', '6', '--seed', '2'];
    const straight = join(dir, 's.safetensors');
    expect((await run([...base, '--out', straight, '--epochs', '3'])).code).toBe(0);
    const ckpt = join(dir, 'c.safetensors');
    expect((await run([...base, '--out', join(dir, 'k.safetensors'), '--epochs', '2', '--checkpoint', ckpt, '--checkpoint-every', '2'])).code).toBe(0);
    const resumed = join(dir, 'r.safetensors');
    const r = await run([...base, '--out', resumed, '--epochs', '3', '--resume', ckpt]);
    expect(r.code).toBe(0);
    sameWeights(straight, resumed);
  });
});

describe('fitResumable (what any workflow adopts)', () => {
  it('resumes exactly mid-epoch with dropout, which draws from the generator every batch', async () => {
    const dir = tmp();
    const rng = new Rng(9);
    const x = tensor(Float64Array.from({ length: 40 * 5 * 3 }, () => rng.normal()), [40, 5, 3]);
    const y = tensor(Float64Array.from({ length: 40 * 5 }, () => rng.normal()), [40, 5, 1]);
    const build = (): Sequential => {
      const m = sequential([lstm({ hiddenSize: 6, returnSequences: true }), dropout(0.3), dense({ units: 1 })]).build({ inputSize: 3, seed: 1 });
      return m.compile({ optimizer: 'adam', loss: 'mse' });
    };
    const io = { stdout: new PassThrough().resume(), stderr: new PassThrough().resume() };
    const ckpt = join(dir, 'c.safetensors');
    const control = (resume: RunControl['resume']): RunControl => ({ checkpoint: null, every: 1, interruptPath: ckpt, resume, budgetMs: null });
    // a workflow's own stateful callback (here: batches seen), carried through the checkpoint by `extra`
    const counter = () => {
      const t = { seen: 0, onTrainBegin: () => void (t.seen = 0), onBatchEnd: () => void t.seen++ };
      return t;
    };
    const go = (m: Sequential, c: RunControl, t: ReturnType<typeof counter>, more: object[] = []) =>
      fitResumable(m, x, y, { epochs: 3, batchSize: 8, seed: 7, callbacks: [t, ...more] as never }, {
        workflow: 'test',
        settings: { seed: 7 },
        control: c,
        command: 'rnn train …',
        io,
        extra: { save: () => String(t.seen), restore: (s) => void (t.seen = Number(s)) },
      });

    const straight = build();
    const t1 = counter();
    await go(straight, control(null), t1);
    expect(t1.seen).toBe(15);
    const before = process.listeners('SIGINT');
    const press = { onBatchEnd: (b: number, l: { epoch: number }) => void (l.epoch === 1 && b === 2 && pressCtrlC(before)) };
    await expect(go(build(), control(null), counter(), [press])).rejects.toThrow(InterruptedError);
    const c = await readCheckpoint(ckpt);
    expect([c.state.epoch, c.state.batch, c.state.extra]).toEqual([1, 3, '8']);
    const resumed = build();
    const t2 = counter();
    await go(resumed, control(c), t2);
    expect(t2.seen).toBe(15);
    expect(Buffer.from(resumed.params!.values.data().buffer).equals(Buffer.from(straight.params!.values.data().buffer))).toBe(true);
  });
});
