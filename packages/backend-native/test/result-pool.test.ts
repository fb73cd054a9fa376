import * as core from '@rnn/core';
import { expect, it } from 'vitest';
import { T, describeNative } from './helpers.js';

// The addon's result pool (native/addon/addon.cpp ResultPool): a released result buffer is the next
// result of its size class, so loops that tidy their steps allocate nothing new per step.
describeNative('native backend: result pool', (b) => {
  const add = (x: Float32Array, y: Float32Array) => b.binary('add', T(x, [x.length]), T(y, [y.length]), [x.length]) as Float32Array;

  it('a disposed result buffer is written by the next result of its size, with the right values', () => {
    const one = new Float32Array(1000).fill(1);
    const r1 = add(one, one);
    b.dispose(r1);
    const r2 = add(one, new Float32Array(1000).fill(2));
    expect(r2.buffer).toBe(r1.buffer);
    expect(r2.every((v) => v === 3)).toBe(true);
    // a size of another class does not take it
    b.dispose(r2);
    const r3 = add(new Float32Array(1400).fill(1), new Float32Array(1400).fill(1));
    expect(r3.buffer).not.toBe(r2.buffer);
  });

  it('size classes: a result a little shorter or longer (same class: 4 per octave) takes the buffer, and reads only its own length', () => {
    // 1000 floats = 4000 bytes: class 4096 (1024 floats); 999 and 1024 share it, 1025 does not
    const r1 = add(new Float32Array(1000).fill(1), new Float32Array(1000).fill(1));
    expect(r1.buffer.byteLength).toBe(4096);
    b.dispose(r1);
    const r2 = add(new Float32Array(999).fill(2), new Float32Array(999).fill(2));
    expect(r2.buffer).toBe(r1.buffer);
    expect(r2.length).toBe(999);
    expect(r2.every((v) => v === 4)).toBe(true);
    b.dispose(r2);
    const r3 = add(new Float32Array(1024).fill(1), new Float32Array(1024).fill(2));
    expect(r3.buffer).toBe(r1.buffer);
    expect(r3.length).toBe(1024);
    b.dispose(r3);
    expect(add(new Float32Array(1025), new Float32Array(1025)).buffer).not.toBe(r1.buffer);
    // another dtype of the same bytes shares it too (a buffer is bytes)
    const i = b.fill(1000, 'int32', 7) as Int32Array;
    expect(i.buffer).toBe(r1.buffer);
    expect(i.every((v) => v === 7)).toBe(true);
  });

  it('keeps its bookkeeping bounded over many releases and takes', () => {
    const addon = (b as unknown as { addon: { poolOrderEntries(): number } }).addon;
    const x = new Float32Array(256).fill(1);
    for (let i = 0; i < 20000; i++) b.dispose(add(x, x));
    expect(addon.poolOrderEntries()).toBeLessThan(2000);
  });

  it('takes back its own results and whole-buffer arrays, never a view someone made, and a buffer only once', () => {
    const addon = (b as unknown as { addon: { recycle(a: unknown): boolean; pooledBytes(): number } }).addon;
    const r = add(new Float32Array(100).fill(1), new Float32Array(100).fill(1)); // 400 bytes: class 448
    expect(r.buffer.byteLength).toBe(448);
    // a view of its first elements, made outside the backend: same buffer, offset 0, not the pool's array
    expect(addon.recycle(new Float32Array(r.buffer, 0, 10))).toBe(false);
    expect(addon.recycle(r)).toBe(true);
    expect(addon.recycle(r)).toBe(false); // given twice: held once
    const whole = new Float64Array(16);
    expect(addon.recycle(whole)).toBe(true);
    expect(addon.recycle(new Float32Array(8))).toBe(false); // under 64 bytes
    expect(addon.recycle(new Float32Array(new ArrayBuffer(400), 0, 50))).toBe(false); // not whole, not ours
    const taken = b.fill(32, 'float32', 1) as Float32Array; // 128 bytes: the Float64Array's class
    expect(taken.buffer).toBe(whole.buffer);
  });

  it('fill (zeros, full) writes into a released buffer of its size, every element', () => {
    const r = add(new Float32Array(500).fill(1), new Float32Array(500).fill(1));
    b.dispose(r);
    const z = b.fill(500, 'float32', 0) as Float32Array;
    expect(z.buffer).toBe(r.buffer);
    expect(z.every((v) => v === 0)).toBe(true);
    b.dispose(z);
    const f = b.fill(500, 'float32', 2.5) as Float32Array;
    expect(f.buffer).toBe(r.buffer);
    expect(f.every((v) => v === 2.5)).toBe(true);
    expect((b.fill(7, 'int32', 0) as Int32Array).every((v) => v === 0)).toBe(true);
  });

  it('never recycles a view or an array it handed out views of', () => {
    const base = add(new Float32Array(64).fill(1), new Float32Array(64).fill(1));
    const v = b.view(T(base, [64]), 0, 64) as Float32Array;
    b.dispose(base);
    const next = add(new Float32Array(64).fill(1), new Float32Array(64).fill(5));
    expect(next.buffer).not.toBe(base.buffer);
    expect(v[0]).toBe(2);
    const part = b.view(T(next, [64]), 8, 32) as Float32Array;
    b.dispose(part);
    expect(add(new Float32Array(32), new Float32Array(32)).buffer).not.toBe(next.buffer);
  });

  it('allocationStats counts results, fill and write into pooled buffers (reused) apart from new ones (fresh, bytes)', () => {
    const one = new Float32Array(300).fill(1);
    let s0 = b.allocationStats();
    const diff = () => {
      const s = b.allocationStats();
      const d = { reused: s.reused - s0.reused, fresh: s.fresh - s0.fresh, freshBytes: s.freshBytes - s0.freshBytes };
      s0 = s;
      return d;
    };
    const r = add(one, one);
    expect(diff()).toEqual({ reused: 0, fresh: 1, freshBytes: 1200 });
    b.dispose(r);
    b.dispose(add(one, one)); // the same buffer again
    expect(diff()).toEqual({ reused: 1, fresh: 0, freshBytes: 0 });
    const w = b.write(one) as Float32Array; // write takes the released buffer too, and copies
    expect(w.buffer).toBe(r.buffer);
    expect(w.every((v) => v === 1)).toBe(true);
    const f = b.fill(300, 'float32', 0);
    expect(diff()).toEqual({ reused: 1, fresh: 1, freshBytes: 1200 });
    b.dispose(f);
    b.dispose(w);
    b.fill(300, 'float32', 3);
    b.write(one);
    expect(diff()).toEqual({ reused: 2, fresh: 0, freshBytes: 0 });
  });

  it('Tensor.dataInto copies into the caller\'s array (a subarray of a larger one) without a new one', () => {
    const t = core.tensor(Float32Array.from([1, 2, 3, 4]), [2, 2], { backend: b });
    const host = new Float32Array(7);
    const read = b.read.bind(b);
    let reads = 0;
    b.read = (x) => (reads++, read(x));
    try {
      t.dataInto(host.subarray(2, 6));
    } finally {
      b.read = read;
    }
    expect(reads).toBe(0);
    expect(Array.from(host)).toEqual([0, 0, 1, 2, 3, 4, 0]);
    expect(() => t.dataInto(new Float32Array(3))).toThrow(/dataInto\(\): expected a float32 array of 4 elements for float32\[2, 2\], found float32 of 3/);
    expect(() => t.dataInto(new Float64Array(4))).toThrow(/found float64 of 4/);
  });

  it('tidy: a loop of steps reuses its buffers and computes what it did without the pool', () => {
    core.setBackend('native');
    const r = new core.Rng(3);
    const w = core.tensor(Float32Array.from({ length: 32 * 32 }, () => r.next() - 0.5), [32, 32]);
    let h = core.tensor(Float32Array.from({ length: 8 * 32 }, () => r.next() - 0.5), [8, 32]);
    const expected: number[][] = [];
    let h2 = h;
    for (let i = 0; i < 5; i++) {
      h2 = core.tanh(core.matmul(h2, w));
      expected.push(Array.from(h2.data()));
    }
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < 5; i++) {
      const prev = h;
      h = core.tidy(() => core.tanh(core.matmul(h, w)));
      if (i > 0) prev.dispose();
      buffers.add((h.storage as Float32Array).buffer);
      expect(Array.from(h.data())).toEqual(expected[i]);
    }
    expect(buffers.size).toBeLessThan(5);
  });
});
