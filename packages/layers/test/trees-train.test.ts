import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ParameterSet, add, backward, getBackend, linear, noGrad, tanh, tensor, type Backend, type Rng, type Tensor,
} from '@rnn/core';
import {
  Adagrad, TreeNet, Vocab, evaluateTrees, fitTrees, initialise, loadTreeNet, parseTrees, registerCell, saveTreeNet,
  scoreAccumulator, planBatch, type CellParams, type Children, type TreeCell,
} from '../src/index.js';
import { maxDiff, sstSample } from './trees-helpers.js';

describe('training tree nets', () => {
  const { trees, vocab } = sstSample('train', 40);

  it('a Tree-LSTM fits 40 SST trees: the loss falls', async () => {
    const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 12, embeddingDim: 12, vocab, seed: 2, embeddingStd: 0.1 });
    const enc = net.encode(trees);
    const losses: number[] = [];
    const h = await fitTrees(net, enc, {
      epochs: 5, batchSize: 20, optimizer: { type: 'adagrad', lr: 0.05 }, l2: 1e-4, seed: 1,
      callbacks: [{ onEpochEnd: (_e, l) => void losses.push(l.loss) }],
    });
    expect(losses).toHaveLength(5);
    expect(losses[4]!).toBeLessThan(0.75 * losses[0]!);
    expect(h.bestEpoch).toBe(4);
    expect(h.treesPerSecond).toBeGreaterThan(0);
  });

  it('root-only training and best-on-dev selection keep the best epoch', async () => {
    const net = new TreeNet({ cell: 'child-sum', hiddenSize: 8, embeddingDim: 8, vocab, seed: 2, dropout: 0.2 });
    const enc = net.encode(trees);
    const dev = enc.slice(0, 20);
    const seen: { epoch: number; fine: number; values: Float32Array }[] = [];
    const h = await fitTrees(net, enc, {
      epochs: 3, batchSize: 30, rootOnly: true, dev, seed: 4,
      onBest: (n, epoch, s) => void seen.push({ epoch, fine: s.fineRoot, values: n.params.values.data() as Float32Array }),
    });
    expect(h.epochs.map((e) => typeof e['val_fine_root'])).toEqual(['number', 'number', 'number']);
    const best = seen.at(-1)!;
    expect(best.epoch).toBe(h.bestEpoch);
    expect(Array.from(net.params.values.data())).toEqual(Array.from(best.values));
    expect(evaluateTrees(net, dev).fineRoot).toBeCloseTo(best.fine, 6);
  });

  it('saves and loads a tree model (safetensors with rnn.tree) with the same predictions', () => {
    const net = new TreeNet({ cell: 'rntn', hiddenSize: 5, embeddingDim: 5, vocab, seed: 3 });
    const path = join(mkdtempSync(join(tmpdir(), 'trees-')), 'm.safetensors');
    saveTreeNet(net, path);
    const back = loadTreeNet(path);
    expect(back.config()).toEqual(net.config());
    expect(back.vocab.tokens).toEqual(vocab.tokens);
    const a = noGrad(() => net.forward(net.encode(trees.slice(0, 5))).logits.data());
    const b = noGrad(() => back.forward(back.encode(trees.slice(0, 5))).logits.data());
    expect(maxDiff(a, b)).toBe(0);
  });

  it('runs on a backend without the fused tree kernel, with the same numbers', () => {
    const js = getBackend();
    const plain: Backend = Object.assign(Object.create(js) as Backend, { name: 'plain', treeLevelForward: undefined, treeLevelBackward: undefined });
    const run = (backend: Backend) => {
      const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 6, embeddingDim: 4, vocab, seed: 5, backend });
      const loss = net.lossOf(net.forward(net.encode(trees.slice(0, 10))));
      backward(loss);
      return { loss: loss.item(), grads: net.params.grads.data() };
    };
    const fused = run(js);
    const composed = run(plain);
    expect(Math.abs(fused.loss - composed.loss)).toBeLessThan(1e-5);
    expect(maxDiff(fused.grads, composed.grads)).toBeLessThan(1e-5);
  });

  it('a custom cell gets batching, gradients and save/load for free', () => {
    /** h = tanh(W Σ_k h_k + U x + b): a child-sum recursive net, written against the TreeCell interface only. */
    class SumCell implements TreeCell {
      readonly kind = 'test-sum';
      readonly maxChildren = Infinity;
      readonly carryWidths = [4];
      readonly hiddenSize = 4;
      parameters(inputSize: number, rng: Rng) {
        return [
          { name: 'w', shape: [4, 4], init: initialise({ kind: 'uniform', bound: 0.5 }, [4, 4], rng) },
          { name: 'u', shape: [4, inputSize], init: initialise({ kind: 'uniform', bound: 0.5 }, [4, inputSize], rng) },
          { name: 'b', shape: [4], init: new Float64Array(4) },
        ];
      }
      leaf(p: CellParams, x: Tensor) {
        return [tanh(linear(x, p['u']!, p['b']!))];
      }
      combine(p: CellParams, children: Children, x: Tensor | null) {
        const s = linear(children.sum(children.all()[0]!), p['w']!, p['b']!);
        return [tanh(x ? add(s, linear(x, p['u']!, null)) : s)];
      }
    }
    registerCell('test-sum', () => new SumCell(), 'tree');
    const net = new TreeNet({ cell: 'test-sum', hiddenSize: 4, embeddingDim: 3, vocab, seed: 1 });
    const enc = net.encode(trees.slice(0, 8));
    const grads = (nodeByNode: boolean) => {
      net.params.zeroGrad();
      backward(net.lossOf(net.forward(enc, { nodeByNode })));
      return net.params.grads.data();
    };
    expect(maxDiff(grads(false), grads(true))).toBeLessThan(1e-5);
    const path = join(mkdtempSync(join(tmpdir(), 'trees-')), 'c.safetensors');
    saveTreeNet(net, path);
    expect(loadTreeNet(path).cell).toBeInstanceOf(SumCell);
  });

  it('refuses trees a cell cannot take, and labels outside the classes', () => {
    const wide = parseTrees('(1 (1 a) (1 b) (1 c))');
    const net = new TreeNet({ cell: 'tree-lstm', hiddenSize: 3, embeddingDim: 3, vocab: Vocab.build(wide), seed: 1 });
    expect(() => net.forward(net.encode(wide))).toThrow(/node 3 has 3 children; this cell takes at most 2 \(binarize the trees, or use the child-sum cell\)/);
    const bad = parseTrees('(7 (1 a) (1 b))');
    expect(() => net.lossOf(net.forward(net.encode(bad)))).toThrow(/label 7, outside 0\.\.4/);
  });
});

describe('scores', () => {
  it('fine-grained and binary accuracy at the root and over all phrases', () => {
    // 2 trees; labels per row in plan order; logits chosen per row
    const trees = parseTrees('(4 (3 a) (0 b))\n(2 (1 c) (2 d))');
    const enc = trees.map((tree) => ({ tree, ids: new Int32Array(tree.labels.length).fill(0) }));
    const plan = planBatch(enc);
    // per tree and node (post-order: left leaf, right leaf, root), the class predicted:
    // tree 0 (4 (3 a) (0 b)): a→3 right; b→1 wrong, but negative like 0; root→3 wrong, but positive like 4
    // tree 1 (2 (1 c) (2 d)): c→1 right; d→4 wrong (neutral: not scored binary); root→2 right
    const preds = [[3, 1, 3], [1, 4, 2]];
    const logits = new Float32Array(plan.total * 5).fill(-5);
    preds.forEach((ps, t) => ps.forEach((c, n) => (logits[plan.rowOf[t]![n]! * 5 + c] = 5)));
    const acc = scoreAccumulator(5);
    acc.add({ plan, logits: tensor(logits, [plan.total, 5]), h: tensor(new Float32Array(plan.total), [plan.total, 1]) });
    const s = acc.result();
    expect(s.trees).toBe(2);
    expect(s.nodes).toBe(6);
    expect(s.fineRoot).toBe(0.5);
    expect(s.fineAll).toBeCloseTo(3 / 6);
    expect(s.binaryTrees).toBe(1);
    expect(s.binaryRoot).toBe(1);
    expect(s.binaryNodes).toBe(4); // 4, 3, 0, 1 (the two 2s are left out)
    expect(s.binaryAll).toBe(1);
  });
});

describe('Adagrad', () => {
  it('follows torch.optim.Adagrad step by step (lr decay, weight decay, initial accumulator)', () => {
    const p0 = [0.5, -1.2, 2.0];
    const grads = [[0.1, -0.3, 0.0], [0.4, 0.2, -0.5], [-0.2, 0.1, 0.3]];
    const o = { lr: 0.1, lrDecay: 0.01, weightDecay: 0.05, initialAccumulatorValue: 0.2, eps: 1e-10 };
    const params = new ParameterSet([{ name: 'p', shape: [3], init: p0 }], { dtype: 'float64' });
    const opt = new Adagrad(o);
    // reference: torch/optim/adagrad.py _single_tensor_adagrad
    const p = [...p0];
    const s = p.map(() => o.initialAccumulatorValue);
    grads.forEach((g, step) => {
      params.set('p', Float64Array.from(p));
      params.grads.backend.assign(params.grads, tensor(Float64Array.from(g), [3], { dtype: 'float64' }));
      const clr = o.lr / (1 + step * o.lrDecay);
      for (let i = 0; i < 3; i++) {
        const gi = g[i]! + o.weightDecay * p[i]!;
        s[i]! += gi * gi;
        p[i]! -= (clr * gi) / (Math.sqrt(s[i]!) + o.eps);
      }
      opt.step(params);
      expect(maxDiff(params.values.data(), p)).toBeLessThan(1e-12);
    });
  });
});

