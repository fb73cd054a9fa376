// The native backend's whole-mini-batch Tree-LSTM kernels (treeBatchForward/Backward): the reserve's
// life cycle. Values are checked by the conformance suite (core's fused-tree-batch cases).
import { spawnSync } from 'node:child_process';
import { expect, it, vi } from 'vitest';
import { ParameterSet, backward, mul, sum, tensor, type TreeBatchArgs, type TreeSchedule } from '@rnn/core';
import { DEFAULT_ADDON_PATH, loadAddon } from '../src/index.js';
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

/** `trees` complete binary trees over `leaves` leaves each, words on the leaves: levels of 2·leaves, leaves, ... rows. */
function forest(trees: number, leaves: number): TreeSchedule {
  const levelStart = [0];
  const left: number[] = [];
  const right: number[] = [];
  let width = trees * leaves;
  for (let i = 0; i < width; i++) left.push(-1), right.push(-1);
  levelStart.push(width);
  let prev = 0;
  while (width > trees) {
    for (let i = 0; i < width / 2; i++) left.push(prev + 2 * i), right.push(prev + 2 * i + 1);
    prev += width;
    width /= 2;
    levelStart.push(left.length);
  }
  const i32 = (v: number[]) => Int32Array.from(v);
  return { levelStart: i32(levelStart), left: i32(left), right: i32(right), wordRow: i32(Array.from({ length: trees * leaves }, (_, k) => k)) };
}

describeNative('tree batch kernels across threads', (b) => {
  it('give the same bits on 2 threads as on 1 (levels, packing, column sums and word rows split across the pool)', () => {
    // H 100, I 150: wide enough that every split of the kernels runs (pack_panels, column sums, tree_gemm)
    const a = args(forest(2, 64), 150, 100);
    const dh = T(Float32Array.from(rand(a.plan.left.length * 100, 7, -1, 1)), [a.plan.left.length, 100]);
    const run = (threads: number) => {
      b.setNumThreads(threads);
      const fwd = b.treeBatchForward(a);
      const out = [fwd.h, fwd.c].map((s) => Float32Array.from(s as Float32Array));
      const g = b.treeBatchBackward({ ...a, forward: fwd, dh, dc: null });
      return [...out, g.dx, g.dWeight, g.dWeightH, g.dBias].map((s) => Array.from(s as Float32Array));
    };
    const before = b.info().threads;
    try {
      const one = run(1);
      const two = run(2);
      expect(one[0]!.some((v) => v !== 0)).toBe(true);
      // the first element that differs (-1: none), not a diff of 20,000-element arrays
      const differs = (x: number[], y: number[]) => (x.length !== y.length ? -2 : x.findIndex((v, k) => !Object.is(v, y[k])));
      ['h', 'c', 'dx', 'dWeight', 'dWeightH', 'dBias'].forEach((name, i) => expect(differs(two[i]!, one[i]!), name).toBe(-1));
    } finally {
      b.setNumThreads(before!);
    }
  });

  it('addInPlace adds src into dst (a view of a larger buffer), also when src aliases dst', () => {
    const flat = Float32Array.of(1, 2, 3, 4, 5, 6);
    const view = flat.subarray(2, 5);
    b.addInPlace(T(view, [3]), T(Float32Array.of(10, 20, 30), [3]));
    expect(Array.from(flat)).toEqual([1, 2, 13, 24, 35, 6]);
    b.addInPlace(T(view, [3]), T(flat.subarray(1, 4), [3])); // reads 2, 13, 24 before writing
    expect(Array.from(flat)).toEqual([1, 2, 15, 37, 59, 6]);
    const big = new Float64Array(200_000).fill(0.5);
    b.addInPlace(T(big, [200_000], 'float64'), T(new Float64Array(200_000).fill(0.25), [200_000], 'float64'));
    expect(big.every((v) => v === 0.75)).toBe(true);
    expect(() => b.addInPlace(T(view, [3]), T(Float64Array.of(1, 2, 3), [3], 'float64'))).toThrow(/declared float32|float64/);
  });
});

describeNative('the flat gradient buffer on the native backend', (b) => {
  it('backward adds each gradient into its view in place (addInPlace: no add into new storage, no copy back), zeroGrad fills in place', () => {
    const ps = new ParameterSet([{ name: 'a', shape: [3], init: [1, 2, 3] }, { name: 'b', shape: [2], init: [4, 5] }], { backend: b });
    const add = vi.spyOn(b, 'addInPlace');
    const assign = vi.spyOn(b, 'assign');
    const fill = vi.spyOn(b, 'fill');
    try {
      ps.zeroGrad();
      for (let k = 0; k < 2; k++) {
        const x = tensor([1, 10, 100], [3], { backend: b });
        backward(sum(mul(ps.get('a'), x)));
        backward(sum(mul(ps.get('b'), ps.get('b'))));
      }
      expect(Array.from(ps.grads.data())).toEqual([2, 20, 200, 16, 20]);
      expect(add).toHaveBeenCalledTimes(4);
      expect(assign).not.toHaveBeenCalled();
      ps.zeroGrad();
      expect(Array.from(ps.grads.data())).toEqual([0, 0, 0, 0, 0]);
      expect(fill.mock.calls.filter(([size]) => size === ps.size)).toEqual([]); // (backward's seeds are fills of 1)
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describeNative('fills split across the pool (issue 22: the serial part of a tree-net step)', (b) => {
  it('fillInPlace sets every element, float32 and float64 views, and refuses other dtypes by name', () => {
    const flat = new Float32Array(200_003).fill(3);
    b.fillInPlace!(T(flat.subarray(1, 200_002), [200_001]), 0.5);
    expect([flat[0], flat[1], flat[100_000], flat[200_001], flat[200_002]]).toEqual([3, 0.5, 0.5, 0.5, 3]);
    expect(flat.subarray(1, 200_002).every((v) => v === 0.5)).toBe(true);
    const d = new Float64Array(5).fill(1);
    b.fillInPlace!(T(d, [5], 'float64'), -2);
    expect(Array.from(d)).toEqual([-2, -2, -2, -2, -2]);
    expect(() => loadAddon().fillInPlace!(new Int32Array(4), 0)).toThrow(/fillInPlace: dst must be float32 or float64/);
  });

  it("zeroGrad's fill and scatter-add's zero fill of a large gradient run as split regions at 2 threads, with the same bits as 1", () => {
    // a fresh process: the counters run only with RNN_POOL_STATS=1 set at load
    const script = `const core = await import('@rnn/core'); await core.ready(); const b = core.setBackend('native');
      const a = (await import('@rnn/backend-native')).loadAddon();
      const out = {};
      for (const t of [1, 2]) {
        b.setNumThreads(t);
        const ps = new core.ParameterSet([{ name: 'e', shape: [4000, 150] }], { backend: b });
        ps.grads.data().fill(1);
        const r0 = a.poolStats().regions;
        ps.zeroGrad();
        const r1 = a.poolStats().regions;
        const g = core.scatterAdd(core.tensor(Int32Array.of(3999, 0, 3999), [3], { dtype: 'int32', backend: b }), core.ones([3, 150], { backend: b }), 4000);
        const r2 = a.poolStats().regions;
        const gd = g.data();
        out[t] = { zeroGrad: r1 - r0, scatterAdd: r2 - r1, zeros: ps.grads.data().every((v) => v === 0), sum: gd.reduce((s, v) => s + v, 0), last: gd[3999 * 150], first: gd[0] };
        out[t].same = t === 2 ? Buffer.compare(Buffer.from(gd.buffer, gd.byteOffset, gd.byteLength), out.g1) === 0 : undefined;
        if (t === 1) out.g1 = Buffer.from(gd.slice().buffer);
      }
      delete out.g1;
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, RNN_POOL_STATS: '1' }, encoding: 'utf8', cwd: new URL('.', import.meta.url) });
    expect(r.status, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout) as Record<string, { zeroGrad: number; scatterAdd: number; zeros: boolean; sum: number; last: number; first: number; same?: boolean }>;
    expect(st['1']).toMatchObject({ zeroGrad: 0, scatterAdd: 0, zeros: true, sum: 450, last: 2, first: 1 });
    expect(st['2']).toMatchObject({ zeroGrad: 1, scatterAdd: 1, zeros: true, sum: 450, last: 2, first: 1, same: true });
  });
});

describeNative('the pool counters (RNN_POOL_STATS)', () => {
  it('count split regions and the caller\'s CPU time inside them only when RNN_POOL_STATS=1', () => {
    if (process.env['RNN_POOL_STATS'] !== '1') expect(loadAddon().poolStats()).toMatchObject({ enabled: false, regions: 0, cpuMs: 0 });
    // in a fresh process with the variable set: 20 adds of 1 M elements on 2 threads are 20 split regions
    const script = `const a = require(${JSON.stringify(DEFAULT_ADDON_PATH)}); a.setNumThreads(2);
      const d = new Float32Array(1 << 20), s = new Float32Array(1 << 20).fill(1);
      for (let i = 0; i < 20; i++) a.addInPlace(d, s);
      console.log(JSON.stringify({ ...a.poolStats(), d: d[12345] }));`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, RNN_POOL_STATS: '1' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout) as { enabled: boolean; regions: number; cpuMs: number; threadCpuMs: number; d: number };
    expect(st).toMatchObject({ enabled: true, regions: 20, d: 20 });
    expect(st.cpuMs).toBeGreaterThan(0);
    expect(st.threadCpuMs).toBeGreaterThanOrEqual(st.cpuMs);
  });
});

describeNative('the tree batch schedule on the pool (RNN_POOL_STATS)', () => {
  it('runs every level of a call in one team region: as many split regions for 9 levels as for 3', () => {
    // 4,096 words either way (the same word-row products); 16 trees of 256 leaves have 9 levels,
    // 1,024 trees of 4 leaves 3. One region per level would make the first 6 regions longer per call.
    const script = `const a = require(${JSON.stringify(DEFAULT_ADDON_PATH)}); a.setNumThreads(2);
      const forest = (trees, leaves) => {
        const levelStart = [0], left = [], right = [];
        let width = trees * leaves, prev = 0;
        for (let i = 0; i < width; i++) left.push(-1), right.push(-1);
        levelStart.push(width);
        while (width > trees) {
          for (let i = 0; i < width / 2; i++) left.push(prev + 2 * i), right.push(prev + 2 * i + 1);
          prev += width; width /= 2; levelStart.push(left.length);
        }
        return { levelStart: Int32Array.from(levelStart), left: Int32Array.from(left), right: Int32Array.from(right),
                 wordRow: Int32Array.from({ length: trees * leaves }, (_, k) => k) };
      };
      const I = 32, H = 32, f = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) / 4);
      const count = (trees, leaves) => {
        const p = forest(trees, leaves);
        const o = { ...p, input: I, hidden: H, x: f(p.wordRow.length * I), weight: f(5 * H * I), weightH: f(10 * H * H), bias: f(5 * H) };
        const r0 = a.poolStats().regions;
        const fwd = a.treeBatchForward({ ...o, training: true });
        const r1 = a.poolStats().regions;
        a.treeBatchBackward({ ...o, h: fwd.h, c: fwd.c, reserve: fwd.reserve, dh: f(p.left.length * H), dc: null });
        return { levels: p.levelStart.length - 1, forward: r1 - r0, backward: a.poolStats().regions - r1 };
      };
      count(16, 256); // the workspaces grow once
      console.log(JSON.stringify([count(16, 256), count(1024, 4)]));`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, RNN_POOL_STATS: '1' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [deep, shallow] = JSON.parse(r.stdout) as { levels: number; forward: number; backward: number }[];
    expect([deep!.levels, shallow!.levels]).toEqual([9, 3]);
    expect(deep!.forward).toBeGreaterThan(0);
    expect(deep!.forward).toBe(shallow!.forward);
    expect(deep!.backward).toBe(shallow!.backward);
  });

  it("backward's copy of dh and zero fill of dc run as one split region when large (issue 22: the serial part)", () => {
    // 1,024 and 256 trees of 4 leaves: the same regions (levels, products, column sums, word rows)
    // except the [N, H] passes over dh and dc, split only at N·H >= 2 · 64 Ki (7,168 · 32, not 1,792 · 32)
    const script = `const a = require(${JSON.stringify(DEFAULT_ADDON_PATH)}); a.setNumThreads(2);
      const forest = (trees) => {
        const levelStart = [0, trees * 4, trees * 6, trees * 7], left = [], right = [];
        for (let i = 0; i < trees * 4; i++) left.push(-1), right.push(-1);
        for (let i = 0; i < trees * 2; i++) left.push(2 * i), right.push(2 * i + 1);
        for (let i = 0; i < trees; i++) left.push(trees * 4 + 2 * i), right.push(trees * 4 + 2 * i + 1);
        return { levelStart: Int32Array.from(levelStart), left: Int32Array.from(left), right: Int32Array.from(right),
                 wordRow: Int32Array.from({ length: trees * 4 }, (_, k) => k) };
      };
      const I = 32, H = 32, f = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) / 4);
      const count = (trees) => {
        const p = forest(trees);
        const o = { ...p, input: I, hidden: H, x: f(p.wordRow.length * I), weight: f(5 * H * I), weightH: f(10 * H * H), bias: f(5 * H) };
        const fwd = a.treeBatchForward({ ...o, training: true });
        const r0 = a.poolStats().regions;
        a.treeBatchBackward({ ...o, h: fwd.h, c: fwd.c, reserve: fwd.reserve, dh: f(p.left.length * H), dc: null });
        return a.poolStats().regions - r0;
      };
      count(1024); count(256); // the workspaces grow once
      console.log(JSON.stringify([count(1024), count(256)]));`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, RNN_POOL_STATS: '1' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [large, small] = JSON.parse(r.stdout) as number[];
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small! + 1);
  });
});
