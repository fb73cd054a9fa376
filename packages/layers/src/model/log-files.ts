import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValueError } from '@rnn/core';
import { isWritingRank } from './distributed.js';

const WHY: Record<string, string> = {
  EEXIST: 'a part of the path is a file, not a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EISDIR: 'it is a folder',
  ENOSPC: 'no space left on the device',
};

/** A write to a log file, its error turned into one line that names the file and the fix (rank 0 alone writes in a distributed run). */
export function logWrite(what: string, path: string, write: () => void): void {
  if (!isWritingRank()) return;
  try {
    write();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const why = e.code ? `${e.code}${WHY[e.code] ? `: ${WHY[e.code]}` : ''}` : (e.message ?? String(err));
    throw new ValueError(`${what} ${path}: cannot write (${why}); choose a path in a writable folder`);
  }
}

/** Create the file's folder and the file (empty unless `keep`), so a bad path fails before training. */
export function startLogFile(what: string, path: string, keep: boolean): void {
  logWrite(what, path, () => {
    mkdirSync(dirname(path), { recursive: true });
    if (keep) appendFileSync(path, '');
    else writeFileSync(path, '');
  });
}
