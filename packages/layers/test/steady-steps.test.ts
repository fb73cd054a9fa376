// A steady training step allocates no new buffers on the native backend: the Trainer frees each
// step's tensors (Sequential.tidySteps) and the backend writes the next step's results into the
// released buffers (the addon's result pool). Every fresh ArrayBuffer is V8 external memory, and
// ~64 MB of them bring a mark-compact (workload B made ~35 MB a step before).
import { describe, expect, it } from 'vitest';
import { Rng, backendByName, tensor, type Backend } from '@rnn/core';
import '@rnn/backend-native';
import { Layer, dense, dropout, embedding, gru, lstm, sequential, type Sequential } from '../src/index.js';

type Stats = { reused: number; fresh: number; freshBytes: number };

describe('native backend: steady training steps allocate nothing new', () => {
  const native = backendByName('native') as Backend & { allocationStats(): Stats };
  const steps = 4;

  /** Fresh buffers (count, bytes) per epoch of `fit`, three epochs of `steps` batches. */
  async function freshPerEpoch(model: Sequential, x: ReturnType<typeof tensor>, y: ReturnType<typeof tensor>, batch: number, validationSplit?: number): Promise<Stats[]> {
    const out: Stats[] = [];
    let s0 = native.allocationStats();
    await model.fit(x, y, {
      epochs: 3,
      batchSize: batch,
      shuffle: true,
      validationSplit,
      callbacks: [
        {
          onEpochEnd: () => {
            const s = native.allocationStats();
            out.push({ reused: s.reused - s0.reused, fresh: s.fresh - s0.fresh, freshBytes: s.freshBytes - s0.freshBytes });
            s0 = s;
          },
        },
      ],
    });
    return out;
  }

  it('a char-LM (embedding, 2×LSTM, dense every step, crossentropy, Adam, validation every epoch): after the first epoch, every buffer comes from the pool', async () => {
    const [B, T, V] = [4, 12, 11];
    const r = new Rng(5);
    const ids = (n: number) => Int32Array.from({ length: n }, () => Math.floor(r.next() * V));
    const rows = B * steps + 3; // the last 3 rows validate
    const x = tensor(ids(rows * T), [rows, T], { dtype: 'int32', backend: native });
    const y = tensor(ids(rows * T), [rows, T], { dtype: 'int32', backend: native });
    const model = sequential([embedding({ numEmbeddings: V, embeddingDim: 6 }), lstm({ units: 9, numLayers: 2, returnSequences: true }), dense({ units: V })]);
    model.build({ seed: 1, backend: native });
    model.compile({ optimizer: { type: 'adam', lr: 1e-2 }, loss: 'crossentropy', clipNorm: 1 });
    expect(model.tidySteps).toBe(true);
    const [warm, e2, e3] = await freshPerEpoch(model, x, y, B, 3 / rows);
    expect(warm!.fresh).toBeGreaterThan(0);
    expect(e2!.reused).toBeGreaterThan(50 * steps);
    expect(e2!.fresh).toBe(0);
    expect(e3!.fresh).toBe(0);
  });

  it('a forecaster (GRU, dropout, dense on the last step, MSE, SGD; numerics checked every step): likewise', async () => {
    const [B, T, F] = [5, 7, 3];
    const r = new Rng(6);
    const vals = (n: number) => Float32Array.from({ length: n }, () => r.next() - 0.5);
    const x = tensor(vals(B * steps * T * F), [B * steps, T, F], { backend: native });
    const y = tensor(vals(B * steps), [B * steps, 1], { backend: native });
    const model = sequential([gru({ units: 8, returnSequences: true }), dropout(0.2), lstm({ units: 5 }), dense({ units: 1 })]);
    model.build({ inputSize: F, seed: 2, backend: native });
    model.compile({ optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, loss: 'mse' });
    const [, e2, e3] = await freshPerEpoch(model, x, y, B);
    expect(e2!.reused).toBeGreaterThan(20 * steps);
    expect(e2!.fresh).toBe(0);
    expect(e3!.fresh).toBe(0);
  });

  it('a model with a custom layer is left to the garbage collector (its tensors might outlive a step)', async () => {
    class Twice extends Layer {
      readonly type = 'twice';
      build(input: { kind: 'sequence' | 'ids' | 'vector'; features: number }) {
        return input;
      }
      parameters() {
        return [];
      }
      call(x: Parameters<Layer['call']>[0]) {
        return x;
      }
      config() {
        return null;
      }
    }
    const model = sequential([lstm({ units: 4 }), new Twice('twice'), dense({ units: 1 })]);
    expect(model.tidySteps).toBe(false);
    expect(sequential([lstm({ units: 4 }), dense({ units: 1 })]).tidySteps).toBe(true);
  });
});
