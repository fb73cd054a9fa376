import { SeqVocab } from './vocab.js';
import { tidy } from '@rnn/core';
import { BANNED, decodeStep, disposeState, prepareFused, selectRows, stateTensors, stepState, type Candidates, type StepState } from './decoder.js';
import { MemoryRows, unwind, type Hypothesis, type Node } from './decode.js';
import type { Memory, Net } from './net.js';

interface Live {
  node: Node | null;
  score: number;
}

interface Finished {
  node: Node;
  score: number;
  steps: number;
  ended: boolean;
}

/**
 * Beam search over N sentences at once. Every step is ONE decoder call for all live hypotheses of
 * all unfinished sentences (≤ N × K rows); the rows are then reordered to follow the surviving
 * beams. Per sentence and step (fairseq's scheme):
 *
 * - candidates are every live hypothesis extended by every token but `<pad>`/`<s>`, ranked by
 *   their summed log-probability (ties: lower hypothesis, then lower token id, first);
 * - walking down that ranking, a candidate ending in `</s>` among the first K is finished; the
 *   others become the next live beams until there are K of them;
 * - the sentence stops when K hypotheses have finished (all beams ended), or at `maxLength[n]`
 *   steps, where its live beams are finished as they are (`ended: false`).
 *
 * The result is the finished hypothesis with the best length-normalised score
 * `score / steps^lengthPenalty` (steps counts `</s>`; lengthPenalty 0 compares raw sums, 1 the
 * mean log-probability per token), the first finished on a tie.
 */
export function beamDecode(net: Net, mem: Memory, state0: StepState, maxLength: Int32Array, K: number, lengthPenalty: number, fused = true): Hypothesis[] {
  const N = mem.lengths.length;
  const rows = new MemoryRows(net, mem);
  const kernel = prepareFused(net, fused, rows.mem);
  // per row, the 2K best extensions hold every candidate the sentence's 2K best can be
  const top = Math.min(2 * K, net.sizes.targetVocab.size - BANNED.length);
  const cands: Ranked = { score: new Float64Array(2 * K), beam: new Int32Array(2 * K), token: new Int32Array(2 * K) };
  const live: Live[][] = Array.from({ length: N }, () => [{ node: null, score: 0 }]);
  const finished: Finished[][] = Array.from({ length: N }, () => []);
  let active = Array.from({ length: N }, (_, n) => n);
  let state = state0;
  for (let t = 1; active.length > 0; t++) {
    // One step's intermediates are freed as it ends (tidy), so the next step's results reuse
    // their buffers; only the selected state lives on, and the state it replaces is freed.
    const prev = state;
    state = stepState(tidy(() => stateTensors(step(t))), state);
    if (prev !== state0) disposeState(prev);
  }
  rows.dispose();
  function step(t: number): StepState {
    const owner: number[] = [];
    const tokens: number[] = [];
    for (const n of active) for (const h of live[n]!) (owner.push(n), tokens.push(h.node ? h.node.token : SeqVocab.BOS_ID));
    // Every sentence with as many live beams (always, but for vocabularies under 2K tokens):
    // its beams share one memory row (decodeStep's group); else one gathered memory row each.
    const per = live[active[0]!]!.length;
    const group = active.every((n) => live[n]!.length === per) ? per : 1;
    const own = Int32Array.from(group === 1 ? owner : active);
    const r = kernel?.whole
      ? decodeStep(net, rows.mem, state, Int32Array.from(tokens), group, top, kernel, own)
      : decodeStep(net, rows.get(own), state, Int32Array.from(tokens), group, top, kernel);
    // one copy of the step's attention that its hypotheses share (the tensor's buffer is reused)
    const w = r.weights ? r.weights.data().slice() : null;
    const Ts = w ? w.length / owner.length : 0;
    const parents: number[] = [];
    const stillActive: number[] = [];
    let base = 0;
    for (const n of active) {
      const beams = live[n]!;
      const nc = topCandidates(r.top, base, beams, cands);
      const next: Live[] = [];
      const nextRows: number[] = [];
      for (let rank = 0; rank < nc && next.length < K; rank++) {
        const score = cands.score[rank]!;
        const i = cands.beam[rank]!;
        const v = cands.token[rank]!;
        const row = base + i;
        const node: Node = { token: v, parent: beams[i]!.node, weights: w, off: row * Ts, len: mem.lengths[n]! };
        if (v === SeqVocab.EOS_ID) {
          if (rank < K) finished[n]!.push({ node, score, steps: t, ended: true });
        } else {
          next.push({ node, score });
          nextRows.push(row);
        }
      }
      base += beams.length;
      if (finished[n]!.length >= K || t >= maxLength[n]! || next.length === 0) {
        if (finished[n]!.length < K) for (const h of next) finished[n]!.push({ node: h.node!, score: h.score, steps: t, ended: false });
        continue;
      }
      live[n] = next;
      parents.push(...nextRows);
      stillActive.push(n);
    }
    active = stillActive;
    return active.length ? selectRows(r.state, Int32Array.from(parents), net) : { carry: [], feed: null };
  }
  return finished.map((f) => {
    let best = f[0]!;
    const norm = (h: Finished) => h.score / Math.pow(h.steps, lengthPenalty);
    for (const h of f) if (norm(h) > norm(best)) best = h;
    const { ids, weights } = unwind(best.node);
    if (best.ended) ids.pop();
    return { ids, score: best.score, normalizedScore: norm(best), ended: best.ended, attention: weights };
  });
}

/** A sentence's ranked candidates (reused from sentence to sentence: no tuple per candidate). */
interface Ranked {
  score: Float64Array;
  beam: Int32Array;
  token: Int32Array;
}

/**
 * The best (score, beam, token) extensions of one sentence's beams into `out`, best first (ties:
 * lower beam, then lower token), at most `out`'s length; returns how many. Each beam's row holds its
 * best tokens in that order, so walking them beam by beam and keeping only strictly better scores
 * ahead ranks them as over the whole vocabulary.
 */
function topCandidates(c: Candidates, base: number, beams: readonly Live[], out: Ranked): number {
  const count = out.score.length;
  const { score, beam, token } = out;
  let n = 0;
  for (let i = 0; i < beams.length; i++) {
    const s0 = beams[i]!.score;
    const off = (base + i) * c.k;
    for (let j = 0; j < c.k; j++) {
      const s = s0 + c.logp[off + j]!;
      if (n === count) {
        if (s <= score[count - 1]!) break; // the row's next ones are no better
        n--;
      }
      // strictly better moves up: equal scores keep the earlier (beam, token) first
      let k = n;
      while (k > 0 && score[k - 1]! < s) {
        score[k] = score[k - 1]!;
        beam[k] = beam[k - 1]!;
        token[k] = token[k - 1]!;
        k--;
      }
      score[k] = s;
      beam[k] = i;
      token[k] = c.ids[off + j]!;
      n++;
    }
  }
  return n;
}
