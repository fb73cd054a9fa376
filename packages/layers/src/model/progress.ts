import { z } from 'zod';
import { parseOptions, schemas } from '@rnn/core';
import type { Callback, Logs } from './types.js';

const { positiveNumber, bool, text, fn } = schemas;
const writable = (what: string) =>
  z.custom<{ write(s: string): unknown }>((v) => typeof (v as { write?: unknown } | null)?.write === 'function', { error: `${what} (an object with write(s))` });

/** `ProgressOptions` as a strict schema: a misspelt key is refused where the reporter is made. */
const progressOptions = z.strictObject({
  stderr: writable('a stream'),
  stdout: writable('a stream').optional(),
  json: bool().optional(),
  label: text().optional(),
  unit: text().optional(),
  quiet: bool().optional(),
  verbose: bool().optional(),
  bar: bool().optional(),
  minutes: positiveNumber().nullable().optional(),
  describe: fn<(logs: Logs) => string>('a function (logs) => string').optional(),
  countKey: text().optional(),
});

export interface ProgressOptions {
  /** The bar (on a terminal) and the epoch lines go here. `columns` (a terminal's width) bounds the bar. */
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** With `json`, one JSON object per epoch (`{ event: 'epoch', ... }`) is written here. */
  stdout?: { write(s: string): unknown };
  json?: boolean;
  /** First word of every line (default 'train'). */
  label?: string;
  /** What a batch row is, for the rate (default 'samples'). */
  unit?: string;
  /** No bar and no epoch lines (the JSON lines still come). */
  quiet?: boolean;
  /** One line per epoch when stderr is not a terminal (on a terminal the bar's final line is there anyway). */
  verbose?: boolean;
  /** Draw the bar on a terminal (default true); false: one line per epoch there too. */
  bar?: boolean;
  /**
   * A time budget in minutes, counted from the start of training: the ETA is the time left in it
   * (or the epochs' ETA when that is sooner), and the bar and the lines show `elapsed/budget`.
   * Default: the trainer's own budget (`TrainerOptions.minutes`), if any.
   */
  minutes?: number | null;
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

/** CI logs are files, not terminals, even where a runner gives the job a pseudo-terminal. */
const inCi = (): boolean => typeof process !== 'undefined' && !!process.env?.['CI'];

/** The bar's cells: at most this many, fewer on a narrow terminal. */
const BAR_CELLS = 24;

/**
 * The one progress reporter, a `Callback` for any trainer run.
 *
 * On a terminal (and not in CI) a bar per epoch (batch, running loss, rate, elapsed/budget, ETA)
 * that always fits on one row of the terminal, so `\r` can redraw it; at the epoch's end one line
 * replaces it, clearing the row to its end (`\x1b[K`). A run stopped mid-epoch (time budget,
 * Ctrl-C) gets a line for the partial epoch, so no bar is left for the next message to run into.
 * Elsewhere (a pipe, a file) one line per epoch with `verbose`, written as the epoch ends, nothing
 * without. With `json`, one JSON object per epoch on stdout. An epoch count that is not finite
 * (training bounded by time) shows no total.
 */
export function progressReporter(options: ProgressOptions): Callback {
  parseOptions(progressOptions, options, 'progressReporter');
  const o = options;
  const tty = !!o.stderr.isTTY && !inCi() && o.bar !== false;
  const lines = !o.quiet && (tty || o.verbose === true);
  const label = o.label ?? 'train';
  const unit = o.unit ?? 'samples';
  let epochs = 0;
  let of = '';
  let batches = 0;
  let start = 0;
  let budget: number | null = null; // seconds
  let epochStart = 0;
  let seen = 0;
  let lossSum = 0;
  let lastBatch = -1;
  let epochNow = 0;
  let firstEpoch = -1;
  let barShown = false;
  const elapsed = (now: number) => (now - start) / 1000;
  const budgetText = (now: number) => (budget === null ? '' : `${clock(elapsed(now))}/${clock(budget)}`);
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
      of = Number.isFinite(epochs) && epochs < Number.MAX_SAFE_INTEGER ? `/${epochs}` : '';
      batches = info.batches;
      start = performance.now();
      const m = o.minutes ?? info.minutes ?? null;
      budget = m === null ? null : m * 60;
    },
    onEpochBegin(epoch) {
      if (firstEpoch < 0) firstEpoch = epoch;
      epochStart = performance.now();
      epochNow = epoch;
      seen = 0;
      lossSum = 0;
      lastBatch = -1;
    },
    onBatchEnd(batch, logs) {
      seen += logs.size;
      lossSum += logs.loss * logs.size;
      lastBatch = batch;
      if (!tty || o.quiet) return;
      const now = performance.now();
      const done = (logs.epoch - firstEpoch) * batches + batch + 1;
      let eta = of ? (elapsed(now) / done) * ((epochs - firstEpoch) * batches - done) : Infinity;
      if (budget !== null) eta = Math.min(eta, budget - elapsed(now));
      const rate = seen / ((now - epochStart) / 1000);
      const left = `${label} epoch ${logs.epoch + 1}${of} `;
      const right =
        ` ${batch + 1}/${batches} loss ${(lossSum / seen).toPrecision(4)} ${rate.toFixed(0)} ${unit}/s` +
        `${budget !== null ? ` ${budgetText(now)}` : ''}${Number.isFinite(eta) ? ` ETA ${clock(eta)}` : ''}`;
      // one character short of the width: writing the last column can wrap the row, and `\r` only
      // goes back to the start of the row the cursor is on, leaving the first one on screen
      const width = Math.max(20, (o.stderr.columns ?? 80) - 1);
      const cells = Math.min(BAR_CELLS, width - left.length - right.length);
      const filled = Math.round((cells * (batch + 1)) / batches);
      const line = cells >= 5 ? `${left}${'█'.repeat(filled)}${'░'.repeat(cells - filled)}${right}` : `${left.trimEnd()}${right}`;
      o.stderr.write(`\r${line.slice(0, width)}\x1b[K`);
      barShown = true;
    },
    onEpochEnd(epoch, logs) {
      if (o.json) o.stdout?.write(JSON.stringify({ event: 'epoch', ...logs, epoch: epoch + 1 }) + '\n');
      lastBatch = -1;
      if (!lines) return;
      const seconds = logs['seconds'];
      const rate = o.countKey && seconds ? `, ${(logs[o.countKey]! / seconds).toFixed(1)} ${unit}/s` : '';
      const within = budget !== null ? `, ${budgetText(performance.now())}` : '';
      const line =
        `${label} epoch ${epoch + 1}${of} loss ${logs.loss.toPrecision(4)}${(o.describe ?? valLogs)(logs)} ` +
        `(${seconds?.toFixed(1)}s${rate}${within})`;
      write(line);
    },
    onTrainEnd() {
      // an epoch cut short (time budget, Ctrl-C) has no epoch-end line: say where it stopped
      if (lastBatch >= 0 && lines) {
        const now = performance.now();
        write(
          `${label} epoch ${epochNow + 1}${of} stopped after ${lastBatch + 1}/${batches} batches, loss ${(lossSum / seen).toPrecision(4)} ` +
            `(${((now - epochStart) / 1000).toFixed(1)}s${budget !== null ? `, ${budgetText(now)}` : ''})`,
        );
      }
      lastBatch = -1;
    },
  };

  function write(line: string): void {
    // on a terminal the line replaces the bar: back to the row's start, the line, then clear what
    // is left of the row (\x1b[K), so no tail of a longer bar stays on screen
    o.stderr.write(barShown ? `\r${line}\x1b[K\n` : `${line}\n`);
    barShown = false;
  }
}
