import { FormatError, RnnError } from '@rnn/core';

/**
 * The file system as the library uses it: read a file, write one atomically, gunzip. Node's
 * entry (`platform/node.ts`, loaded by `@rnn/layers` under the `node` export condition) installs
 * it; a browser bundle gets `@rnn/layers`' browser entry, which never imports `node:*`, and these
 * calls say to use bytes instead (`model.toBytes()`, `Sequential.fromBytes(bytes)`).
 */
export interface FileAccess {
  /** The whole file (errors keep Node's `code`: `ENOENT`, `EISDIR`). */
  readFile(path: string): Uint8Array;
  /** Write atomically: a crash leaves the old file or the new one, whole. */
  writeFile(path: string, data: Uint8Array | string): void;
  /** Inflate gzip, refusing output past `maxOutputLength` bytes. */
  gunzip(bytes: Uint8Array, maxOutputLength: number): Uint8Array;
}

/** A file path was given where there is no file system (a browser). */
export class PlatformError extends RnnError {
  constructor(message: string) {
    super('E_PLATFORM', message);
  }
}

let installed: FileAccess | null = null;

export function setFileAccess(access: FileAccess): void {
  installed = access;
}

/** The file system, or a `PlatformError` saying what to do instead; `what` is the call (`model.save(path)`). */
export function files(what: string, instead: string): FileAccess {
  if (installed) return installed;
  throw new PlatformError(
    `${what} needs a file system, and this is not Node (the browser build of @rnn/layers has none); ${instead}`,
  );
}

/**
 * A file's bytes as UTF-8 text, gunzipped first when they are gzip (by the magic bytes, whatever the
 * name). `what` names the expected content in the folder error; `call` and `instead` are `files`'s.
 */
export function readTextAt(path: string, what: string, call: string, instead: string): string {
  const fs = files(call, instead);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFile(path);
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'ENOENT') throw new FormatError(`${path}: no such file`);
    if (e.code === 'EISDIR') throw new FormatError(`${path}: is a directory, expected ${what}`);
    throw err;
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // bounded: a small hostile .gz must not inflate without limit (256 MiB is far above any corpus here)
      bytes = fs.gunzip(bytes, 256 * 2 ** 20);
    } catch (err) {
      throw new FormatError(`${path}: looks like gzip but does not decompress: ${(err as Error).message}`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${path}: is not UTF-8 text`);
  }
}

/** What to say instead of a sequence model's file calls. */
export const USE_BYTES = 'use model.toBytes() to get the model file as bytes, and Sequential.fromBytes(bytes) to load it';
