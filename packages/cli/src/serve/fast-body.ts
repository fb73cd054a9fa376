import type { BodyArray } from './body.js';

/**
 * The common `/predict` body, `{"inputs": [[[n, …], …], …]}` (rank 1 to 3, rectangular, finite
 * numbers, no other key), read straight from its bytes into a Float64Array: no nested JS arrays
 * from JSON.parse and no walk over them, which were most of a small request's cost on the HTTP
 * thread (and of its garbage). Anything else, valid or not, returns null and goes to `parseBody`,
 * which gives the same result for valid bodies and the one-line message for bad ones — so this
 * path only ever accepts bodies `parseBody` accepts, with bit-identical numbers.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;

/** Powers of ten exactly representable as doubles (Clinger's fast path needs exact operands). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO53 = 2 ** 53;

/** Reused between requests, grown as needed; each result is a copy of its prefix. */
let scratch = new Float64Array(4096);

const KEY = Buffer.from('"inputs"', 'latin1');

/** Per-depth array lengths: the first seen (shape) and the current one (count); reused, one request at a time. */
const SHAPE = new Int32Array(3);
const COUNT = new Int32Array(3);

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The float32 every double within 2^-47 (relative) of the positive `v` rounds to, or NaN if they
 * do not all round alike (a rounding midpoint nearby), `v` is near an integer, or out of the
 * normal float32 range.
 */
function float32Of(v: number): number {
  if (!(v > 1e-30 && v < 1e30)) return NaN;
  if (Math.abs(v - Math.round(v)) <= v * 2 ** -47) return NaN;
  const f = Math.fround(v);
  F32[0] = f;
  U32[0] = v > f ? U32[0]! + 1 : U32[0]! - 1; // the neighbour on v's side
  const mid = (f + F32[0]!) / 2; // exact: both have 24 significant bits
  return Math.abs(v - mid) > v * 2 ** -47 ? f : NaN;
}

/** The index of the first non-whitespace byte from `p` (a plain function: a closure over `p` would keep it in memory, not a register). */
function skip(buf: Uint8Array, p: number, n: number): number {
  while (p < n) {
    const c = buf[p]!;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    p++;
  }
  return p;
}

export function fastBody(buf: Uint8Array): BodyArray | null {
  const n = buf.length;
  let p = 0;
  let text: string | undefined; // the body as text, made at the first number Number() must read
  p = skip(buf, p, n);
  if (buf[p] !== 0x7b) return null; // {
  p++;
  p = skip(buf, p, n);
  for (let k = 0; k < KEY.length; k++) if (buf[p + k] !== KEY[k]) return null;
  p += KEY.length;
  p = skip(buf, p, n);
  if (buf[p] !== 0x3a) return null; // :
  p++;
  p = skip(buf, p, n);

  // shape[d]: the length every array at depth d must have (from the first one); rank: leaf depth
  const shape = SHAPE;
  const count = COUNT;
  shape.fill(-1);
  let rank = -1;
  let k = 0;
  let integer = true;
  let depth = 0;
  if (buf[p] !== OPEN) return null;
  p++;
  count[0] = 0;
  for (;;) {
    p = skip(buf, p, n);
    const c = buf[p];
    if (c === OPEN) {
      if (depth === 2 || (rank >= 0 && depth + 1 >= rank)) return null;
      depth++;
      count[depth] = 0;
      p++;
      continue;
    }
    if (c === CLOSE) return null; // an empty array (elements are followed by `,` or `]` below)
    // a number: the leaves sit at one depth only
    if (rank < 0) rank = depth + 1;
    else if (depth + 1 !== rank) return null;
    const start = p;
    let neg = false;
    if (buf[p] === MINUS) {
      neg = true;
      p++;
    }
    let m = 0;
    let digits = 0; // significant ones (from the first non-zero)
    const d0 = buf[p];
    if (d0 === undefined || d0 < ZERO || d0 > NINE) return null;
    if (d0 === ZERO) {
      p++;
    } else {
      for (let d = buf[p]! - ZERO; d >= 0 && d <= 9; d = p < n ? buf[p]! - ZERO : -1) {
        m = m * 10 + d;
        digits++;
        p++;
      }
    }
    let scale = 0;
    if (buf[p] === DOT) {
      p++;
      const f0 = p;
      for (let d = p < n ? buf[p]! - ZERO : -1; d >= 0 && d <= 9; d = p < n ? buf[p]! - ZERO : -1) {
        m = m * 10 + d;
        if (m !== 0) digits++;
        scale++;
        p++;
      }
      if (p === f0) return null;
    }
    let e = 0;
    const ce = buf[p];
    if (ce === 0x65 || ce === 0x45) {
      p++;
      let eneg = false;
      if (buf[p] === 0x2b || buf[p] === MINUS) {
        eneg = buf[p] === MINUS;
        p++;
      }
      const e0 = p;
      while (p < n && buf[p]! >= ZERO && buf[p]! <= NINE) {
        if (e < 1e6) e = e * 10 + (buf[p]! - ZERO);
        p++;
      }
      if (p === e0) return null;
      if (eneg) e = -e;
    }
    // Clinger's fast path: an exact mantissa (every partial sum below 2^53 was exact too) times or
    // over an exact power of ten is one correctly rounded operation, so the very double JSON.parse
    // gives. Up to 19 digits (what JSON.stringify writes for a float32 read as a double: 17), the
    // same arithmetic is within 2^-50 of that double, which fixes its float32 — the value the
    // model reads — unless it lies near a float32 rounding midpoint (or an integer: the token-id
    // check reads the double): then, as for everything else, Number() reads the text.
    const exp = e - scale;
    let v = NaN;
    if (exp >= -22 && exp <= 22) {
      if (m < TWO53) {
        v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
        if (neg) v = -v;
      } else if (digits <= 19) {
        const a = float32Of(exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!);
        if (!Number.isNaN(a)) v = neg ? -a : a;
      }
    }
    if (Number.isNaN(v)) {
      text ??= Buffer.from(buf.buffer, buf.byteOffset, n).toString('latin1');
      v = Number(text.slice(start, p));
    }
    if (!Number.isFinite(v)) return null;
    if (integer && !Number.isInteger(v)) integer = false;
    if (k === scratch.length) {
      const grown = new Float64Array(scratch.length * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[k++] = v;
    count[depth] = count[depth]! + 1;
    // after an element: `,` and the next, or `]` closing arrays (each checked against its shape)
    for (;;) {
      p = skip(buf, p, n);
      const s = buf[p];
      if (s === COMMA) {
        p++;
        break;
      }
      if (s !== CLOSE) return null;
      p++;
      if (shape[depth] === -1) shape[depth] = count[depth]!;
      else if (shape[depth] !== count[depth]) return null;
      if (depth === 0) {
        p = skip(buf, p, n);
        if (buf[p] !== 0x7d) return null; // }
        p++;
        p = skip(buf, p, n);
        if (p !== n) return null;
        return { shape: Array.from(shape.subarray(0, rank)), data: scratch.slice(0, k), integer };
      }
      depth--;
      count[depth] = count[depth]! + 1;
    }
  }
}
