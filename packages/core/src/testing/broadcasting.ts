import { describe, it } from 'vitest';
import type { BinaryOp } from '../backend.js';
import { broadcastTo } from '../ops/shape-ops.js';
import { VALUE_TOL, expectTensor, fromHost, randomValues, rng, type SuiteContext } from './context.js';
import * as R from './reference.js';
import { BINARY_FNS } from './values.js';

/**
 * NumPy broadcasting in every binary op: size-1 dims, scalar `[]` shapes, rank mismatch, zero-size
 * dims, and ranks past 4 (a backend must not assume a maximum rank).
 */
const CASES: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[3], [2, 3]],
  [[2, 3], [2, 1]],
  [[2, 1], [1, 3]],
  [[2, 1, 3], [4, 1]],
  [[4, 1], [2, 1, 3]],
  [[3, 1, 5], [1, 4, 1]],
  [[], [2, 3]],
  [[2, 3], []],
  [[], []],
  [[1], [5]],
  [[1, 1, 1], [3]],
  [[5, 1], [1, 7]],
  [[0, 3], [3]],
  [[2, 0], [2, 1]],
  [[0], []],
  [[2, 1, 3, 1, 2], [4, 1, 1, 2]],
  [[1, 2, 1, 2, 1, 3], [2, 1, 2, 1, 1]],
];

export function describeBroadcasting(ctx: SuiteContext): void {
  for (const dtype of ctx.floatDTypes) {
    describe(`broadcasting (${dtype})`, () => {
      for (const [sa, sb] of CASES) {
        it(`[${sa}] with [${sb}] in every binary op`, () => {
          const r = rng(sa.length * 31 + sb.length);
          // positive bases keep pow real; values away from 0 keep div finite
          const a = R.host(randomValues(r, R.size(sa), 0.5, 2), sa);
          const b = R.host(randomValues(r, R.size(sb), -2, 2).map((v) => (Math.abs(v) < 0.1 ? 0.5 : v)), sb);
          // make some elements equal so that ge/eq see ties
          if (a.data.length && b.data.length) b.data[0] = a.data[0]!;
          const ta = fromHost(ctx, a, dtype);
          const tb = fromHost(ctx, b, dtype);
          for (const op of Object.keys(BINARY_FNS) as BinaryOp[]) {
            expectTensor(BINARY_FNS[op](ta, tb), R.map2(a, b, R.BINARY[op]), dtype, VALUE_TOL[dtype], `${op} [${sa}] [${sb}]`);
          }
        });
      }

      it('broadcastTo materialises size-1 and leading axes', () => {
        const x = R.host(randomValues(rng(5), 3), [3, 1]);
        const y = broadcastTo(fromHost(ctx, x, dtype), [2, 3, 4]);
        const zeros = R.host(new Array(24).fill(0), [2, 3, 4]);
        expectTensor(y, R.map2(x, zeros, R.BINARY.add), dtype, VALUE_TOL[dtype], 'broadcastTo [3,1] -> [2,3,4]');
      });
    });
  }
}
