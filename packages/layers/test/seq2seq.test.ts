import { describe, expect, it } from 'vitest';
import { FormatError, ConfigError, Rng, ValueError, grad, noGrad, parseSafetensors, serializeSafetensors, type RawTensor } from '@rnn/core';
import { Seq2Seq, SeqVocab, Trainer, getOptimizer, parseSeq2Seq, type Seq2SeqPair } from '../src/index.js';
import { cmudictSlice, tinyModel } from './seq2seq-helpers.js';
import { padSources } from '../src/seq2seq/batch.js';
import { MemoryRows } from '../src/seq2seq/decode.js';
import { decodeStep, initialState, selectRows } from '../src/seq2seq/decoder.js';
import { bridge, encode } from '../src/seq2seq/encoder.js';
import { noDrop } from '../src/seq2seq/net.js';

const PAIRS = cmudictSlice();
const BATCH_ROWS = [1, 7, 0, 20, 33];

function batch(model: Seq2Seq, rows = BATCH_ROWS): Seq2SeqPair[] {
  return model.encodePairs(rows.map((r) => PAIRS[r]!));
}

const VARIANTS = [
  { attention: 'luong', inputFeeding: false },
  { attention: 'luong', inputFeeding: true },
  { attention: 'bahdanau', inputFeeding: false, encoder: { type: 'gru', hiddenSize: 3, numLayers: 1, bidirectional: true } },
  { attention: 'bahdanau', inputFeeding: true },
  { attention: 'none', inputFeeding: false, encoder: { type: 'lstm', hiddenSize: 7, numLayers: 1, bidirectional: false } },
] as const;

describe('Seq2Seq gradients against central differences (float64)', () => {
  for (const v of VARIANTS) {
    it(`${v.attention}${v.inputFeeding ? ' + input feeding' : ''}${'encoder' in v ? ` (${v.encoder.type} encoder)` : ''}`, () => {
      const model = tinyModel(PAIRS, { ...v, dtype: 'float64', embeddingDim: 3 });
      const b = batch(model);
      const lossOf = () => model.lossOf(model.forward(b));
      const tensors = [...model.params.tensors];
      const analytic = grad(lossOf(), tensors).map((g) => g!.data());
      const h = 1e-6;
      let worst = 0;
      tensors.forEach((t, i) => {
        const base = t.data();
        const step = Math.max(1, Math.floor(base.length / 6));
        for (let k = 0; k < base.length; k += step) {
          const at = (d: number) => {
            const x = Float64Array.from(base);
            x[k] += d;
            model.params.set(t.name!, x);
            return noGrad(() => lossOf().item());
          };
          const numeric = (at(h) - at(-h)) / (2 * h);
          model.params.set(t.name!, base);
          const err = Math.abs(numeric - analytic[i]![k]!) / Math.max(1e-3, Math.abs(numeric));
          worst = Math.max(worst, err);
          expect(err, `${t.name}[${k}]: numeric ${numeric}, analytic ${analytic[i]![k]}`).toBeLessThan(1e-5);
        }
      });
      expect(worst).toBeLessThan(1e-5);
    });
  }
});

describe('Seq2Seq padding', () => {
  for (const v of VARIANTS) {
    it(`${v.attention}${v.inputFeeding ? ' + input feeding' : ''}: a pair scores the same alone and padded in a batch; decoding too`, () => {
      const model = tinyModel(PAIRS, { ...v, dtype: 'float64' });
      const b = batch(model);
      // one pair with the shortest source and target, alone, then in a batch with longer rows
      const short = b[2]!;
      const alone = noGrad(() => model.forward([short]));
      const together = noGrad(() => model.forward(b));
      const [, Tt1, V] = alone.logits.shape as [number, number, number];
      const Tt = together.logits.shape[1]!;
      const a = alone.logits.data();
      const t = together.logits.data();
      for (let s = 0; s < Tt1; s++) {
        for (let k = 0; k < V; k++) expect(t[(2 * Tt + s) * V + k]).toBeCloseTo(a[s * V + k]!, 10);
      }
      if (alone.weights) {
        const Ts = together.weights!.shape[2]!;
        const w = together.weights!.data();
        for (let s = 0; s < Tt1; s++) {
          expect(w[(2 * Tt + s) * Ts]).toBeCloseTo(1, 10); // its source has one token
          for (let j = 1; j < Ts; j++) expect(w[(2 * Tt + s) * Ts + j]).toBe(0);
        }
      }
      // the batch loss is the token-weighted mean of the rows' losses
      let num = 0;
      let den = 0;
      for (const p of b) {
        const n = p.target.length + 1;
        num += noGrad(() => model.lossOf(model.forward([p])).item()) * n;
        den += n;
      }
      expect(noGrad(() => model.lossOf(together).item())).toBeCloseTo(num / den, 10);
      const sources = b.map((p) => p.source);
      const one = sources.map((s) => model.decode([s], { beam: 3 })[0]);
      expect(model.decode(sources, { beam: 3 })).toEqual(one);
      expect(model.decode(sources)).toEqual(sources.map((s) => model.decode([s])[0]));
    });
  }
});

describe('Seq2Seq decoding', () => {
  it('beam search with K=1 equals greedy; a wider beam never ranks worse; maxLength caps the steps', async () => {
    const model = tinyModel(PAIRS, { attention: 'luong', inputFeeding: true });
    const { fitSeq2Seq } = await import('../src/index.js');
    await fitSeq2Seq(model, model.encodePairs(PAIRS), { epochs: 8, batchSize: 16, optimizer: { type: 'adam', lr: 0.03 } });
    const sources = PAIRS.map((p) => model.sourceVocab.encode(p.source));
    const greedy = model.decode(sources);
    const k1 = model.decodeBeam(sources, { beam: 1 });
    expect(k1.map((h) => [h.ids, h.ended])).toEqual(greedy.map((h) => [h.ids, h.ended]));
    k1.forEach((h, i) => {
      expect(h.score).toBeCloseTo(greedy[i]!.score, 6);
      expect(h.attention!.flat().map((x) => x.toFixed(6))).toEqual(greedy[i]!.attention!.flat().map((x) => x.toFixed(6)));
    });
    expect(greedy.filter((h) => h.ended).length).toBeGreaterThan(PAIRS.length / 2);
    const beam5 = model.decode(sources, { beam: 5 });
    beam5.forEach((h, i) => expect(h.normalizedScore).toBeGreaterThanOrEqual(greedy[i]!.normalizedScore - 1e-5));
    const capped = model.decode(sources, { beam: 3, maxLength: 2 });
    capped.forEach((h) => expect(h.ids.length + (h.ended ? 1 : 0)).toBeLessThanOrEqual(2));
  });

  it('unknown source tokens read as <unk>: predict never throws on them', () => {
    const model = tinyModel(PAIRS);
    expect(model.sourceVocab.has('é')).toBe(false);
    expect(model.sourceVocab.encode(['a', 'é'])).toEqual([model.sourceVocab.id('a'), SeqVocab.UNK_ID]);
    expect(model.sourceVocab.unknown(['a', 'é', 'é'])).toEqual(['é']);
    const [t] = model.predict([['é', 't', 'é']]);
    expect(t!.attention![0]).toHaveLength(3);
  });
});

describe('Seq2Seq decoding steps', () => {
  // beamDecode runs a sentence's K beams as the attention's Tq = K queries over one memory row
  // (decodeStep's group) rather than over K gathered copies: every number must be the same.
  for (const [attention, inputFeeding] of [['luong', false], ['bahdanau', false], ['luong', true]] as const) {
    it(`${attention}${inputFeeding ? ' + input feeding' : ''}: K rows sharing a memory row equal K gathered rows, bit for bit`, () => {
      const model = tinyModel(PAIRS, { attention, inputFeeding });
      noGrad(() => {
        const N = 4;
        const K = 3;
        const enc = encode(model, padSources(PAIRS.slice(0, N).map((p) => model.sourceVocab.encode(p.source)), model.sourceVocab.size), noDrop);
        const owner = Int32Array.from({ length: N * K }, (_, r) => Math.floor(r / K));
        const state = selectRows(initialState(model, bridge(model, enc)), owner, model);
        const tokens = Int32Array.from({ length: N * K }, (_, r) => 3 + (r % 5));
        const top = model.targetVocab.size - 2; // every token but <pad> and <s>: the whole distribution
        const perRow = decodeStep(model, new MemoryRows(model, enc.memory).get(owner), state, tokens, 1, top, null);
        const grouped = decodeStep(model, new MemoryRows(model, enc.memory).get(Int32Array.from({ length: N }, (_, n) => n)), state, tokens, K, top, null);
        expect(Array.from(grouped.top.logp)).toEqual(Array.from(perRow.top.logp));
        expect(Array.from(grouped.top.ids)).toEqual(Array.from(perRow.top.ids));
        expect(Array.from(grouped.weights!.data())).toEqual(Array.from(perRow.weights!.data()));
        expect(grouped.state.carry.flat().map((t) => Array.from(t.data()))).toEqual(perRow.state.carry.flat().map((t) => Array.from(t.data())));
        if (inputFeeding) expect(grouped.state.feed!.shape).toEqual([N * K, 1, 7]);
        if (inputFeeding) expect(Array.from(grouped.state.feed!.data())).toEqual(Array.from(perRow.state.feed!.data()));
      });
    });
  }
});

describe('Seq2Seq training steps (tidySteps)', () => {
  it('the Trainer frees every tensor a step made (the native backend reuses the buffers), and training is unchanged', () => {
    const run = (tidied: boolean) => {
      const model = tinyModel(PAIRS, { attention: 'luong', dropout: 0.2 });
      if (!tidied) Object.defineProperty(model, 'tidySteps', { value: false });
      const backend = model.params.backend;
      let disposed = 0;
      const dispose = backend.dispose.bind(backend);
      backend.dispose = (s) => (disposed++, dispose(s));
      const trainer = new Trainer(model, { optimizer: getOptimizer({ type: 'adam', lr: 0.01 }), batchSize: 16 });
      const ctx = { rng: new Rng(5), where: 'test', metric() {} };
      const losses = [0, 16, 32].map((i) => trainer.step(model.encodePairs(PAIRS.slice(i, i + 16)), ctx));
      backend.dispose = dispose;
      return { losses, weights: Array.from(model.params.values.data()), disposed };
    };
    const tidied = run(true);
    const plain = run(false);
    expect(tidied.losses).toEqual(plain.losses);
    expect(tidied.weights).toEqual(plain.weights);
    expect(tidied.disposed).toBeGreaterThan(plain.disposed + 100);
  });
});

describe('Seq2Seq label smoothing', () => {
  it('is in the model file when set and absent (read as 0) when not; bad values are refused by name', () => {
    const plain = tinyModel(PAIRS);
    expect('labelSmoothing' in plain.config().layers[0]).toBe(false);
    expect(parseSeq2Seq(plain.toBytes(), 'plain').sizes.labelSmoothing).toBe(0);
    const smooth = tinyModel(PAIRS, { labelSmoothing: 0.1 });
    expect(smooth.config().layers[0].labelSmoothing).toBe(0.1);
    expect(parseSeq2Seq(smooth.toBytes(), 'smooth').sizes.labelSmoothing).toBe(0.1);
    expect(() => tinyModel(PAIRS, { labelSmoothing: 1 })).toThrow(/labelSmoothing/);
    expect(() => tinyModel(PAIRS, { labelSmoothing: -0.1 })).toThrow(/labelSmoothing/);
  });

  it('the training loss is the smoothed one; dev scoring (evaluateLoss) stays plain cross-entropy', () => {
    const smooth = tinyModel(PAIRS, { labelSmoothing: 0.2 });
    const b = batch(smooth);
    const plain = noGrad(() => smooth.lossOf(smooth.forward(b)).item());
    const withSmoothing = noGrad(() => smooth.lossOf(smooth.forward(b), 0.2).item());
    expect(withSmoothing).not.toBeCloseTo(plain, 6);
    expect(noGrad(() => smooth.loss(b, { rng: new Rng(1) }).item())).toBeCloseTo(withSmoothing, 10);
    expect(smooth.evaluateLoss(b)).toBeCloseTo(plain, 10);
  });
});

describe('Seq2Seq errors', () => {
  it('refuses bad options by name', () => {
    const v = SeqVocab.build([['a']]);
    const base = { sourceVocab: v, targetVocab: v, encoder: { hiddenSize: 4 }, decoder: { hiddenSize: 4 } };
    expect(() => new Seq2Seq({ ...base, attention: 'none', inputFeeding: true })).toThrow(ConfigError);
    expect(() => new Seq2Seq({ ...base, attention: 'none', inputFeeding: true })).toThrow(/inputFeeding .* needs attention 'luong' or 'bahdanau'/);
    expect(() => new Seq2Seq({ ...base, attention: 'dot' as never })).toThrow(/attention/);
    expect(() => new Seq2Seq({ ...base, encoder: { hiddenSize: 4, units: 3 } as never })).toThrow(/units/);
    expect(() => new Seq2Seq({ ...base, decoder: { type: 'gru' as never, hiddenSize: 4 } })).toThrow(/lstm/);
    expect(() => new Seq2Seq({ ...base, dropout: 1 })).toThrow(/dropout/);
    expect(() => new Seq2Seq({ ...base, sourceVocab: ['a'] as never })).toThrow(/SeqVocab/);
    expect(() => new SeqVocab(['a'])).toThrow(/token 0 must be '<pad>'/);
    expect(() => new SeqVocab([...SeqVocab.SPECIALS, 'a', 'a'])).toThrow(/appears twice/);
  });

  it('refuses an empty source, ids outside the vocabulary and bad decode options', () => {
    const model = tinyModel(PAIRS);
    expect(() => model.forward([{ source: [], target: [4] }])).toThrow(ValueError);
    expect(() => model.forward([{ source: [4], target: [4] }, { source: [], target: [4] }])).toThrow(/source 1 of the batch is empty/);
    expect(() => model.forward([{ source: [999], target: [4] }])).toThrow(/source 0 has id 999 at position 0, outside the vocabulary/);
    expect(() => model.decode([[4]], { beam: 0 })).toThrow(/beam/);
    expect(() => model.decode([[4]], { width: 3 } as never)).toThrow(/width/);
    expect(() => model.decode([[]])).toThrow(/empty/);
  });

  it('refuses bad model files, naming the file and what is wrong', () => {
    const model = tinyModel(PAIRS);
    const bytes = model.toBytes({ 'rnn.pairs': '{"source":"char"}' });
    const { metadata, tensors } = parseSafetensors(bytes, 'm');
    expect(metadata['rnn.pairs']).toBe('{"source":"char"}');
    const rewrite = (meta: Record<string, string>, t: Map<string, RawTensor> = tensors) => serializeSafetensors(t, meta);
    expect(() => parseSeq2Seq(rewrite({ ...metadata, 'rnn.format': '2' }), 'm.safetensors')).toThrow('m.safetensors: "rnn.format" is "2"; expected "1"');
    const { 'rnn.config': _c, ...noConfig } = metadata;
    expect(() => parseSeq2Seq(rewrite(noConfig), 'm.safetensors')).toThrow('m.safetensors: metadata key "rnn.config" is missing');
    const cfg = JSON.parse(metadata['rnn.config']!);
    cfg.layers[0].attention = 'dot';
    expect(() => parseSeq2Seq(rewrite({ ...metadata, 'rnn.config': JSON.stringify(cfg) }), 'm.safetensors')).toThrow(FormatError);
    cfg.layers[0].attention = 'luong';
    cfg.layers[0].sourceVocab = ['a'];
    expect(() => parseSeq2Seq(rewrite({ ...metadata, 'rnn.config': JSON.stringify(cfg) }), 'm.safetensors')).toThrow(/sourceVocab: vocab: token 0 must be '<pad>'/);
    const seqCfg = { inputSize: 2, layers: [{ type: 'dense', name: 'fc', units: 1 }] };
    expect(() => parseSeq2Seq(rewrite({ ...metadata, 'rnn.config': JSON.stringify(seqCfg) }), 'm.safetensors')).toThrow(/first layer is of type "dense", not "seq2seq".*Sequential.load/);
    const missing = new Map(tensors);
    missing.delete('output.bias');
    expect(() => parseSeq2Seq(rewrite(metadata, missing), 'm.safetensors')).toThrow(/tensor "output.bias" is missing; this seq2seq config needs it with shape \[\d+\]/);
    const extra = new Map(tensors);
    extra.set('output.scale', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    expect(() => parseSeq2Seq(rewrite(metadata, extra), 'm.safetensors')).toThrow(/unexpected tensor "output.scale"/);
    const wrong = new Map(tensors);
    wrong.set('output.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
    expect(() => parseSeq2Seq(rewrite(metadata, wrong), 'm.safetensors')).toThrow(/tensor "output.bias" has shape \[2\]; expected \[\d+\]/);
    expect(() => model.toBytes({ 'rnn.config': '{}' })).toThrow(/is the model's own/);
  });
});
