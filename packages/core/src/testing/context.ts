import { assert } from 'vitest';
import type { Backend } from '../backend.js';
import type { DType, FloatDType, TypedArray } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import type { Host } from './reference.js';

/** What every part of the suite is handed. */
export interface SuiteContext {
  readonly name: string;
  readonly backend: Backend;
  /** A second backend to compare against (parity tests), when one was given. */
  readonly reference: Backend | null;
  /** float32 always; float64 as well when the backend lists it. */
  readonly floatDTypes: readonly FloatDType[];
  /** The dtype finite-difference checks run in: float64 when the backend has it. */
  readonly gradDType: FloatDType;
}

export function makeContext(name: string, backend: Backend, reference: Backend | null): SuiteContext {
  const has64 = backend.dtypes.includes('float64');
  return {
    name,
    backend,
    reference,
    floatDTypes: has64 ? ['float32', 'float64'] : ['float32'],
    gradDType: has64 ? 'float64' : 'float32',
  };
}

/** `|got - want| <= atol + rtol * |want|`, NaN matches NaN and infinities must match exactly. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Elementwise results against float64 math rounded to the dtype (a few ulps of slack). */
export const VALUE_TOL: Record<DType, Tolerance> = {
  float32: { atol: 1e-6, rtol: 1e-5 },
  float64: { atol: 1e-12, rtol: 1e-10 },
  int32: { atol: 0, rtol: 0 },
};

/** Fused kernels vs the composed ops they replace, and cross-backend parity, in float32. */
export const FUSED_TOL: Tolerance = { atol: 1e-5, rtol: 1e-4 };

/** Round a float64 value to what `dtype` can hold (int32: truncation toward zero, as `cast`). */
export function roundTo(dtype: DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return Math.trunc(v) | 0;
  return v;
}

/** Uniform values in [lo, hi) that float32 holds exactly, so every dtype sees the same inputs. */
export function randomValues(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(rng.uniform(lo, hi));
  return out;
}

/**
 * `n` values on the grid `k * gap + offset` (k integer), shuffled: inputs for max/min/abs/relu
 * gradients, which must stay away from ties and kinks that a finite-difference step could cross.
 * Two grids with offsets half a gap apart never come closer than `gap / 2`.
 */
export function spreadValues(rng: Rng, n: number, gap = 0.25, offset = 0.1): Float64Array {
  const perm = rng.permutation(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround((perm[i]! - Math.floor(n / 2)) * gap + offset);
  return out;
}

export function rng(seed: number): Rng {
  return new Rng(seed);
}

/** A tensor on the backend under test, from float64 host values. */
export function make(ctx: SuiteContext | Backend, data: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const backend = 'backend' in ctx ? ctx.backend : ctx;
  const arr: TypedArray =
    dtype === 'float32' ? Float32Array.from(data) : dtype === 'float64' ? Float64Array.from(data) : Int32Array.from(data);
  return tensor(arr, shape, { backend, dtype });
}

export function fromHost(ctx: SuiteContext | Backend, h: Host, dtype: DType): Tensor {
  return make(ctx, h.data, h.shape, dtype);
}

export function toHost(t: Tensor): Host {
  return { data: Float64Array.from(t.data()), shape: [...t.shape] };
}

function fmtNum(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(9) : String(v);
}

/** Assert two flat arrays agree within `tol`, reporting the worst element and how many differ. */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
  what: string,
  scale?: ArrayLike<number>,
): void {
  if (got.length !== want.length) {
    assert.fail(`${what}: expected ${want.length} values, found ${got.length}`);
  }
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    let excess: number;
    if (Number.isNaN(w) || Number.isNaN(g)) excess = Number.isNaN(w) && Number.isNaN(g) ? -1 : Infinity;
    else if (!Number.isFinite(w) || !Number.isFinite(g)) excess = g === w ? -1 : Infinity;
    else excess = Math.abs(g - w) - (tol.atol + tol.rtol * (scale ? scale[i]! : Math.abs(w)));
    if (excess > 0) {
      bad++;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (bad > 0) {
    const g = got[worst]!;
    const w = want[worst]!;
    assert.fail(
      `${what}: ${bad} of ${want.length} values differ (atol ${tol.atol}, rtol ${tol.rtol}); ` +
        `worst at flat index ${worst}: got ${fmtNum(g)}, expected ${fmtNum(w)} (|diff| ${fmtNum(Math.abs(g - w))})`,
    );
  }
}

/**
 * Assert a tensor's shape, dtype and values against a float64 expectation, which is first rounded
 * to the tensor's dtype (so float32 overflow to Infinity is expected, not an error).
 */
export function expectTensor(t: Tensor, want: Host, dtype: DType, tol: Tolerance, what: string): void {
  assert.deepEqual([...t.shape], want.shape, `${what}: shape`);
  assert.equal(t.dtype, dtype, `${what}: dtype`);
  const rounded = want.data.map((v) => roundTo(dtype, v));
  expectClose(t.data(), rounded, tol, what);
}
