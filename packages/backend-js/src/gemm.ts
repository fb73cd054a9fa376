import { BackendError } from '@rnn/core';
import type { TypedArray } from '@rnn/core';
import { scratch64 } from './scratch.js';

/**
 * Single-threaded GEMM, `C (+)= op(A) @ op(B)`, in the GotoBLAS shape: B is packed once into
 * float64 panels of 4 columns, A into panels of 4 rows, and a 4x4 register-tile kernel runs over
 * them. Packing makes both transposes free (they only change how the pack reads), keeps the inner
 * loop on two short unit-stride streams, and accumulates in float64 whatever the dtype.
 *
 * V8 has no SIMD and no FMA for plain JS, so the kernel is scalar: every multiply-add is two
 * instructions, and what else the loop runs decides the speed. Two habits cut that down:
 * - Index arithmetic is written `(i + c) | 0`. TurboFan then adds in int32 without the overflow
 *   check (and its `jo` deopt branch) it otherwise puts on every `i + c` used as an index; indices
 *   stay far below 2^31 (a Float64Array that long would be 16 GiB), checked in `packB`/`gemmPacked`.
 * - The A panel and the edge tile live in module scratch, so a call allocates nothing (an RNN step
 *   calls this once per time step); `gemm` packs B into a reused scratch slot too.
 * Neither changes a result: the products and the order they are summed in are the same.
 */

/** Largest index the int32 index arithmetic may reach. */
const MAX_INDEX = 0x7fffffff;

/** Depth of one packed block: a 4-row A panel (8 KiB) then stays in L1. */
const KC = 256;
/** Columns of B swept per block: KC x NC doubles (512 KiB) stay in L2. */
const NC = 256;

/** `op(B)` as `[k, n]`, packed for `gemmPacked`; reusable across calls (e.g. every RNN step). */
export interface PackedB {
  readonly k: number;
  readonly n: number;
  /** n rounded up to a multiple of 4; the padding columns are zero. */
  readonly nPad: number;
  readonly data: Float64Array;
}

/**
 * Pack `op(B)`, where B holds `[k, n]` (or `[n, k]` when `trans`) from `off`. Block for depth
 * `p0` starts at `p0 * nPad`; inside it, the panel for columns `j0..j0+3` starts at `j0 * kc` and
 * holds `kc` rows of 4. `slot` packs into that scratch slot (see scratch.ts) instead of a new
 * array: for a panel used only until the caller returns.
 */
export function packB(
  b: TypedArray, off: number, trans: boolean, k: number, n: number, slot?: string,
): PackedB {
  const nPad = (n + 3) & ~3;
  checkIndexRange('packB', k * nPad);
  const out = slot === undefined ? new Float64Array(k * nPad) : scratch64(slot, k * nPad);
  const rs = trans ? 1 : n;
  const cs = trans ? k : 1;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const block = p0 * nPad;
    for (let j0 = 0; j0 < n; j0 += 4) {
      const cols = Math.min(4, n - j0);
      const panel = block + j0 * kc;
      for (let p = 0; p < kc; p++) {
        const src = off + (p0 + p) * rs + j0 * cs;
        const dst = panel + p * 4;
        for (let c = 0; c < cols; c++) out[dst + c] = b[src + c * cs];
        // padding columns: the kernel computes them but never stores them; zeros keep a reused
        // scratch panel free of a previous call's numbers all the same
        for (let c = cols; c < 4; c++) out[dst + c] = 0;
      }
    }
  }
  return { k, n, nPad, data: out };
}

/** `C[m, n] (+)= op(A) @ op(B)`, all contiguous; A holds `[m, k]` or, when `transA`, `[k, m]`. */
export function gemm(
  m: number, n: number, k: number,
  a: TypedArray, aOff: number, transA: boolean,
  b: TypedArray, bOff: number, transB: boolean,
  c: TypedArray, cOff: number, accumulate: boolean,
): void {
  gemmPacked(m, a, aOff, transA, packB(b, bOff, transB, k, n, 'gemm.b'), c, cOff, accumulate);
}

/** Scratch for `gemmPacked`: one packed A panel (4 rows of depth KC) and one 4x4 edge tile. */
const aPanel = new Float64Array(KC * 4);
const edgeTile = new Float64Array(16);

function checkIndexRange(where: string, size: number): void {
  if (size > MAX_INDEX) {
    throw new BackendError(
      `${where}: an operand spans ${size} elements; the js backend's GEMM indexes at most ${MAX_INDEX} ` +
        '(int32): split the product into smaller ones',
    );
  }
}

export function gemmPacked(
  m: number, a: TypedArray, aOff: number, transA: boolean, pb: PackedB,
  c: TypedArray, cOff: number, accumulate: boolean,
): void {
  const { k, n, nPad } = pb;
  const bp = pb.data;
  checkIndexRange('gemmPacked', cOff + m * n);
  checkIndexRange('gemmPacked', aOff + m * k);
  if (!accumulate) c.fill(0, cOff, cOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  // A(i, p) = a[aOff + i * ars + p * acs]
  const ars = transA ? 1 : k;
  const acs = transA ? m : 1;
  const mFull = m & ~3;
  const ap = aPanel;
  const tile = edgeTile;

  for (let jc = 0; jc < nPad; jc += NC) {
    const jEnd = Math.min(jc + NC, nPad);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const block = p0 * nPad;
      for (let i0 = 0; i0 < mFull; i0 += 4) {
        for (let p = 0; p < kc; p++) {
          const src = aOff + i0 * ars + (p0 + p) * acs;
          ap[p * 4] = a[src];
          ap[p * 4 + 1] = a[src + ars];
          ap[p * 4 + 2] = a[src + 2 * ars];
          ap[p * 4 + 3] = a[src + 3 * ars];
        }
        for (let j0 = jc; j0 < jEnd; j0 += 4) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          let bo = block + j0 * kc;
          for (let p = 0, ao = 0; p < kc; p++, ao = (ao + 4) | 0, bo = (bo + 4) | 0) {
            const a0 = ap[ao], a1 = ap[(ao + 1) | 0], a2 = ap[(ao + 2) | 0], a3 = ap[(ao + 3) | 0];
            const b0 = bp[bo], b1 = bp[(bo + 1) | 0], b2 = bp[(bo + 2) | 0], b3 = bp[(bo + 3) | 0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
          }
          let o = cOff + i0 * n + j0;
          if (j0 + 4 <= n) {
            c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += n;
            c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += n;
            c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += n;
            c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
          } else {
            tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
            tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
            tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
            tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
            const cols = n - j0;
            for (let r = 0; r < 4; r++, o += n) {
              for (let q = 0; q < cols; q++) c[o + q] += tile[r * 4 + q];
            }
          }
        }
      }
      // Leftover rows (and small batches, e.g. an RNN step with B < 4): a 1x4 kernel that reads
      // A in place rather than padding it to a 4-row panel and computing zeros.
      for (let i = mFull; i < m; i++) {
        const aRow = aOff + i * ars + p0 * acs;
        for (let j0 = jc; j0 < jEnd; j0 += 4) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let bo = block + j0 * kc;
          for (let p = 0, ai = aRow; p < kc; p++, ai = (ai + acs) | 0, bo = (bo + 4) | 0) {
            const av = a[ai];
            s0 += av * bp[bo]; s1 += av * bp[(bo + 1) | 0]; s2 += av * bp[(bo + 2) | 0]; s3 += av * bp[(bo + 3) | 0];
          }
          const o = cOff + i * n + j0;
          const cols = n - j0;
          c[o] += s0;
          if (cols > 1) c[o + 1] += s1;
          if (cols > 2) c[o + 2] += s2;
          if (cols > 3) c[o + 3] += s3;
        }
      }
    }
  }
}
