import type { Callback } from '@rnn/layers';
import type { Io } from './command.js';

function clock(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

/**
 * A progress bar on stderr when it is a terminal (epoch, batch, loss, validation loss, samples/s,
 * ETA); nothing on a pipe or in CI unless `verbose` (then one line per epoch), and with `json` one JSON object per epoch on stdout.
 */
export function progressCallback(io: Io, o: { json?: boolean; label?: string; quiet?: boolean; verbose?: boolean } = {}): Callback {
  const tty = !!io.stderr.isTTY && !process.env['CI'];
  let epochs = 0;
  let batches = 0;
  let start = 0;
  let epochStart = 0;
  let seen = 0;
  let lossSum = 0;
  let firstEpoch = -1;
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
      batches = info.batches;
      start = performance.now();
    },
    onEpochBegin(epoch) {
      if (firstEpoch < 0) firstEpoch = epoch;
      epochStart = performance.now();
      seen = 0;
      lossSum = 0;
    },
    onBatchEnd(batch, logs) {
      seen += logs.size;
      lossSum += logs.loss * logs.size;
      if (!tty || o.quiet) return;
      const done = (logs.epoch - firstEpoch) * batches + batch + 1;
      const total = (epochs - firstEpoch) * batches;
      const elapsed = (performance.now() - start) / 1000;
      const eta = (elapsed / done) * (total - done);
      const rate = seen / ((performance.now() - epochStart) / 1000);
      const width = 24;
      const filled = Math.round((width * (batch + 1)) / batches);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      io.stderr.write(
        `\r${o.label ?? 'train'} epoch ${logs.epoch + 1}/${epochs} ${bar} ${batch + 1}/${batches} ` +
          `loss ${(lossSum / seen).toPrecision(4)} ${rate.toFixed(0)} samples/s ETA ${clock(eta)}   `,
      );
    },
    onEpochEnd(epoch, logs) {
      const val = Object.entries(logs)
        .filter(([k]) => k.startsWith('val_'))
        .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
        .join(' ');
      if (o.json) {
        (io.stdout as NodeJS.WritableStream).write(JSON.stringify({ event: 'epoch', ...logs, epoch: epoch + 1 }) + '\n');
      }
      if (o.quiet) return;
      const line = `${o.label ?? 'train'} epoch ${epoch + 1}/${epochs} loss ${logs.loss.toPrecision(4)}${val ? ` ${val}` : ''} (${logs['seconds']?.toFixed(1)}s)`;
      if (tty) io.stderr.write(`\r${line}${' '.repeat(30)}\n`);
      else if (o.verbose) io.stderr.write(`${line}\n`);
    },
  };
}
