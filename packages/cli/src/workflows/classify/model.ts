import { FormatError } from '@rnn/core';
import { dense, sequential, type Sequential } from '@rnn/layers';
import type { Scaler } from '@rnn/timeseries';
import { z } from 'zod';
import { metadataJson } from '../../model-io.js';
import { recurrent, type CellName } from '../cells.js';
import { TASK_KEY } from '../text/corpus.js';
import { padded, type SequenceSet } from './data.js';

/** The model-file metadata key of a classifier: channels, classes and the input scaler. */
export const CLASSIFY_KEY = 'rnn.classify';

const classifyMetaSchema = z.strictObject({
  version: z.literal(1),
  /** The channel columns, in the order the network reads them. */
  channels: z.array(z.string()).min(1),
  /** Label strings; class k is the k-th logit. */
  classes: z.array(z.string()).min(2),
  scaler: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  /** Ids of the sequences training held out (`rnn evaluate --sequences --held-out` scores them). */
  heldOut: z.array(z.string()).optional(),
});
export type ClassifyMeta = z.infer<typeof classifyMetaSchema>;

/** The classifier metadata of a model file; one clear line when the file holds another kind of model. */
export function readClassifyMeta(model: Sequential, where: string): ClassifyMeta {
  const text = model.metadata[CLASSIFY_KEY];
  if (text === undefined) {
    const task = model.metadata[TASK_KEY] ?? (model.metadata['rnn.timeseries'] ? 'timeseries' : undefined);
    throw new FormatError(
      `${where}: not a sequence classifier (its metadata has no "${CLASSIFY_KEY}"${task ? `; it is a ${task} model` : ''}); train one with rnn train --sequences FILE --labels FILE`,
    );
  }
  const meta = metadataJson(text, CLASSIFY_KEY, classifyMetaSchema, where);
  if (meta.scaler.mean.length !== meta.channels.length || meta.scaler.std.length !== meta.channels.length) {
    throw new FormatError(`${where}: metadata "${CLASSIFY_KEY}" has a scaler for ${meta.scaler.mean.length} channels but ${meta.channels.length} channels`);
  }
  return meta;
}

/** recurrent (final state) → dense logits, one per class. */
export function classifierModel(o: { cell: CellName; hidden: number; layers: number; channels: number; classes: number; seed: number }): Sequential {
  const cell = recurrent(o.cell, { hiddenSize: o.hidden, numLayers: o.layers, returnSequences: false });
  return sequential([cell, dense({ name: 'fc', units: o.classes })]).build({ inputSize: o.channels, seed: o.seed });
}

/**
 * Class logits for sequences `idx`, in batches each padded only to its own longest sequence; the
 * padding does not change a sequence's result (it equals the sequence run alone).
 */
export function classLogits(model: Sequential, s: Pick<SequenceSet, 'channels' | 'data' | 'lengths'>, idx: readonly number[], scaler: Scaler, batchSize = 64): Float32Array {
  const K = model.output.features;
  const out = new Float32Array(idx.length * K);
  for (let i = 0; i < idx.length; i += batchSize) {
    const { x, lengths } = padded(s, idx.slice(i, i + batchSize), scaler);
    out.set(model.predict(x, { lengths }).data() as Float32Array, i * K);
  }
  return out;
}
