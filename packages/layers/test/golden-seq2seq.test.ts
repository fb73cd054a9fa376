import { describe, expect, it } from 'vitest';
import { Rng, backward, grad, noGrad, type FloatDType } from '@rnn/core';
import { Adam, seq2seqFromConfig, type Seq2Seq, type Seq2SeqPair } from '../src/index.js';
import { expectClose, loadGolden, type GT, type Tol } from './golden-helpers.js';

// tools/golden/gen_seq2seq.py: a PyTorch encoder–decoder with our names and equations, on four
// CMUdict pairs of fixtures/cmudict/slice.tsv. Runs on js, and on native with RNN_BACKEND=native.

interface Result {
  ids: number[];
  score: number;
  normalizedScore: number;
  ended: boolean;
  attention: number[][] | null;
}
interface Case {
  id: string;
  config: unknown;
  params: Record<string, GT>;
  logits: GT;
  weights: GT | null;
  loss: number;
  grads: Record<string, GT>;
  adam: { lr: number; params: Record<string, GT> };
  /** cross_entropy(..., label_smoothing=epsilon) and its gradient. */
  smoothed: { epsilon: number; loss: number; grads: Record<string, GT> };
  decodeParams: Record<string, GT>;
  greedy: Result[];
  beam: { K: number; lengthPenalty: number; results: Result[] };
}
const G = loadGolden<{ pairs: { source: number[][]; target: number[][] }; cases: Case[] }>('seq2seq.json');
const BATCH: Seq2SeqPair[] = G.pairs.source.map((source, i) => ({ source, target: G.pairs.target[i]! }));

function build(c: Case, params: Record<string, GT>, dtype: FloatDType): Seq2Seq {
  const m = seq2seqFromConfig(c.config, c.id, { dtype });
  expect([...m.params.names].sort()).toEqual(Object.keys(params).sort());
  for (const [name, t] of Object.entries(params)) {
    expect(m.params.get(name).shape).toEqual(t.shape);
    m.params.set(name, t.data);
  }
  return m;
}

const TIGHT: Tol = { rtol: 1e-8, atol: 1e-10 };

function expectDecoded(got: Result[], want: Result[], label: string, tol: Tol): void {
  got.forEach((g, i) => {
    const w = want[i]!;
    expect({ ids: g.ids, ended: g.ended }, `${label} sentence ${i}`).toEqual({ ids: w.ids, ended: w.ended });
    expectClose([g.score, g.normalizedScore], [w.score, w.normalizedScore], tol, `${label} ${i} score`, 'seq2seq decode');
    if (w.attention === null) expect(g.attention).toBeNull();
    else expectClose(g.attention!.flat(), w.attention.flat(), tol, `${label} ${i} attention`, 'seq2seq decode');
  });
}

describe('Seq2Seq against PyTorch (golden)', () => {
  for (const c of G.cases) {
    it(`${c.id}: float64 logits, attention, loss, gradients, one Adam step`, () => {
      const m = build(c, c.params, 'float64');
      const out = m.forward(BATCH);
      expectClose(out.logits, c.logits, TIGHT, `${c.id} logits`, 'seq2seq forward');
      if (c.weights) expectClose(out.weights!, c.weights, TIGHT, `${c.id} weights`, 'seq2seq forward');
      else expect(out.weights).toBeNull();
      const loss = m.lossOf(out);
      expectClose(loss.item(), c.loss, TIGHT, `${c.id} loss`, 'seq2seq forward');
      const grads = grad(loss, [...m.params.tensors]);
      m.params.names.forEach((n, i) => expectClose(grads[i]!, c.grads[n]!, { rtol: 1e-7, atol: 1e-10 }, `${c.id} grad ${n}`, 'seq2seq grad'));
      m.params.zeroGrad();
      backward(m.lossOf(m.forward(BATCH)));
      new Adam({ lr: c.adam.lr }).step(m.params);
      for (const [n, t] of Object.entries(c.adam.params)) expectClose(m.params.get(n), t, { rtol: 1e-7, atol: 1e-9 }, `${c.id} adam ${n}`, 'seq2seq adam');
    });

    it(`${c.id}: float64 loss and gradients with label smoothing (the training loss of labelSmoothing)`, () => {
      const { epsilon } = c.smoothed;
      const cfg = structuredClone(c.config) as { layers: [Record<string, unknown>] };
      cfg.layers[0].labelSmoothing = epsilon;
      const m = seq2seqFromConfig(cfg, c.id, { dtype: 'float64' });
      for (const [name, t] of Object.entries(c.params)) m.params.set(name, t.data);
      expect(m.config().layers[0].labelSmoothing).toBe(epsilon);
      // the Trainer's loss (dropout 0 in these configs, so the rng draws nothing) is the smoothed one
      const loss = m.loss(BATCH, { rng: new Rng(1) });
      expectClose(loss.item(), c.smoothed.loss, TIGHT, `${c.id} smoothed loss`, 'seq2seq label smoothing');
      expectClose(m.lossOf(m.forward(BATCH), epsilon).item(), c.smoothed.loss, TIGHT, `${c.id} smoothed lossOf`, 'seq2seq label smoothing');
      const grads = grad(loss, [...m.params.tensors]);
      m.params.names.forEach((n, i) => expectClose(grads[i]!, c.smoothed.grads[n]!, { rtol: 1e-7, atol: 1e-10 }, `${c.id} smoothed grad ${n}`, 'seq2seq label smoothing'));
      // the plain loss is what dev scoring reads
      expectClose(m.evaluateLoss(BATCH), c.loss, TIGHT, `${c.id} evaluateLoss`, 'seq2seq label smoothing');
    });

    it(`${c.id}: float64 greedy and beam (K=${c.beam.K}) decoding, batched over the sentences`, () => {
      const m = build(c, c.decodeParams, 'float64');
      expectDecoded(m.decode(G.pairs.source), c.greedy, `${c.id} greedy`, TIGHT);
      expectDecoded(m.decode(G.pairs.source, { beam: c.beam.K, lengthPenalty: c.beam.lengthPenalty }), c.beam.results, `${c.id} beam`, TIGHT);
    });

    it(`${c.id}: float32 forward and beam`, () => {
      const m = build(c, c.params, 'float32');
      noGrad(() => expectClose(m.forward(BATCH).logits, c.logits, { rtol: 1e-4, atol: 1e-5 }, `${c.id} f32 logits`, 'seq2seq f32'));
      const d = build(c, c.decodeParams, 'float32');
      expectDecoded(d.decode(G.pairs.source, { beam: c.beam.K }), c.beam.results, `${c.id} f32 beam`, { rtol: 1e-4, atol: 1e-5 });
    });
  }
});
