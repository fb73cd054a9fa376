import { describe, expect, it } from 'vitest';
import { ConfigError, Rng } from '@rnn/core';
import { Trainer, bucketedOrder, getOptimizer, pairLengthKeys, type TrainableModel } from '../src/index.js';

// Length bucketing (issue 16): an epoch's order is still a permutation of the rows, drawn from the
// generator alone, and its batches hold rows of similar keys.
const keysOf = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => 2 + r.int(19));
};
const batchesOf = (order: Int32Array, size: number) => Array.from({ length: Math.ceil(order.length / size) }, (_, b) => order.subarray(b * size, (b + 1) * size));
/** Σ over batches of (longest key − shortest key): the padding a batch of mixed lengths carries. */
const spread = (order: Int32Array, keys: Int32Array, size: number) =>
  batchesOf(order, size).reduce((s, b) => {
    const k = Array.from(b, (i) => keys[i]!);
    return s + Math.max(...k) - Math.min(...k);
  }, 0);

describe('bucketedOrder', () => {
  it('is a permutation of the rows: every row once per epoch', () => {
    const keys = keysOf(1003, 1);
    const order = bucketedOrder(new Rng(3), keys, 16, 5);
    expect(order.length).toBe(1003);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1003 }, (_, i) => i));
  });

  it('is a function of the generator state: the same state, the same order; the next epoch another', () => {
    const keys = keysOf(500, 2);
    const rng = new Rng(7);
    const state = rng.getState();
    const first = bucketedOrder(rng, keys, 8, 4);
    const second = bucketedOrder(rng, keys, 8, 4);
    expect(second).not.toEqual(first);
    rng.setState(state);
    expect(bucketedOrder(rng, keys, 8, 4)).toEqual(first);
  });

  it('makes batches of similar keys, far less spread than a plain shuffle, in a shuffled order', () => {
    const keys = keysOf(3200, 3);
    const order = bucketedOrder(new Rng(4), keys, 32, 10);
    const plain = new Rng(4).permutation(3200);
    expect(spread(order, keys, 32)).toBeLessThan(spread(plain, keys, 32) / 4);
    // the batches are not in ascending key order (they are shuffled across each chunk and across chunks)
    const firstKeys = batchesOf(order, 32).map((b) => keys[b[0]!]!);
    expect(firstKeys.some((k, i) => i > 0 && k < firstKeys[i - 1]!)).toBe(true);
  });

  it('keeps the partial batch last, so batch b is order[b·size … (b+1)·size) as without bucketing', () => {
    const keys = keysOf(105, 5);
    const order = bucketedOrder(new Rng(1), keys, 10, 3);
    const last = Array.from(order.subarray(100), (i) => keys[i]!);
    // the partial batch is the tail of the last chunk (rows 90..104 of the shuffle), sorted: its longest rows
    expect(last).toEqual([...last].sort((a, b) => a - b));
    expect(order.length).toBe(105);
  });
});

describe('Trainer buckets', () => {
  it('refuses keys that do not match the rows, and buckets without shuffling, by name', async () => {
    const opt = getOptimizer({ type: 'sgd', lr: 0.1 });
    const model = { loss: () => null } as unknown as TrainableModel<unknown>;
    expect(() => new Trainer(model, { optimizer: opt, shuffle: false, buckets: { keys: [1, 2] } })).toThrow(/buckets shuffle batches of similar rows; they cannot be used with shuffle: false/);
    const t = new Trainer(model, { optimizer: opt, buckets: { keys: [1, 2, 3] } });
    await expect(t.fit({ size: 4, take: () => null })).rejects.toThrow(ConfigError);
    await expect(t.fit({ size: 4, take: () => null })).rejects.toThrow(/buckets.keys has 3 keys, the data has 4 rows/);
  });

  it('draws each epoch from bucketedOrder with the trainer’s generator', async () => {
    const keys = keysOf(90, 6);
    const batches: number[][] = [];
    const take = (idx: Int32Array) => {
      batches.push(Array.from(idx));
      return null;
    };
    // a trainer whose step only records (the loop, the order and the generator are what is tested)
    const t = new Trainer({ params: null, loss: () => null } as unknown as TrainableModel<null>, {
      optimizer: getOptimizer({ type: 'sgd', lr: 0.1 }),
      epochs: 2,
      batchSize: 8,
      rng: new Rng(11),
      buckets: { keys, chunkBatches: 3 },
    });
    t.step = () => 0;
    await t.fit({ size: 90, take });
    const rng = new Rng(11);
    const want = [bucketedOrder(rng, keys, 8, 3), bucketedOrder(rng, keys, 8, 3)].flatMap((o) => batchesOf(o, 8).map((b) => Array.from(b)));
    expect(batches).toEqual(want);
  });

  it('pairLengthKeys orders by source length, then target length', () => {
    const k = pairLengthKeys([
      { source: [1, 2, 3], target: [1] },
      { source: [1, 2], target: [1, 2, 3, 4] },
      { source: [1, 2], target: [1, 2] },
    ]);
    expect(Array.from(k).map((_, i) => i).sort((a, b) => k[a]! - k[b]!)).toEqual([2, 1, 0]);
  });
});

describe('fitSeq2Seq buckets', () => {
  it('trains on length-bucketed batches when asked: each batch of a chunk holds similar source lengths', async () => {
    const { cmudictSlice, tinyModel } = await import('./seq2seq-helpers.js');
    const { fitSeq2Seq } = await import('../src/index.js');
    const pairs = cmudictSlice().slice(0, 160);
    const spreadOf = async (buckets: boolean) => {
      const model = tinyModel(pairs);
      let spread = 0;
      const loss = model.loss.bind(model);
      model.loss = (batch, ctx) => {
        const lengths = batch.map((p) => p.source.length);
        spread += Math.max(...lengths) - Math.min(...lengths);
        return loss(batch, ctx);
      };
      await fitSeq2Seq(model, model.encodePairs(pairs), { epochs: 1, batchSize: 8, buckets });
      return spread;
    };
    expect(await spreadOf(true)).toBeLessThan((await spreadOf(false)) / 3);
  });
});
