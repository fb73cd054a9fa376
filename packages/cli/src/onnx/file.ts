import { readFileSync } from 'node:fs';
import { ConfigError, parseSafetensors } from '@rnn/core';
import { Sequential, writeFileAtomic } from '@rnn/layers';
import { NotExportableError } from './errors.js';
import { exportOnnx, type OnnxExportOptions } from './export.js';

/**
 * Why the non-sequential model kinds have no ONNX export: each decodes with a data-dependent loop
 * around the network, which ONNX could express only as a `Loop` graph that is not written yet.
 */
const NOT_EXPORTABLE: Record<string, string> = {
  seq2seq:
    'an encoder-decoder model (rnn train --pairs) is not exportable to ONNX: its output comes from a greedy/beam decoding loop with attention ' +
    "that feeds each predicted token back in, which needs an ONNX Loop graph rnn does not write yet; run it with 'rnn predict --pairs' instead",
  tagger:
    'a sequence tagger (rnn train --tagging) is not exportable to ONNX: its output is a CRF Viterbi search over tag paths and its input is ' +
    "words mapped through a vocabulary, which needs an ONNX Loop graph and string handling rnn does not write yet; use 'rnn predict --tagging' instead",
  tree: 'a tree model (rnn train --trees) is not exportable to ONNX: it reduces over parse trees whose shape changes per input, which ONNX RNN operators cannot express',
};

function readModelBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'ENOENT') throw new ConfigError(`--model ${path}: no such file`);
    if (e.code === 'EISDIR') throw new ConfigError(`--model ${path}: is a directory, expected a model file`);
    throw err;
  }
}

/** Which model kind a file holds, from its metadata alone (before any loader is tried). */
function modelKind(bytes: Uint8Array, source: string): string {
  const { metadata } = parseSafetensors(bytes, source);
  if (metadata['rnn.tree'] !== undefined) return 'tree';
  const raw = metadata['rnn.config'];
  if (raw === undefined) return 'sequential'; // the loader says what is missing
  try {
    const types = ((JSON.parse(raw) as { layers?: { type?: unknown }[] }).layers ?? []).map((l) => l?.type);
    return types.find((t): t is string => typeof t === 'string' && t in NOT_EXPORTABLE) ?? 'sequential';
  } catch {
    return 'sequential';
  }
}

/** `rnn export --model M --onnx OUT`: the model file as an ONNX file, written atomically. */
export function exportFile(modelPath: string, onnxPath: string, options: OnnxExportOptions = {}): { bytes: number; model: Sequential } {
  const bytes = readModelBytes(modelPath);
  const source = `--model ${modelPath}`;
  const kind = modelKind(bytes, source);
  if (kind !== 'sequential') throw new NotExportableError(`${source}: ${NOT_EXPORTABLE[kind]}`);
  const model = Sequential.fromBytes(bytes, source);
  let onnx: Uint8Array;
  try {
    onnx = exportOnnx(model, options);
  } catch (err) {
    if (err instanceof NotExportableError) throw new NotExportableError(`${source}: ${err.message}`);
    throw err;
  }
  writeFileAtomic(onnxPath, onnx);
  return { bytes: onnx.byteLength, model };
}
