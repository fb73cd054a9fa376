// Issue 22: a tree net's training steps run in the Trainer's tidy scope (TreeNet.tidySteps), so the
// native backend writes each step's results into the buffers the step before released (the addon's
// result pool) rather than into fresh ArrayBuffers, which V8 counts as external memory and
// collects with scavenges and mark-compacts on its own threads, beside our pool's.
import { describe, expect, it } from 'vitest';
import { backendByName, type Backend } from '@rnn/core';
import '@rnn/backend-native';
import { TreeNet, fitTrees } from '../src/index.js';
import { sstSample } from './trees-helpers.js';

type Stats = { reused: number; fresh: number; freshBytes: number };

describe('tree training steps on the native backend reuse released buffers', () => {
  it('fitTrees: from the second epoch most results come from the pool', async () => {
    const native = backendByName('native') as Backend & { allocationStats(): Stats };
    const { trees, vocab } = sstSample('train', 24);
    const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 6, embeddingDim: 5, vocab, seed: 3, backend: native });
    const perEpoch: Stats[] = [];
    let s0 = native.allocationStats();
    await fitTrees(net, net.encode(trees), {
      epochs: 3,
      batchSize: 6,
      callbacks: [
        {
          onEpochEnd: () => {
            const s = native.allocationStats();
            perEpoch.push({ reused: s.reused - s0.reused, fresh: s.fresh - s0.fresh, freshBytes: s.freshBytes - s0.freshBytes });
            s0 = s;
          },
        },
      ],
    });
    const [, e2, e3] = perEpoch;
    // shuffled batches differ in node count, so some result lengths are new to the pool; without
    // the scope nothing is released and every result is fresh (0 reused, ~205 fresh per epoch here)
    for (const e of [e2!, e3!]) expect(e.reused).toBeGreaterThan(50);
    expect(e2!.fresh + e3!.fresh).toBeLessThan(0.75 * (e2!.fresh + e2!.reused + e3!.fresh + e3!.reused));
  });
});
