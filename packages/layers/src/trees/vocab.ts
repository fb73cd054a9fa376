import { z } from 'zod';
import { ConfigError, FormatError, parseOptions, schemas } from '@rnn/core';
import type { Tree } from './tree.js';

const vocabOptions = z.strictObject({
  /** Words seen fewer times than this in the training trees become the unknown word (default 1). */
  minCount: schemas.positiveInt().optional(),
  /** Fold words to lower case before counting and looking up (default false). */
  lowercase: schemas.bool().optional(),
  /** Keep at most this many words besides the unknown word, the most frequent first. */
  maxSize: schemas.nonNegativeInt().optional(),
});

export type VocabOptions = z.infer<typeof vocabOptions>;

/**
 * Word ↔ id. Id 0 is the unknown word `<unk>`, which every word not in the vocabulary maps to;
 * the others are ordered by frequency (ties alphabetically), so the same trees and options always
 * give the same ids.
 */
export class Vocab {
  static readonly UNK = '<unk>';
  readonly tokens: readonly string[];
  readonly lowercase: boolean;
  private readonly index = new Map<string, number>();

  constructor(tokens: readonly string[], lowercase = false) {
    if (tokens[0] !== Vocab.UNK) throw new ConfigError(`vocab: the first token must be '${Vocab.UNK}', found '${tokens[0]}'`);
    this.tokens = [...tokens];
    this.lowercase = lowercase;
    this.tokens.forEach((t, i) => {
      if (this.index.has(t)) throw new ConfigError(`vocab: token '${t}' appears twice (ids ${this.index.get(t)} and ${i})`);
      this.index.set(t, i);
    });
  }

  static build(trees: readonly Tree[], options: VocabOptions = {}): Vocab {
    const o = parseOptions(vocabOptions, options, 'Vocab.build');
    const minCount = o.minCount ?? 1;
    if (!(Number.isInteger(minCount) && minCount >= 1)) throw new ConfigError(`vocab: minCount must be a positive integer, found ${o.minCount}`);
    if (o.maxSize !== undefined && !(Number.isInteger(o.maxSize) && o.maxSize >= 0)) {
      throw new ConfigError(`vocab: maxSize must be a non-negative integer, found ${o.maxSize}`);
    }
    const lower = o.lowercase ?? false;
    const counts = new Map<string, number>();
    for (const t of trees) {
      for (const w of t.words) {
        if (w === null) continue;
        const k = lower ? w.toLowerCase() : w;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    counts.delete(Vocab.UNK);
    let words = [...counts].filter(([, c]) => c >= minCount);
    words.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (o.maxSize !== undefined) words = words.slice(0, o.maxSize);
    return new Vocab([Vocab.UNK, ...words.map(([w]) => w)], lower);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of `word` (0, the unknown word, when it is not in the vocabulary). */
  id(word: string): number {
    return this.index.get(this.lowercase ? word.toLowerCase() : word) ?? 0;
  }

  has(word: string): boolean {
    return this.index.has(this.lowercase ? word.toLowerCase() : word);
  }

  /** Word ids of every node of `tree`, -1 where a node has no word. */
  encode(tree: Tree): Int32Array {
    const ids = new Int32Array(tree.words.length);
    tree.words.forEach((w, i) => (ids[i] = w === null ? -1 : this.id(w)));
    return ids;
  }

  toJSON(): { tokens: string[]; lowercase: boolean } {
    return { tokens: [...this.tokens], lowercase: this.lowercase };
  }

  static fromJSON(j: unknown, where = 'vocab'): Vocab {
    const o = j as { tokens?: unknown; lowercase?: unknown };
    if (!o || !Array.isArray(o.tokens) || !o.tokens.every((t) => typeof t === 'string') || typeof o.lowercase !== 'boolean') {
      throw new FormatError(`${where}: expected { tokens: string[], lowercase: boolean }`);
    }
    return new Vocab(o.tokens as string[], o.lowercase);
  }
}
