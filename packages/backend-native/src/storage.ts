import { DTypeError, ShapeError, type BTensor } from '@rnn/core';
import type { Arr } from './kernel-addon.js';

/** Storage helpers: this backend's storage is a typed array of the tensor's dtype. */

export const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The typed array behind a tensor, checked against its declared dtype. */
export function arr(t: BTensor, what: string): Arr {
  const s = t.storage;
  const ok =
    t.dtype === 'float32' ? s instanceof Float32Array : t.dtype === 'float64' ? s instanceof Float64Array : s instanceof Int32Array;
  if (!ok) {
    const found =
      s instanceof Float32Array ? 'Float32Array' : s instanceof Float64Array ? 'Float64Array' : s instanceof Int32Array ? 'Int32Array' : typeof s;
    throw new DTypeError(
      `native backend: ${what} is declared ${t.dtype} but its storage is a ${found}; ` +
        'storage must come from this backend (typed arrays of the tensor dtype)',
    );
  }
  return s as Arr;
}

export function rank(t: BTensor, r: number, what: string, op: string): readonly number[] {
  if (t.shape.length !== r) throw new ShapeError(`${op}: ${what} must have rank ${r}, got shape ${fmt(t.shape)}`);
  return t.shape;
}
