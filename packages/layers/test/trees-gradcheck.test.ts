import { describe, expect, it } from 'vitest';
import { grad, noGrad } from '@rnn/core';
import { TreeNet, Vocab, parseTrees } from '../src/index.js';

// Small trees of every shape the cells meet: leaves at different depths, a unary node, a
// three-child node (child-sum only) and an internal node with a word (child-sum, tree-lstm).
const BINARY = parseTrees('(3 (2 a) (4 (1 b) (0 c)))\n(1 (2 (3 d) (2 a)) (1 b))\n(4 e)\n(2 (2 (1 a) (3 b)) (4 (0 c) (2 (2 d) (1 e))))');
const GENERAL = parseTrees('(3 x (2 a) (4 (1 b) (0 c) (2 d)))\n(1 (2 (3 d)) (1 b))\n(2 y (3 a))');

describe('finite-difference gradient check (float64)', () => {
  const cases = [
    ['tree-lstm', BINARY],
    ['tree-lstm', GENERAL.slice(1)], // unary node and a word at an internal node, through the fused kernel
    ['child-sum', GENERAL],
    ['rnn', BINARY],
    ['rntn', BINARY],
  ] as const;
  for (const [cell, trees] of cases) {
    it(`${cell}: core grad() matches central differences`, () => {
      const vocab = Vocab.build(trees);
      const E = cell === 'rnn' || cell === 'rntn' ? 3 : 4;
      const net = new TreeNet({ cell, hiddenSize: 3, embeddingDim: E, vocab, dtype: 'float64', seed: 7, embeddingStd: 0.7 });
      const enc = net.encode(trees);
      const lossOf = () => net.lossOf(net.forward(enc), { l2: 0.01 });
      const tensors = net.params.tensors;
      const analytic = grad(lossOf(), [...tensors]).map((g) => g!.data());
      const h = 1e-6;
      let worst = 0;
      tensors.forEach((t, i) => {
        const base = t.data();
        // every entry of small tensors, a spread of entries of the larger ones
        const step = Math.max(1, Math.floor(base.length / 8));
        for (let k = 0; k < base.length; k += step) {
          const plus = Float64Array.from(base);
          plus[k] += h;
          net.params.set(t.name!, plus);
          const fp = noGrad(() => lossOf().item());
          const minus = Float64Array.from(base);
          minus[k] -= h;
          net.params.set(t.name!, minus);
          const fm = noGrad(() => lossOf().item());
          net.params.set(t.name!, base);
          const numeric = (fp - fm) / (2 * h);
          const err = Math.abs(numeric - analytic[i]![k]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i]![k]!));
          worst = Math.max(worst, err);
          if (err > 1e-5) throw new Error(`${t.name}[${k}]: analytic ${analytic[i]![k]} vs numeric ${numeric}`);
        }
      });
      expect(worst).toBeLessThan(1e-5);
    });
  }
});
