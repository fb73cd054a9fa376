import { describe, it } from 'vitest';
import type { BTensor, DType, TypedArray } from '@rnn/core';
import { NativeBackend, loadAddon } from '../src/index.js';

/**
 * The backend under test. When the addon is not built these suites FAIL with the loader's message
 * (what is missing and how to fix it), unless RNN_NATIVE_OPTIONAL=1, which skips them with a note.
 */
export function describeNative(name: string, body: (b: NativeBackend) => void): void {
  let backend: NativeBackend;
  try {
    backend = new NativeBackend(loadAddon());
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (process.env['RNN_NATIVE_OPTIONAL'] === '1') {
      console.warn(`[backend-native] skipping '${name}' (RNN_NATIVE_OPTIONAL=1): ${msg}`);
      describe.skip(name, () => it('needs the native addon', () => {}));
    } else {
      describe(name, () => {
        it('loads the native addon (set RNN_NATIVE_OPTIONAL=1 to skip when it is not built)', () => {
          throw err;
        });
      });
    }
    return;
  }
  describe(name, () => body(backend));
}

export function T(storage: TypedArray, shape: readonly number[], dtype?: DType): BTensor {
  const d: DType = dtype ?? (storage instanceof Float32Array ? 'float32' : storage instanceof Float64Array ? 'float64' : 'int32');
  return { storage, shape, dtype: d };
}

/** Deterministic uniform numbers in [lo, hi). */
export function rand(n: number, seed = 1, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what = 'value'): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (Number.isNaN(b) ? !Number.isNaN(a) : Math.abs(a - b) > tol * (1 + Math.abs(b)) && a !== b) {
      throw new Error(`${what}[${i}] = ${a}, expected ${b} (tolerance ${tol})`);
    }
  }
}

/** Flat index into a right-aligned broadcast operand of shape `s` for output flat index `o`. */
export function bcastIndex(out: readonly number[], s: readonly number[], o: number): number {
  let idx = 0;
  let stride = 1;
  for (let d = out.length - 1, k = s.length - 1; d >= 0; d--, k--) {
    const c = o % out[d]!;
    o = Math.floor(o / out[d]!);
    if (k >= 0) {
      if (s[k] !== 1) idx += c * stride;
      stride *= s[k]!;
    }
  }
  return idx;
}
