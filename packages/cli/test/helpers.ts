import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { main } from '../src/main.js';

export const GOLDEN = new URL('../../layers/test/golden/', import.meta.url).pathname;

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'rnn-cli-'));
}

/** Run the CLI in-process, capturing stdout/stderr. */
export async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(args, { stdout: out, stderr: err });
  return { code, stdout, stderr };
}

const SST = new URL('../../../data/sst/', import.meta.url).pathname;

/** The first `n` trees of a bundled SST file (`train`, `dev`, `test`), as a plain text file in `dir`. */
export function sstSlice(name: string, n: number, dir: string): string {
  const lines = gunzipSync(readFileSync(join(SST, `${name}.txt.gz`))).toString('utf8').split('\n').slice(0, n);
  const path = join(dir, `${name}.txt`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const WNUT = new URL('../../../data/wnut17/', import.meta.url).pathname;

/** The first `n` sentences of a bundled WNUT17 file (`train`, `dev`, `test`), as a plain CoNLL file `NAME.conll` in `dir`. */
export function wnutSlice(name: string, n: number, dir: string): string {
  const lines = gunzipSync(readFileSync(join(WNUT, `${name}.conll.gz`))).toString('utf8').split('\n');
  const out: string[] = [];
  let sentences = 0;
  for (const l of lines) {
    out.push(l);
    if (l.trim() === '' && ++sentences === n) break;
  }
  const path = join(dir, `${name}.conll`);
  writeFileSync(path, out.join('\n') + '\n');
  return path;
}
