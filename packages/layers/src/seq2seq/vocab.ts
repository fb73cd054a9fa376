import { z } from 'zod';
import { ConfigError, FormatError, parseOptions, schemas } from '@rnn/core';

const buildOptions = z.strictObject({
  /** Tokens seen fewer times than this become `<unk>` (default 1: every token seen is kept). */
  minCount: schemas.positiveInt().optional(),
  /** Keep at most this many tokens besides the four special ones, the most frequent first. */
  maxSize: schemas.nonNegativeInt().optional(),
});

export type SeqVocabOptions = z.infer<typeof buildOptions>;

/**
 * Token ↔ id for one side of a sequence-to-sequence model. Ids 0..3 are the special tokens
 * `<pad>` (padding, never predicted), `<unk>` (every token not in the vocabulary), `<s>` (the
 * decoder's first input) and `</s>` (end of sequence); the others follow by frequency, ties in
 * code-point order, so the same data always gives the same ids.
 *
 * Unknown tokens: `encode` maps a token it does not know to `<unk>` (it never throws), so a
 * source holding a character never seen in training is still translated, the unknown position
 * reading the `<unk>` vector that training gave to tokens below `minCount` (or, with minCount 1,
 * the untrained initial vector). `unknown(tokens)` lists them, for a caller that wants to warn.
 */
export class SeqVocab {
  static readonly PAD = '<pad>';
  static readonly UNK = '<unk>';
  static readonly BOS = '<s>';
  static readonly EOS = '</s>';
  static readonly SPECIALS = [SeqVocab.PAD, SeqVocab.UNK, SeqVocab.BOS, SeqVocab.EOS] as const;
  static readonly PAD_ID = 0;
  static readonly UNK_ID = 1;
  static readonly BOS_ID = 2;
  static readonly EOS_ID = 3;

  readonly tokens: readonly string[];
  private readonly index = new Map<string, number>();

  constructor(tokens: readonly string[]) {
    SeqVocab.SPECIALS.forEach((s, i) => {
      if (tokens[i] !== s) {
        throw new ConfigError(`vocab: token ${i} must be '${s}' (the specials are ${SeqVocab.SPECIALS.join(' ')}, in that order), found ${JSON.stringify(tokens[i])}`);
      }
    });
    this.tokens = [...tokens];
    this.tokens.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0) throw new ConfigError(`vocab: token ${i} must be a non-empty string, found ${JSON.stringify(t)}`);
      if (this.index.has(t)) throw new ConfigError(`vocab: token '${t}' appears twice (ids ${this.index.get(t)} and ${i})`);
      this.index.set(t, i);
    });
  }

  /** A vocabulary of the tokens in `sequences` (each an array of tokens). */
  static build(sequences: Iterable<readonly string[]>, options: SeqVocabOptions = {}): SeqVocab {
    const o = parseOptions(buildOptions, options, 'SeqVocab.build');
    const counts = new Map<string, number>();
    for (const seq of sequences) for (const t of seq) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const s of SeqVocab.SPECIALS) counts.delete(s);
    let kept = [...counts].filter(([, c]) => c >= (o.minCount ?? 1));
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (o.maxSize !== undefined) kept = kept.slice(0, o.maxSize);
    return new SeqVocab([...SeqVocab.SPECIALS, ...kept.map(([t]) => t)]);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of `token`; `<unk>`'s when it is not in the vocabulary. */
  id(token: string): number {
    return this.index.get(token) ?? SeqVocab.UNK_ID;
  }

  has(token: string): boolean {
    return this.index.has(token);
  }

  /** Token ids, unknown tokens as `<unk>` (no `<s>`/`</s>` added). */
  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t));
  }

  /** Tokens of `ids`, stopping at the first `</s>`. */
  decode(ids: readonly number[]): string[] {
    const out: string[] = [];
    for (const i of ids) {
      if (i === SeqVocab.EOS_ID) break;
      out.push(this.tokens[i] ?? SeqVocab.UNK);
    }
    return out;
  }

  /** The distinct tokens of `tokens` that this vocabulary does not know. */
  unknown(tokens: readonly string[]): string[] {
    return [...new Set(tokens.filter((t) => !this.index.has(t)))];
  }

  toJSON(): string[] {
    return [...this.tokens];
  }

  static fromJSON(j: unknown, where = 'vocab'): SeqVocab {
    if (!Array.isArray(j) || !j.every((t) => typeof t === 'string')) throw new FormatError(`${where}: expected an array of token strings`);
    try {
      return new SeqVocab(j as string[]);
    } catch (err) {
      throw new FormatError(`${where}: ${(err as Error).message}`);
    }
  }
}
