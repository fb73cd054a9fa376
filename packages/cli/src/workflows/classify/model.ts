import { dense, sequential, type Sequential } from '@rnn/layers';
import { recurrent, type CellName } from '../cells.js';
import type { Scaler } from '@rnn/timeseries';
import { padded, type SequenceSet } from './data.js';

/** The model-file metadata key of a classifier: channels, classes and the input scaler. */
export const CLASSIFY_KEY = 'rnn.classify';

/** recurrent (final state) → dense logits, one per class. */
export function classifierModel(o: { cell: CellName; hidden: number; layers: number; channels: number; classes: number; seed: number }): Sequential {
  const cell = recurrent(o.cell, { hiddenSize: o.hidden, numLayers: o.layers, returnSequences: false });
  return sequential([cell, dense({ name: 'fc', units: o.classes })]).build({ inputSize: o.channels, seed: o.seed });
}

/**
 * Class logits for sequences `idx`, in batches each padded only to its own longest sequence; the
 * padding does not change a sequence's result (it equals the sequence run alone).
 */
export function classLogits(model: Sequential, s: SequenceSet, idx: readonly number[], scaler: Scaler, batchSize = 64): Float32Array {
  const K = model.output.features;
  const out = new Float32Array(idx.length * K);
  for (let i = 0; i < idx.length; i += batchSize) {
    const { x, lengths } = padded(s, idx.slice(i, i + batchSize), scaler);
    out.set(model.predict(x, { lengths }).data() as Float32Array, i * K);
  }
  return out;
}
