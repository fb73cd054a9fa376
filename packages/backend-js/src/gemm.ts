import { BackendError } from '@rnn/core';
import type { TypedArray } from '@rnn/core';
import { doubleArray, scratchDoubles } from './scratch.js';

/**
 * Single-threaded GEMM, `C (+)= op(A) @ op(B)`, in the GotoBLAS shape: B is packed once into
 * float64 panels of 4 columns, A into panels of 4 rows, and a register-tile kernel runs over them
 * (`panelTimesBlock`). Packing makes both transposes free (they only change how the pack reads),
 * keeps the inner loop on two short unit-stride streams, and accumulates in float64 whatever the
 * dtype.
 *
 * V8 has no SIMD and no FMA for plain JS, so the kernel is scalar: every multiply-add is two
 * instructions, and what else the loop runs decides the speed. What cut that down (Node 20,
 * `tools/bench/js-gemm.mjs`: 4.1-4.4 GFLOP/s before, 5.7-6.0 after on the LSTM shapes):
 * - Each 4x4 tile runs as two 2x4 halves, whose values fit the float registers (`panelTimesBlock`).
 * - The depth loop takes two steps per iteration (half the loop overhead; the same multiply-adds in
 *   the same order): 4.9 -> 5.4 GFLOP/s on the LSTM shapes, A train 332 -> 302 ms (AMD EPYC Zen 4,
 *   `tools/bench/js-ab.mjs`). Unrolling by 4, 3x4 and 4x4 tiles, and a 2x6 tile measured slower.
 * - Index arithmetic is written `(i + c) | 0`. TurboFan then adds in int32 without the overflow
 *   check (and its `jo` deopt branch) it otherwise puts on every `i + c` used as an index; indices
 *   stay below 2^31, checked in `packB`/`gemmPacked`.
 * - The packed panels are plain JS arrays of doubles (PACKED_DOUBLE_ELEMENTS, see `doubleArray`),
 *   not Float64Arrays: TurboFan's loads from those take fewer instructions (no typed-array base
 *   and external pointer to recombine): ~1.2x on the kernel alone, a few per cent in place.
 * - `gemm` packs B into a reused scratch slot and A's 4-row panels go into the same array, after
 *   B's panels (`PackedB.aBase`), so a call allocates nothing (an RNN step calls this once per
 *   time step), and the kernel reads one array: one map check and one elements pointer and
 *   length per iteration instead of two. 1.04x on the six products of an A step, A train 317 ->
 *   285 ms (AMD EPYC Zen 4, `tools/bench/js-ab.mjs`, a VM with a noisy neighbour).
 * None of these changes a result: the products and the order they are summed in are the same.
 */

/** Largest index the int32 index arithmetic may reach. */
const MAX_INDEX = 0x7fffffff;
/** Largest packed panel: V8's arrays of doubles hold at most ~2^27 elements (1 GiB). */
const MAX_PACK = 1 << 27;

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
  /** At least `k * nPad + 4 * KC` doubles (a scratch slot's array may be longer): the panels,
   * then room for one packed 4-row A panel at `aBase` (see `gemmPacked`). */
  readonly data: number[];
  /** Where `gemmPacked` packs its A panels: `k * nPad`. */
  readonly aBase: number;
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
  const size = k * nPad + 4 * KC;
  checkIndexRange('packB', size, MAX_PACK);
  const out = slot === undefined ? doubleArray(size) : scratchDoubles(slot, size);
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
  return { k, n, nPad, data: out, aBase: k * nPad };
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

/**
 * `C[i0..i0+3, jc..jEnd) += panel @ block`: one packed 4-row A panel times the packed B panels of
 * columns `jc..jEnd` (real columns only), C's row i0 at `o0`. Each 4x4 tile runs as two 2x4
 * halves over the same B panel (in L1 the second time): 8 accumulators and 6 operands fit the 16
 * float registers of x64, where a 4x4 tile's 16 + 8 spill to the stack every iteration. Per
 * output element the sum runs over p in the same order as a 4x4 tile's.
 *
 * TurboFan is touchy about this loop. With the depth loop unrolled by two it is past the 460
 * bytes of bytecode TurboFan inlines, and a raised limit (`--max-inlined-bytecode-size=1200`)
 * measured the same, so inlining no longer matters here (the rolled loop was ~1.25x slower not
 * inlined). The partial last panel is left to `panelTimesEdge`. Computing `bo` once per j0
 * instead of inside the r loop measured slower.
 */
function panelTimesBlock(
  bp: number[], aBase: number, block: number, kc: number, jc: number, jEnd: number,
  n: number, c: TypedArray, o0: number,
): void {
  const ap = bp;
  for (let j0 = jc; j0 < jEnd; j0 += 4) {
    for (let r = 0; r < 4; r += 2) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let bo = block + j0 * kc;
      let ao = aBase + r;
      for (let p = 1; p < kc; p += 2, ao = (ao + 8) | 0, bo = (bo + 8) | 0) {
        let a0 = ap[ao], a1 = ap[(ao + 1) | 0];
        let b0 = bp[bo], b1 = bp[(bo + 1) | 0], b2 = bp[(bo + 2) | 0], b3 = bp[(bo + 3) | 0];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        a0 = ap[(ao + 4) | 0]; a1 = ap[(ao + 5) | 0];
        b0 = bp[(bo + 4) | 0]; b1 = bp[(bo + 5) | 0]; b2 = bp[(bo + 6) | 0]; b3 = bp[(bo + 7) | 0];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
      }
      if ((kc & 1) !== 0) {
        const a0 = ap[ao], a1 = ap[(ao + 1) | 0];
        const b0 = bp[bo], b1 = bp[(bo + 1) | 0], b2 = bp[(bo + 2) | 0], b3 = bp[(bo + 3) | 0];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
      }
      let o = o0 + r * n + j0;
      c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += n;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
    }
  }
}

/** As `panelTimesBlock` for the one B panel at `j0` that is partly padding (n not a multiple of
 * 4): stores only its `n - j0` real columns. */
function panelTimesEdge(
  bp: number[], aBase: number, block: number, kc: number, j0: number,
  n: number, c: TypedArray, o0: number,
): void {
  const ap = bp;
  const cols = n - j0;
  for (let r = 0; r < 4; r++) {
    let s0 = 0, s1 = 0, s2 = 0;
    let bo = block + j0 * kc;
    for (let p = 0, ao = aBase + r; p < kc; p++, ao = (ao + 4) | 0, bo = (bo + 4) | 0) {
      const av = ap[ao];
      s0 += av * bp[bo]; s1 += av * bp[(bo + 1) | 0]; s2 += av * bp[(bo + 2) | 0];
    }
    const o = o0 + r * n + j0;
    c[o] += s0;
    if (cols > 1) c[o + 1] += s1;
    if (cols > 2) c[o + 2] += s2;
  }
}

function checkIndexRange(where: string, size: number, max = MAX_INDEX): void {
  if (size > max) {
    throw new BackendError(
      `${where}: an operand spans ${size} elements; the js backend's GEMM takes at most ${max}: ` +
        'split the product into smaller ones',
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
  // the A panel shares B's array: the kernel then checks one array's map and reads one elements
  // pointer and length per iteration instead of two
  const ap = bp;
  const aBase = pb.aBase;

  for (let jc = 0; jc < nPad; jc += NC) {
    const jEnd = Math.min(jc + NC, nPad);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const block = p0 * nPad;
      for (let i0 = 0; i0 < mFull; i0 += 4) {
        for (let p = 0; p < kc; p++) {
          const src = aOff + i0 * ars + (p0 + p) * acs;
          const d = aBase + p * 4;
          ap[d] = a[src];
          ap[d + 1] = a[src + ars];
          ap[d + 2] = a[src + 2 * ars];
          ap[d + 3] = a[src + 3 * ars];
        }
        const jFull = Math.min(jEnd, n & ~3);
        panelTimesBlock(bp, aBase, block, kc, jc, jFull, n, c, cOff + i0 * n);
        if (jFull < jEnd) panelTimesEdge(bp, aBase, block, kc, jFull, n, c, cOff + i0 * n);
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
