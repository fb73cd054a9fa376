import { describe, expect, it } from 'vitest';
import { backward } from '@rnn/core';
import { TreeNet, Vocab, readTrees } from '../src/index.js';
import { fileURLToPath } from 'node:url';

const DEV = fileURLToPath(new URL('../../../data/sst/dev.txt.gz', import.meta.url));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('dynamic batching', () => {
  const trees = readTrees(DEV).slice(0, 12);
  const vocab = Vocab.build(trees, { lowercase: true });
  for (const cell of ['tree-lstm', 'child-sum', 'rnn', 'rntn'] as const) {
    it(`${cell}: batched and node-by-node give the same outputs and gradients`, () => {
      const net = new TreeNet({ cell, hiddenSize: 6, embeddingDim: cell.startsWith('r') ? 6 : 5, vocab, seed: 1, embeddingStd: 0.5 });
      const enc = net.encode(trees);
      const run = (nodeByNode: boolean) => {
        net.params.zeroGrad();
        const out = net.forward(enc, { nodeByNode });
        const loss = net.lossOf(out, { l2: 1e-3 });
        backward(loss);
        return { h: out.h.data(), logits: out.logits.data(), loss: loss.item(), grads: net.params.grads.data() };
      };
      const a = run(false);
      const b = run(true);
      expect(maxDiff(a.h, b.h)).toBeLessThan(1e-5);
      expect(maxDiff(a.logits, b.logits)).toBeLessThan(1e-5);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
      expect(maxDiff(a.grads, b.grads)).toBeLessThan(1e-5);
    });
  }
});
