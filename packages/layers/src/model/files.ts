import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { isWritingRank } from './distributed.js';

/**
 * Write a file so that a crash at any moment leaves either the old file or the new one, whole:
 * write a temporary file beside it (`.<name>.<pid>.<ms>.tmp`), fsync it, rename it over the
 * target, fsync the directory. A writer killed mid-write leaves its temporary file behind; the
 * next successful write to the same path removes those of processes that no longer exist.
 * A missing parent folder is created first, so that a long training run never ends on ENOENT.
 * In a data-parallel run only rank 0 writes (the other ranks hold the same model).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  if (!isWritingRank()) return;
  makeFolder(dirname(path));
  const name = `.${basename(path)}.${process.pid}.${Date.now()}.tmp`;
  const tmp = join(dirname(path), name);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    // e.g. `path` is a folder: nothing half-written stays behind
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* some filesystems do not allow fsync on directories */
  }
  removeStaleTemps(dirname(path), basename(path));
}

/**
 * `mkdir -p`, one level at a time: Node's `mkdirSync(dir, { recursive: true })` never returns for
 * a folder under /proc (mkdir there fails with ENOENT, which it takes for a missing parent).
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeFolder(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * Removes `.<base>.<pid>.<ms>.tmp` files left by writers that were killed mid-write. A file whose
 * process is still alive is kept (it may be writing now); so is one of this process made since it
 * started. A pid reused by an unrelated process keeps its stale file until that process exits;
 * writers in another pid namespace sharing the directory must not write the same path.
 */
function removeStaleTemps(dir: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  const started = Date.now() - process.uptime() * 1000;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid ? Number(m[2]) >= started - 1000 : isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      /* another writer removed it first */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
