/**
 * What a tagger has for words it never saw in training: word-shape vectors (casing, digits,
 * @/#/URL, read from the original spelling) and word dropout (training reads words as `<unk>`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, Rng, backward, noGrad, parseSafetensors, serializeSafetensors } from '@rnn/core';
import { Tagger, TaggingVocab, WORD_SHAPES, loadTagger, parseTagger, wordShape } from '../../src/index.js';
import { wnutSample } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rnn-novel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sample = wnutSample();
const lower = TaggingVocab.build(sample, { lowercase: true });
const small = (o: Partial<ConstructorParameters<typeof Tagger>[0]> = {}) =>
  new Tagger({ vocab: lower, wordDim: 6, charDim: 4, charFilters: 5, hiddenSize: 4, seed: 3, dtype: 'float64', ...o });

describe('word shapes', () => {
  it('classifies casing, digits, Twitter tokens and punctuation', () => {
    const cases: [string, string][] = [
      ['hello', 'lower'],
      ['Hello', 'capitalised'],
      ['Élodie', 'capitalised'],
      ['NASA', 'upper'],
      ['I', 'single-upper'],
      ['iPhone', 'mixed'],
      ['McDonald', 'mixed'],
      ['2017', 'digits'],
      ['10:30', 'digits'],
      ['3.5', 'digits'],
      ['mp3', 'alphanumeric'],
      ['@realDonaldTrump', 'mention'],
      ['#MTVAwards', 'hashtag'],
      ['https://t.co/x1', 'url'],
      ['www.example.org', 'url'],
      ['youtube.com', 'url'],
      ['!!', 'punctuation'],
      ['@', 'punctuation'],
      ['😂', 'other'],
    ];
    for (const [w, shape] of cases) expect(WORD_SHAPES[wordShape(w)], w).toBe(shape);
  });

  it('gives an unknown word different features by its case even when the words are lower-cased', () => {
    const t = small({ shapeDim: 3 });
    const enc = t.encode([{ tokens: ['I', 'met', 'zorblax'] }, { tokens: ['I', 'met', 'Zorblax'] }], { tags: false });
    expect(enc[0]!.words).toEqual(enc[1]!.words); // the word ids agree: lower-cased, and unknown
    expect(Array.from(enc[1]!.shapes!).map((s) => WORD_SHAPES[s])).toEqual(['single-upper', 'lower', 'capitalised']);
    const noChars = small({ shapeDim: 3, chars: false });
    const e = noGrad(() => noChars.emissions(noChars.pad(noChars.encode([{ tokens: ['zorblax'] }, { tokens: ['Zorblax'] }], { tags: false }))).toArray() as number[][][]);
    expect(e[0]![0]).not.toEqual(e[1]![0]);
    // without shapes, a words-only tagger cannot tell them apart
    const plain = small({ chars: false });
    const p = noGrad(() => plain.emissions(plain.pad(plain.encode([{ tokens: ['zorblax'] }, { tokens: ['Zorblax'] }], { tags: false }))).toArray() as number[][][]);
    expect(p[0]![0]).toEqual(p[1]![0]);
  });

  it('trains the shape vectors (gradient = finite differences) and saves them in the model file', () => {
    const t = small({ shapeDim: 2, dropout: 0, crf: true });
    expect(t.params.names).toContain('tagger.shape_embedding.weight');
    expect(t.param('tagger.shape_embedding.weight').shape).toEqual([WORD_SHAPES.length, 2]);
    const batch = t.encode([sample[0]!, sample[1]!]);
    const ctx = { rng: new Rng(0), metric: () => {} };
    t.params.zeroGrad();
    backward(t.loss(batch, ctx));
    const p = t.param('tagger.shape_embedding.weight');
    const grad = p.grad!.data();
    const host = Float64Array.from(p.data());
    const i = WORD_SHAPES.indexOf('capitalised') * 2;
    expect(grad[i]).not.toBe(0);
    const h = 1e-6;
    const f = () => noGrad(() => t.loss(batch, ctx).item());
    host[i] += h;
    t.params.set('tagger.shape_embedding.weight', host);
    const up = f();
    host[i] -= 2 * h;
    t.params.set('tagger.shape_embedding.weight', host);
    const down = f();
    expect((up - down) / (2 * h)).toBeCloseTo(grad[i]!, 6);

    const path = join(dir, 'shape.safetensors');
    t.save(path);
    const back = loadTagger(path);
    expect(back.shapeDim).toBe(2);
    expect(back.config()).toEqual(t.config());
    expect(back.config().shape).toEqual({ numShapes: WORD_SHAPES.length, dim: 2 });
    expect(back.predict(sample.slice(0, 4))).toEqual(t.predict(sample.slice(0, 4)));
  });

  it('refuses a file whose shape count is not this version’s', () => {
    const file = parseSafetensors(small({ shapeDim: 2 }).toBytes(), 'x');
    const config = JSON.parse(file.metadata['rnn.config']!);
    config.layers[0].shape.numShapes = WORD_SHAPES.length + 1;
    const raw = file.tensors.get('tagger.shape_embedding.weight')!;
    const tensors = new Map(file.tensors);
    tensors.set('tagger.shape_embedding.weight', { dtype: raw.dtype, shape: [WORD_SHAPES.length + 1, 2], data: new Float32Array((WORD_SHAPES.length + 1) * 2) } as typeof raw);
    const bytes = serializeSafetensors(tensors, { ...file.metadata, 'rnn.config': JSON.stringify(config) });
    expect(() => parseTagger(bytes, 'odd.safetensors')).toThrow(FormatError);
    expect(() => parseTagger(bytes, 'odd.safetensors')).toThrow(/odd\.safetensors: the config's shape\.numShapes is 13 but this version knows 12 word shapes/);
  });
});

describe('word dropout', () => {
  it('reads every word as <unk> in training with probability 1, and never at prediction', () => {
    const t = small({ wordDropout: 0.9999999, dropout: 0 });
    const s = [{ tokens: ['the', 'Empire', 'State'], tags: ['O', 'B-location', 'I-location'] }];
    const b = t.pad(t.encode(s));
    const allUnk = t.pad(t.encode(s));
    allUnk.words.fill(0);
    noGrad(() => {
      const trained = t.emissions(b, { training: true, rng: new Rng(1) }).data();
      const asUnk = t.emissions(allUnk).data();
      const plain = t.emissions(b).data();
      expect(Array.from(trained)).toEqual(Array.from(asUnk));
      expect(Array.from(plain)).not.toEqual(Array.from(asUnk));
    });
    // p = 0 (the default) changes nothing in training
    const none = small({ dropout: 0 });
    noGrad(() => expect(Array.from(none.emissions(b, { training: true, rng: new Rng(1) }).data())).toEqual(Array.from(none.emissions(b).data())));
    expect(() => small({ wordDropout: 1 })).toThrow(/wordDropout/);
  });
});
