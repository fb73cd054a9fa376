/**
 * The CRF layer and the Tagger against PyTorch (tools/golden/gen_tagging.py): CRF NLL, its
 * gradients and Viterbi paths; a small BiLSTM tagger's loss, every gradient and one Adam step,
 * with a CRF and with a softmax. Runs on js, and on native with RNN_BACKEND=native.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backward, Rng } from '@rnn/core';
import { Adam, CRF, Tagger, TaggingVocab, Vocab, type EncodedSentence } from '../src/index.js';
import { FORWARD, GRAD, expectClose, f32, loadGolden, report, type GT } from './golden-helpers.js';

interface CrfGolden {
  lengths: number[];
  emissions: GT;
  tags: GT;
  transitions: GT;
  start: GT;
  end: GT;
  nll: GT;
  loss: number;
  grads: Record<'emissions' | 'transitions' | 'start' | 'end', GT>;
  viterbi: { tags: number[][]; scores: number[] };
}
interface TaggerGolden {
  id: string;
  config: { numWords: number; wordDim: number; chars: { numChars: number; embeddingDim: number; filters: number; kernelSize: number }; hiddenSize: number; numLayers: number; numTags: number; crf: boolean };
  sentences: { words: number[]; chars: number[][]; tags: number[] }[];
  params: Record<string, GT>;
  loss: number;
  grads: Record<string, GT>;
  adam: { lr: number; params: Record<string, GT>; loss: number };
}
const golden = loadGolden<{ crf: CrfGolden; taggers: TaggerGolden[] }>('tagging.json');

afterAll(() => report('tagging'));

describe('CRF layer vs PyTorch', () => {
  const g = golden.crf;
  const crf = new CRF({ numTags: g.transitions.shape[0]!, name: 'crf' });
  const make = () => {
    const t = { 'crf.transitions': f32(g.transitions, true), 'crf.start_transitions': f32(g.start, true), 'crf.end_transitions': f32(g.end, true) };
    return { t, param: (n: string) => t[n as keyof typeof t] };
  };

  it('NLL per sentence, the mean loss and its gradients (padded rows)', () => {
    const { t, param } = make();
    const e = f32(g.emissions, true);
    const tags = Int32Array.from(g.tags.data);
    expectClose(crf.nll(e, tags, g.lengths, param), g.nll, FORWARD, 'crf nll', 'crf forward');
    const loss = crf.loss(e, tags, g.lengths, param);
    expectClose(loss, g.loss, FORWARD, 'crf loss', 'crf forward');
    backward(loss);
    expectClose(e.grad!, g.grads.emissions, GRAD, 'd emissions', 'crf grads');
    expectClose(t['crf.transitions'].grad!, g.grads.transitions, GRAD, 'd transitions', 'crf grads');
    expectClose(t['crf.start_transitions'].grad!, g.grads.start, GRAD, 'd start', 'crf grads');
    expectClose(t['crf.end_transitions'].grad!, g.grads.end, GRAD, 'd end', 'crf grads');
  });

  it('Viterbi paths and scores equal brute-force enumeration', () => {
    const { param } = make();
    const out = crf.decode(f32(g.emissions), g.lengths, param);
    expect(out.tags).toEqual(g.viterbi.tags);
    expectClose(out.scores, g.viterbi.scores, FORWARD, 'viterbi scores', 'crf forward');
  });
});

/** A vocabulary of the golden sizes (the golden case gives ids directly). */
function vocabOf(c: TaggerGolden['config']): TaggingVocab {
  const names = (n: number, p: string) => ['<unk>', ...Array.from({ length: n - 1 }, (_, i) => `${p}${i + 1}`)];
  return new TaggingVocab(new Vocab(names(c.numWords, 'w')), new Vocab(names(c.chars.numChars, 'c')), Array.from({ length: c.numTags }, (_, i) => `T${i}`));
}

describe.each(golden.taggers)('Tagger vs PyTorch: $id', (g) => {
  const build = () => {
    const c = g.config;
    const tagger = new Tagger({
      vocab: vocabOf(c),
      wordDim: c.wordDim,
      charDim: c.chars.embeddingDim,
      charFilters: c.chars.filters,
      charKernel: c.chars.kernelSize,
      hiddenSize: c.hiddenSize,
      numLayers: c.numLayers,
      crf: c.crf,
      dropout: 0,
    });
    expect([...tagger.params.names].sort()).toEqual(Object.keys(g.params).sort());
    for (const [name, t] of Object.entries(g.params)) tagger.params.set(name, t.data);
    const batch: EncodedSentence[] = g.sentences.map((s) => ({ words: Int32Array.from(s.words), chars: s.chars.map((w) => Int32Array.from(w)), tags: Int32Array.from(s.tags) }));
    return { tagger, batch };
  };

  it('loss, every gradient, and the parameters after one Adam step', () => {
    const { tagger, batch } = build();
    const ctx = { rng: new Rng(0), metric: () => {} };
    tagger.params.zeroGrad();
    const loss = tagger.loss(batch, ctx);
    expectClose(loss, g.loss, FORWARD, `${g.id} loss`, 'tagger forward');
    backward(loss);
    for (const name of tagger.params.names) expectClose(tagger.param(name).grad!, g.grads[name]!, GRAD, `${g.id} d ${name}`, 'tagger grads');
    new Adam({ lr: g.adam.lr }).step(tagger.params);
    for (const name of tagger.params.names) expectClose(tagger.param(name), g.adam.params[name]!, GRAD, `${g.id} adam ${name}`, 'tagger adam step');
    expectClose(tagger.evaluateLoss(batch), g.adam.loss, GRAD, `${g.id} loss after the step`, 'tagger adam step');
  });
});
