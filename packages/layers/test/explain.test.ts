import { describe, expect, it } from 'vitest';
import { Rng, backendByName, tensor, type Tensor } from '@rnn/core';
import {
  dense, embedding, gaussLegendre, gradientTimesInput, gru, integratedGradients, lstm, occlusion, recordSequential,
  sequential, sequentialView, type Sequential,
} from '../src/index.js';
import './setup.js';

function model(kind: 'lstm' | 'gru', backend: string, outputs = 1): Sequential {
  const cell = kind === 'lstm' ? lstm({ hiddenSize: 6, numLayers: 2 }) : gru({ hiddenSize: 6, bidirectional: true });
  return sequential([cell, dense({ units: outputs })]).build({ inputSize: 3, seed: 4, dtype: 'float64', backend: backendByName(backend) });
}

function input(backend: string, B = 4, T = 7, F = 3): Tensor {
  const r = new Rng(9);
  return tensor(Float64Array.from({ length: B * T * F }, () => r.uniform(-1, 1)), [B, T, F], { dtype: 'float64', backend: backendByName(backend) });
}

const backends = ['js', 'native'].filter((b) => {
  try {
    backendByName(b);
    return true;
  } catch {
    return false;
  }
});

describe('attributions', () => {
  it('Gauss–Legendre points integrate polynomials of degree 2m-1 exactly', () => {
    const [x, w] = gaussLegendre(5);
    const q = (p: number) => x.reduce((s, xi, i) => s + w[i]! * xi ** p, 0);
    for (let p = 0; p <= 9; p++) expect(q(p)).toBeCloseTo(1 / (p + 1), 12);
  });

  for (const backend of backends) {
    for (const kind of ['lstm', 'gru'] as const) {
      it(`${backend}, ${kind}: integrated gradients are complete within 1 % with the default steps`, () => {
        const m = model(kind, backend);
        const v = sequentialView(m, input(backend), { lengths: [7, 3, 5, 7] });
        const ig = integratedGradients(v.f, v.input);
        expect(ig.steps).toBe(32);
        for (const e of ig.completenessError) expect(e).toBeLessThan(0.01);
        // padded steps get nothing: the model never reads them
        const per = 7 * 3;
        for (let i = 3 * 3; i < per; i++) expect(Math.abs(ig.attributions[per + i]!)).toBe(0);
      });
    }

    it(`${backend}: gradient × input matches central finite differences`, () => {
      const m = model('lstm', backend);
      const x = input(backend, 2, 5);
      const v = sequentialView(m, x);
      const gi = gradientTimesInput(v.f, v.input);
      const host = Float64Array.from(x.data());
      const eps = 1e-6;
      const at = (d: Float64Array) => v.f(tensor(d, x.shape, { dtype: 'float64', backend: backendByName(backend) }), [0, 1]).data();
      for (const i of [0, 7, 13, 29]) {
        const p = host.slice(), q = host.slice();
        p[i]! += eps;
        q[i]! -= eps;
        const row = Math.floor(i / 15);
        const fd = (at(p)[row]! - at(q)[row]!) / (2 * eps);
        expect(gi.attributions[i]).toBeCloseTo(fd * host[i]!, 6);
      }
    });

    it(`${backend}: occlusion scores are f(x) − f(x with the window zeroed)`, () => {
      const m = model('gru', backend);
      const x = input(backend, 3, 6);
      const v = sequentialView(m, x);
      const occ = occlusion(v.f, v.input, { window: 2 });
      expect(occ.starts).toEqual([0, 2, 4]);
      const host = Float64Array.from(x.data());
      const z = host.slice();
      for (let b = 0; b < 3; b++) z.fill(0, b * 18 + 2 * 3, b * 18 + 4 * 3);
      const f0 = v.f(tensor(host, x.shape, { dtype: 'float64', backend: backendByName(backend) }), [0, 1, 2]).data();
      const f1 = v.f(tensor(z, x.shape, { dtype: 'float64', backend: backendByName(backend) }), [0, 1, 2]).data();
      for (let b = 0; b < 3; b++) expect(occ.scores[b * 3 + 1]).toBeCloseTo(f0[b]! - f1[b]!, 12);
    });
  }

  it('js and native give the same integrated gradients (a classifier, its predicted class)', () => {
    if (backends.length < 2) return;
    const [a, b] = backends.map((be) => {
      const m = model('lstm', be, 3);
      const v = sequentialView(m, input(be));
      return { ig: integratedGradients(v.f, v.input, { steps: 8 }), target: v.target };
    });
    expect(a!.target).toEqual(b!.target);
    for (let i = 0; i < a!.ig.attributions.length; i++) expect(a!.ig.attributions[i]).toBeCloseTo(b!.ig.attributions[i]!, 9);
  });

  it('a text model: attributions are over the embedding vectors, for the predicted class', () => {
    const m = sequential([embedding({ numEmbeddings: 20, embeddingDim: 4 }), lstm({ hiddenSize: 5 }), dense({ units: 3 })]).build({ seed: 2, dtype: 'float64' });
    const ids = tensor(Int32Array.from([1, 5, 7, 2, 3, 3, 9, 0]), [2, 4], { dtype: 'int32' });
    const v = sequentialView(m, ids);
    expect(v.embedded).toBe(true);
    expect(v.input.shape).toEqual([2, 4, 4]);
    const ig = integratedGradients(v.f, v.input);
    for (const e of ig.completenessError) expect(e).toBeLessThan(0.01);
  });
});

describe('recording', () => {
  it('recordSequential returns each layer direction with gates, cells and h = the layer output', () => {
    const m = sequential([lstm({ hiddenSize: 6, bidirectional: true, returnSequences: true }), gru({ hiddenSize: 4 }), dense({ units: 1 })]).build({ inputSize: 3, seed: 1 });
    const x = input(m.params!.values.backend.name, 2, 5);
    const { traces, output } = recordSequential(m, x, [5, 3]);
    expect(traces.map((t) => `${t.layer}/${t.depth}/${t.direction}/${t.gateNames.join('')}`)).toEqual(['lstm/0/forward/ifgo', 'lstm/0/reverse/ifgo', 'gru/0/forward/rzn']);
    expect(traces[0]!.gates!.shape).toEqual([2, 5, 24]);
    expect(traces[0]!.cells!.shape).toEqual([2, 5, 6]);
    expect(traces[2]!.cells).toBeNull();
    // the model's output is unchanged by recording
    expect(Array.from(output.data())).toEqual(Array.from(m.forward(x, { lengths: [5, 3] }).data()));
    // gates at padded steps are zero
    const g = traces[0]!.gates!.data();
    for (let i = (5 + 3) * 24; i < 10 * 24; i++) expect(g[i]).toBe(0);
  });
});

describe('trees', () => {
  it('explainTree: every node its phrase, class probabilities, state, and an occlusion score that is exact', async () => {
    const { sstSample } = await import('./trees-helpers.js');
    const { TreeNet, explainTree } = await import('../src/index.js');
    const { trees, vocab } = sstSample('dev', 3);
    const net = new TreeNet({ cell: 'tree-lstm', vocab, embeddingDim: 6, hiddenSize: 5 });
    const t = trees[1]!;
    const e = explainTree(net, t);
    expect(e.nodes).toHaveLength(t.labels.length);
    const root = e.nodes[e.root]!;
    expect(root.phrase.split(' ').length).toBe(t.words.filter((w) => w !== null).length);
    for (const n of e.nodes) {
      expect(n.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(n.h).toHaveLength(5);
    }
    // the root's score is an exact check: occluding the whole sentence leaves a sentence of unknown words
    const [enc] = net.encode([t]);
    const unk = { tree: t, ids: enc!.ids.map((id, j) => (t.words[j] === null ? id : 0)) };
    const out = net.forward([enc!, unk]);
    const C = 5;
    const lg = out.logits.data();
    const [r0, r1] = [out.plan.rowOf[0]![e.root]!, out.plan.rowOf[1]![e.root]!];
    expect(root.attribution).toBeCloseTo(lg[r0 * C + e.rootClass]! - lg[r1 * C + e.rootClass]!, 6);
  });
});

describe('sequence to sequence', () => {
  it('explainTranslations: the attention map of each output step and an exact occlusion per source token', async () => {
    const { cmudictSlice, tinyModel } = await import('./seq2seq-helpers.js');
    const { explainTranslations, SeqVocab } = await import('../src/index.js');
    const pairs = cmudictSlice();
    const model = tinyModel(pairs, { attention: 'luong' });
    const [e] = explainTranslations(model, [pairs[0]!.source]);
    const n = e!.output.length;
    expect(e!.attention).toHaveLength(n);
    for (const row of e!.attention!) {
      expect(row).toHaveLength(pairs[0]!.source.length);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // log p of the output is what the teacher-forced loss says
    const enc = model.encodePairs([{ source: pairs[0]!.source, target: e!.output.filter((t) => t !== SeqVocab.EOS) }]);
    expect(e!.logProb).toBeCloseTo(-model.evaluateLoss(enc) * n, 4);
    // occluding token 0 by hand gives the same drop
    const occ = model.encodePairs([{ source: ['<never-seen>', ...pairs[0]!.source.slice(1)], target: e!.output.filter((t) => t !== SeqVocab.EOS) }]);
    expect(e!.occlusion[0]).toBeCloseTo(e!.logProb + model.evaluateLoss(occ) * n, 4);
  });
});

describe('tagging', () => {
  it('explainTagging: the log-likelihood of the predicted tags, and an exact occlusion per token', async () => {
    const { wnutSample } = await import('./tagging/helpers.js');
    const { Tagger, TaggingVocab, explainTagging } = await import('../src/index.js');
    const sample = wnutSample();
    for (const crf of [true, false]) {
      const tagger = new Tagger({ vocab: TaggingVocab.build(sample), wordDim: 6, charDim: 4, charFilters: 5, hiddenSize: 4, seed: 3, crf });
      const tokens = sample[0]!.tokens;
      const [e] = explainTagging(tagger, [tokens]);
      expect(e!.tags).toHaveLength(tokens.length);
      expect(e!.occlusion).toHaveLength(tokens.length);
      const nll = (t: readonly string[]) => tagger.evaluateLoss(tagger.encode([{ tokens: t, tags: e!.tags }]));
      expect(e!.logLikelihood).toBeCloseTo(-nll(tokens), 5);
      const occluded = tokens.map((w, k) => (k === 1 ? '\u0000' : w));
      expect(e!.occlusion[1]).toBeCloseTo(-nll(tokens) + nll(occluded), 5);
    }
  });
});

describe('streaming', () => {
  it('recordStream: chunked traces and output equal one run over the whole sequence', async () => {
    const { recordStream } = await import('../src/index.js');
    const m = sequential([lstm({ hiddenSize: 5, numLayers: 2, returnSequences: true }), gru({ hiddenSize: 4 }), dense({ units: 2 })]).build({ inputSize: 3, seed: 5, dtype: 'float64' });
    const be = m.params!.values.backend.name;
    const x = input(be, 2, 23);
    const whole = recordSequential(m, x);
    const parts: { start: number; steps: number; gates: number[][] }[] = [];
    const out = recordStream(m, x, 5, (c) => parts.push({ start: c.start, steps: c.steps, gates: c.traces.map((t) => Array.from(t.gates!.data())) }));
    expect(parts.map((p) => p.steps)).toEqual([5, 5, 5, 5, 3]);
    for (let k = 0; k < whole.traces.length; k++) {
      const G = whole.traces[k]!.gates!.shape[2]!;
      const w = whole.traces[k]!.gates!.data();
      for (const p of parts) {
        for (let b = 0; b < 2; b++) {
          for (let t = 0; t < p.steps; t++) {
            for (let g = 0; g < G; g++) expect(p.gates[k]![(b * p.steps + t) * G + g]).toBeCloseTo(w[(b * 23 + p.start + t) * G + g]!, 12);
          }
        }
      }
    }
    const o = out.data(), wo = whole.output.data();
    for (let i = 0; i < wo.length; i++) expect(o[i]).toBeCloseTo(wo[i]!, 12);
    expect(() => recordStream(sequential([lstm({ hiddenSize: 2, bidirectional: true })]).build({ inputSize: 3 }), input(be, 1, 4), 2, () => {})).toThrow(/bidirectional; streaming needs/);
  });
});

describe('explain: what a caller can get wrong', () => {
  const m = () => model('lstm', backends[0]!, 3);
  it('a baseline of another shape, a target outside the outputs, a window longer than the sequence: one clear line each', () => {
    const x = input(backends[0]!, 2, 4);
    const v = sequentialView(m(), x);
    expect(() => integratedGradients(v.f, v.input, { baseline: new Float64Array(5) })).toThrow('integratedGradients: the baseline has 5 values, expected 24 (the shape of x)');
    expect(() => sequentialView(m(), x, { target: 3 })).toThrow("explain: target 3 for row 0 is outside the model's 3 outputs (0..2)");
    expect(() => occlusion(v.f, v.input, { window: 5 })).toThrow('occlusion: the window (5 steps) is longer than the sequence (4 steps); use --window 4 or less');
    expect(() => integratedGradients(v.f, v.input, { steps: 0 } as never)).toThrow(/steps/);
  });
});
