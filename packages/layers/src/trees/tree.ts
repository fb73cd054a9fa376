import { ConfigError } from '@rnn/core';

/**
 * A parse tree with a label on every node and a word at every leaf (internal nodes may carry a
 * word too, as in dependency trees). Nodes are numbered in post-order — children before their
 * parent, the root last — so one forward loop over the nodes visits every child before its
 * parent. Nothing that walks a tree recurses, so a tree 10,000 deep is as safe as a shallow one.
 */
export interface Tree {
  /** Label of each node; -1 where a node has none. */
  readonly labels: Int32Array;
  /** Word of each node; null where it has none (internal nodes of a constituency tree). */
  readonly words: readonly (string | null)[];
  /** Children of each node, left to right, by node number (each smaller than the parent's). */
  readonly children: readonly (readonly number[])[];
  /** 1-based line of the tree's opening bracket in its source, for messages (0 if unknown). */
  readonly line: number;
}

export function treeSize(t: Tree): number {
  return t.labels.length;
}

export function rootOf(t: Tree): number {
  return t.labels.length - 1;
}

/** The words at the leaves, left to right. */
export function leafWords(t: Tree): string[] {
  const out: string[] = [];
  for (let n = 0; n < t.labels.length; n++) if (t.children[n]!.length === 0 && t.words[n] !== null) out.push(t.words[n]!);
  return out;
}

/** Height of each node: 0 at leaves, 1 + the tallest child above them. */
export function nodeHeights(t: Tree): Int32Array {
  const h = new Int32Array(t.labels.length);
  for (let n = 0; n < h.length; n++) {
    let m = -1;
    for (const c of t.children[n]!) if (h[c]! > m) m = h[c]!;
    h[n] = m + 1;
  }
  return h;
}

/** Depth (edges from the root) of the deepest node. */
export function treeDepth(t: Tree): number {
  const d = new Int32Array(t.labels.length);
  let max = 0;
  for (let n = t.labels.length - 1; n >= 0; n--) {
    for (const c of t.children[n]!) {
      d[c] = d[n]! + 1;
      if (d[c]! > max) max = d[c]!;
    }
  }
  return max;
}

/**
 * Build a tree from nodes given in post-order. Refuses a child numbered at or after its parent,
 * a node with two parents, and a leaf without a word.
 */
export function makeTree(
  labels: readonly number[],
  words: readonly (string | null)[],
  children: readonly (readonly number[])[],
  line = 0,
): Tree {
  const n = labels.length;
  if (n === 0) throw new ConfigError('makeTree: a tree needs at least one node, found none');
  if (words.length !== n || children.length !== n) {
    throw new ConfigError(`makeTree: labels, words and children must have one entry per node; found ${n}, ${words.length} and ${children.length}`);
  }
  const parent = new Int32Array(n).fill(-1);
  for (let p = 0; p < n; p++) {
    for (const c of children[p]!) {
      if (!(Number.isInteger(c) && c >= 0 && c < p)) {
        throw new ConfigError(`makeTree: node ${p} has child ${c}; children must be numbered before their parent (post-order)`);
      }
      if (parent[c] !== -1) throw new ConfigError(`makeTree: node ${c} is a child of both node ${parent[c]} and node ${p}`);
      parent[c] = p;
    }
    if (children[p]!.length === 0 && words[p] === null) {
      throw new ConfigError(`makeTree: leaf node ${p} has no word; every leaf needs one`);
    }
  }
  for (let c = 0; c < n - 1; c++) {
    if (parent[c] === -1) throw new ConfigError(`makeTree: node ${c} has no parent; only the last node (the root) may lack one`);
  }
  return { labels: Int32Array.from(labels), words: [...words], children: children.map((c) => [...c]), line };
}

/** The tree in PTB bracket form, `(3 (2 It) (4 ...))` (labels of -1 are written as `_`). */
export function toBracket(t: Tree): string {
  // pre-order with an explicit stack: a node opens, its children follow, then ')' (-1 on the stack)
  const out: string[] = [];
  const stack: number[] = [t.labels.length - 1];
  while (stack.length) {
    const n = stack.pop()!;
    if (n < 0) {
      out.push(')');
      continue;
    }
    if (out.length && out[out.length - 1] !== '(') out.push(' ');
    out.push('(', t.labels[n]! < 0 ? '_' : String(t.labels[n]));
    if (t.words[n] !== null) out.push(' ', t.words[n]!);
    stack.push(-1);
    const kids = t.children[n]!;
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  }
  return out.join('');
}
