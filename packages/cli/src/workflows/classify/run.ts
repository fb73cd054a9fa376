import { ValueError } from '@rnn/core';
import type { Sequential } from '@rnn/layers';
import { loadModel } from '../../model-io.js';
import { readSequences, type Sequences } from './data.js';
import { classLogits, readClassifyMeta, type ClassifyMeta } from './model.js';

/** A classifier and the sequences to run it on; the file must have the channels the model was trained on. */
export async function openClassifier(modelPath: string, sequencesPath: string): Promise<{ model: Sequential; meta: ClassifyMeta; seqs: Sequences }> {
  const model = await loadModel(modelPath);
  const meta = readClassifyMeta(model, `--model ${modelPath}`);
  const seqs = readSequences(sequencesPath);
  if (seqs.channels.join('\u0000') !== meta.channels.join('\u0000')) {
    throw new ValueError(
      `${seqs.source}: its channels are ${seqs.channels.join(', ')}; the model reads ${meta.channels.join(', ')} ` +
        `(an id column, an optional step column, then these channels, as in the file it was trained on)`,
    );
  }
  return { model, meta, seqs };
}

/** Per sequence `idx`: class probabilities (softmax of the logits), `[idx.length][classes]`. */
export function classProbabilities(model: Sequential, meta: ClassifyMeta, seqs: Sequences, idx: readonly number[]): Float64Array[] {
  const K = meta.classes.length;
  const logits = classLogits(model, seqs, idx, meta.scaler);
  return idx.map((_, r) => {
    const row = Float64Array.from(logits.subarray(r * K, r * K + K));
    const m = Math.max(...row);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += row[k] = Math.exp(row[k]! - m);
    for (let k = 0; k < K; k++) row[k]! /= sum;
    return row;
  });
}

/** The index of the largest value (the first on ties, as argmax). */
export function argmaxOf(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}
