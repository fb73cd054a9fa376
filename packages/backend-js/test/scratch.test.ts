import { describe, expect, it } from 'vitest';
import { scratch64, scratchLike } from '../src/scratch.js';

describe('scratch', () => {
  it('hands out the same memory for a slot again, and a bigger buffer when asked for more', () => {
    const a = scratch64('test.a', 10);
    a[3] = 42;
    const b = scratch64('test.a', 8);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(8);
    expect(b[3]).toBe(42); // not zeroed: callers overwrite or fill
    const c = scratch64('test.a', 100);
    expect(c.length).toBe(100);
    expect(scratch64('test.a', 50).buffer).toBe(c.buffer);
  });

  it('keeps slots and float types apart', () => {
    const x = scratch64('test.b', 4);
    expect(scratch64('test.c', 4).buffer).not.toBe(x.buffer);
    const f = scratchLike(new Float32Array(1), 'test.b', 4);
    expect(f).toBeInstanceOf(Float32Array);
    expect(scratchLike(new Float64Array(1), 'test.b', 4).buffer).toBe(x.buffer);
  });
});
