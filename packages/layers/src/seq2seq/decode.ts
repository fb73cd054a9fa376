import { gather, keep, type Tensor } from '@rnn/core';
import { foldMemory } from './attend.js';
import { type Memory, type Net, idTensor } from './net.js';

/** One decoded sequence. */
export interface Hypothesis {
  /** Target ids, without `<s>` and `</s>`. */
  ids: number[];
  /** Sum of the log-probabilities of every token produced, `</s>` included when it was reached. */
  score: number;
  /** `score / steps^lengthPenalty` (beam search's ranking; equals score / steps^1 for greedy). */
  normalizedScore: number;
  /** Whether it ended with `</s>` (false: cut at the maximum length). */
  ended: boolean;
  /** Per produced step (`</s>` included), the attention over the source tokens; null without attention. */
  attention: number[][] | null;
}

/** Memory rows for decoder rows: row r attends to sentence `owner[r]`'s encoding (folded once: see `foldMemory`). */
export class MemoryRows {
  private last: Int32Array | null = null;
  private cached: Memory | null = null;
  /** The whole folded memory (a fused decode step reads it through each sentence's row index). */
  readonly mem: Memory;

  constructor(
    private readonly net: Net,
    mem: Memory,
  ) {
    this.mem = foldMemory(net, mem);
  }

  /** Gathers again only when the owners changed (a sentence finished), not at every step. */
  get(owner: Int32Array): Memory {
    if (this.cached && this.last && this.last.length === owner.length && this.last.every((v, i) => v === owner[i])) return this.cached;
    const idx = idTensor(this.net, owner, [owner.length]);
    // kept out of the caller's per-step tidy: the next steps read them too (freed when replaced)
    const pick = (t: Tensor) => keep(gather(t, idx));
    const values = pick(this.mem.values);
    this.dispose();
    this.cached = {
      values,
      keys: this.mem.keys === this.mem.values ? values : pick(this.mem.keys),
      lengths: Int32Array.from(owner, (n) => this.mem.lengths[n]!),
      folded: this.mem.folded,
    };
    this.last = Int32Array.from(owner);
    return this.cached;
  }

  /** Free the gathered rows (a decode loop's end, or before gathering others). */
  dispose(): void {
    if (!this.cached) return;
    this.cached.values.dispose();
    this.cached.keys.dispose();
    this.cached = null;
    this.last = null;
  }
}

/** A step of one hypothesis, linked to its parent (beams share their prefixes). */
export interface Node {
  token: number;
  parent: Node | null;
  /** Attention over the source's own steps (its length), or null. */
  weights: ArrayLike<number> | null;
  /** `weights[off, off + len)` is this step's attention (the step's rows share one copy), when len is set. */
  off?: number;
  len?: number;
}

export function unwind(node: Node | null): { ids: number[]; weights: number[][] | null } {
  const ids: number[] = [];
  const weights: number[][] = [];
  let hasWeights = false;
  for (let n = node; n; n = n.parent) {
    ids.push(n.token);
    if (n.weights) {
      hasWeights = true;
      const w = n.weights;
      if (n.len === undefined) weights.push(Array.from(w));
      else {
        const row = new Array<number>(n.len);
        for (let j = 0; j < n.len; j++) row[j] = w[n.off! + j]!;
        weights.push(row);
      }
    }
  }
  return { ids: ids.reverse(), weights: hasWeights ? weights.reverse() : null };
}
