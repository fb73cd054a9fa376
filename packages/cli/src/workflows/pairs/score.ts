/**
 * Scores of `rnn evaluate --pairs` (the contract's definitions, CMUdict's usual G2P scoring):
 * - sequence error rate: the share of sources whose prediction equals none of their targets;
 * - token error rate: Σ edit distance to the closest target / Σ that target's length, over sources
 *   (the closest: the smallest edit distance; on a tie, the first in file order).
 * A source given on several lines is one source with alternative targets.
 */

/** Levenshtein distance between token sequences (insertions, deletions, substitutions each 1). */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

export interface PairScores {
  /** Distinct sources scored. */
  sequences: number;
  /** Sources whose prediction matches none of their targets. */
  wrong: number;
  /** Σ edit distance to the closest target, and Σ that target's length. */
  edits: number;
  tokens: number;
  /** wrong / sequences and edits / tokens. */
  sequenceErrorRate: number;
  tokenErrorRate: number;
}

/** The closest of a source's targets to a prediction: its edit distance and length. */
export function closest(prediction: readonly string[], targets: readonly (readonly string[])[]): { distance: number; length: number } {
  let best = { distance: Infinity, length: 0 };
  for (const t of targets) {
    const d = editDistance(prediction, t);
    if (d < best.distance) best = { distance: d, length: t.length };
  }
  return best;
}

/** Score one prediction per source against that source's alternatives. */
export function scorePairs(predictions: readonly (readonly string[])[], targets: readonly (readonly (readonly string[])[])[]): PairScores {
  if (predictions.length !== targets.length) throw new Error(`scorePairs: ${predictions.length} predictions for ${targets.length} sources`);
  let wrong = 0;
  let edits = 0;
  let tokens = 0;
  predictions.forEach((p, i) => {
    const c = closest(p, targets[i]!);
    if (c.distance > 0) wrong++;
    edits += c.distance;
    tokens += c.length;
  });
  const n = predictions.length;
  return { sequences: n, wrong, edits, tokens, sequenceErrorRate: n ? wrong / n : NaN, tokenErrorRate: tokens ? edits / tokens : NaN };
}
