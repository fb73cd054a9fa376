// Issue 22: options objects are checked (zod) where they enter the API, not inside each op of a
// training step. Ops that lift a number to a tensor of their operand's dtype and backend, and
// backward's seed, build that tensor without a check; the check reads the backend's `name`
// (backendSchema), so a backend that counts those reads shows whether one ran.
import { describe, expect, it } from 'vitest';
import { add, backward, div, logSoftmax, mul, sum, tensor, where, gt, type Backend } from '@rnn/core';
import { JsBackend } from '../src/index.js';

function countingBackend(): { backend: Backend; reads: () => number } {
  const base = new JsBackend();
  let n = 0;
  const backend = Object.create(base, { name: { get: () => (n++, base.name) } }) as Backend;
  return { backend, reads: () => n };
}

describe('no options check inside the ops of a step (issue 22)', () => {
  it('scalar operands, logSoftmax, where and backward(loss) build their tensors unchecked', () => {
    const { backend, reads } = countingBackend();
    const x = tensor(new Float32Array([1, -2, 3, 0.5, 2, -1]), [2, 3], { backend });
    x.requiresGrad = true;
    const before = reads(); // tensor() above checked its options: that is the boundary
    const y = logSoftmax(mul(add(x, 1), 0.5), -1);
    const loss = div(sum(where(gt(y, -1), y, mul(y, 2))), 2);
    backward(loss);
    expect(reads() - before).toBe(0);
    expect(x.grad?.shape).toEqual([2, 3]);
  });

  it('tensor() and backward() with options still check them (a wrong key is refused by name)', () => {
    const { backend } = countingBackend();
    expect(() => tensor(new Float32Array([1]), [1], { backend, dtyp: 'float32' } as never)).toThrow(/unknown option 'dtyp'/);
    const x = tensor(new Float32Array([1, 2]), [2], { backend });
    x.requiresGrad = true;
    expect(() => backward(sum(x), { retain: true } as never)).toThrow(/backward: unknown option 'retain'/);
  });

  it('a frozen options object (the data-parallel Trainer\'s onLeafGrad) is checked on first use only; an unfrozen one every time', () => {
    const { backend } = countingBackend();
    const x = tensor(new Float32Array([1, 2]), [2], { backend });
    x.requiresGrad = true;
    const leaves: number[] = [];
    // the check reads `onLeafGrad` once per call beside backward's own read: count the reads
    let reads = 0;
    const hook = (_leaf: unknown, g: { size: number } | null): void => void leaves.push(g?.size ?? -1);
    const frozen = Object.freeze(Object.defineProperty({}, 'onLeafGrad', { get: () => (reads++, hook), enumerable: true }));
    const open = Object.defineProperty({}, 'onLeafGrad', { get: () => (reads++, hook), enumerable: true });
    const readsPer = (o: object): number[] =>
      [0, 1, 2].map(() => {
        const r0 = reads;
        backward(sum(mul(x, 3)), o as never);
        return reads - r0;
      });
    const f = readsPer(frozen);
    const u = readsPer(open);
    expect(f[1]).toBe(f[2]);
    expect(f[0]).toBeGreaterThan(f[1]!); // the first call checked it, the later ones did not
    expect(u).toEqual([f[0], f[0], f[0]]); // an object that may change is checked every time
    expect(leaves).toEqual([2, 2, 2, 2, 2, 2]);
    // a frozen object with a wrong key is still refused, every time (never recorded as checked)
    const bad = Object.freeze({ retain: true });
    for (let k = 0; k < 2; k++) expect(() => backward(sum(x), bad as never)).toThrow(/backward: unknown option 'retain'/);
  });
});
