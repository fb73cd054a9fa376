import { ConfigError, ShapeError, ValueError, fmt, tensor, type Tensor } from '@rnn/core';
import { Embedding, Sequential } from '@rnn/layers';
import type { HostArray } from './arrays.js';

/** Load a model file; every error names the file. */
export async function loadModel(path: string): Promise<Sequential> {
  try {
    return await Sequential.load(path);
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'ENOENT') throw new ConfigError(`--model ${path}: no such file`);
    if (e.code === 'EISDIR') throw new ConfigError(`--model ${path}: is a directory, expected a model file`);
    throw err;
  }
}

/** The model's input tensor from an array file, checked against what the model reads. */
export function inputTensor(model: Sequential, a: HostArray): Tensor {
  const x = inputArray(model, a);
  return x.data instanceof Int32Array ? tensor(x.data, x.shape, { dtype: 'int32' }) : tensor(x.data, x.shape);
}

/**
 * `inputTensor`'s checks and conversion without making a tensor: token ids as Int32Array, else
 * float32 (what `rnn serve` checks on its HTTP thread before the worker computes).
 */
export function inputArray(model: Sequential, a: HostArray): { data: Float32Array | Int32Array; shape: number[] } {
  const first = model.layers[0]!;
  if (first instanceof Embedding) {
    if (a.shape.length !== 2) {
      throw new ShapeError(`${a.source}: expected token ids [batch, time], found shape ${fmt(a.shape)}`);
    }
    if (!a.integer) throw new ValueError(`${a.source}: expected integer token ids, found non-integer values`);
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i]!;
      if (v < 0 || v >= first.numEmbeddings) {
        throw new ValueError(`${a.source}: token id ${v} at flat index ${i} is outside 0..${first.numEmbeddings - 1} (the embedding's size)`);
      }
    }
    return { data: Int32Array.from(a.data), shape: a.shape };
  }
  const want = model.inputSize;
  const recurrent = model.output && model.layers.some((l) => 'returnSequences' in l);
  if (a.shape.length !== 3 && !(a.shape.length === 2 && !recurrent)) {
    throw new ShapeError(`${a.source}: expected shape [batch, time, ${want}], found ${fmt(a.shape)}`);
  }
  if (a.shape[a.shape.length - 1] !== want) {
    throw new ShapeError(
      `${a.source}: expected ${want} features per step (shape [batch, time, ${want}]), found shape ${fmt(a.shape)}`,
    );
  }
  if (a.shape[0] === 0 || a.shape[1] === 0) throw new ShapeError(`${a.source}: the array is empty (shape ${fmt(a.shape)})`);
  return { data: Float32Array.from(a.data), shape: a.shape };
}

/** Model-file metadata `key` (JSON text) checked by `schema`; a FormatError naming `where` (`--model m.safetensors`) if it is not. */
export { metadataJson } from '@rnn/timeseries';
