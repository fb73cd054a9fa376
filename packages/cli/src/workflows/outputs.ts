import { closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ConfigError, FormatError, RnnError } from '@rnn/core';
import type { Io } from '../command.js';

/**
 * A trained model is never lost to a path that cannot be written. Every `rnn train` workflow
 * checks its output paths before it trains (`checkOutputs`: the folder is made, a probe file
 * written and removed), and writes the model through `saveModel`, which falls back to a rescue
 * path when the write still fails (a disk that filled, a folder replaced meanwhile).
 */

/** The final model write failed; the model was written to `rescued` instead. Exit status 1. */
export class SaveError extends RnnError {
  constructor(
    message: string,
    readonly rescued: string | null,
  ) {
    super('E_SAVE', message);
  }
}

const reason = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}` : String(e.message ?? err);
};

/** `mkdir -p` one level at a time (Node's recursive mkdir never returns under /proc); null or why not. */
function makeFolder(dir: string): string | null {
  if (existsSync(dir)) return statSync(dir).isDirectory() ? null : `${dir} is a file, not a folder`;
  const parent = dirname(dir);
  if (parent !== dir) {
    const why = makeFolder(parent);
    if (why) return why;
  }
  try {
    mkdirSync(dir);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EEXIST' ? null : `cannot create the folder ${dir} (${reason(err)})`;
  }
}

/** Why a file cannot be written at `path`, or null: makes its folder and writes and removes a probe file there. */
export function unwritable(path: string): string | null {
  if (existsSync(path) && statSync(path).isDirectory()) return 'is a folder; give a file path in it, e.g. ' + join(path, 'model.safetensors');
  const dir = dirname(resolve(path));
  const why = makeFolder(dir);
  if (why) return why;
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
    return null;
  } catch (err) {
    return `cannot write in the folder ${dir} (${reason(err)})`;
  }
}

/**
 * Refuse, before any training, output paths that cannot be written: `{ out: 'm.safetensors',
 * checkpoint: …, plot: … }` by flag name (unset ones are skipped). Their folders are made.
 */
export function checkOutputs(outputs: Readonly<Record<string, string | null | undefined>>): void {
  for (const [flag, path] of Object.entries(outputs)) {
    if (!path) continue;
    const why = unwritable(path);
    if (why) throw new ConfigError(`--${flag} ${path}: ${why}; choose a path that can be written (nothing was trained)`);
  }
}

/** Where a model that could not be written at `path` goes: beside it, in the working folder, in the OS temp folder. */
export function rescuePaths(path: string, now = new Date()): string[] {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '');
  const name = `rnn-rescued-${stamp}-${process.pid}${extname(path) || '.safetensors'}`;
  const dirs = [dirname(resolve(path)), process.cwd(), tmpdir()];
  return [...new Set(dirs.map((d) => join(d, name)))];
}

export interface Saved {
  /** Where the file is: `path`, or the rescue path. */
  path: string;
  /** Set when the file is not at `path`: throw it once the run has reported what it did. */
  error: SaveError | null;
}

/**
 * Write a file a run must not lose (the model, a checkpoint) with `write`; if that fails, write it
 * to the first rescue path that works, say so on stderr at once, and return the error to throw at
 * the end (exit 1). If no rescue path works either, throws.
 */
export async function saveModel(
  io: Io,
  flag: string,
  path: string,
  write: (path: string) => void | Promise<void>,
  candidates: readonly string[] = rescuePaths(path),
): Promise<Saved> {
  let first: unknown;
  try {
    await write(path);
    return { path, error: null };
  } catch (err) {
    first = err;
  }
  for (const p of candidates) {
    try {
      await write(p);
    } catch {
      continue;
    }
    const message = `could not write --${flag} ${path} (${reason(first)}); the trained model was saved to ${p} instead`;
    io.stderr.write(`rnn: ${message}\n`);
    return { path: p, error: new SaveError(`${message} — move it where you want it`, p) };
  }
  throw new SaveError(`could not write --${flag} ${path} (${reason(first)}), nor a rescue copy to ${candidates.join(', ')}; the model is lost`, null);
}

/** The file type of `--output` (`.csv` or `.json`); a FormatError for any other. */
export function outputType(out: string): '.csv' | '.json' {
  const ext = extname(out).toLowerCase();
  if (ext !== '.csv' && ext !== '.json') throw new FormatError(`--output ${out}: unsupported file type '${ext || '(none)'}', expected .csv or .json`);
  return ext;
}
