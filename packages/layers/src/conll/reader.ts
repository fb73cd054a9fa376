import { ConfigError, FormatError } from '@rnn/core';
import { readTextAt } from '../platform/files.js';

/**
 * A reader for CoNLL-style tagged text, one token a line:
 *
 *   Empire<TAB>B-location          token in the first column, tag in the last (by default)
 *   State<TAB>I-location
 *   <blank line>                   ends the sentence (a run of blank lines is one break)
 *   # a comment                    skipped
 *
 * and CoNLL-U (10 tab-separated columns, an ID in the first), whose multi-word-token lines
 * (`1-2`) and empty nodes (`3.1`) are skipped and whose `#` lines are always comments.
 *
 * The rules a file is read by (they are the documented behaviour for input that is not clean):
 * - A line holding a tab is split on tabs (a field may then hold spaces); any other line on runs of
 *   spaces. So a file mixing tab- and space-separated lines still reads, as long as every token
 *   line has the same number of columns; a line with another count is an error naming both lines.
 * - A line of whitespace only is a blank line (WNUT17's training file ends sentences with a tab).
 * - A line starting with `#` is a comment, except in a plain CoNLL file when it splits into the
 *   file's number of columns: then it is a token (`#NFL<TAB>O`, `#<TAB>O` in tweets).
 * - A sentence of more than `maxLength` tokens (default 1,000) is an error: almost always a blank
 *   line missing between sentences.
 * - A CoNLL-U file read without a token column is an error: its first column is the ID.
 * Errors are `FormatError`s (`ConfigError` for options) naming the source and line.
 */

export interface ConllOptions {
  /** 1-based column of the token (default 1; a CoNLL-U file must say, e.g. 2 for FORM). */
  tokenColumn?: number;
  /** 1-based column of the tag (default: the last column). */
  tagColumn?: number;
  /** Read the tags (default true); false: only the token column need be there (tagging new text). */
  tags?: boolean;
  /** Most tokens a sentence may have (default 1000). */
  maxLength?: number;
  /** How messages name the options (the CLI passes its flags: `--token-column`). */
  names?: Partial<Record<'tokenColumn' | 'tagColumn' | 'maxLength', string>>;
}

export interface ConllSentence {
  tokens: string[];
  /** One tag per token, or null when read with `tags: false`. */
  tags: string[] | null;
  /** 1-based line of each token in the source. */
  lines: number[];
}

/** What each line of the source was, in order: to write an output file line for line. */
export type ConllLine = { kind: 'token'; sentence: number; index: number } | { kind: 'blank' } | { kind: 'comment' } | { kind: 'skipped' };

export interface ConllFile {
  sentences: ConllSentence[];
  lines: ConllLine[];
  format: 'conll' | 'conllu';
  /** How the token lines separate their columns: 'mixed' when some use tabs and others spaces. */
  separator: 'tab' | 'space' | 'mixed';
  /** Columns of a token line. */
  columns: number;
  tokens: number;
}

export const DEFAULT_MAX_LENGTH = 1000;

const CONLLU_ID = /^([1-9]\d*|\d+-\d+|\d+\.\d+)$/;
const CONLLU_SKIP = /^(\d+-\d+|\d+\.\d+)$/;

function split(line: string): { fields: string[]; tab: boolean } {
  if (line.includes('\t')) return { fields: line.split('\t').map((f) => f.trim()), tab: true };
  return { fields: line.trim().split(/ +/), tab: false };
}

const isBlank = (line: string) => line.trim() === '';
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Every sentence of CoNLL or CoNLL-U `text`; `source` names it (a file path) in messages. */
export function parseConll(text: string, source = '<input>', options: ConllOptions = {}): ConllFile {
  const names = { tokenColumn: 'tokenColumn', tagColumn: 'tagColumn', maxLength: 'maxLength', ...options.names };
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const wantTags = options.tags ?? true;
  for (const k of ['tokenColumn', 'tagColumn', 'maxLength'] as const) {
    const v = options[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new ConfigError(`${names[k]} must be a positive integer, found ${v}`);
  }
  const raw = text.replace(/^\uFEFF/, '').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();

  // the first line that is neither blank nor `#` fixes the layout: its column count, and CoNLL-U or not
  const first = raw.findIndex((l) => !isBlank(l) && !l.startsWith('#'));
  if (first < 0) {
    throw new FormatError(`${source}: no tokens found; expected one token a line (token<TAB>tag), a blank line between sentences`);
  }
  const head = split(raw[first]!);
  const columns = head.fields.length;
  const format = head.tab && columns === 10 && CONLLU_ID.test(head.fields[0]!) ? 'conllu' : 'conll';
  const at = (i: number) => `${source}:${i + 1}`;
  if (format === 'conllu' && options.tokenColumn === undefined) {
    throw new FormatError(
      `${at(first)}: this looks like CoNLL-U (10 tab-separated columns, the ID '${head.fields[0]}' in column 1), and no token column was given; ` +
        `pass ${names.tokenColumn} 2 ${names.tagColumn} 4 for FORM and UPOS (or the columns you want)`,
    );
  }
  const tokenCol = (options.tokenColumn ?? 1) - 1;
  const tagCol = options.tagColumn !== undefined ? options.tagColumn - 1 : columns - 1;
  if (wantTags) {
    if (columns < 2 && options.tagColumn === undefined) {
      throw new FormatError(`${at(first)}: found one column ('${head.fields[0]}'), expected a token and its tag (token<TAB>tag); training and scoring need the tags`);
    }
    if (tagCol === tokenCol) throw new ConfigError(`${names.tagColumn} and ${names.tokenColumn} are both column ${tokenCol + 1}; the tag needs a column of its own`);
  }
  const need = Math.max(tokenCol, wantTags ? tagCol : 0) + 1;
  if (columns < need) {
    const which = need - 1 === tokenCol ? `${names.tokenColumn} ${tokenCol + 1}` : `${names.tagColumn} ${tagCol + 1}`;
    throw new FormatError(`${at(first)}: found ${plural(columns, 'column')}, but ${which} needs at least ${need}`);
  }

  const sentences: ConllSentence[] = [];
  const lines: ConllLine[] = [];
  let tokens = 0;
  let sawTab = false;
  let sawSpace = false;
  let cur: ConllSentence | null = null;
  let curStart = 0;
  const end = () => {
    if (cur) sentences.push(cur);
    cur = null;
  };
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    if (isBlank(line)) {
      end();
      lines.push({ kind: 'blank' });
      continue;
    }
    const { fields, tab } = split(line);
    if (line.startsWith('#') && (format === 'conllu' || fields.length !== columns)) {
      lines.push({ kind: 'comment' });
      continue;
    }
    if (fields.length !== columns) {
      const how = (t: boolean) => (t ? 'split on tabs' : 'split on spaces');
      const mixed = tab !== head.tab ? `; use one separator throughout (this line is ${how(tab)}, line ${first + 1} ${how(head.tab)})` : '';
      throw new FormatError(`${at(i)}: found ${plural(fields.length, 'column')}, expected ${columns} as on line ${first + 1}${mixed}`);
    }
    if (format === 'conllu' && CONLLU_SKIP.test(fields[0]!)) {
      lines.push({ kind: 'skipped' });
      continue;
    }
    if (tab) sawTab = true;
    else sawSpace = true;
    const token = fields[tokenCol]!;
    if (token === '') throw new FormatError(`${at(i)}: the token (column ${tokenCol + 1}) is empty; a token line needs a token`);
    const tag = wantTags ? fields[tagCol]! : null;
    if (tag === '') throw new FormatError(`${at(i)}: the tag (column ${tagCol + 1}) is empty, token '${token}'; every token needs a tag`);
    if (!cur) {
      cur = { tokens: [], tags: wantTags ? [] : null, lines: [] };
      curStart = i;
    }
    const s: ConllSentence = cur;
    if (s.tokens.length === maxLength) {
      throw new FormatError(
        `${at(i)}: the sentence starting at line ${curStart + 1} has more than ${maxLength} tokens; is a blank line missing between sentences? ` +
          `(split it with blank lines, or raise ${names.maxLength})`,
      );
    }
    lines.push({ kind: 'token', sentence: sentences.length, index: s.tokens.length });
    s.tokens.push(token);
    s.tags?.push(tag!);
    s.lines.push(i + 1);
    tokens++;
  }
  end();
  return { sentences, lines, format, separator: sawTab && sawSpace ? 'mixed' : sawTab ? 'tab' : 'space', columns, tokens };
}

/** Bytes of a file as UTF-8 text, gunzipped first when they are gzip (by the magic bytes, whatever the name). */
export function readTextFile(path: string, what = 'a CoNLL file'): string {
  return readTextAt(path, what, `readConll(path)`, 'use parseConll(text)');
}

/** `parseConll` of a file (.gz read transparently). */
export function readConll(path: string, options: ConllOptions = {}): ConllFile {
  return parseConll(readTextFile(path), path, options);
}
