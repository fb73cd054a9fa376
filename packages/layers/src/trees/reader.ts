import { FormatError } from '@rnn/core';
import { readTextAt } from '../platform/files.js';
import type { Tree } from './tree.js';

/**
 * A reader for PTB bracket trees, the form of the Stanford Sentiment Treebank:
 *
 *   tree := "(" label " " (word | tree+) ")"        label := integer
 *
 * e.g. `(3 (2 It) (4 (2 's) (4 lovely)))`. Every node has a label; a leaf holds one word; an
 * internal node holds its subtrees. Trees may span lines and several may share one. Words are split
 * on ASCII whitespace only (SST has words with a no-break space in them). The parser is a loop
 * over the characters with an explicit stack, never recursion, so a tree 100,000 deep parses as
 * easily as a flat one. Errors are `FormatError`s that name the source, line and column.
 */

interface Frame {
  line: number;
  col: number;
  label: number;
  word: string | null;
  children: number[];
}

interface Building {
  labels: number[];
  words: (string | null)[];
  children: number[][];
  line: number;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDelim = (c: number): boolean => isSpace(c) || c === 40 || c === 41;

/** Every tree in `text`. `source` names the text (a file path) in error messages. */
export function parseTrees(text: string, source = '<input>'): Tree[] {
  const trees: Tree[] = [];
  const stack: Frame[] = [];
  let cur: Building | null = null;
  let line = 1;
  let lineStart = 0;
  const at = (l: number, c: number) => `${source}:${l}:${c}`;
  const fail = (l: number, c: number, msg: string): never => {
    throw new FormatError(`${at(l, c)}: ${msg}`);
  };
  let i = 0;
  const n = text.length;
  // A byte-order mark is not part of the first tree.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (ch === 40) {
      // "(" then the label, on the same token
      i++;
      while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      const lcol = i - lineStart + 1;
      if (i >= n || isDelim(text.charCodeAt(i))) {
        const found = i >= n ? 'the end of the input' : text[i] === '\n' || text[i] === '\r' ? 'the end of the line' : `'${text[i]}'`;
        fail(line, lcol, `missing label: expected an integer label after '(', found ${found}`);
      }
      const start = i;
      while (i < n && !isDelim(text.charCodeAt(i))) i++;
      const tok = text.slice(start, i);
      if (!/^[+-]?\d+$/.test(tok)) fail(line, lcol, `label '${tok}' is not an integer; every node needs an integer label, e.g. (3 word)`);
      if (stack.length === 0) cur = { labels: [], words: [], children: [], line };
      stack.push({ line, col, label: Number(tok), word: null, children: [] });
      continue;
    }
    if (ch === 41) {
      // ")" closes the innermost node
      i++;
      const f = stack.pop();
      if (!f) fail(line, col, `unbalanced parentheses: ')' has no matching '('`);
      if (f!.word === null && f!.children.length === 0) {
        fail(f!.line, f!.col, `node (${f!.label} ...) has neither a word nor subtrees`);
      }
      const b = cur!;
      const id = b.labels.length;
      b.labels.push(f!.label);
      b.words.push(f!.word);
      b.children.push(f!.children);
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.children.push(id);
      } else {
        trees.push({ labels: Int32Array.from(b.labels), words: b.words, children: b.children, line: b.line });
        cur = null;
      }
      continue;
    }
    // a word
    const start = i;
    while (i < n && !isDelim(text.charCodeAt(i))) i++;
    const word = text.slice(start, i);
    const top = stack[stack.length - 1];
    if (!top) fail(line, col, `expected '(' to start a tree, found '${word.length > 20 ? word.slice(0, 20) + '…' : word}'`);
    if (top!.word !== null) fail(line, col, `node (${top!.label} ${top!.word} ...) has a second word '${word}'; a node holds one word`);
    if (top!.children.length > 0) fail(line, col, `word '${word}' follows a subtree; a node holds either one word or subtrees`);
    top!.word = word;
  }
  if (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const outer = stack[0]!;
    fail(
      f.line,
      f.col,
      `unbalanced parentheses: '(' is never closed (the input ends ${stack.length} level${stack.length === 1 ? '' : 's'} deep` +
        `${stack.length > 1 ? `, inside the tree opened at ${outer.line}:${outer.col}` : ''})`,
    );
  }
  if (trees.length === 0) throw new FormatError(`${source}: empty input: no trees found; expected one bracket tree per line, e.g. (3 (2 It) (4 works))`);
  return trees;
}

/** Trees from a file, gunzipped first when it is gzip (by its magic bytes, whatever its name). */
export function readTrees(path: string): Tree[] {
  return parseTrees(readTextAt(path, 'a file of bracket trees', 'readTrees(path)', 'use parseTrees(text)'), path);
}
