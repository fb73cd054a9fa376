import { pairLengthKeys, type Seq2SeqPair } from '@rnn/layers';
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

/**
 * Id pairs packed into typed arrays: every pair's source ids then its target ids in one
 * `Int32Array`, with each pair's start and lengths, and the pairs' length keys. What the training
 * loop keeps of a pairs file: a few bytes per token instead of two JS arrays per pair, so the live
 * JS heap that each of V8's major collections marks stays small (`rnn train --pairs` collected
 * about once per batch).
 */
export class PackedPairs {
  private constructor(
    private readonly ids: Int32Array,
    private readonly starts: Int32Array,
    private readonly sourceLengths: Int32Array,
    private readonly targetLengths: Int32Array,
    private readonly keys: Int32Array,
  ) {}

  static from(pairs: readonly Seq2SeqPair[]): PackedPairs {
    const starts = new Int32Array(pairs.length);
    const sl = Int32Array.from(pairs, (p) => p.source.length);
    const tl = Int32Array.from(pairs, (p) => p.target.length);
    let n = 0;
    for (let i = 0; i < pairs.length; i++) {
      starts[i] = n;
      n += sl[i]! + tl[i]!;
    }
    const ids = new Int32Array(n);
    pairs.forEach((p, i) => {
      ids.set(p.source, starts[i]);
      ids.set(p.target, starts[i]! + sl[i]!);
    });
    return new PackedPairs(ids, starts, sl, tl, pairLengthKeys(pairs));
  }

  get size(): number {
    return this.starts.length;
  }

  /** Pair `i` as fresh arrays (a batch's worth at a time). */
  pair(i: number): Seq2SeqPair {
    const s = this.starts[i]!;
    const m = s + this.sourceLengths[i]!;
    return { source: Array.from(this.ids.subarray(s, m)), target: Array.from(this.ids.subarray(m, m + this.targetLengths[i]!)) };
  }

  /** `pairLengthKeys` of the pairs (the Trainer's length buckets). */
  lengthKeys(): Int32Array {
    return this.keys;
  }
}
