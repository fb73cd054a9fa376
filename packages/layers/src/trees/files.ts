import { z } from 'zod';
import { FormatError, parseOptions, parseSafetensors, schemas, type Backend, type FloatDType, type JsonValue } from '@rnn/core';
import { files } from '../platform/files.js';
import { TREE_MODEL_KEY, TREE_MODEL_VERSION, TreeNet, type TreeNetConfig } from './model.js';
import { Vocab } from './vocab.js';

export { TREE_MODEL_KEY, TREE_MODEL_VERSION } from './model.js';

/** The file's bytes (see `TreeNet.toBytes`). */
export function serializeTreeNet(net: TreeNet, extra: Record<string, string> = {}): Uint8Array {
  return net.toBytes(extra);
}

/** Write `net` to `path` atomically (a crash leaves the old file or the new one, whole). */
export function saveTreeNet(net: TreeNet, path: string, extra: Record<string, string> = {}): void {
  net.save(path, extra);
}

const loadOptions = z.strictObject({ backend: schemas.backendSchema().optional(), dtype: schemas.floatDtypeSchema().optional() });

export function parseTreeNet(bytes: Uint8Array, source = '<buffer>', options: { backend?: Backend; dtype?: FloatDType } = {}): TreeNet {
  const o = parseOptions(loadOptions, options, 'parseTreeNet');
  const { metadata, tensors } = parseSafetensors(bytes, source);
  const raw = metadata[TREE_MODEL_KEY];
  if (raw === undefined) {
    const hint = metadata['rnn.config'] !== undefined ? ' (it is a sequence model file: load it with Sequential.load)' : '';
    throw new FormatError(`${source}: metadata key "${TREE_MODEL_KEY}" is missing; not a tree model${hint}`);
  }
  let meta: { version?: unknown; config?: Partial<TreeNetConfig>; vocab?: unknown };
  try {
    meta = JSON.parse(raw);
  } catch (err) {
    throw new FormatError(`${source}: metadata "${TREE_MODEL_KEY}" is not valid JSON: ${(err as Error).message}`);
  }
  if (meta?.version !== TREE_MODEL_VERSION) {
    throw new FormatError(`${source}: "${TREE_MODEL_KEY}" version is ${JSON.stringify(meta?.version)}; expected ${TREE_MODEL_VERSION}`);
  }
  const c = meta.config ?? {};
  for (const k of ['hiddenSize', 'embeddingDim', 'numClasses'] as const) {
    if (!Number.isInteger(c[k]) || c[k]! < 1) throw new FormatError(`${source}: "${TREE_MODEL_KEY}" config.${k} must be a positive integer, found ${JSON.stringify(c[k])}`);
  }
  if (typeof c.cell !== 'string') throw new FormatError(`${source}: "${TREE_MODEL_KEY}" config.cell must be a cell name, found ${JSON.stringify(c.cell)}`);
  const vocab = Vocab.fromJSON(meta.vocab, `${source}: "${TREE_MODEL_KEY}" vocab`);
  const net = new TreeNet({
    cell: c.cell,
    hiddenSize: c.hiddenSize,
    cellOptions: (c.cellOptions ?? undefined) as Record<string, JsonValue> | undefined,
    embeddingDim: c.embeddingDim!,
    numClasses: c.numClasses,
    dropout: typeof c.dropout === 'number' ? c.dropout : 0,
    vocab,
    ...o,
  });
  const want = new Set(net.params.names);
  for (const name of tensors.keys()) {
    if (!want.has(name)) throw new FormatError(`${source}: unexpected tensor "${name}"; a ${c.cell} tree net has ${net.params.names.join(', ')}`);
  }
  for (const name of net.params.names) {
    const t = tensors.get(name);
    const p = net.params.get(name);
    if (!t) throw new FormatError(`${source}: tensor "${name}" is missing; the ${c.cell} tree net needs it with shape [${p.shape.join(', ')}]`);
    if (t.dtype !== 'F32' && t.dtype !== 'F64') throw new FormatError(`${source}: tensor "${name}" is ${t.dtype}; expected F32 or F64`);
    if (t.shape.length !== p.rank || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new FormatError(`${source}: tensor "${name}" has shape [${t.shape.join(', ')}]; expected [${p.shape.join(', ')}]`);
    }
    net.params.set(name, t.data as Float32Array | Float64Array);
  }
  return net;
}

export function loadTreeNet(path: string, o: { backend?: Backend; dtype?: FloatDType } = {}): TreeNet {
  parseOptions(loadOptions, o, 'loadTreeNet');
  let bytes: Uint8Array;
  try {
    bytes = files('loadTreeNet(path)', 'use parseTreeNet(bytes)').readFile(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new FormatError(`${path}: no such file`);
    throw err;
  }
  return parseTreeNet(bytes, path, o);
}
