import type { TreeCallback } from '@rnn/layers';
import type { Io } from '../../command.js';

function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

/**
 * The `rnn train` progress bar (progress.ts's look) for tree training: on a terminal a bar per
 * epoch with loss, trees/s and the ETA (bounded by `--minutes`), then one line per epoch with the
 * dev scores; on a pipe, one line per epoch only with `verbose`; with `json`, one JSON object
 * per epoch on stdout.
 */
export function treeProgress(io: Io, o: { json?: boolean; verbose?: boolean; epochs: number; deadline: number | null }): TreeCallback {
  const tty = !!io.stderr.isTTY && !process.env['CI'];
  let batches = 0;
  let start = 0;
  let epochStart = 0;
  let seen = 0;
  let lossSum = 0;
  const of = Number.isFinite(o.epochs) && o.epochs < Number.MAX_SAFE_INTEGER ? `/${o.epochs}` : '';
  return {
    onTrainBegin(info) {
      batches = info.batches;
      start = performance.now();
    },
    onEpochBegin() {
      epochStart = performance.now();
      seen = 0;
      lossSum = 0;
    },
    onBatchEnd(batch, logs) {
      seen += logs.size;
      lossSum += logs.loss * logs.size;
      if (!tty) return;
      const now = performance.now();
      const done = logs.epoch * batches + batch + 1;
      const elapsed = (now - start) / 1000;
      let eta = of ? (elapsed / done) * (o.epochs * batches - done) : Infinity;
      if (o.deadline !== null) eta = Math.min(eta, (o.deadline - now) / 1000);
      const rate = seen / ((now - epochStart) / 1000);
      const width = 24;
      const filled = Math.round((width * (batch + 1)) / batches);
      io.stderr.write(
        `\rtrees epoch ${logs.epoch + 1}${of} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${batch + 1}/${batches} ` +
          `loss ${(lossSum / seen).toPrecision(4)} ${rate.toFixed(0)} trees/s ETA ${clock(eta)}   `,
      );
    },
    onEpochEnd(epoch, logs) {
      if (o.json) io.stdout.write(JSON.stringify({ event: 'epoch', ...logs, epoch: epoch + 1 }) + '\n');
      const pct = (k: string) => (logs[k] === undefined ? '' : ` ${k.replace(/^val_/, 'dev ').replace('_', ' ')} ${(100 * logs[k]!).toFixed(1)}%`);
      const line =
        `trees epoch ${epoch + 1}${of} loss ${logs.loss.toPrecision(4)}` +
        `${logs['val_loss'] !== undefined ? ` dev loss ${logs['val_loss'].toPrecision(4)}` : ''}` +
        `${pct('val_fine_root')}${pct('val_binary_root')}${pct('val_fine_all')} (${logs['seconds']?.toFixed(1)}s, ${(logs['trees']! / logs['seconds']!).toFixed(1)} trees/s)`;
      if (tty) io.stderr.write(`\r${line}${' '.repeat(20)}\n`);
      else if (o.verbose) io.stderr.write(`${line}\n`);
    },
  };
}
