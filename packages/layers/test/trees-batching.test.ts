import { describe, expect, it } from 'vitest';
import { backward } from '@rnn/core';
import { TreeNet, binarySchedule, planBatch } from '../src/index.js';
import { maxDiff, sstSample } from './trees-helpers.js';

describe('dynamic batching', () => {
  const { trees, vocab } = sstSample('dev', 12);
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

describe('the whole-batch schedule of a plan', () => {
  it('binarySchedule reads the same arrays from the flat rows as from the per-level lists', () => {
    const { trees, vocab } = sstSample('dev', 30);
    const enc = trees.map((tree) => ({ tree, ids: vocab.encode(tree) }));
    const plan = planBatch(enc, 2);
    const fromRows = binarySchedule(plan);
    const fromLevels = binarySchedule({ ...plan }); // a copy: not the planned object, so its levels are read
    expect(fromRows.levelStart.length).toBeGreaterThan(5);
    for (const k of ['levelStart', 'left', 'right', 'wordRow', 'wordIds'] as const) expect(Array.from(fromRows[k]), k).toEqual(Array.from(fromLevels[k]));
  });
});
