import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { activeCommunicator, distributedStatus, getCommunicator, launchedRank, launchedRanks } from '@rnn/core';
import { setRunFingerprint } from '@rnn/layers';
import type { Io } from './command.js';

/**
 * The CLI under `mpirun -np N rnn train …` (docs/distributed.md): rank 0 alone prints (the other
 * ranks' output goes nowhere, their files are not written: @rnn/layers' writeFileAtomic), every
 * rank fingerprints its flags and data files so that ranks started differently are refused, and
 * the job ends together: finalize on success and on an error every rank hit, MPI_Abort on an
 * error only this rank hit (the others would wait for it forever).
 */

const sink = (): Io['stderr'] =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** The Io this rank prints through: nowhere on ranks other than 0. */
export function rankIo(io: Io): Io {
  if (launchedRanks() <= 1 || launchedRank() === 0) return io;
  return { stdout: sink(), stderr: sink() };
}

/** Size and a sample of a file's bytes (head, middle, tail: 3 × 64 KiB), as text for the run's hash. */
function fileDigest(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  const fd = openSync(path, 'r');
  try {
    const part = 65536;
    const out: string[] = [String(st.size)];
    for (const at of [0, Math.max(0, Math.floor(st.size / 2) - part / 2), Math.max(0, st.size - part)]) {
      const buf = Buffer.alloc(Math.min(part, st.size));
      const n = readSync(fd, buf, 0, buf.length, at);
      out.push(buf.subarray(0, n).toString('base64'));
    }
    return out.join(':');
  } finally {
    closeSync(fd);
  }
}

/**
 * `rnn train` under a launcher: start the communicator now (an MPI that cannot start fails before
 * any data is read) and say, once, that this run is data-parallel.
 */
export function startDistributed(command: string, io: Io): void {
  if (command !== 'train' || launchedRanks() === 0) return;
  const comm = getCommunicator();
  io.stderr.write(`rnn: training data-parallel on ${comm.size} rank${comm.size > 1 ? 's' : ''} (${comm.name}); rank 0 prints and writes\n`);
}

/** Under a launcher: the flags and the digests of the files they name go into the run's hash. */
export function fingerprintRun(argv: readonly string[]): void {
  if (launchedRanks() === 0) return;
  const parts = argv.map((a) => {
    const d = a.startsWith('-') ? null : fileDigest(a);
    return d ? `${a}=${d}` : a;
  });
  setRunFingerprint(parts.join('\n'));
}

/** The line `rnn info` prints about distributed training. */
export function distributedLine(): string {
  const s = distributedStatus();
  return s.available ? `distributed: available (${s.engine}: mpirun -np N rnn train …)` : `distributed: unavailable (${s.why})`;
}

/** At the end of a distributed run that succeeded, or failed on every rank alike: leave the job cleanly. */
export function finishDistributed(): void {
  activeCommunicator()?.finalize();
}

/**
 * A failure in a distributed run: the line to print (null: stay quiet, rank 0 prints the same),
 * and after printing, `end` finalizes (every rank failed alike) or aborts the job.
 */
export function distributedFailure(err: unknown, line: string): { line: string | null; end: (code: number) => void } | null {
  const comm = activeCommunicator();
  if (!comm || comm.size <= 1) return null;
  const allRanks = (err as { allRanks?: boolean } | null)?.allRanks === true;
  return {
    line: comm.rank === 0 ? line : allRanks ? null : line.replace(/^rnn: /, `rnn: rank ${comm.rank} of ${comm.size}: `),
    end: (code) => {
      if (allRanks) comm.finalize();
      else comm.abort(code);
    },
  };
}
