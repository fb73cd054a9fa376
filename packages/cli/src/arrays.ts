import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { FormatError, ValueError, fmt, io, parseJsonArray, parseNpy, serializeNpy, toNestedArray } from '@rnn/core';
import { writeFileAtomic } from '@rnn/layers';

/** An array read from a `.json` or `.npy` file, as float64 values plus whether they are all integers. */
export interface HostArray {
  shape: number[];
  data: Float64Array;
  integer: boolean;
  source: string;
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FormatError(
      `${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : (err as Error).message}`,
    );
  }
}

/** Read `--input`/`--x`/`--y`: `.json` nested arrays or `.npy`; NaN and infinity are refused. */
export function readArray(path: string, what: string): HostArray {
  const ext = extname(path).toLowerCase();
  const bytes = readBytes(path, what);
  let shape: number[];
  let data: Float64Array;
  let integerType = false;
  if (ext === '.json') {
    const a = parseJsonArray(bytes.toString('utf8'), `${what} ${path}`);
    shape = a.shape;
    data = a.data;
  } else if (ext === '.npy') {
    const a = parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), `${what} ${path}`);
    shape = a.shape;
    integerType = a.dtype === 'int32' || a.dtype === 'int64';
    const src = a.data instanceof BigInt64Array ? io.int64ToInt32(a.data, `${what} ${path}`) : a.data;
    data = Float64Array.from(src as ArrayLike<number>);
  } else {
    throw new FormatError(`${what} ${path}: unsupported file type '${ext || '(none)'}', expected .json or .npy`);
  }
  let integer = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      throw new ValueError(`${what} ${path}: value ${v} at flat index ${i} (shape ${fmt(shape)}); NaN and infinity are not allowed`);
    }
    if (integer && !Number.isInteger(v)) integer = false;
  }
  return { shape, data, integer: integer || integerType, source: `${what} ${path}` };
}

/** Write an array as `.json` (nested) or `.npy` (float32), atomically. */
export function writeArray(path: string, shape: readonly number[], data: Float32Array | Float64Array | Int32Array): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    const arr = data instanceof Int32Array ? data : data instanceof Float32Array ? data : Float32Array.from(data);
    writeFileAtomic(path, serializeNpy(arr, shape));
  } else if (ext === '.json') {
    writeFileAtomic(path, JSON.stringify(toNestedArray(data, shape)) + '\n');
  } else {
    throw new FormatError(`--output ${path}: unsupported file type '${ext || '(none)'}', expected .json or .npy`);
  }
}

export function toJson(shape: readonly number[], data: Float32Array | Float64Array | Int32Array): string {
  return JSON.stringify(toNestedArray(data, shape));
}
