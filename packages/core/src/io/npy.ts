/**
 * NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic `\x93NUMPY`, version, a little-endian header length (u16 for 1.0, u32 for 2.0/3.0), a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, then the raw
 * C-order data. The header is read with a small strict parser for that literal, never evaluated.
 */
import { DTypeError, FormatError, ShapeError } from '../errors.js';
import {
  decodeElements,
  encodeElementsLE,
  formatShape,
  HOST_LITTLE_ENDIAN,
  isDim,
  ITEM_SIZE,
  kindOfArray,
  numElements,
  type ElementKind,
} from './bytes.js';

export type NpyDType = 'float32' | 'float64' | 'int32' | 'int64';

/**
 * A parsed `.npy` array. int64 data stays exact as a `BigInt64Array`; convert ids with
 * `int64ToInt32` (range-checked) and floats with `Float64Array.from`.
 */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array };

/** Arrays `serializeNpy` writes, as `<f4`, `<f8`, `<i4` and `<i8`. */
export type NpyWritableArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** numpy's own default `max_header_size`, well above any header for the dtypes read here. */
export const MAX_NPY_HEADER_BYTES = 10_000;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DTYPE_OF: Record<ElementKind, NpyDType> = { f32: 'float32', f64: 'float64', i32: 'int32', i64: 'int64' };
const DESCR_OF: Record<ElementKind, string> = { f32: '<f4', f64: '<f8', i32: '<i4', i64: '<i8' };
const DESCR_RE = /^([<>|=]?)([fi])([48])$/;

/**
 * Parses a `.npy` file held in memory (versions 1.0, 2.0, 3.0). Accepts descr `f4`, `f8`, `i4`,
 * `i8` in any byte order: `<` little-endian, `>` big-endian (byte-swapped on read), `=`/`|`/none
 * meaning the host's order as numpy does. Fortran order is refused unless the layout is the same
 * as C order (at most one dimension larger than 1). The data section must hold exactly
 * `product(shape)` elements; trailing bytes are refused.
 *
 * @throws FormatError naming `source`, the header key, and expected vs found.
 */
export function parseNpy(bytes: Uint8Array, source = '<buffer>'): NpyArray {
  const fail = (msg: string): never => {
    throw new FormatError(`${source}: ${msg}`);
  };
  if (bytes.byteLength < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('not a .npy file: it does not start with the magic bytes "\\x93NUMPY"');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (minor !== 0 || major < 1 || major > 3) {
    fail(`.npy format version ${major}.${minor} is not supported; expected 1.0, 2.0 or 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.byteLength < prefix) fail(`the file is truncated inside the ${prefix}-byte preamble`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_NPY_HEADER_BYTES) {
    fail(`the .npy header is ${headerLength} bytes, over the ${MAX_NPY_HEADER_BYTES}-byte limit`);
  }
  if (prefix + headerLength > bytes.byteLength) {
    fail(
      `the .npy header is ${headerLength} bytes but only ${bytes.byteLength - prefix} bytes follow ` +
        `the preamble (truncated file?)`,
    );
  }
  const headerBytes = bytes.subarray(prefix, prefix + headerLength);
  let text = '';
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
    } catch {
      fail('the .npy header (version 3.0) is not valid UTF-8');
    }
  } else {
    text = latin1(headerBytes);
  }

  const header = parsePyDict(text, source);
  const keys = Object.keys(header).sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    fail(
      `the .npy header must have exactly the keys 'descr', 'fortran_order', 'shape'; found ` +
        `${keys.map((k) => `'${k}'`).join(', ') || 'none'}`,
    );
  }
  const { descr, fortran_order: fortran, shape } = header;
  const m = typeof descr === 'string' ? DESCR_RE.exec(descr) : null;
  if (m === null) {
    fail(
      `'descr' ${pyRepr(descr)} is not supported; expected float32, float64, int32 or int64 ` +
        `('<f4', '<f8', '<i4', '<i8'; convert with a.astype(np.float32))`,
    );
  }
  const [, order, letter, width] = m!;
  const kind = `${letter === 'f' ? 'f' : 'i'}${width === '4' ? '32' : '64'}` as ElementKind;
  const littleEndian = order === '<' ? true : order === '>' ? false : HOST_LITTLE_ENDIAN;
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    fail(`'shape' must be a tuple of non-negative integers, found ${pyRepr(shape)}`);
  }
  const dims = shape as number[];
  if (typeof fortran !== 'boolean') fail(`'fortran_order' must be True or False, found ${pyRepr(fortran)}`);
  if (fortran === true && dims.filter((d) => d > 1).length > 1) {
    fail(
      `'fortran_order' is True for shape ${formatShape(dims)}; only C-order arrays are read ` +
        `(save np.ascontiguousarray(a) instead)`,
    );
  }
  const dataStart = prefix + headerLength;
  const available = bytes.byteLength - dataStart;
  const needed = numElements(dims) * ITEM_SIZE[kind];
  if (needed !== available) {
    fail(
      `shape ${formatShape(dims)} of ${descr as string} needs ${Number.isFinite(needed) ? needed : 'more than 2^53'} ` +
        `data bytes but the file has ${available} after the header` +
        (needed > available ? ' (truncated file?)' : ' (trailing bytes)'),
    );
  }
  const data = decodeElements(kind, bytes.subarray(dataStart), littleEndian);
  return { dtype: DTYPE_OF[kind], shape: dims, data } as NpyArray;
}

/**
 * Writes `array` (row-major, `shape`) as a version 1.0 `.npy` file, byte-identical to what
 * `numpy.save` writes for the same little-endian array: descr `<f4`/`<f8`/`<i4`/`<i8`, header
 * padded with spaces to a 64-byte boundary and ending in `\n`. Falls back to version 2.0 only
 * when the header does not fit in 65535 bytes (as numpy does).
 *
 * @throws DTypeError for an unsupported array type; ShapeError when `shape` does not match.
 */
export function serializeNpy(array: NpyWritableArray, shape: readonly number[]): Uint8Array {
  const kind = kindOfArray(array);
  if (kind === null) {
    throw new DTypeError(
      `cannot write .npy: expected a Float32Array, Float64Array, Int32Array or BigInt64Array, found ${
        (array as object | null)?.constructor?.name ?? String(array)
      }`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    throw new ShapeError(`cannot write .npy: shape must be an array of non-negative integers, found ${formatShape(shape ?? [])}`);
  }
  if (numElements(shape) !== array.length) {
    throw new ShapeError(
      `cannot write .npy: shape ${formatShape(shape)} has ${numElements(shape)} elements but the array has ${array.length}`,
    );
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${DESCR_OF[kind]}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // numpy leaves room for the first axis to grow to 21 digits so headers can be rewritten in place.
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  let version = 1;
  let prefix = 10;
  let padded = padHeader(dict, prefix);
  if (padded.length > 0xffff) {
    version = 2;
    prefix = 12;
    padded = padHeader(dict, prefix);
  }
  const out = new Uint8Array(prefix + padded.length + array.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  encodeElementsLE(array, out, prefix + padded.length);
  return out;
}

function padHeader(dict: string, prefix: number): string {
  // Same arithmetic as numpy's _wrap_header: the pad is 1..64 spaces, never 0.
  const pad = 64 - ((prefix + dict.length + 1) % 64);
  return `${dict}${' '.repeat(pad)}\n`;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode(...b.subarray(i, i + 4096));
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// A strict parser for the header's Python literal: a dict of string keys whose values are strings,
// True/False/None, integers, or tuples of those. Nothing else is accepted.

type PyValue = string | number | boolean | null | PyValue[];

const MAX_TUPLE_DEPTH = 4;

function parsePyDict(text: string, source: string): Record<string, PyValue> {
  let pos = 0;
  const fail = (expected: string): never => {
    const found = pos >= text.length ? 'end of header' : JSON.stringify(text.slice(pos, pos + 12));
    throw new FormatError(
      `${source}: the .npy header is not a valid dict literal at character ${pos}: expected ${expected}, found ${found}`,
    );
  };
  const ws = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const str = (): string => {
    const quote = text[pos]!;
    pos++;
    let out = '';
    for (;;) {
      const c = text[pos];
      if (c === undefined || c === '\n') fail(`a closing ${quote}`);
      pos++;
      if (c === quote) return out;
      if (c === '\\') {
        const e = text[pos];
        if (e !== '\\' && e !== "'" && e !== '"') fail("one of \\\\, \\' or \\\" after a backslash");
        out += e;
        pos++;
      } else {
        out += c;
      }
    }
  };
  const value = (depth: number): PyValue => {
    const c = text[pos];
    if (c === "'" || c === '"') return str();
    if (c === '(') {
      if (depth >= MAX_TUPLE_DEPTH) fail('a shallower tuple');
      pos++;
      const items: PyValue[] = [];
      ws();
      if (text[pos] === ')') {
        pos++;
        return items;
      }
      for (;;) {
        ws();
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ')') {
          pos++;
          // Python needs the trailing comma for a 1-tuple; "(3)" is just 3.
          return items.length === 1 ? items[0]! : items;
        }
        if (text[pos] !== ',') fail("',' or ')'");
        pos++;
        ws();
        if (text[pos] === ')') {
          pos++;
          return items;
        }
      }
    }
    const m = /^(?:[0-9]+L?|True|False|None)/.exec(text.slice(pos, pos + 32));
    if (m === null) return fail('a string, integer, True, False, None or a tuple');
    pos += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', '')); // numpy's old Python 2 headers may say 3L
  };

  ws();
  if (text[pos] !== '{') fail("'{'");
  pos++;
  const out: Record<string, PyValue> = Object.create(null) as Record<string, PyValue>;
  for (;;) {
    ws();
    if (text[pos] === '}') {
      pos++;
      break;
    }
    if (text[pos] !== "'" && text[pos] !== '"') fail('a quoted key');
    const keyAt = pos;
    const key = str();
    if (key in out) {
      pos = keyAt;
      fail(`each key once (${JSON.stringify(key)} appears twice)`);
    }
    ws();
    if (text[pos] !== ':') fail("':'");
    pos++;
    ws();
    out[key] = value(0);
    ws();
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') fail("',' or '}'");
  }
  ws();
  if (pos < text.length) fail('only whitespace after the dict');
  return out;
}

function pyRepr(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v}'`;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')}${v.length === 1 ? ',' : ''})`;
  return String(v);
}
