import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '@rnn/core';

/**
 * Pairs files (`--pairs`): UTF-8 TSV, one pair a line, `source<TAB>target`, gzip read
 * transparently (by its magic bytes, whatever the name). A final newline and CRLF line ends are
 * fine; any other empty line, a line without a tab, a third column or an empty side is refused with
 * its line number and what was found: a training set with a silently dropped line is a wrong one.
 */

export interface PairLine {
  /** 1-based line number in the file, for messages. */
  line: number;
  source: string;
  /** null when the command reads only the first column (`predict`) and the line has no tab. */
  target: string | null;
}

/** `train`/`evaluate` need both columns; `predict` reads only the first (a second one is ignored). */
export type Columns = 'pairs' | 'sources';

/** What a message shows of a line: quoted, cut at 60 characters, tabs visible as \t. */
export const shown = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** The UTF-8 text of a file, gunzipped when it starts with gzip's magic bytes. */
export function readTextFile(path: string, flag: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FormatError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a TSV file' : (err as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // bounded: a small hostile .gz must not inflate without limit
      bytes = gunzipSync(bytes, { maxOutputLength: 1024 * 2 ** 20 });
    } catch (err) {
      throw new FormatError(`${flag} ${path}: starts like a gzip file but does not unpack (${(err as Error).message})`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new FormatError(`${flag} ${path}: not UTF-8 text; a pairs file is UTF-8 TSV (source<TAB>target per line)`);
  }
}

/** Parse the text of a pairs file (see the module comment); `where` names it in messages (`--pairs train.tsv`). */
export function parsePairs(text: string, where: string, columns: Columns = 'pairs'): PairLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: PairLine[] = [];
  const expected = columns === 'pairs' ? 'source<TAB>target' : 'a source (optionally <TAB>target)';
  lines.forEach((raw, i) => {
    const at = `${where} line ${i + 1}`;
    const s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (s.trim() === '') throw new FormatError(`${at} is empty; expected ${expected} on every line (remove the blank line)`);
    const cols = s.split('\t');
    if (columns === 'sources') {
      if (cols[0]!.trim() === '') throw new FormatError(`${at}: the source (before the tab) is empty, found ${shown(s)}; every line needs a source`);
      out.push({ line: i + 1, source: cols[0]!, target: null });
      return;
    }
    if (cols.length === 1) throw new FormatError(`${at}: no tab, found ${shown(s)}; expected source<TAB>target (the two sides separated by one tab)`);
    if (cols.length > 2) throw new FormatError(`${at}: ${cols.length} tab-separated columns, found ${shown(s)}; expected 2, source<TAB>target`);
    const [source, target] = cols as [string, string];
    if (source.trim() === '') throw new FormatError(`${at}: the source (before the tab) is empty, found ${shown(s)}; every pair needs a source and a target`);
    if (target.trim() === '') throw new FormatError(`${at}: the target (after the tab) is empty, found ${shown(s)}; every pair needs a source and a target`);
    out.push({ line: i + 1, source, target });
  });
  if (out.length === 0) throw new FormatError(`${where}: the file is empty; expected ${expected} lines`);
  return out;
}

/** Read and parse a pairs file named by a flag (`--pairs`, `--dev`). */
export function readPairs(path: string, flag: string, columns: Columns = 'pairs'): PairLine[] {
  return parsePairs(readTextFile(path, flag), `${flag} ${path}`, columns);
}
