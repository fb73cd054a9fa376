import { z } from 'zod';
import type { Backend } from '../backend.js';
import { arrayFor, dtypeOf, type DType, type TypedArray } from '../dtype.js';
import { wrap } from '../engine.js';
import { filled } from './filled.js';
import { ShapeError, ValueError } from '../errors.js';
import { getBackend } from '../registry.js';
import { defaultRng } from '../random.js';
import { checkShape, fmt, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { parseOptions } from '../options/parse.js';
import { backendSchema, dtypeSchema, rngSchema } from '../options/schemas.js';

export type NestedArray = number | readonly NestedArray[];

const createOptions = z.strictObject({ dtype: dtypeSchema().optional(), backend: backendSchema().optional() });
const randomOptions = createOptions.extend({ rng: rngSchema().optional() });

/** Where a tensor lives and what it holds: `{ dtype: 'float64', backend: backendByName('js') }`. */
export type CreateOptions = z.infer<typeof createOptions>;

/**
 * A tensor from nested arrays, a flat array plus `shape`, or a typed array plus `shape`.
 * Ragged nested arrays are refused, naming the first index where the lengths differ.
 */
export function tensor(values: NestedArray | TypedArray, shape?: Shape, options: CreateOptions = {}): Tensor {
  parseOptions(createOptions, options, 'tensor');
  const backend = options.backend ?? getBackend();
  if (ArrayBuffer.isView(values)) {
    const typed = values as TypedArray;
    const dtype = options.dtype ?? dtypeOf(typed);
    const sh = shape ?? [typed.length];
    checkShape('tensor', sh);
    if (sizeOf(sh) !== typed.length) {
      throw new ShapeError(`tensor: shape ${fmt(sh)} needs ${sizeOf(sh)} values, found ${typed.length}`);
    }
    const data = dtypeOf(typed) === dtype ? typed : convert(typed, dtype);
    return wrap(backend, backend.write(data), sh, dtype);
  }
  const inferred = inferShape(values);
  const sh = shape ?? inferred;
  const flat = arrayFor(options.dtype ?? 'float32', sizeOf(inferred));
  flatten(values, flat, { i: 0 });
  if (sizeOf(sh) !== flat.length) {
    throw new ShapeError(`tensor: shape ${fmt(sh)} needs ${sizeOf(sh)} values, found ${flat.length}`);
  }
  return wrap(backend, backend.write(flat), sh, options.dtype ?? 'float32');
}

function convert(src: TypedArray, dtype: DType): TypedArray {
  const out = arrayFor(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  checkRagged(v, shape, 0, []);
  return shape;
}

function checkRagged(v: NestedArray, shape: number[], dim: number, path: number[]): void {
  const at = () => (path.length ? `at index [${path.join('][')}]` : 'at the top level');
  if (dim === shape.length) {
    if (typeof v !== 'number') {
      throw new ShapeError(`tensor: ragged or non-numeric array ${at()}: expected a number, found ${describe(v)}`);
    }
    return;
  }
  if (!Array.isArray(v)) {
    throw new ShapeError(`tensor: ragged array ${at()}: expected an array of length ${shape[dim]}, found ${describe(v)}`);
  }
  if (v.length !== shape[dim]) {
    throw new ShapeError(`tensor: ragged array ${at()}: expected length ${shape[dim]}, found ${v.length}`);
  }
  for (let i = 0; i < v.length; i++) checkRagged(v[i] as NestedArray, shape, dim + 1, [...path, i]);
}

function describe(v: unknown): string {
  return Array.isArray(v) ? `an array of length ${v.length}` : typeof v === 'number' ? 'a number' : JSON.stringify(v);
}

function flatten(v: NestedArray, out: TypedArray, pos: { i: number }): void {
  if (typeof v === 'number') out[pos.i++] = v;
  else for (const x of v) flatten(x, out, pos);
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  parseOptions(createOptions, options, 'full');
  const backend = options.backend ?? getBackend();
  const dtype = options.dtype ?? 'float32';
  return wrap(backend, backend.fill(sizeOf(shape), dtype, value), shape, dtype);
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor): Tensor {
  return filled(t.shape, 0, t.dtype, t.backend); // a tensor's dtype and backend: nothing to check
}

export function onesLike(t: Tensor): Tensor {
  return filled(t.shape, 1, t.dtype, t.backend);
}

export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return full([], value, options);
}

export type RandomOptions = z.infer<typeof randomOptions>;

/** Uniform in [lo, hi), drawn on the host from a seeded generator (same numbers on every backend). */
export function randUniform(shape: Shape, lo: number, hi: number, options: RandomOptions = {}): Tensor {
  parseOptions(randomOptions, options, 'randUniform');
  const rng = options.rng ?? defaultRng();
  const data = arrayFor(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(lo, hi);
  return tensor(data, shape, { dtype: options.dtype, backend: options.backend });
}

/** Normal with the given mean and standard deviation. */
export function randNormal(shape: Shape, mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  parseOptions(randomOptions, options, 'randNormal');
  const rng = options.rng ?? defaultRng();
  const data = arrayFor(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return tensor(data, shape, { dtype: options.dtype, backend: options.backend });
}

/** Copy a tensor onto another backend (or dtype). */
export function toBackend(t: Tensor, backend: Backend, dtype: DType = t.dtype): Tensor {
  const data = t.data();
  return tensor(dtype === t.dtype ? data : convert(data, dtype), t.shape, { backend, dtype });
}

/** Throw a ValueError naming `what` if any value is NaN or infinite. */
export function assertFinite(t: Tensor, what: string): void {
  const d = t.data();
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new ValueError(`${what}: found ${d[i]} at flat index ${i} of ${t.describe()}; every value must be finite`);
    }
  }
}
