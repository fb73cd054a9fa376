import { noGrad, slice } from '@rnn/core';
import type { Tagger } from '../tagging/model.js';

/** One sentence explained: its predicted tags and how much each token holds them up. */
export interface ExplainedSentence {
  tokens: readonly string[];
  tags: string[];
  /** log p(predicted tags | sentence): the CRF's path log-likelihood, or Σ log softmax per token. */
  logLikelihood: number;
  /** Occlusion: the log-likelihood of the predicted tags minus the same with token j made unknown
   *  (its word and its characters). */
  occlusion: number[];
}

/** Never in a vocabulary: a token made unknown, word and characters alike. */
const UNKNOWN = '\u0000';

/**
 * Per token, for each sentence: how much the tagger's predicted tag sequence depends on it
 * (occlusion of the token, all occluded copies of a sentence in one batch of emissions).
 */
export function explainTagging(tagger: Tagger, sentences: readonly (readonly string[])[]): ExplainedSentence[] {
  const predicted = tagger.predict(sentences);
  return sentences.map((tokens, i) => {
    const tags = predicted[i]!;
    const copies = [tokens, ...tokens.map((_, j) => tokens.map((w, k) => (k === j ? UNKNOWN : w)))];
    const enc = tagger.encode(copies.map((t) => ({ tokens: t, tags })));
    return noGrad(() => {
      const b = tagger.pad(enc);
      const e = tagger.emissions(b);
      const K = e.shape[2]!;
      // one row at a time through the loss: it averages over the rows of its batch
      const ll = enc.map((_, r) => {
        const row = { ...b, B: 1, lengths: [b.lengths[r]!], words: b.words.subarray(r * b.T, (r + 1) * b.T), tags: b.tags!.subarray(r * b.T, (r + 1) * b.T) };
        return -tagger.lossOf(slice(e, [r, 0, 0], [1, b.T, K]), row).item();
      });
      return { tokens, tags, logLikelihood: ll[0]!, occlusion: tokens.map((_, j) => ll[0]! - ll[j + 1]!) };
    });
  });
}
