import { SeqVocab } from './vocab.js';
import { tidy } from '@rnn/core';
import { decodeStep, disposeState, prepareFused, selectRows, stateTensors, stepState, type StepState } from './decoder.js';
import { MemoryRows, unwind, type Hypothesis, type Node } from './decode.js';
import type { Memory, Net } from './net.js';

/**
 * Greedy decoding of N sentences at once: every step is ONE decoder call for all sentences still
 * going; a sentence leaves the batch when it produces `</s>` or reaches its `maxLength[n]` steps.
 */
export function greedyDecode(net: Net, mem: Memory, state0: StepState, maxLength: Int32Array, lengthPenalty: number, fused = true): Hypothesis[] {
  const N = mem.lengths.length;
  const rows = new MemoryRows(net, mem);
  const kernel = prepareFused(net, fused, rows.mem);
  let owner = Int32Array.from({ length: N }, (_, n) => n);
  let state = state0;
  let tokens = new Int32Array(N).fill(SeqVocab.BOS_ID);
  const node: (Node | null)[] = new Array(N).fill(null);
  const score = new Float64Array(N);
  const out: Hypothesis[] = new Array(N);
  for (let t = 1; owner.length > 0; t++) {
    // as beamDecode: a step's intermediates freed as it ends, the state it replaces after it
    const prev = state;
    state = stepState(tidy(() => stateTensors(step(t))), state);
    if (prev !== state0) disposeState(prev);
  }
  rows.dispose();
  return out;

  function step(t: number): StepState {
    // each row's best token (the first of equal ones), never <pad> or <s>
    const r = kernel?.whole ? decodeStep(net, rows.mem, state, tokens, 1, 1, kernel, owner) : decodeStep(net, rows.get(owner), state, tokens, 1, 1, kernel);
    const w = r.weights ? r.weights.data().slice() : null; // shared by the step's rows
    const Ts = w ? w.length / owner.length : 0;
    const keep: number[] = [];
    const next: number[] = [];
    owner.forEach((n, i) => {
      const best = r.top.ids[i]!;
      score[n] += r.top.logp[i]!;
      node[n] = { token: best, parent: node[n]!, weights: w, off: i * Ts, len: mem.lengths[n]! };
      const ended = best === SeqVocab.EOS_ID;
      if (ended || t >= maxLength[n]!) {
        const { ids, weights } = unwind(node[n]!);
        if (ended) ids.pop();
        out[n] = { ids, score: score[n]!, normalizedScore: score[n]! / Math.pow(t, lengthPenalty), ended, attention: weights };
      } else {
        keep.push(i);
        next.push(best);
      }
    });
    const kept = keep.length === owner.length ? r.state : keep.length ? selectRows(r.state, Int32Array.from(keep), net) : { carry: [], feed: null };
    owner = Int32Array.from(keep, (i) => owner[i]!);
    tokens = Int32Array.from(next);
    return kept;
  }
}
