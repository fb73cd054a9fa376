import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigError, FormatError, ValueError } from '@rnn/core';

export const VOCAB_KEY = 'rnn.vocab';
/** What a model file was trained for: 'text' (`rnn generate` reads it) or 'classify'. */
export const TASK_KEY = 'rnn.task';

export type Gunzip = 'auto' | 'yes' | 'no';

/**
 * Read `--text FILE` as UTF-8. `.gz` files are unpacked transparently: with `auto`, by their
 * magic bytes (1f 8b), whatever their name.
 */
export function readText(path: string, gz: Gunzip = 'auto'): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FormatError(`--text ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a text file' : (err as Error).message}`);
  }
  const magic = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gz === 'yes' || (gz === 'auto' && magic)) {
    try {
      // bounded: a small hostile .gz must not inflate without limit (256 MiB is far above any corpus here)
      bytes = gunzipSync(bytes, { maxOutputLength: 256 * 2 ** 20 });
    } catch (err) {
      throw new FormatError(`--text ${path}: not a valid gzip file (${(err as Error).message})${gz === 'yes' ? '; drop --gz yes for plain text' : ''}`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`--text ${path}: not UTF-8 text${magic && gz === 'no' ? ' (it is gzip-compressed: drop --gz no)' : ''}`);
  }
}

function show(c: string): string {
  const cp = c.codePointAt(0)!;
  return cp < 32 || cp === 127 ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

/**
 * The characters of a text, sorted by code point; a character's id is its index. Characters are
 * code points, so a non-BMP character (an emoji) is one token, not two surrogates.
 */
export class Vocabulary {
  readonly chars: readonly string[];
  private readonly index: Map<string, number>;

  constructor(chars: readonly string[]) {
    if (chars.length === 0) throw new ValueError('vocabulary: the text is empty; a character model needs some text to learn from');
    this.chars = chars;
    this.index = new Map(chars.map((c, i) => [c, i]));
    if (this.index.size !== chars.length) throw new ValueError('vocabulary: a character appears twice');
  }

  static fromText(text: string): Vocabulary {
    return new Vocabulary([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** From a model file's `rnn.vocab` (a JSON list of characters). */
  static fromMetadata(meta: Record<string, string>, source: string): Vocabulary {
    const text = meta[VOCAB_KEY];
    if (text === undefined) {
      throw new ConfigError(`${source}: no "${VOCAB_KEY}" in the model's metadata: it is not a character model (train one with rnn train --text FILE)`);
    }
    let chars: unknown;
    try {
      chars = JSON.parse(text);
    } catch {
      chars = null;
    }
    if (!Array.isArray(chars) || !chars.every((c) => typeof c === 'string' && [...c].length === 1)) {
      throw new FormatError(`${source}: metadata "${VOCAB_KEY}" must be a JSON list of single characters, found ${text.slice(0, 60)}`);
    }
    return new Vocabulary(chars as string[]);
  }

  get size(): number {
    return this.chars.length;
  }

  toMetadata(): string {
    return JSON.stringify(this.chars);
  }

  /** Ids of `text`; characters outside the vocabulary are refused, all of them named at once. */
  encode(text: string, what: string): Int32Array {
    const chars = [...text];
    const unknown = [...new Set(chars.filter((c) => !this.index.has(c)))];
    if (unknown.length) {
      const list = unknown.slice(0, 10).map(show).join(', ') + (unknown.length > 10 ? `, … (${unknown.length} in all)` : '');
      throw new ValueError(
        `${what} has ${unknown.length === 1 ? 'a character' : 'characters'} the model never saw: ${list}; ` +
          `its vocabulary is these ${this.size}: ${JSON.stringify(this.chars.join(''))}`,
      );
    }
    return Int32Array.from(chars, (c) => this.index.get(c)!);
  }

  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.chars[i]!).join('');
  }
}

/**
 * Next-character training rows: row r reads `ids[r·T .. r·T+T)` and predicts each following
 * character, `ids[r·T+1 .. r·T+T]`. Rows do not overlap; the tail shorter than T is dropped.
 */
export function windows(ids: Int32Array, seqLen: number): { x: Int32Array; y: Int32Array; rows: number } {
  const rows = Math.floor((ids.length - 1) / seqLen);
  if (rows < 1) {
    throw new ValueError(`the text has ${ids.length} characters, too few for one sequence of --seq-len ${seqLen} plus its next character; use a smaller --seq-len`);
  }
  const x = ids.slice(0, rows * seqLen);
  const y = ids.slice(1, rows * seqLen + 1);
  return { x, y, rows };
}
