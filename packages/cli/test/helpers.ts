import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
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
