import type { Split } from './split.js';
import { defaultSplit, tokenize } from './split.js';
import type { PairLine } from './tsv.js';

/**
 * A pairs file as the workflow uses it: every line a training pair, and the distinct sources with
 * their alternative targets (a source on several lines is one source; a prediction is right when
 * it equals any of its targets).
 */
export interface Pairs {
  /** One per line, in file order. */
  sources: string[][];
  targets: string[][];
  /** Distinct sources in order of first appearance, each with every target it was given. */
  groups: { source: string; tokens: string[]; targets: string[][]; line: number }[];
}

export interface Splits {
  source: Split;
  target: Split;
}

/** The split of each side: the flag's, else the contract's default rule on this file's lines. */
export function chooseSplits(lines: readonly PairLine[], flags: { source?: Split | undefined; target?: Split | undefined }): Splits {
  return {
    source: flags.source ?? defaultSplit(lines.map((l) => l.source)),
    target: flags.target ?? defaultSplit(lines.map((l) => l.target ?? '')),
  };
}

export function tokenizePairs(lines: readonly PairLine[], splits: Splits): Pairs {
  const sources: string[][] = [];
  const targets: string[][] = [];
  const byText = new Map<string, Pairs['groups'][number]>();
  const groups: Pairs['groups'] = [];
  for (const l of lines) {
    const s = tokenize(l.source, splits.source);
    const t = l.target === null ? [] : tokenize(l.target, splits.target);
    sources.push(s);
    targets.push(t);
    // alternatives are found by the source's tokens, so "a  b" and "a b" are one source when split on spaces
    const key = s.join('\u0000');
    let g = byText.get(key);
    if (!g) {
      g = { source: l.source, tokens: s, targets: [], line: l.line };
      byText.set(key, g);
      groups.push(g);
    }
    if (l.target !== null) g.targets.push(t);
  }
  return { sources, targets, groups };
}
