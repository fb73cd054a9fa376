/**
 * The model file of `contracts/model-file.md`: one safetensors file whose metadata holds
 * `rnn.format: "1"` and `rnn.config` (the config as JSON), and whose tensors are exactly those the
 * config implies, with PyTorch's names and shapes. Reading is all-or-nothing: every check passes
 * before anything is returned.
 */
import { ConfigError, FormatError, ValueError } from '../errors.js';
import { formatShape } from './bytes.js';
import {
  countLayerTensors,
  expectedTensors,
  parseModelConfig,
  type ModelConfig,
  type ModelConfigInput,
} from './model-config.js';
import { checkTensorForWrite, parseSafetensors, serializeSafetensors, type RawTensor } from './safetensors.js';
import { parseStrictJson } from './strict-json.js';

export const MODEL_FORMAT_VERSION = '1';
export const MODEL_FORMAT_KEY = 'rnn.format';
export const MODEL_CONFIG_KEY = 'rnn.config';

/** A model tensor: the contract allows F32 and F64 only. */
export type ModelTensor = Extract<RawTensor, { dtype: 'F32' | 'F64' }>;

export interface ModelFile {
  /** Validated, with every default filled in. */
  config: ModelConfig;
  /** Exactly the tensors `expectedTensors(config)` lists, in that order. */
  tensors: Map<string, ModelTensor>;
  /** The whole `__metadata__` map, `rnn.format` and `rnn.config` included; other keys pass through. */
  metadata: Record<string, string>;
}

export interface WriteModelFileOptions {
  /** dtype of every tensor in the file; F64 input is rounded to F32 by default. */
  dtype?: 'F32' | 'F64';
}

const MAX_PROBLEMS = 5;
/** Beyond this many missing tensors a file is refused by count alone, without listing names. */
const MAX_MISSING_LISTED = 1000;

/**
 * Reads a model file held in memory and checks it against the contract.
 *
 * @param source names the file in error messages.
 * @throws FormatError when the bytes are not valid safetensors, `rnn.format` is missing or not
 *   "1", `rnn.config` is missing or not JSON, or a tensor is missing, extra (its name does not
 *   match the config), of the wrong shape, or not F32/F64 — naming the file, key or tensor, and
 *   expected vs found (up to five problems in one message).
 * @throws ConfigError when `rnn.config` is JSON but not a valid config.
 */
export function readModelFile(bytes: Uint8Array, source = '<buffer>'): ModelFile {
  const { metadata, tensors } = parseSafetensors(bytes, source);
  const format = metadata[MODEL_FORMAT_KEY];
  if (format === undefined) {
    throw new FormatError(
      `${source}: metadata key "${MODEL_FORMAT_KEY}" is missing; expected "${MODEL_FORMAT_VERSION}" ` +
        `(a safetensors file, but not an rnn model file: it needs "${MODEL_FORMAT_KEY}" and "${MODEL_CONFIG_KEY}" in its metadata)`,
    );
  }
  if (format !== MODEL_FORMAT_VERSION) {
    throw new FormatError(
      `${source}: metadata "${MODEL_FORMAT_KEY}" is ${JSON.stringify(format)}; expected "${MODEL_FORMAT_VERSION}" ` +
        `(this version of rnn reads model-file format ${MODEL_FORMAT_VERSION} only)`,
    );
  }
  const configText = metadata[MODEL_CONFIG_KEY];
  if (configText === undefined) {
    throw new FormatError(`${source}: metadata key "${MODEL_CONFIG_KEY}" is missing; expected the model config as a JSON string`);
  }
  const where = `${source}: metadata "${MODEL_CONFIG_KEY}"`;
  const config = parseModelConfig(parseStrictJson(configText, where, 'the model config'), where);
  return { config, tensors: checkModelTensors(config, tensors, source), metadata };
}

/**
 * Checks `tensors` against what `config` implies and returns them in `expectedTensors` order.
 * Extra tensors are refused (a file holding them is not the model its config describes).
 *
 * @param where prefixes the error message (a file name, or `cannot write model file`).
 * @throws FormatError listing missing, extra, mis-shaped or non-F32/F64 tensors.
 */
export function checkModelTensors(
  config: ModelConfig,
  tensors: ReadonlyMap<string, RawTensor>,
  where: string,
): Map<string, ModelTensor> {
  const count = config.layers.reduce((n, l) => n + countLayerTensors(l), 0);
  if (count > tensors.size + MAX_MISSING_LISTED) {
    // Listing them would take time and memory unbounded by the file's size (numLayers: 2**40).
    const big = config.layers.reduce((a, b) => (countLayerTensors(b) > countLayerTensors(a) ? b : a));
    throw new FormatError(
      `${where}: the config implies ${count} tensors but there are only ${tensors.size} ` +
        `(layer "${big.name}" (${big.type}) alone needs ${countLayerTensors(big)}); ` +
        `the config does not describe these weights: check numLayers and bidirectional`,
    );
  }
  const problems: string[] = [];
  const out = new Map<string, ModelTensor>();
  const expected = expectedTensors(config);
  const layerOf = new Map(config.layers.map((l) => [l.name, l]));
  for (const e of expected) {
    const t = tensors.get(e.name);
    const layer = layerOf.get(e.layer)!;
    const from = `layer "${layer.name}" (${layer.type})`;
    if (t === undefined) {
      problems.push(`tensor "${e.name}" is missing; ${from} needs it with shape ${formatShape(e.shape)}`);
    } else if (t.dtype !== 'F32' && t.dtype !== 'F64') {
      problems.push(`tensor "${e.name}" has dtype ${String(t.dtype)}; expected F32 or F64 (model weights are floats)`);
    } else if (!sameShape(t.shape, e.shape)) {
      problems.push(
        `tensor "${e.name}" has shape ${formatShape(t.shape)}; ${from} expects ${formatShape(e.shape)}`,
      );
    } else {
      out.set(e.name, t);
    }
  }
  const names = new Set(expected.map((e) => e.name));
  // a custom layer's tensors are its cell's, checked when the cell is built (see customLayerSchema)
  const custom = config.layers.filter((l) => l.type === 'custom').map((l) => `${l.name}.`);
  for (const [name, t] of tensors) {
    if (!names.has(name) && custom.some((p) => name.startsWith(p))) {
      if (t.dtype !== 'F32' && t.dtype !== 'F64') {
        problems.push(`tensor "${name}" has dtype ${String(t.dtype)}; expected F32 or F64 (model weights are floats)`);
      } else out.set(name, t);
      continue;
    }
    if (!names.has(name)) {
      problems.push(
        `tensor "${name}" does not match the config (no layer has a tensor of that name; ` +
          `layers: ${config.layers.map((l) => `"${l.name}"`).join(', ')})`,
      );
    }
  }
  if (problems.length > 0) {
    const more = problems.length - MAX_PROBLEMS;
    throw new FormatError(
      `${where}: ${problems.slice(0, MAX_PROBLEMS).join('; ')}${more > 0 ? `; and ${more} more problem(s)` : ''}`,
    );
  }
  return out;
}

/**
 * Writes a model file: validates `config` (filling defaults) and checks `tensors` exactly as
 * `readModelFile` would, then serializes with `rnn.format`, `rnn.config` (the validated config)
 * and any `extraMetadata` (e.g. `rnn.scaler`, `rnn.vocab`). Tensors are written as F32 unless
 * `options.dtype` is `'F64'`.
 *
 * @throws ConfigError for an invalid config or `extraMetadata` that sets `rnn.format`/`rnn.config`;
 *   FormatError for tensors that do not match the config; DTypeError/ShapeError for a tensor whose
 *   data does not match its own dtype/shape; ValueError when a finite F64 value overflows F32.
 */
export function writeModelFile(
  config: ModelConfigInput | ModelConfig,
  tensors: ReadonlyMap<string, RawTensor> | Record<string, RawTensor>,
  extraMetadata: Record<string, string> = {},
  options: WriteModelFileOptions = {},
): Uint8Array {
  const where = 'cannot write model file';
  const valid = parseModelConfig(config, `${where}: config`);
  for (const key of [MODEL_FORMAT_KEY, MODEL_CONFIG_KEY]) {
    if (Object.prototype.hasOwnProperty.call(extraMetadata, key)) {
      throw new ConfigError(`${where}: extraMetadata sets "${key}", which writeModelFile writes itself; remove it`);
    }
  }
  const input = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  for (const [name, t] of input) checkTensorForWrite(name, t);
  const checked = checkModelTensors(valid, input, where);
  const dtype = options.dtype ?? 'F32';
  const out = new Map<string, RawTensor>();
  for (const [name, t] of checked) out.set(name, convert(name, t, dtype));
  return serializeSafetensors(out, {
    ...extraMetadata,
    [MODEL_FORMAT_KEY]: MODEL_FORMAT_VERSION,
    [MODEL_CONFIG_KEY]: JSON.stringify(valid),
  });
}

function convert(name: string, t: ModelTensor, dtype: 'F32' | 'F64'): RawTensor {
  if (t.dtype === dtype) return t;
  if (dtype === 'F64') return { dtype, shape: t.shape, data: Float64Array.from(t.data) };
  const data = Float32Array.from(t.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!) && Number.isFinite(t.data[i]!)) {
      throw new ValueError(
        `cannot write model file: tensor "${name}" element ${i} is ${t.data[i]}, too large for F32; ` +
          `write with { dtype: 'F64' } or rescale the weights`,
      );
    }
  }
  return { dtype, shape: t.shape, data };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
