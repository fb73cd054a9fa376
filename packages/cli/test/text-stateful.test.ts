import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, backendByName, getBackend, noGrad, setBackend, tensor, type Tensor } from '@rnn/core';
import '@rnn/backend-native';
import { Trainer, type TrainableModel } from '@rnn/layers';
import { Vocabulary } from '../src/workflows/text/corpus.js';
import { textModel } from '../src/workflows/text/model.js';
import { StatefulModel, carriedLoss, streamData, streams, type StreamBatch } from '../src/workflows/text/stateful.js';
import { run, tmp } from './helpers.js';

const SHAKESPEARE_50K = new URL('../../../data/tinyshakespeare/first-50k.txt', import.meta.url).pathname;
const TINY = ['--seq-len', '20', '--hidden', '16', '--layers', '2', '--embedding', '8', '--batch-size', '16'];

function smallText(dir: string, chars = 3000): string {
  const p = join(dir, 'small.txt');
  writeFileSync(p, readFileSync(SHAKESPEARE_50K, 'utf8').slice(0, chars));
  return p;
}

describe('stateful truncated BPTT: streams and the carried state', () => {
  it('lays the text out as contiguous streams: row w·B + s is window w of stream s', () => {
    const ids = Int32Array.from({ length: 53 }, (_, i) => i);
    const st = streams(ids, 4, 5); // streams of 13 characters, 2 windows of 5 each
    expect(st.streamLength).toBe(13);
    expect(st.windows).toBe(2);
    const row = (r: number, a: Int32Array) => [...a.subarray(r * 5, r * 5 + 5)];
    expect(row(0, st.x)).toEqual([0, 1, 2, 3, 4]);
    expect(row(1, st.x)).toEqual([13, 14, 15, 16, 17]); // stream 1, window 0
    expect(row(4, st.x)).toEqual([5, 6, 7, 8, 9]); // stream 0, window 1 continues row 0
    expect(row(7, st.x)).toEqual([44, 45, 46, 47, 48]);
    expect(row(7, st.y)).toEqual([45, 46, 47, 48, 49]);
    expect(() => streams(ids, 20, 5)).toThrow(/--batch-size 20 streams gives 2 characters each, fewer than one --seq-len 5 window/);
  });

  it('window w+1 starts from the state window w ended with: its loss is the second half of one pass over both windows', () => {
    const text = readFileSync(SHAKESPEARE_50K, 'utf8').slice(0, 2000);
    const vocab = Vocabulary.fromText(text);
    const ids = vocab.encode(text, 't');
    const [B, T] = [3, 7];
    const model = textModel({ vocab: vocab.size, embedding: 5, cell: 'lstm', hidden: 6, layers: 2, seed: 3 });
    model.compile({ optimizer: { type: 'adam', lr: 1e-3 }, loss: 'crossentropy' });
    const st = streams(ids.subarray(0, B * 2 * T + 1), B, T); // 2 windows per stream
    expect(st.streamLength).toBe(2 * T);
    const data = streamData(st, B, T, model.params!.backend);
    const sm = new StatefulModel(model);
    const ctx = { rng: new Rng(0), metric() {} };
    const rows = (w: number) => Int32Array.from({ length: B }, (_, s) => w * B + s);
    const first = noGrad(() => sm.loss(data.take(rows(0)), ctx).item());
    const second = noGrad(() => sm.loss(data.take(rows(1)), ctx).item());

    // the same 2T characters of each stream in one pass: the loss of its last T steps
    const x2 = new Int32Array(B * 2 * T);
    const y2 = new Int32Array(B * 2 * T);
    for (let s = 0; s < B; s++) {
      x2.set(ids.subarray(s * st.streamLength, s * st.streamLength + 2 * T), s * 2 * T);
      y2.set(ids.subarray(s * st.streamLength + 1, s * st.streamLength + 2 * T + 1), s * 2 * T);
    }
    const logits = model.predict(tensor(x2, [B, 2 * T], { dtype: 'int32' })).toArray() as number[][][];
    const nll = (from: number) => {
      let sum = 0;
      for (let s = 0; s < B; s++) {
        for (let t = from; t < from + T; t++) {
          const l = logits[s]![t]!;
          const m = Math.max(...l);
          const lse = m + Math.log(l.reduce((a, v) => a + Math.exp(v - m), 0));
          sum += lse - l[y2[s * 2 * T + t]!]!;
        }
      }
      return sum / (B * T);
    };
    expect(first).toBeCloseTo(nll(0), 5);
    expect(second).toBeCloseTo(nll(T), 5);
    // and it is not what a zero state gives
    expect(Math.abs(second - noGrad(() => model.evaluate(data.take(rows(1)).x, data.take(rows(1)).y).loss))).toBeGreaterThan(1e-4);

    // a batch that does not follow the last one (a new epoch) starts from zeros again
    const again = noGrad(() => sm.loss(data.take(rows(0)), ctx).item());
    expect(again).toBeCloseTo(first, 6);
    expect(sm.carried!.next).toBe(1);

    // carriedLoss reads the text the same way: B streams, state carried from window to window
    const c = carriedLoss(model, ids.subarray(0, B * 2 * T + 1), B, T);
    expect(c.scored).toBe(B * 2 * T);
    expect(c.loss).toBeCloseTo((nll(0) + nll(T)) / 2, 5);
  });
});

describe('stateful training on the native backend: steady steps allocate nothing new', () => {
  it('the carried state outlives its step (kept), is freed once replaced, and the weights are those of a run left to the GC', async () => {
    const native = backendByName('native') as ReturnType<typeof backendByName> & { allocationStats(): { fresh: number; reused: number } };
    const text = readFileSync(SHAKESPEARE_50K, 'utf8').slice(0, 3000);
    const vocab = Vocabulary.fromText(text);
    const ids = vocab.encode(text, 't');
    const [B, T] = [4, 9];
    const train = async (tidy: boolean) => {
      const prev = getBackend();
      setBackend('native');
      try {
        const model = textModel({ vocab: vocab.size, embedding: 5, cell: 'lstm', hidden: 7, layers: 1, seed: 4, dropout: 0.1 });
        model.compile({ optimizer: { type: 'adam', lr: 1e-2 }, loss: 'crossentropy', clipNorm: 1 });
        const sm = new StatefulModel(model);
        // the same model without the step scope: its tensors are left to the garbage collector
        const trained: TrainableModel<StreamBatch> = tidy
          ? sm
          : { params: sm.params, loss: (b, c) => sm.loss(b, c), predict: (i: never) => sm.predict(i), config: () => sm.config(), save: (p: string) => sm.save(p) };
        const st = streams(ids.subarray(0, B * 4 * T + 1), B, T); // 4 windows per stream
        const fresh: number[] = [];
        let f0 = native.allocationStats().fresh;
        const states: Tensor[] = [];
        await new Trainer(trained, {
          optimizer: model.training.optimizer,
          epochs: 4,
          batchSize: B,
          shuffle: false,
          clipNorm: 1,
          callbacks: [
            { onBatchEnd: () => void states.push(sm.carried!.state.h) },
            {
              onEpochEnd: () => {
                const f = native.allocationStats().fresh;
                fresh.push(f - f0);
                f0 = f;
              },
            },
          ],
        }).fit(streamData(st, B, T, native));
        return { weights: Array.from(model.params!.values.data()), fresh, states, carried: sm.carried! };
      } finally {
        setBackend(prev.name);
      }
    };
    const scoped = await train(true);
    // (the second epoch may still add the zero state its first window starts from: a size the pool ran short of)
    expect(scoped.fresh.slice(2)).toEqual([0, 0]);
    expect(scoped.carried.state.h.isDisposed).toBe(false);
    expect(scoped.carried.state.h.data().length).toBe(B * 7);
    // each step's state was freed two steps later (its successor's step may still read it in backward)
    expect(scoped.states.slice(0, -2).every((h) => h.isDisposed)).toBe(true);
    const plain = await train(false);
    expect(plain.fresh[3]).toBeGreaterThan(0);
    expect(scoped.weights).toEqual(plain.weights);
  });
});

describe('rnn train --text: --stateful, --lr-schedule, --warmup', () => {
  it('--stateful trains streams; without it, shuffled windows; both report the validation loss both ways', async () => {
    const dir = tmp();
    const text = smallText(dir);
    const a = await run(['train', '--text', text, '--out', join(dir, 'a.safetensors'), ...TINY, '--epochs', '1', '--json', '--verbose', '--stateful', '--lr-schedule', 'cosine']);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/16 streams of 177 characters, 8 windows of 20 each \(stateful\)/);
    const done = JSON.parse(a.stdout.trim().split('\n').pop()!) as Record<string, number | null>;
    expect(done['val_loss']).toBeGreaterThan(0);
    expect(done['val_loss_carried']).toBeGreaterThan(0);
    expect(a.stderr).toMatch(/validation loss \d\.\d{4} nats\/char \(\d\.\d{3} bits\/char\); \d\.\d{4} nats\/char reading on with carried state/);
    const b = await run(['train', '--text', text, '--out', join(dir, 'b.safetensors'), ...TINY, '--epochs', '1', '--json', '--verbose']);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/142 training sequences of 20/);
    const plain = JSON.parse(b.stdout.trim().split('\n').pop()!) as Record<string, number>;
    expect(plain['val_loss_carried']).toBeGreaterThan(0);
    expect(plain['val_loss_carried']).not.toBe(plain['val_loss']);
  });

  it('refuses --warmup without --lr-schedule cosine (usage, exit 2) and too many streams for the text (exit 1)', async () => {
    const dir = tmp();
    const text = smallText(dir);
    const w = await run(['train', '--text', text, '--out', join(dir, 'w.safetensors'), ...TINY, '--warmup', '0.1']);
    expect(w.code).toBe(2);
    expect(w.stderr).toBe('rnn: train --text: --warmup sizes the warm-up of --lr-schedule cosine; add --lr-schedule cosine or drop --warmup\n');
    const s = await run(['train', '--text', text, '--out', join(dir, 's.safetensors'), '--seq-len', '20', '--hidden', '4', '--layers', '1', '--batch-size', '200', '--stateful']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/^rnn: --stateful: the training text \(2841 characters\) cut into --batch-size 200 streams gives 14 characters each, fewer than one --seq-len 20 window; use a smaller --batch-size or --seq-len \(or drop --stateful\)\n$/);
  });

  it('a cosine schedule sized by --epochs must be resumed with the same --epochs', async () => {
    const dir = tmp();
    const text = smallText(dir);
    const ckpt = join(dir, 'c.safetensors');
    const base = ['train', '--text', text, ...TINY, '--lr-schedule', 'cosine', '--seed', '2'];
    expect((await run([...base, '--out', join(dir, 'a.safetensors'), '--epochs', '1', '--checkpoint', ckpt])).code).toBe(0);
    const r = await run([...base, '--out', join(dir, 'b.safetensors'), '--epochs', '2', '--resume', ckpt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/differs from the one that wrote the checkpoint \(cosine over --epochs: checkpoint 1, now 2\)/);
  });

  it('--dropout F trains with dropout (another training loss than without it, same seed), saves a model that generates, and refuses 1', async () => {
    const dir = tmp();
    const text = smallText(dir);
    const base = ['train', '--text', text, ...TINY, '--epochs', '1', '--json', '--seed', '4'];
    const loss = (r: { stdout: string }) => (JSON.parse(r.stdout.trim().split('\n')[0]!) as Record<string, number>)['loss'];
    const plain = await run([...base, '--out', join(dir, 'p.safetensors')]);
    const drop = await run([...base, '--out', join(dir, 'd.safetensors'), '--dropout', '0.3']);
    expect(plain.code).toBe(0);
    expect(drop.code).toBe(0);
    expect(loss(drop)).toBeGreaterThan(0);
    expect(loss(drop)).not.toBe(loss(plain));
    const st = await run([...base, '--out', join(dir, 's.safetensors'), '--dropout', '0.3', '--stateful']);
    expect(st.code).toBe(0);
    const g = await run(['generate', '--model', join(dir, 'd.safetensors'), '--length', '20', '--seed', '1']);
    expect(g.code).toBe(0);
    expect(g.stdout.length).toBeGreaterThan(0);
    const bad = await run([...base, '--out', join(dir, 'b.safetensors'), '--dropout', '1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^rnn: --dropout must be a fraction/);
  });
});
