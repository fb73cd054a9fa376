// The binary Tree-LSTM on the native backend runs each mini-batch's whole level schedule as one
// kernel call (core's treeLstmBatch): the same numbers as the level-by-level path from JavaScript.
import { describe, expect, it } from 'vitest';
import { Rng, backendByName, backward, type Backend } from '@rnn/core';
import '@rnn/backend-native';
import { TreeNet } from '../src/index.js';
import { maxDiff, sstSample } from './trees-helpers.js';

describe('tree-lstm on the native backend: one call per mini-batch', () => {
  const { trees, vocab } = sstSample('dev', 12);
  const native: Backend = backendByName('native');

  it('records one treeLstmBatch node and matches the level-by-level path, dropout on, outputs and gradients', () => {
    const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 7, embeddingDim: 5, vocab, seed: 2, dropout: 0.3, embeddingStd: 0.5, backend: native });
    const enc = net.encode(trees);
    const run = (fused: boolean) => {
      net.params.zeroGrad();
      const out = net.forward(enc, { training: true, rng: new Rng(9), fused });
      const op = out.h.node?.op; // backward releases the graph
      const loss = net.lossOf(out, { l2: 1e-3 });
      backward(loss);
      return { op, h: out.h.data(), loss: loss.item(), grads: net.params.grads.data() };
    };
    const a = run(true);
    const b = run(false);
    expect(a.op).toBe('treeLstmBatch');
    expect(b.op).not.toBe('treeLstmBatch');
    expect(maxDiff(a.h, b.h)).toBeLessThan(1e-5);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    expect(maxDiff(a.grads, b.grads)).toBeLessThan(1e-5);
  });

  it('predicts the same root classes either way', () => {
    const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 6, embeddingDim: 6, vocab, seed: 3, embeddingStd: 0.5, backend: native });
    const enc = net.encode(trees);
    const a = net.forward(enc, { fused: true }).logits.data();
    const b = net.forward(enc, { fused: false }).logits.data();
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
  });
});
