import { getBackend, ready, type Backend } from '@rnn/core';
import type { Io } from './command.js';

let installed = false;
const pending: string[] = [];

/** Warnings raised while loading backends, printed once the command has succeeded (an error
 * run prints only its one error line). */
export function flushWarnings(io: Io): void {
  for (const w of pending.splice(0)) io.stderr.write(w);
}

/** Load the installed backends, routing the registry's fallback warning to one tidy stderr line. */
export async function useBackend(io: Io, verbose: boolean): Promise<Backend> {
  if (!installed) {
    installed = true;
    process.removeAllListeners('warning');
    process.on('warning', (w) => {
      if ((w as { code?: string }).code?.startsWith('RNN_') || w.message.startsWith('rnn:')) {
        pending.push(`rnn: warning: ${w.message.replace(/^rnn: /, '')}\n`);
      }
    });
  }
  await ready();
  const b = getBackend();
  await new Promise<void>((r) => setImmediate(r)); // process.emitWarning delivers on the next tick
  if (verbose) flushWarnings(io);
  if (verbose) {
    const info = b.info();
    const extra = [info.blas, info.threads !== undefined ? `${info.threads} thread${info.threads === 1 ? '' : 's'}` : '', info.device]
      .filter(Boolean)
      .join(', ');
    io.stderr.write(`rnn: backend ${b.name}${extra ? ` (${extra})` : ''}\n`);
  }
  return b;
}

export { getBackend };
