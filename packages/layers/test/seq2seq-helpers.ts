import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Seq2Seq, SeqVocab, type Seq2SeqOptions } from '../src/index.js';

/** The 48 CMUdict pairs of fixtures/cmudict/slice.tsv: word characters → ARPAbet phones. */
export function cmudictSlice(): { source: string[]; target: string[] }[] {
  const text = readFileSync(fileURLToPath(new URL('./fixtures/cmudict/slice.tsv', import.meta.url)), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [word, phones] = line.split('\t') as [string, string];
      return { source: [...word], target: phones.split(' ') };
    });
}

/** A tiny model over the slice's vocabularies. */
export function tinyModel(pairs: { source: string[]; target: string[] }[], o: Partial<Seq2SeqOptions> = {}): Seq2Seq {
  return new Seq2Seq({
    sourceVocab: SeqVocab.build(pairs.map((p) => p.source)),
    targetVocab: SeqVocab.build(pairs.map((p) => p.target)),
    embeddingDim: 6,
    encoder: { type: 'lstm', hiddenSize: 5, numLayers: 2, bidirectional: true },
    decoder: { hiddenSize: 7 },
    seed: 3,
    ...o,
  });
}
