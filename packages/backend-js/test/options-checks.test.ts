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
});
