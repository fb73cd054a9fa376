import { ValueError } from '@rnn/core';
import { SeqVocab } from './vocab.js';

/** One training pair as vocabulary ids, without `<s>`/`</s>` (the model adds them). */
export interface Seq2SeqPair {
  source: readonly number[];
  target: readonly number[];
}

/** Sources padded into one `[B, Ts]` id block, with each row's length. */
export interface PaddedSources {
  B: number;
  Ts: number;
  /** `[B*Ts]` row-major, `<pad>` past each row's length. */
  ids: Int32Array;
  lengths: Int32Array;
}

/** Targets for teacher forcing: `<s> y1 … yn` in, `y1 … yn </s>` out, `[B, Tt]`, Tt = longest n + 1. */
export interface PaddedTargets {
  Tt: number;
  input: Int32Array;
  output: Int32Array;
  /** n + 1 per row: the steps that count in the loss. */
  lengths: Int32Array;
}

function checkIds(ids: readonly number[], V: number, what: string): void {
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]!;
    if (!(Number.isInteger(id) && id >= 0 && id < V)) {
      throw new ValueError(`seq2seq: ${what} has id ${id} at position ${j}, outside the vocabulary 0..${V - 1}`);
    }
  }
}

export function padSources(sources: readonly (readonly number[])[], V: number): PaddedSources {
  const B = sources.length;
  if (B === 0) throw new ValueError('seq2seq: the batch is empty');
  let Ts = 0;
  sources.forEach((s, b) => {
    if (s.length === 0) throw new ValueError(`seq2seq: source ${b} of the batch is empty; every source needs at least one token`);
    checkIds(s, V, `source ${b}`);
    Ts = Math.max(Ts, s.length);
  });
  const ids = new Int32Array(B * Ts).fill(SeqVocab.PAD_ID);
  const lengths = new Int32Array(B);
  sources.forEach((s, b) => {
    ids.set(s, b * Ts);
    lengths[b] = s.length;
  });
  return { B, Ts, ids, lengths };
}

export function padTargets(targets: readonly (readonly number[])[], V: number): PaddedTargets {
  const B = targets.length;
  let Tt = 0;
  targets.forEach((t, b) => {
    checkIds(t, V, `target ${b}`);
    Tt = Math.max(Tt, t.length + 1);
  });
  const input = new Int32Array(B * Tt).fill(SeqVocab.PAD_ID);
  const output = new Int32Array(B * Tt).fill(SeqVocab.PAD_ID);
  const lengths = new Int32Array(B);
  targets.forEach((t, b) => {
    input[b * Tt] = SeqVocab.BOS_ID;
    input.set(t, b * Tt + 1);
    output.set(t, b * Tt);
    output[b * Tt + t.length] = SeqVocab.EOS_ID;
    lengths[b] = t.length + 1;
  });
  return { Tt, input, output, lengths };
}
