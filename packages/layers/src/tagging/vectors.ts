import { FormatError } from '@rnn/core';
import { files } from '../platform/files.js';

/** Pretrained word vectors: `dim` numbers per word. */
export interface WordVectors {
  dim: number;
  vectors: Map<string, Float32Array>;
}

/**
 * Parse a text file of `word v1 v2 … vD` lines (GloVe's format; word2vec's text format too: a
 * first line of exactly two integers, `count dim`, is its header and is checked, not read as a
 * word). Fields are separated by spaces or tabs; blank lines are skipped; every line must have
 * the same D. A word listed twice keeps its first vector (as GloVe readers do). Errors are
 * `FormatError`s naming the file and the line.
 */
export function parseWordVectors(text: string, source = '<vectors>'): WordVectors {
  const vectors = new Map<string, Float32Array>();
  let dim = 0;
  let declared: { count: number; dim: number } | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fields = line.trim().split(/[ \t]+/);
    if (vectors.size === 0 && declared === null && dim === 0 && fields.length === 2 && fields.every((f) => /^\d+$/.test(f))) {
      declared = { count: Number(fields[0]), dim: Number(fields[1]) };
      continue;
    }
    const where = `${source} line ${i + 1}`;
    if (fields.length < 2) throw new FormatError(`${where}: expected 'word v1 v2 …' (a word, then its numbers), found only ${JSON.stringify(fields[0])}`);
    const n = fields.length - 1;
    if (dim === 0) {
      dim = n;
      if (declared && declared.dim !== dim) throw new FormatError(`${where}: has ${dim} numbers but the header line says ${declared.dim}`);
    } else if (n !== dim) {
      throw new FormatError(`${where}: has ${n} numbers but the lines before have ${dim}; every vector must have the same dimension`);
    }
    const v = new Float32Array(dim);
    for (let k = 0; k < dim; k++) {
      const f = fields[k + 1]!;
      const x = Number(f);
      if (!Number.isFinite(x) || f === '') throw new FormatError(`${where}: value ${k + 1} of word ${JSON.stringify(fields[0])} is ${JSON.stringify(f)}; expected a finite number`);
      v[k] = x;
    }
    if (!vectors.has(fields[0]!)) vectors.set(fields[0]!, v);
  }
  if (vectors.size === 0) throw new FormatError(`${source}: no vectors; expected lines of 'word v1 v2 …'`);
  return { dim, vectors };
}

/** Read a vectors file (see `parseWordVectors`). */
export function readWordVectors(path: string): WordVectors {
  let bytes: Uint8Array;
  try {
    bytes = files('readWordVectors(path)', 'use parseWordVectors(text)').readFile(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new FormatError(`${path}: no such file (the word vectors file)`);
    throw err;
  }
  return parseWordVectors(new TextDecoder('utf-8').decode(bytes), path);
}
