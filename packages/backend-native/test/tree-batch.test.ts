// The native backend's whole-mini-batch Tree-LSTM kernels (treeBatchForward/Backward): the reserve's
// life cycle. Values are checked by the conformance suite (core's fused-tree-batch cases).
import { expect, it } from 'vitest';
import type { TreeBatchArgs, TreeSchedule } from '@rnn/core';
import { T, describeNative, rand } from './helpers.js';

const plan = (): TreeSchedule => ({
  levelStart: Int32Array.of(0, 3, 4, 5),
  left: Int32Array.of(-1, -1, -1, 0, 3),
  right: Int32Array.of(-1, -1, -1, 1, 2),
  wordRow: Int32Array.of(0, 1, 2),
});

function args(p: TreeSchedule, I = 3, H = 4): TreeBatchArgs {
  const f = (n: number, seed: number) => Float32Array.from(rand(n, seed, -0.5, 0.5));
  return {
    plan: p,
    x: T(f(p.wordRow.length * I, 1), [p.wordRow.length, I]),
    weight: T(f(5 * H * I, 2), [5 * H, I]),
    weightH: T(f(10 * H * H, 3), [5 * H, 2 * H]),
    bias: T(f(5 * H, 4), [5 * H]),
    training: true,
  };
}

describeNative('tree batch kernels', (b) => {
  it('recycle a released reserve for the next training forward, and refuse a released one', () => {
    const a = args(plan());
    const first = b.treeBatchForward(a);
    const data = (first.reserve as { data: Float32Array }).data;
    expect(data.length).toBeGreaterThanOrEqual(5 * 7 * 4);
    b.disposeReserve(first.reserve);
    expect(() => b.treeBatchBackward({ ...a, forward: first, dh: null, dc: null })).toThrow(/already released with disposeReserve/);
    const second = b.treeBatchForward(a);
    expect((second.reserve as { data: Float32Array }).data).toBe(data);
    const g = b.treeBatchBackward({ ...a, forward: second, dh: T(new Float32Array(5 * 4).fill(1), [5, 4]), dc: null });
    expect((g.dWeightH as Float32Array).some((v) => v !== 0)).toBe(true);
  });

  it('refuse a backward with another plan than the forward, and an inference forward has no reserve', () => {
    const a = args(plan());
    const fwd = b.treeBatchForward(a);
    const other = { ...plan(), levelStart: Int32Array.of(0, 3, 4), left: Int32Array.of(-1, -1, -1, 0), right: Int32Array.of(-1, -1, -1, 1) };
    expect(() => b.treeBatchBackward({ ...args(other), forward: fwd, dh: null, dc: null })).toThrow(/belongs to a batch of 5 nodes, not 4/);
    expect(b.treeBatchForward({ ...a, training: false }).reserve).toBeNull();
  });
});
