import type { Callback, Logs } from './types.js';

export interface ProgressOptions {
  /** The bar (on a terminal) and the epoch lines go here. */
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** With `json`, one JSON object per epoch (`{ event: 'epoch', ... }`) is written here. */
  stdout?: { write(s: string): unknown };
  json?: boolean;
  /** First word of every line (default 'train'). */
  label?: string;
  /** What a batch row is, for the rate (default 'samples'). */
  unit?: string;
  /** No bar and no epoch lines (the JSON lines still come). */
  quiet?: boolean;
  /** One line per epoch when stderr is not a terminal. */
  verbose?: boolean;
  /** `performance.now()` at which a time budget runs out: it bounds the ETA. */
  deadline?: number | null;
  /** The middle of the epoch line (default: every `val_*` log). */
  describe?(logs: Logs): string;
  /** A log key holding the epoch's sample count: adds `N <unit>/s` to the epoch line. */
  countKey?: string;
}

/** `m:ss`, or `XhYYm` past an hour; '--:--' when unknown. */
export function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

const valLogs = (logs: Logs): string =>
  Object.entries(logs)
    .filter(([k]) => k.startsWith('val_'))
    .map(([k, v]) => ` ${k} ${v.toPrecision(4)}`)
    .join('');

/**
 * The one progress reporter, a `Callback` for any trainer run: on a terminal (and not in CI) a bar
 * per epoch (batch, running loss, rate, ETA), replaced at the epoch's end by one line that clears
 * it fully; elsewhere one line per epoch with `verbose`, nothing without; with `json`, one JSON
 * object per epoch on stdout. An epoch count that is not finite (training bounded by time) shows
 * no total.
 */
export function progressReporter(o: ProgressOptions): Callback {
  const tty = !!o.stderr.isTTY && !process.env['CI'];
  const label = o.label ?? 'train';
  const unit = o.unit ?? 'samples';
  let epochs = 0;
  let of = '';
  let batches = 0;
  let start = 0;
  let epochStart = 0;
  let seen = 0;
  let lossSum = 0;
  let firstEpoch = -1;
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
      of = Number.isFinite(epochs) && epochs < Number.MAX_SAFE_INTEGER ? `/${epochs}` : '';
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
      const now = performance.now();
      const done = (logs.epoch - firstEpoch) * batches + batch + 1;
      let eta = of ? ((now - start) / 1000 / done) * ((epochs - firstEpoch) * batches - done) : Infinity;
      if (o.deadline != null) eta = Math.min(eta, (o.deadline - now) / 1000);
      const rate = seen / ((now - epochStart) / 1000);
      const width = 24;
      const filled = Math.round((width * (batch + 1)) / batches);
      o.stderr.write(
        `\r${label} epoch ${logs.epoch + 1}${of} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${batch + 1}/${batches} ` +
          `loss ${(lossSum / seen).toPrecision(4)} ${rate.toFixed(0)} ${unit}/s ETA ${clock(eta)}\x1b[K`,
      );
    },
    onEpochEnd(epoch, logs) {
      if (o.json) o.stdout?.write(JSON.stringify({ event: 'epoch', ...logs, epoch: epoch + 1 }) + '\n');
      if (o.quiet) return;
      const seconds = logs['seconds'];
      const rate = o.countKey && seconds ? `, ${(logs[o.countKey]! / seconds).toFixed(1)} ${unit}/s` : '';
      const line =
        `${label} epoch ${epoch + 1}${of} loss ${logs.loss.toPrecision(4)}${(o.describe ?? valLogs)(logs)} ` +
        `(${seconds?.toFixed(1)}s${rate})`;
      // \x1b[K clears what is left of a longer bar on the same row
      if (tty) o.stderr.write(`\r${line}\x1b[K\n`);
      else if (o.verbose) o.stderr.write(`${line}\n`);
    },
  };
}
