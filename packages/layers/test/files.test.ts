import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sequential, dense, lstm, sequential, writeFileAtomic } from '../src/index.js';
import './setup.js';

describe('saving into a folder that does not exist yet', () => {
  it('writeFileAtomic creates the missing folders', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-files-')), 'a', 'b', 'c.txt');
    writeFileAtomic(path, 'hello');
    expect(readFileSync(path, 'utf8')).toBe('hello');
  });

  it('model.save creates the folder instead of failing on ENOENT for its temporary file', async () => {
    const m = sequential([lstm({ hiddenSize: 3 }), dense({ units: 1 })]).build({ inputSize: 2, seed: 1 });
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-files-')), 'new', 'dir', 'm.safetensors');
    await m.save(path);
    expect(existsSync(path)).toBe(true);
    expect((await Sequential.load(path)).config()).toEqual(m.config());
  });
});

describe('a folder that cannot be made', () => {
  it('fails at once with the OS error (not a hang: recursive mkdir loops for ever under /proc)', () => {
    expect(() => writeFileAtomic('/proc/rnn-no-such/dir/m.txt', 'x')).toThrow(/ENOENT/);
    const file = join(mkdtempSync(join(tmpdir(), 'rnn-files-')), 'f');
    writeFileAtomic(file, 'x');
    expect(() => writeFileAtomic(join(file, 'sub', 'm.txt'), 'x')).toThrow(/ENOTDIR/);
  });
});

describe('a rename that fails', () => {
  it('leaves no temporary file behind (the target is a folder)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-files-'));
    mkdirSync(join(dir, 'model.safetensors'));
    mkdirSync(join(dir, 'model.safetensors', 'inside'));
    expect(() => writeFileAtomic(join(dir, 'model.safetensors'), 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });
});
