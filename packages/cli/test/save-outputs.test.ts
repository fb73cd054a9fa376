import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '@rnn/core';
import { main } from '../src/main.js';
import { SaveError, checkOutputs, saveModel } from '../src/workflows/outputs.js';
import { run, tmp } from './helpers.js';

/**
 * A trained model is never lost: --out into a folder that does not exist is made; a path that
 * cannot be written is refused before training; a final write that still fails goes to a rescue
 * path, named on stderr, exit 1.
 *
 * The tests run as root, where chmod does not stop a write, so "cannot be written" is made in
 * ways the kernel refuses to root too: a path under a regular file (ENOTDIR), a folder under
 * /proc (mkdir there fails with ENOENT for everyone), and a path that is a folder.
 */

const DATA = new URL('../../../data/', import.meta.url).pathname;
const AIR = join(DATA, 'airpassengers/airpassengers.csv');
const G = new URL('../../layers/test/golden/', import.meta.url).pathname;
const CSV = ['train', '--csv', AIR, '--target', 'passengers_thousands', '--hidden', '4', '--epochs', '2', '--val-split', '24', '--test-split', '24'];
const ARRAYS = ['train', '--model', join(G, 'train-mse-adam.init.safetensors'), '--x', join(G, 'train-mse-adam.x.json'), '--y', join(G, 'train-mse-adam.y.json')];

function smallText(dir: string): string {
  const p = join(dir, 'small.txt');
  writeFileSync(p, readFileSync(join(DATA, 'tinyshakespeare/first-50k.txt'), 'utf8').slice(0, 2000));
  return p;
}

function sstSlice(dir: string): string {
  const p = join(dir, 'trees.txt');
  writeFileSync(p, gunzipSync(readFileSync(join(DATA, 'sst/dev.txt.gz'))).toString('utf8').split('\n').slice(0, 20).join('\n') + '\n');
  return p;
}

describe('--out into a folder that does not exist', () => {
  it('is made, in every workflow, and the model ends on disk', async () => {
    const dir = tmp();
    const cases: [string, string[]][] = [
      ['arrays', ARRAYS],
      ['csv', [...CSV, '--plot', join(dir, 'plots', 'new', 'loss.svg')]],
      ['text', ['train', '--text', smallText(dir), '--seq-len', '16', '--hidden', '4', '--layers', '1', '--embedding', '4', '--epochs', '1']],
      ['trees', ['train', '--trees', sstSlice(dir), '--hidden', '4', '--embedding', '4', '--epochs', '1']],
      ['sequences', ['train', '--sequences', join(DATA, 'indoor-movement/sequences.csv'), '--labels', join(DATA, 'indoor-movement/labels.csv'), '--hidden', '4', '--epochs', '1']],
    ];
    for (const [name, args] of cases) {
      const out = join(dir, 'missing', name, 'deeper', 'm.safetensors');
      const ckpt = join(dir, 'missing-ckpt', name, 'c.safetensors');
      const r = await run([...args, '--out', out, '--checkpoint', ckpt]);
      expect(r.stderr, name).not.toMatch(/ENOENT|error/i);
      expect(r.code, name).toBe(0);
      expect(readFileSync(out).length, name).toBeGreaterThan(100);
      expect(existsSync(ckpt), name).toBe(true);
    }
    expect(existsSync(join(dir, 'plots', 'new', 'loss.svg'))).toBe(true);
  });
});

describe('an --out that cannot be written is refused before training', () => {
  const dir = tmp();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  mkdirSync(join(dir, 'a-folder'));
  const cases: [string, string, RegExp][] = [
    ['a parent is a file', join(file, 'm.safetensors'), /^rnn: --out \S+a-file\/m\.safetensors: \S+a-file is a file, not a folder; choose a path that can be written \(nothing was trained\)\n$/],
    ['a folder under /proc (refused to root too)', '/proc/rnn-no-such/m.safetensors', /^rnn: --out \/proc\/rnn-no-such\/m\.safetensors: cannot create the folder \/proc\/rnn-no-such \(ENOENT: no such file or directory\); choose a path that can be written \(nothing was trained\)\n$/],
    ['a file in /proc itself', '/proc/m.safetensors', /^rnn: --out \/proc\/m\.safetensors: cannot write in the folder \/proc \(ENOENT: no such file or directory\); choose a path/],
    ['the path is a folder', join(dir, 'a-folder'), /^rnn: --out \S+a-folder: is a folder; give a file path in it, e\.g\. \S+a-folder\/model\.safetensors; choose a path/],
  ];
  for (const [what, out, re] of cases) {
    it(`${what}: exit 1, one line, no epoch ran`, async () => {
      for (const args of [[...CSV, '--json'], [...ARRAYS, '--json']]) {
        const r = await run([...args, '--out', out]);
        expect(r.stderr).toMatch(re);
        expect(r.code).toBe(1);
        expect(r.stdout).not.toContain('"event":"epoch"');
      }
    });
  }

  it('--checkpoint and --plot are checked too', async () => {
    const c = await run([...CSV, '--out', join(dir, 'ok.safetensors'), '--checkpoint', join(file, 'c.safetensors')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^rnn: --checkpoint \S+a-file\/c\.safetensors: \S+a-file is a file/);
    const p = await run([...CSV, '--out', join(dir, 'ok.safetensors'), '--plot', '/proc/rnn-no-such/loss.svg']);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/^rnn: --plot \/proc\/rnn-no-such\/loss\.svg: cannot create the folder/);
    expect(existsSync(join(dir, 'ok.safetensors'))).toBe(false);
  });
});

describe('a final write that fails anyway', () => {
  it('saves the model to a rescue path beside --out, says where, exits 1 (the destination became a folder during training)', async () => {
    const dir = tmp();
    const out = join(dir, 'm.safetensors');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let so = '';
    let se = '';
    stderr.on('data', (d) => (se += d));
    stdout.on('data', (d) => {
      so += d;
      // after the checks before training passed: the path turns into a folder
      if (!existsSync(out)) mkdirSync(out);
    });
    const code = await main([...CSV, '--out', out, '--json'], { stdout, stderr });
    expect(code).toBe(1);
    expect(so).toContain('"event":"epoch"');
    const rescued = readdirSync(dir).filter((n) => n.startsWith('rnn-rescued-'));
    expect(rescued).toHaveLength(1);
    const path = join(dir, rescued[0]!);
    expect(rescued[0]).toMatch(/^rnn-rescued-\d{8}-\d{6}-\d+\.safetensors$/);
    expect(readModelFile(new Uint8Array(readFileSync(path)), path).metadata['rnn.timeseries']).toBeDefined();
    // besides the progress lines (one per epoch: stderr is not a terminal here)
    const lines = se.trim().split('\n').filter((l) => !/^train epoch \d+\/\d+ /.test(l));
    expect(lines[0]).toBe(`rnn: could not write --out ${out} (EISDIR: illegal operation on a directory); the trained model was saved to ${path} instead`);
    expect(lines.at(-1)).toBe(`rnn: could not write --out ${out} (EISDIR: illegal operation on a directory); the trained model was saved to ${path} instead — move it where you want it`);
    // the run's summary names where the model is
    expect(JSON.parse(so.trim().split('\n').at(-1)!).out).toBe(path);
  });

  it('saveModel tries the rescue paths in order (beside --out, the working folder, the OS temp folder)', async () => {
    const dir = tmp();
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    let err = '';
    io.stderr.on('data', (d) => (err += d));
    const tried: string[] = [];
    const refuse = new Set(['/want/m.safetensors', '/beside/r.safetensors', '/cwd/r.safetensors']);
    const write = (p: string) => {
      tried.push(p);
      if (refuse.has(p)) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
      writeFileSync(join(dir, 'written'), p);
    };
    const s = await saveModel(io, 'out', '/want/m.safetensors', write, ['/beside/r.safetensors', '/cwd/r.safetensors', '/tmp-dir/r.safetensors']);
    expect(tried).toEqual(['/want/m.safetensors', '/beside/r.safetensors', '/cwd/r.safetensors', '/tmp-dir/r.safetensors']);
    expect(s.path).toBe('/tmp-dir/r.safetensors');
    expect(s.error).toBeInstanceOf(SaveError);
    expect(err).toBe('rnn: could not write --out /want/m.safetensors (EACCES: permission denied); the trained model was saved to /tmp-dir/r.safetensors instead\n');
    // nowhere at all: the error says so
    refuse.add('/tmp-dir/r.safetensors');
    await expect(saveModel(io, 'out', '/want/m.safetensors', write, ['/beside/r.safetensors', '/cwd/r.safetensors', '/tmp-dir/r.safetensors'])).rejects.toThrow(
      /could not write --out \/want\/m\.safetensors \(EACCES: permission denied\), nor a rescue copy to \/beside\/r\.safetensors, \/cwd\/r\.safetensors, \/tmp-dir\/r\.safetensors; the model is lost/,
    );
  });

  it('checkOutputs leaves no probe file behind', () => {
    const dir = tmp();
    checkOutputs({ out: join(dir, 'sub', 'm.safetensors'), plot: undefined });
    expect(readdirSync(join(dir, 'sub'))).toEqual([]);
  });
});

describe('a perfectly periodic series', () => {
  it('trains, writes the model and reports MASE as n/a with the reason (train and evaluate --csv exit 0)', async () => {
    const dir = tmp();
    const csv = join(dir, 'periodic.csv');
    const season = [5, 7, 9, 12, 15, 18, 20, 19, 16, 12, 8, 6];
    writeFileSync(csv, 'month,value\n' + Array.from({ length: 96 }, (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${season[i % 12]}`).join('\n') + '\n');
    const out = join(dir, 'm.safetensors');
    const t = await run(['train', '--csv', csv, '--target', 'value', '--epochs', '2', '--hidden', '4', '--out', out]);
    // nothing on stderr but the two progress lines: the undefined MASE is no error
    expect(t.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^train epoch 1\/2 /), expect.stringMatching(/^train epoch 2\/2 /)]);
    expect(t.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(t.stdout).toMatch(/^seasonal naive +0\.00 +0\.00 +n\/a {2}<- best$/m);
    expect(t.stdout).toContain('MASE n/a: its scale, the in-sample MAE of the seasonal-naive forecast (m = 12) before the validation part, is zero');
    const e = await run(['evaluate', '--model', out, '--csv', csv]);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('MASE n/a');
    const j = await run(['evaluate', '--model', out, '--csv', csv, '--json']);
    expect(j.code).toBe(0);
    const scores = JSON.parse(j.stdout);
    expect(scores.scores['seasonal naive'].mase).toBeNull();
    expect(scores.maseNote).toMatch(/is zero/);
    // a chart into a folder that cannot be made fails at once (Node's recursive mkdir never returns under /proc)
    const p = await run(['evaluate', '--model', out, '--csv', csv, '--plot', '/proc/rnn-no-such/a.svg']);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/ENOENT/);
  });
});
