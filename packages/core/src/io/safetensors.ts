/**
 * The safetensors container (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets}, "__metadata__":
 * {string: string}}`, then the data section. Plain typed arrays in and out; no Tensor class.
 *
 * The reader is strict and bounded: it checks the header length before decoding anything, parses
 * the JSON itself (no duplicate keys, nesting depth ≤ 64), and accepts a file only when every
 * tensor's byte range has exactly the size its dtype and shape need and the ranges tile the data
 * section with no gap, overlap or trailing bytes — the rules of the reference implementation.
 */
import { DTypeError, FormatError, ShapeError } from '../errors.js';
import {
  decodeElements,
  encodeElementsLE,
  formatShape,
  isDim,
  isWellFormed,
  ITEM_SIZE,
  kindOfArray,
  numElements,
  type ElementKind,
} from './bytes.js';
import { describeValue, parseStrictJson, type JsonValue } from './strict-json.js';

/** The safetensors dtypes rnn reads and writes. I64 is kept exact, as a `BigInt64Array`. */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'I64';

export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = ['F32', 'F64', 'I32', 'I64'];

/** One tensor as stored: row-major `data` whose length is the product of `shape`. */
export type RawTensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

export interface SafetensorsContents {
  metadata: Record<string, string>;
  /** In data-section order (which is name order for files rnn writes). */
  tensors: Map<string, RawTensor>;
}

/** The reference implementation's limit on the JSON header. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

const KIND: Record<SafetensorsDType, ElementKind> = { F32: 'f32', F64: 'f64', I32: 'i32', I64: 'i64' };

/** Dtypes of the safetensors spec that rnn does not read, so the message can say so precisely. */
const OTHER_SPEC_DTYPES = new Set([
  'BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0',
  'F4', 'F6_E2M3', 'F6_E3M2', 'C64',
]);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses a safetensors file held in memory. Every tensor's data is copied into a fresh typed array
 * (so it never aliases `bytes` and unaligned offsets are fine).
 *
 * @param source names the file in error messages.
 * @throws FormatError for anything malformed, naming `source`, the tensor or key, and expected vs
 *   found. Never any other error type for any input bytes.
 */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new FormatError(`${source}: ${msg}`);
  };
  if (bytes.byteLength < 8) {
    fail(`not a safetensors file: it is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    fail(
      `safetensors header length is ${n64} bytes, over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit ` +
        `(is this a safetensors file?)`,
    );
  }
  const n = Number(n64);
  if (n > bytes.byteLength - 8) {
    fail(
      `safetensors header length is ${n} bytes but only ${bytes.byteLength - 8} bytes follow the ` +
        `length field (truncated file, or not a safetensors file?)`,
    );
  }
  let text = '';
  try {
    text = utf8.decode(bytes.subarray(8, 8 + n));
  } catch {
    fail(`safetensors header (bytes 8..${8 + n}) is not valid UTF-8`);
  }
  const header = parseStrictJson(text, source, 'safetensors header');
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    return fail(`safetensors header: expected a JSON object, found ${describeValue(header)}`);
  }

  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = checkMetadata(info, fail);
    else entries.push(checkEntry(name, info, dataLength, fail));
  }

  // The reference reader sorts by offsets and requires each range to start where the last ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < cursor) {
      fail(
        `tensor ${q(e.name)} (data_offsets [${e.begin}, ${e.end}]) overlaps tensor ${q(previous!.name)} ` +
          `(data_offsets [${previous!.begin}, ${previous!.end}]); tensors must not share bytes`,
      );
    }
    if (e.begin > cursor) {
      fail(
        `bytes ${cursor}..${e.begin} of the data section belong to no tensor (the next tensor, ` +
          `${q(e.name)}, starts at ${e.begin}); the data section must be covered with no holes`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    fail(
      `the data section is ${dataLength} bytes but the tensors cover only ${cursor}; ` +
        `expected no trailing bytes after the last tensor`,
    );
  }

  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const data = decodeElements(KIND[e.dtype], src, true);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data } as RawTensor);
  }
  return { metadata, tensors };
}

function checkMetadata(info: JsonValue, fail: (msg: string) => never): Record<string, string> {
  // serde reads `"__metadata__": null` as "no metadata", so a file the reference accepts does too.
  if (info === null) return {};
  if (typeof info !== 'object' || Array.isArray(info)) {
    return fail(`${q(METADATA_KEY)}: expected an object of strings, found ${describeValue(info)}`);
  }
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string') {
      fail(`${q(METADATA_KEY)} key ${q(key)}: expected a string value, found ${describeValue(value)}`);
    }
  }
  return info as Record<string, string>;
}

function checkEntry(name: string, info: JsonValue, dataLength: number, fail: (msg: string) => never): Entry {
  const t = `tensor ${q(name)}`;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    return fail(`${t}: expected an object {dtype, shape, data_offsets}, found ${describeValue(info)}`);
  }
  for (const key of Object.keys(info)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
      fail(`${t}: unexpected key ${q(key)}; expected only dtype, shape and data_offsets`);
    }
  }
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
    const known = typeof dtype === 'string' && OTHER_SPEC_DTYPES.has(dtype);
    fail(
      `${t}: ${known ? 'dtype' : 'unknown dtype'} ${describeValue(dtype)} is not supported; ` +
        `expected one of ${SAFETENSORS_DTYPES.join(', ')}${known ? ' (convert the tensor, e.g. to F32)' : ''}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    fail(`${t}: shape must be an array of non-negative integers, found ${describeValue(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDim)) {
    fail(`${t}: data_offsets must be [begin, end] with non-negative integers, found ${describeValue(offsets)}`);
  }
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${t}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    fail(
      `${t}: data_offsets [${begin}, ${end}] run past the end of the ${dataLength}-byte data section ` +
        `(truncated file?)`,
    );
  }
  const st = dtype as SafetensorsDType;
  const needed = numElements(dims) * ITEM_SIZE[KIND[st]];
  if (needed !== end - begin) {
    fail(
      `${t}: ${st} shape ${formatShape(dims)} needs ${Number.isFinite(needed) ? needed : 'more than 2^53'} ` +
        `bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: st, shape: dims, begin, end };
}

/**
 * Serializes tensors to safetensors bytes as the reference writer lays them out: compact JSON
 * header (`__metadata__` first, its keys sorted; omitted when empty), padded with spaces to a
 * multiple of 8 bytes, then the tensors in sorted name order (by code point, i.e. UTF-8 byte
 * order), contiguous and little-endian. The same input always gives the same bytes.
 *
 * @throws DTypeError when a tensor's dtype is not supported or its `data` is not the typed array
 *   that dtype needs; ShapeError when `shape` is invalid or does not match `data.length`;
 *   FormatError for names or metadata the format cannot hold.
 */
export function serializeSafetensors(
  tensors: Map<string, RawTensor> | Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(
    ([a], [b]) => compareCodePoints(a, b),
  );
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata ?? {}).sort(compareCodePoints);
  if (metaKeys.length > 0) {
    const fields = metaKeys.map((k) => {
      const v = metadata![k];
      if (typeof v !== 'string') {
        throw new FormatError(`cannot write safetensors metadata key ${q(k)}: expected a string value, found ${describeValue(v)}`);
      }
      if (!isWellFormed(k) || !isWellFormed(v)) {
        throw new FormatError(`cannot write safetensors metadata key ${q(k)}: it contains an unpaired UTF-16 surrogate`);
      }
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"${METADATA_KEY}":{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    checkTensorForWrite(name, t);
    const bytes = t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  const headerRaw = utf8Encoder.encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(headerRaw.byteLength / 8) * 8;
  if (headerLength > MAX_SAFETENSORS_HEADER_BYTES) {
    throw new FormatError(
      `cannot write safetensors: the header would be ${headerLength} bytes, over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit readers enforce`,
    );
  }
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(headerRaw, 8);
  out.fill(0x20, 8 + headerRaw.byteLength, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const [, t] of list) {
    encodeElementsLE(t.data, out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

const ARRAY_FOR: Record<SafetensorsDType, string> = {
  F32: 'Float32Array',
  F64: 'Float64Array',
  I32: 'Int32Array',
  I64: 'BigInt64Array',
};

/**
 * Checks that a tensor can be written: a supported dtype, the typed array that dtype needs, and a
 * shape whose product is `data.length`. Internal to the io layer.
 */
export function checkTensorForWrite(name: string, t: RawTensor): void {
  const what = `cannot write tensor ${q(name)}`;
  if (name === METADATA_KEY) throw new FormatError(`${what}: ${q(METADATA_KEY)} is reserved for metadata`);
  if (!isWellFormed(name)) throw new FormatError(`${what}: the name contains an unpaired UTF-16 surrogate`);
  const dtype = (t as { dtype: unknown }).dtype;
  if (typeof dtype !== 'string' || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
    throw new DTypeError(`${what}: dtype ${describeValue(dtype)} is not supported; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  const kind = kindOfArray(t.data);
  if (kind !== KIND[dtype as SafetensorsDType]) {
    throw new DTypeError(
      `${what}: dtype ${dtype} needs a ${ARRAY_FOR[dtype as SafetensorsDType]}, found ${
        (t.data as object | undefined)?.constructor?.name ?? describeValue(t.data)
      }`,
    );
  }
  if (!Array.isArray(t.shape) || !t.shape.every(isDim)) {
    throw new ShapeError(`${what}: shape must be an array of non-negative integers, found ${describeValue(t.shape)}`);
  }
  if (numElements(t.shape) !== t.data.length) {
    throw new ShapeError(
      `${what}: shape ${formatShape(t.shape)} has ${numElements(t.shape)} elements but data has ${t.data.length}`,
    );
  }
}

function compareCodePoints(a: string, b: string): number {
  // Code-point order equals UTF-8 byte order, which is how Rust sorts the same names.
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function q(s: string): string {
  return JSON.stringify(s);
}
