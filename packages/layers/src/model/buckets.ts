import type { Rng } from '@rnn/core';

/**
 * One epoch's row order with length bucketing. A fused recurrent kernel runs every step of the
 * longest row of its batch, so a random batch of 2- to 20-step rows spends most of its time on
 * padding. Here the epoch's shuffle is cut into chunks of `chunkBatches` batches, each chunk is
 * sorted by `keys` (stable, so ties keep their shuffled order), cut into batches, and the full
 * batches are shuffled; a last, partial batch (from the last chunk) stays last, so batch b is
 * always `order[b*batchSize … (b+1)*batchSize)` and an epoch has ceil(n / batchSize) batches, as
 * without bucketing. Batches stay random in content (a chunk is a random 1/k of the data) while
 * their rows have similar keys. Everything is drawn from `rng`: the same generator state gives the
 * same order, which is what a resumed run relies on.
 */
export function bucketedOrder(rng: Rng, keys: ArrayLike<number>, batchSize: number, chunkBatches: number): Int32Array {
  const n = keys.length;
  const shuffled = rng.permutation(n);
  const chunk = batchSize * chunkBatches;
  const sorted = new Int32Array(n);
  for (let c = 0; c < n; c += chunk) {
    const rows = Array.from(shuffled.subarray(c, Math.min(n, c + chunk)));
    rows.sort((a, b) => keys[a]! - keys[b]!);
    sorted.set(rows, c);
  }
  const full = Math.floor(n / batchSize);
  const order = new Int32Array(n);
  const which = rng.permutation(full);
  for (let b = 0; b < full; b++) order.set(sorted.subarray(which[b]! * batchSize, (which[b]! + 1) * batchSize), b * batchSize);
  order.set(sorted.subarray(full * batchSize), full * batchSize);
  return order;
}
