import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readCheckpoint } from '../src/workflows/checkpoint.js';
import { run, tmp } from './helpers.js';

/** When `left` >= 0, writes stop after that many more bytes with ENOSPC: a disk filling up mid-write. */
const fault = vi.hoisted(() => ({ left: -1 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buf: Uint8Array, off?: number | null, len?: number | null) => {
    const from = off ?? 0;
    const size = len ?? buf.length - from;
    if (fault.left < 0) return fs.writeSync(fd, buf, from, size);
    const n = fs.writeSync(fd, buf, from, Math.min(size, fault.left));
    fault.left -= n;
    if (fault.left === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return n;
  }) as typeof fs.writeSync;
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

describe('checkpoint atomicity', () => {
  it('a write that fails halfway leaves the previous checkpoint whole at the path, and no temporary file', async () => {
    const dir = tmp();
    const text = join(dir, 'small.txt');
    writeFileSync(text, readFileSync(new URL('../../../data/tinyshakespeare/first-50k.txt', import.meta.url), 'utf8').slice(0, 2000));
    const ckpt = join(dir, 'c.safetensors');
    const base = ['train', '--text', text, '--seq-len', '20', '--hidden', '8', '--layers', '1', '--embedding', '4', '--checkpoint', ckpt];
    expect((await run([...base, '--out', join(dir, 'a.safetensors'), '--epochs', '1'])).code).toBe(0);
    const good = readFileSync(ckpt);
    expect((await readCheckpoint(ckpt)).state.epoch).toBe(1);

    fault.left = Math.floor(good.length / 2);
    const r = await run([...base, '--out', join(dir, 'b.safetensors'), '--epochs', '2', '--resume', ckpt]);
    fault.left = -1;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOSPC/);
    expect(readFileSync(ckpt).equals(good)).toBe(true);
    expect((await readCheckpoint(ckpt)).state.epoch).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['a.safetensors', 'c.safetensors', 'small.txt']);
  });
});
