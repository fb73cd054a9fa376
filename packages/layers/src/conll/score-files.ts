import { FormatError } from '@rnn/core';
import { scoreTags, type TagScores } from './conlleval.js';
import { readConll, type ConllFile, type ConllOptions } from './reader.js';

/**
 * Check that `predicted` holds the same sentences as `gold`, token for token in count (the tokens
 * themselves may differ: system outputs re-encode some, `&gt;` as `&get;`), and return both tag
 * lists; a `FormatError` names the first sentence that differs, by its lines in both sources.
 */
export function alignTags(gold: ConllFile, predicted: ConllFile, goldSource: string, predictedSource: string): { gold: string[][]; predicted: string[][] } {
  const n = Math.min(gold.sentences.length, predicted.sentences.length);
  for (let s = 0; s < n; s++) {
    const g = gold.sentences[s]!;
    const p = predicted.sentences[s]!;
    if (g.tokens.length !== p.tokens.length) {
      throw new FormatError(
        `${predictedSource}:${p.lines[0]}: sentence ${s + 1} has ${p.tokens.length} tokens, but in ${goldSource} (line ${g.lines[0]}) it has ${g.tokens.length}; ` +
          'the predictions must keep the gold file\'s sentences and tokens',
      );
    }
  }
  if (gold.sentences.length !== predicted.sentences.length) {
    throw new FormatError(`${predictedSource}: ${predicted.sentences.length} sentences, but ${goldSource} has ${gold.sentences.length}; the predictions must keep the gold file's sentences`);
  }
  return { gold: gold.sentences.map((x) => x.tags!), predicted: predicted.sentences.map((x) => x.tags!) };
}

/** conlleval's scores of a file of predicted tags against a gold file (the tag: the last column of each, unless `options` say). */
export function scoreConllFiles(goldPath: string, predictedPath: string, options: ConllOptions = {}): TagScores {
  const a = alignTags(readConll(goldPath, options), readConll(predictedPath, options), goldPath, predictedPath);
  return scoreTags(a.gold, a.predicted);
}
