import { ValueError } from '../errors.js';

/** Element kinds the file readers decode, named by what they hold rather than by any one format. */
export type ElementKind = 'f32' | 'f64' | 'i32' | 'i64';

/** The typed array each element kind decodes to. 64-bit integers stay exact as `BigInt64Array`. */
export interface ElementArrays {
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  i64: BigInt64Array;
}

export type AnyElementArray = ElementArrays[ElementKind];

export const ITEM_SIZE: Record<ElementKind, number> = { f32: 4, f64: 8, i32: 4, i64: 8 };

/** True on every platform Node ships for today; checked so big-endian hosts still read correctly. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `src` (exactly `count * ITEM_SIZE[kind]` bytes) into a fresh typed array that owns its
 * memory. Copying first means an odd byte offset in the file (legal in safetensors and npy) can
 * never make a typed-array view throw a RangeError, and the result never aliases the caller's
 * buffer.
 */
export function decodeElements<K extends ElementKind>(
  kind: K,
  src: Uint8Array,
  littleEndian: boolean,
): ElementArrays[K] {
  const size = ITEM_SIZE[kind];
  const count = src.byteLength / size;
  const copy = new Uint8Array(src); // a copy, aligned at offset 0 of a new buffer
  if (littleEndian !== HOST_LITTLE_ENDIAN) {
    // the other byte order: reverse the bytes of each element in place
    for (let i = 0; i < copy.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = copy[a]!;
        copy[a] = copy[b]!;
        copy[b] = t;
      }
    }
  }
  return viewAs(kind, copy.buffer, count);
}

function viewAs<K extends ElementKind>(kind: K, buffer: ArrayBuffer, count: number): ElementArrays[K] {
  switch (kind) {
    case 'f32':
      return new Float32Array(buffer, 0, count) as ElementArrays[K];
    case 'f64':
      return new Float64Array(buffer, 0, count) as ElementArrays[K];
    case 'i32':
      return new Int32Array(buffer, 0, count) as ElementArrays[K];
    default:
      return new BigInt64Array(buffer, 0, count) as ElementArrays[K];
  }
}

/** Writes `data` little-endian into `out` at byte `offset`. */
export function encodeElementsLE(data: AnyElementArray, out: Uint8Array, offset: number): void {
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, data.byteLength);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(i * 8, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
}

/** The element kind of a typed array, or null for any other value. */
export function kindOfArray(a: unknown): ElementKind | null {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof BigInt64Array) return 'i64';
  return null;
}

/** True when `v` is a valid dimension: a non-negative safe integer. */
export function isDim(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Product of a shape, or `Infinity` when it exceeds `Number.MAX_SAFE_INTEGER` (a hostile header
 * can declare `[2**40, 2**40]`; that must fail the byte-count check, not wrap around).
 */
export function numElements(shape: readonly number[]): number {
  if (shape.includes(0)) return 0;
  let p = 1;
  for (const d of shape) {
    p *= d;
    if (p > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return p;
}

export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map(String).join(', ')}]`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for strings with unpaired surrogates, which UTF-8 (and so other readers) cannot hold. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Converts int64 values (as files hold them) to an `Int32Array`, refusing any value outside the
 * int32 range rather than wrapping it. Use it for class ids and token ids read from `.npy` or
 * safetensors I64 data.
 *
 * @param what names the data in the error message, e.g. `y.npy`.
 * @throws ValueError naming `what`, the first offending index and value.
 */
export function int64ToInt32(data: BigInt64Array, what: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < -2147483648n || v > 2147483647n) {
      throw new ValueError(
        `${what}: element ${i} is ${v}, outside the int32 range [-2147483648, 2147483647]; ids and indices must fit in int32`,
      );
    }
    out[i] = Number(v);
  }
  return out;
}

/**
 * A float array as base64 text with its dtype (`F32`/`F64`, safetensors' names), for state that
 * travels inside JSON metadata (checkpoints: optimizer moments, early stopping's best weights).
 * Uses `btoa`/`atob`, so it runs in browsers too.
 */
export function encodeFloats(a: Float32Array | Float64Array | ArrayLike<number>): { dtype: 'F32' | 'F64'; base64: string } {
  const f = a instanceof Float64Array || a instanceof Float32Array ? a : Float32Array.from(a);
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { dtype: f instanceof Float64Array ? 'F64' : 'F32', base64: btoa(text) };
}

/** The inverse of `encodeFloats` (a fresh, aligned array). */
export function decodeFloats(s: { dtype: 'F32' | 'F64'; base64: string }): Float32Array | Float64Array {
  const text = atob(s.base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return s.dtype === 'F64' ? new Float64Array(bytes.buffer, 0, bytes.length / 8) : new Float32Array(bytes.buffer, 0, bytes.length / 4);
}
