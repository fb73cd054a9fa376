/**
 * The Tagger beyond PyTorch parity: vocabularies and unknown input, padding invariance, float64
 * finite-difference gradients of the whole model, save/load and the files it refuses, pretrained
 * vectors, and the conv1d layer in a Sequential.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, FormatError, Rng, ValueError, backward, noGrad, serializeSafetensors, tensor, writeModelFile, type RawTensor } from '@rnn/core';
import {
  Adam,
  Sequential,
  Tagger,
  TaggingVocab,
  Trainer,
  conv1d,
  dense,
  loadTagger,
  lstm,
  parseTagger,
  parseWordVectors,
  readWordVectors,
  type TaggedSentence,
} from '../../src/index.js';
import { wnutSample } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rnn-tagger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sample = wnutSample();
const vocab = TaggingVocab.build(sample);
const small = (o: Partial<ConstructorParameters<typeof Tagger>[0]> = {}) =>
  new Tagger({ vocab, wordDim: 6, charDim: 4, charFilters: 5, hiddenSize: 4, seed: 3, ...o });

describe('TaggingVocab', () => {
  it('builds words (with <unk>, minCount, lowercase), characters and tags from the training data', () => {
    expect(vocab.words.tokens[0]).toBe('<unk>');
    expect(vocab.chars.tokens[0]).toBe('<unk>');
    expect(vocab.tags[0]).toBe('O'); // the most frequent first
    expect(vocab.tags).toContain('B-location');
    const rare = TaggingVocab.build(sample, { minCount: 2 });
    expect(rare.words.size).toBeLessThan(vocab.words.size);
    expect(rare.words.id('ESB')).toBe(0); // seen once
    const lower = TaggingVocab.build(sample, { lowercase: true });
    expect(lower.words.id('THE')).toBe(lower.words.id('the'));
    expect(lower.words.id('the')).not.toBe(0);
    expect(() => TaggingVocab.build(sample, { minCout: 2 } as never)).toThrow(/minCout/);
  });

  it('maps unknown words and characters to <unk> and refuses a tag never seen in training', () => {
    const t = small();
    const [enc] = t.encode([{ tokens: ['the', 'Zzyzx☃'] }], { tags: false });
    expect(enc!.words[1]).toBe(0);
    expect(Array.from(enc!.chars![1]!).at(-1)).toBe(0); // ☃ is not in the training characters
    expect(() => t.encode([{ tokens: ['a', 'b'], tags: ['O', 'B-vehicle'] }])).toThrow(ValueError);
    expect(() => t.encode([{ tokens: ['a', 'b'], tags: ['O', 'B-vehicle'] }])).toThrow(
      /sentence 1: tag 'B-vehicle' \(token 2\) was never seen in training, so the model cannot learn it; known tags: O, /,
    );
    expect(() => t.encode([{ tokens: [], tags: [] }])).toThrow(/sentence 1 is empty/);
    expect(() => t.encode([{ tokens: ['a'], tags: ['O', 'O'] }])).toThrow(/1 tokens but 2 tags/);
    expect(t.predict([[], ['Empire', 'State']])).toEqual([[], expect.any(Array)]);
  });

  it('keeps the first and last characters of a long word', () => {
    const t = small({ maxWordLength: 4 });
    const [enc] = t.encode([{ tokens: ['abcdefgh'] }], { tags: false });
    expect(Array.from(enc!.chars![0]!)).toEqual(['a', 'b', 'g', 'h'].map((c) => vocab.chars.id(c)));
  });
});

describe('padding', () => {
  for (const crf of [true, false]) {
    it(`a sentence's emissions, loss and tags do not depend on the rest of its batch (${crf ? 'CRF' : 'softmax'})`, () => {
      const t = small({ crf, dtype: 'float64' });
      const a: TaggedSentence = { tokens: ['Empire', 'State', 'is', 'big'], tags: ['B-location', 'I-location', 'O', 'O'] };
      const long: TaggedSentence = { tokens: ['a', 'muchlongerwordthanothers', ...sample[0]!.tokens], tags: ['O', 'O', ...sample[0]!.tags!] };
      const alone = t.pad(t.encode([a]));
      const padded = t.pad(t.encode([a, long]));
      expect(padded.T).toBeGreaterThan(alone.T);
      expect(padded.chars!.L).toBeGreaterThan(alone.chars!.L);
      noGrad(() => {
        const e1 = t.emissions(alone).toArray() as number[][][];
        const e2 = t.emissions(padded).toArray() as number[][][];
        for (let s = 0; s < 4; s++) for (let k = 0; k < t.numTags; k++) expect(e2[0]![s]![k]).toBeCloseTo(e1[0]![s]![k]!, 12);
        const l1 = t.lossOf(t.emissions(alone), alone).item();
        const l2 = t.lossOf(t.emissions(t.pad(t.encode([a, a]))), t.pad(t.encode([a, a]))).item();
        expect(l2).toBeCloseTo(l1, 12);
      });
      expect(t.decode(t.encode([a, long]))[0]).toEqual(t.decode(t.encode([a]))[0]);
      // a one-word sentence alone is that word's own conv (no padding characters at all)
      const word: TaggedSentence = { tokens: ['ESB'], tags: ['B-location'] };
      noGrad(() => {
        const e1 = t.emissions(t.pad(t.encode([word]))).data();
        const e2 = t.emissions(t.pad(t.encode([word, long]))).data();
        for (let k = 0; k < t.numTags; k++) expect(e2[k]).toBeCloseTo(e1[k]!, 12);
      });
    });
  }
});

describe('gradients', () => {
  for (const crf of [true, false]) {
    it(`every parameter's gradient matches float64 finite differences (${crf ? 'CRF' : 'softmax'}, 2 layers)`, () => {
      const t = small({ crf, numLayers: 2, dtype: 'float64', dropout: 0, wordDim: 3, charDim: 2, charFilters: 2, hiddenSize: 2 });
      const batch = t.encode([sample[0]!, sample[1]!, { tokens: ['x'], tags: ['O'] }]);
      const ctx = { rng: new Rng(0), metric: () => {} };
      t.params.zeroGrad();
      backward(t.loss(batch, ctx));
      const f = () => noGrad(() => t.loss(batch, ctx).item());
      const rng = new Rng(9);
      const h = 1e-6;
      for (const name of t.params.names) {
        const p = t.param(name);
        const grad = p.grad!.data();
        const host = Float64Array.from(p.data());
        // a word's or character's row only has a gradient where it occurs: check the largest entry and two random ones
        let big = 0;
        for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]!) > Math.abs(grad[big]!)) big = i;
        for (const i of [big, Math.floor(rng.next() * host.length), Math.floor(rng.next() * host.length)]) {
          const v = host[i]!;
          host[i] = v + h;
          t.params.set(name, host);
          const up = f();
          host[i] = v - h;
          t.params.set(name, host);
          const down = f();
          host[i] = v;
          t.params.set(name, host);
          const fd = (up - down) / (2 * h);
          expect(Math.abs(fd - grad[i]!), `${name}[${i}]: analytic ${grad[i]} vs numeric ${fd}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
        }
      }
    });
  }
});

describe('training', () => {
  it('the Trainer lowers the loss of a few WNUT17 sentences and the tagger fits them', async () => {
    const t = small({ wordDim: 16, hiddenSize: 16, charFilters: 8, dropout: 0 });
    const enc = t.encode(sample.slice(0, 16));
    const before = t.evaluateLoss(enc);
    await new Trainer(t, { optimizer: new Adam({ lr: 0.05 }), epochs: 30, batchSize: 8, rng: new Rng(0) }).fit({ size: enc.length, take: (idx) => Array.from(idx, (i) => enc[i]!) });
    expect(t.evaluateLoss(enc)).toBeLessThan(before / 5);
    const pred = t.predict(sample.slice(0, 16));
    const gold = sample.slice(0, 16).map((s) => s.tags!);
    const right = pred.flat().filter((y, i) => y === gold.flat()[i]).length;
    expect(right / gold.flat().length).toBeGreaterThan(0.95);
  });
});

describe('save and load', () => {
  it('round-trips config, vocabularies and weights (CRF, no chars, lowercase)', () => {
    for (const o of [{ crf: true }, { crf: false, chars: false }]) {
      const v = TaggingVocab.build(sample, { lowercase: !o.crf, minCount: 2 });
      const t = new Tagger({ vocab: v, wordDim: 5, charDim: 3, charFilters: 4, charKernel: 5, hiddenSize: 3, numLayers: 2, dropout: 0.25, seed: 7, ...o });
      const path = join(dir, `t-${o.crf}.safetensors`);
      t.save(path);
      const back = loadTagger(path);
      expect(back.config()).toEqual(t.config());
      expect(back.vocab.toJSON()).toEqual(t.vocab.toJSON());
      expect(back.params.values.data()).toEqual(t.params.values.data());
      expect(back.predict(sample.slice(0, 5))).toEqual(t.predict(sample.slice(0, 5)));
    }
  });

  it('writes a contract model file: rnn.format, rnn.config with one tagger layer, PyTorch names', () => {
    const t = small();
    const bytes = t.toBytes();
    const file = parseTagger(bytes, 'x.safetensors');
    expect(file.params.names).toContain('tagger.crf.transitions');
    expect(file.params.names).toContain('tagger.lstm.weight_ih_l0_reverse');
    expect(file.params.names).toContain('tagger.char_cnn.weight');
    expect(t.param('tagger.char_cnn.weight').shape).toEqual([5, 4, 3]);
  });

  it('refuses files that are not a tagger, or whose parts disagree', () => {
    const t = small();
    const tensors = new Map<string, RawTensor>();
    for (const [name, data] of t.params.toHost()) tensors.set(name, { dtype: 'F32', shape: [...t.param(name).shape], data: Float32Array.from(data) });
    const meta = (m: object) => ({ 'rnn.tagging': JSON.stringify({ version: 1, ...t.vocab.toJSON(), ...m }) });
    expect(() => parseTagger(writeModelFile({ layers: [t.config()] }, tensors), 'a.safetensors')).toThrow(
      'a.safetensors: metadata key "rnn.tagging" (the words, characters and tags) is missing; a tagger file needs it',
    );
    expect(() => parseTagger(writeModelFile({ layers: [t.config()] }, tensors, meta({ tags: t.vocab.tags.slice(1) })), 'b.safetensors')).toThrow(
      `b.safetensors: metadata "rnn.tagging": lists ${t.numTags - 1} tags but the config says ${t.numTags}; the file is inconsistent`,
    );
    expect(() => parseTagger(writeModelFile({ layers: [t.config()] }, tensors, meta({ version: 2 })), 'c.safetensors')).toThrow(/version is 2; expected 1/);
    const seq = new Sequential([lstm({ hiddenSize: 2 }), dense({ units: 1 })]).build({ inputSize: 3 });
    expect(() => parseTagger(seq.toBytes(), 'seq.safetensors')).toThrow(FormatError);
    expect(() => parseTagger(seq.toBytes(), 'seq.safetensors')).toThrow(/seq.safetensors: not a tagger model \(its first layer "lstm" is a lstm layer\)/);
    expect(() => Sequential.fromBytes(t.toBytes(), 'tagger.safetensors')).toThrow(/is a tagger, a whole model of its own: load the file with Tagger.load|loadTagger/);
    const bad = new Map(tensors);
    bad.set('tagger.fc.bias', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
    const raw = serializeSafetensors(bad, { 'rnn.format': '1', 'rnn.config': JSON.stringify({ layers: [t.config()] }), ...meta({}) });
    expect(() => parseTagger(raw, 'd.safetensors')).toThrow(/d.safetensors: tensor "tagger.fc.bias" has shape \[2\]; layer "tagger" \(tagger\) expects \[\d+\]/);
    expect(() => writeModelFile({ layers: [t.config(), { type: 'dense', name: 'fc', units: 2 }] }, tensors)).toThrow(ConfigError);
    expect(() => writeModelFile({ layers: [t.config(), { type: 'dense', name: 'fc', units: 2 }] }, tensors)).toThrow(/must be the only layer/);
    expect(() => loadTagger(join(dir, 'nope.safetensors'))).toThrow(/nope.safetensors: no such file/);
  });
});

describe('pretrained word vectors', () => {
  const text = '3 4\nthe 0.1 0.2 0.3 0.4\nEmpire 1 2 3 4\nstate -1 -2 -3 -4\n';

  it('parses GloVe/word2vec text and initialises the words it lists (others: random)', () => {
    const v = parseWordVectors(text, 'v.txt');
    expect(v.dim).toBe(4);
    const path = join(dir, 'v.txt');
    writeFileSync(path, text);
    expect(readWordVectors(path).vectors.get('Empire')).toEqual(Float32Array.from([1, 2, 3, 4]));
    const t = small({ wordDim: undefined, wordVectors: v });
    expect(t.wordDim).toBe(4);
    const w = t.param('tagger.word_embedding.weight').toArray() as number[][];
    expect(w[vocab.words.id('Empire')]).toEqual([1, 2, 3, 4]);
    expect(w[vocab.words.id('State')]).toEqual([-1, -2, -3, -4]); // not listed as 'State': its lower case is
    const listed = vocab.words.tokens.filter((w) => ['the', 'Empire', 'state'].includes(w) || ['the', 'state'].includes(w.toLowerCase()));
    expect(listed.length).toBeGreaterThan(3); // 'The' and 'State' too
    expect(t.pretrainedWords).toBe(listed.length);
    expect(() => small({ wordDim: 6, wordVectors: v })).toThrow('new Tagger: wordDim is 6 but the word vectors have 4 numbers each; give wordDim 4 or leave it out');
  });

  it('refuses bad lines with the file and line', () => {
    expect(() => parseWordVectors('a 1 2\nb 1 x\n', 'v.txt')).toThrow('v.txt line 2: value 2 of word "b" is "x"; expected a finite number');
    expect(() => parseWordVectors('a 1 2\nb 1 2 3\n', 'v.txt')).toThrow('v.txt line 2: has 3 numbers but the lines before have 2; every vector must have the same dimension');
    expect(() => parseWordVectors('2 3\na 1 2\n', 'v.txt')).toThrow('v.txt line 2: has 2 numbers but the header line says 3');
    expect(() => parseWordVectors('lonely\n', 'v.txt')).toThrow(/v.txt line 1: expected 'word v1 v2 …'/);
    expect(() => parseWordVectors('\n\n', 'v.txt')).toThrow(FormatError);
    expect(() => readWordVectors(join(dir, 'none.txt'))).toThrow(/none.txt: no such file \(the word vectors file\)/);
  });
});

describe('conv1d layer', () => {
  it('works in a Sequential, saves as type conv1d with PyTorch names, and loads back', () => {
    const m = new Sequential([conv1d({ outChannels: 3, kernelSize: 3, padding: 1, activation: 'tanh', name: 'conv' }), lstm({ hiddenSize: 2, returnSequences: true }), dense({ units: 1 })]);
    m.build({ inputSize: 2, seed: 1 });
    expect(m.params!.get('conv.weight').shape).toEqual([3, 2, 3]);
    const x = tensor(Float32Array.from({ length: 2 * 5 * 2 }, (_, i) => Math.sin(i)), [2, 5, 2]);
    const y = m.forward(x, { lengths: [5, 3] });
    expect(y.shape).toEqual([2, 5, 1]);
    const back = Sequential.fromBytes(m.toBytes(), 'm.safetensors');
    expect(back.config().layers[0]).toEqual({ type: 'conv1d', name: 'conv', outChannels: 3, kernelSize: 3, padding: 1, activation: 'tanh' });
    expect(back.forward(x, { lengths: [5, 3] }).data()).toEqual(y.data());
    const shrink = new Sequential([conv1d({ outChannels: 3, kernelSize: 3 }), dense({ units: 1 })]).build({ inputSize: 2 });
    expect(shrink.forward(x).shape).toEqual([2, 3, 1]);
    expect(() => shrink.forward(x, { lengths: [5, 3] })).toThrow(/conv1d 'conv': a variable-length batch needs the output as long as the input, so padding must be 1 for kernelSize 3, found 0/);
    expect(() => conv1d({ outChannels: 3, kernelSize: 3, stride: 2 } as never)).toThrow(/stride/);
  });
});
