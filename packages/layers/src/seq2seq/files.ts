import { z } from 'zod';
import { ConfigError, FormatError, parseOptions, parseSafetensors, schemas } from '@rnn/core';
import { files } from '../platform/files.js';
import { seq2seqConfigSchema } from './config.js';
import { SEQ2SEQ_FORMAT, Seq2Seq } from './model.js';
import { SeqVocab } from './vocab.js';

const loadOptions = z.strictObject({ backend: schemas.backendSchema().optional(), dtype: schemas.floatDtypeSchema().optional() });
type LoadOptions = z.infer<typeof loadOptions>;

/** The metadata a seq2seq file carries besides `rnn.format` and `rnn.config` (a workflow's own keys). */
export function seq2seqMetadata(bytes: Uint8Array, source = '<buffer>'): Record<string, string> {
  return { ...parseSafetensors(bytes, source).metadata };
}

/**
 * A `Seq2Seq` (fresh weights) from a parsed `rnn.config` (one `seq2seq` layer), checked by its
 * strict schema; `source` names where it came from in the errors (FormatError).
 */
export function seq2seqFromConfig(json: unknown, source = 'config', options: LoadOptions = {}): Seq2Seq {
  const o = parseOptions(loadOptions, options, 'seq2seqFromConfig');
  const first = (json as { layers?: { type?: unknown }[] } | null)?.layers?.[0]?.type;
  if (typeof first === 'string' && first !== 'seq2seq') {
    throw new FormatError(`${source}: its first layer is of type "${first}", not "seq2seq": it is a sequence model file (load it with Sequential.load)`);
  }
  let config;
  try {
    config = parseOptions(seq2seqConfigSchema, json, `${source}: "rnn.config"`);
  } catch (err) {
    if (err instanceof ConfigError) throw new FormatError(err.message);
    throw err;
  }
  const c = config.layers[0];
  const sourceVocab = SeqVocab.fromJSON(c.sourceVocab, `${source}: "rnn.config" layers[0].sourceVocab`);
  const targetVocab = SeqVocab.fromJSON(c.targetVocab, `${source}: "rnn.config" layers[0].targetVocab`);
  try {
    return new Seq2Seq({
      sourceVocab,
      targetVocab,
      sourceEmbeddingDim: c.sourceEmbeddingDim,
      targetEmbeddingDim: c.targetEmbeddingDim,
      encoder: c.encoder,
      decoder: c.decoder,
      attention: c.attention,
      inputFeeding: c.inputFeeding,
      dropout: c.dropout,
      scheduledSampling: c.scheduledSampling,
      labelSmoothing: c.labelSmoothing,
      ...o,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new FormatError(`${source}: "rnn.config": ${err.message}`);
    throw err;
  }
}

/**
 * A `Seq2Seq` from a model file's bytes. Everything is checked before the model is built: the
 * format version, the config (a strict schema: one `seq2seq` layer), both vocabularies, every
 * tensor's name, dtype (F32/F64) and shape; nothing is half-loaded.
 */
export function parseSeq2Seq(bytes: Uint8Array, source = '<buffer>', options: LoadOptions = {}): Seq2Seq {
  const o = parseOptions(loadOptions, options, 'parseSeq2Seq');
  const { metadata, tensors } = parseSafetensors(bytes, source);
  const format = metadata['rnn.format'];
  if (format === undefined) {
    const hint = metadata['rnn.tree'] !== undefined ? ' (it is a tree model: load it with loadTreeNet)' : '';
    throw new FormatError(`${source}: metadata key "rnn.format" is missing; not an rnn model file${hint}`);
  }
  if (format !== SEQ2SEQ_FORMAT) throw new FormatError(`${source}: "rnn.format" is ${JSON.stringify(format)}; expected "${SEQ2SEQ_FORMAT}"`);
  const raw = metadata['rnn.config'];
  if (raw === undefined) throw new FormatError(`${source}: metadata key "rnn.config" is missing`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new FormatError(`${source}: metadata "rnn.config" is not valid JSON: ${(err as Error).message}`);
  }
  const model = seq2seqFromConfig(json, source, o);
  const want = new Set(model.params.names);
  for (const name of tensors.keys()) {
    if (!want.has(name)) throw new FormatError(`${source}: unexpected tensor "${name}"; this seq2seq config has ${model.params.names.join(', ')}`);
  }
  const values = new Map<string, Float32Array | Float64Array>();
  for (const name of model.params.names) {
    const t = tensors.get(name);
    const p = model.params.get(name);
    if (!t) throw new FormatError(`${source}: tensor "${name}" is missing; this seq2seq config needs it with shape [${p.shape.join(', ')}]`);
    if (t.dtype !== 'F32' && t.dtype !== 'F64') throw new FormatError(`${source}: tensor "${name}" is ${t.dtype}; expected F32 or F64`);
    if (t.shape.length !== p.rank || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new FormatError(`${source}: tensor "${name}" has shape [${t.shape.join(', ')}]; expected [${p.shape.join(', ')}]`);
    }
    values.set(name, t.data as Float32Array | Float64Array);
  }
  for (const [name, data] of values) model.params.set(name, data);
  return model;
}

/** Read a seq2seq model file (see `parseSeq2Seq`). */
export function loadSeq2Seq(path: string, options: LoadOptions = {}): Seq2Seq {
  parseOptions(loadOptions, options, 'loadSeq2Seq');
  let bytes: Uint8Array;
  try {
    bytes = files('loadSeq2Seq(path)', 'use parseSeq2Seq(bytes)').readFile(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new FormatError(`${path}: no such file`);
    throw err;
  }
  return parseSeq2Seq(bytes, path, options);
}
