import { z } from 'zod';
import { FormatError, ValueError, parseOptions, schemas } from '@rnn/core';
import { Vocab } from '../trees/vocab.js';

/** One sentence: its tokens and, for training and scoring, one tag per token. */
export interface TaggedSentence {
  tokens: readonly string[];
  tags?: readonly string[];
}

const vocabOptions = z.strictObject({
  /** Words seen fewer times than this in training become `<unk>` (default 1: every training word is kept). */
  minCount: schemas.positiveInt().optional(),
  /** Fold words to lower case before counting and looking up (default false). Characters keep their case. */
  lowercase: schemas.bool().optional(),
  /** Keep at most this many words besides `<unk>`, the most frequent first. */
  maxWords: schemas.nonNegativeInt().optional(),
});

export type TaggingVocabOptions = z.infer<typeof vocabOptions>;

/**
 * The three vocabularies of a tagger, built from its training sentences. Words and characters
 * have `<unk>` at id 0, which every unknown word or character maps to (training words under
 * `minCount` become `<unk>` too, so its vector is trained). Tags have no `<unk>`: a tagger can
 * only output tags it saw in training; `tagIds` refuses a tag it does not know (`ValueError`).
 * Ordering is by frequency, ties alphabetically, so the same data always gives the same ids.
 */
export class TaggingVocab {
  constructor(
    readonly words: Vocab,
    /** Characters of the training words (never lower-cased), `<unk>` first. */
    readonly chars: Vocab,
    readonly tags: readonly string[],
  ) {
    if (tags.length < 1) throw new ValueError('tagging vocab: no tags; the training sentences must carry at least one tag');
    const seen = new Set<string>();
    for (const t of tags) {
      if (seen.has(t)) throw new ValueError(`tagging vocab: tag '${t}' appears twice`);
      seen.add(t);
    }
    this.tagIndex = new Map(tags.map((t, i) => [t, i]));
  }

  private readonly tagIndex: Map<string, number>;

  /** Build the vocabularies from training sentences (which must all be tagged). */
  static build(sentences: readonly TaggedSentence[], options: TaggingVocabOptions = {}): TaggingVocab {
    const o = parseOptions(vocabOptions, options, 'TaggingVocab.build');
    const lower = o.lowercase ?? false;
    const words = new Map<string, number>();
    const chars = new Map<string, number>();
    const tags = new Map<string, number>();
    sentences.forEach((s, i) => {
      if (!s.tags) throw new ValueError(`tagging vocab: sentence ${i + 1} has no tags; the vocabularies are built from tagged training sentences`);
      if (s.tags.length !== s.tokens.length) {
        throw new ValueError(`tagging vocab: sentence ${i + 1} has ${s.tokens.length} tokens but ${s.tags.length} tags; expected one tag per token`);
      }
      for (const w of s.tokens) {
        const k = lower ? w.toLowerCase() : w;
        words.set(k, (words.get(k) ?? 0) + 1);
        for (const c of w) chars.set(c, (chars.get(c) ?? 0) + 1);
      }
      for (const t of s.tags) tags.set(t, (tags.get(t) ?? 0) + 1);
    });
    const ranked = (m: Map<string, number>, minCount = 1): string[] =>
      [...m]
        .filter(([w, c]) => c >= minCount && w !== Vocab.UNK)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([w]) => w);
    let wordList = ranked(words, o.minCount ?? 1);
    if (o.maxWords !== undefined) wordList = wordList.slice(0, o.maxWords);
    return new TaggingVocab(new Vocab([Vocab.UNK, ...wordList], lower), new Vocab([Vocab.UNK, ...ranked(chars)]), ranked(tags));
  }

  /** The id of each tag; a tag not seen in training is a `ValueError` naming it and the sentence. */
  tagIds(tags: readonly string[], where = 'sentence'): Int32Array {
    const out = new Int32Array(tags.length);
    tags.forEach((t, i) => {
      const id = this.tagIndex.get(t);
      if (id === undefined) {
        const known = this.tags.length > 20 ? `${this.tags.slice(0, 20).join(', ')}, …` : this.tags.join(', ');
        throw new ValueError(`${where}: tag '${t}' (token ${i + 1}) was never seen in training, so the model cannot learn it; known tags: ${known}`);
      }
      out[i] = id;
    });
    return out;
  }

  hasTag(tag: string): boolean {
    return this.tagIndex.has(tag);
  }

  toJSON(): TaggingVocabJSON {
    return { words: this.words.toJSON(), chars: [...this.chars.tokens], tags: [...this.tags] };
  }

  static fromJSON(j: unknown, where: string): TaggingVocab {
    const o = j as Partial<TaggingVocabJSON> | null;
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((t) => typeof t === 'string');
    if (!o || typeof o !== 'object' || !strings(o.chars) || !strings(o.tags)) {
      throw new FormatError(`${where}: expected { words: { tokens, lowercase }, chars: string[], tags: string[] }`);
    }
    try {
      return new TaggingVocab(Vocab.fromJSON(o.words, `${where}.words`), new Vocab(o.chars), o.tags);
    } catch (err) {
      if (err instanceof FormatError) throw err;
      throw new FormatError(`${where}: ${(err as Error).message}`);
    }
  }
}

export interface TaggingVocabJSON {
  words: { tokens: string[]; lowercase: boolean };
  chars: string[];
  tags: string[];
}
