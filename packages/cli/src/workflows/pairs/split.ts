import { ConfigError } from '@rnn/core';

/**
 * How a side of a pair becomes tokens (the contract's `--source-split`/`--target-split`): `char`
 * into characters (code points, so an accented letter or an emoji is one token), `space` into the
 * tokens between spaces (runs of spaces count as one; leading and trailing ones are dropped).
 */
export type Split = 'char' | 'space';
export const SPLITS = ['char', 'space'] as const;

/** The default rule: a side is split on spaces when any of its lines holds a space, else into characters. */
export function defaultSplit(texts: Iterable<string>): Split {
  for (const t of texts) if (t.includes(' ')) return 'space';
  return 'char';
}

export function tokenize(text: string, split: Split): string[] {
  return split === 'char' ? [...text] : text.split(' ').filter((t) => t !== '');
}

/** Tokens as `predict` writes them: joined by one space for a space-split side, concatenated for a char-split one. */
export function detokenize(tokens: readonly string[], split: Split): string {
  return tokens.join(split === 'space' ? ' ' : '');
}

export function parseSplit(value: unknown, what: string): Split {
  if (value === 'char' || value === 'space') return value;
  throw new ConfigError(`${what} must be "char" or "space", found ${JSON.stringify(value)}`);
}
