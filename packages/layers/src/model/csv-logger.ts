import { appendFileSync, readFileSync } from 'node:fs';
import { logWrite, startLogFile } from './log-files.js';
import type { Callback, Logs } from './types.js';

export interface CsvLoggerOptions {
  /** Add to an existing file (a resumed run) instead of starting it again; its header is kept. */
  append?: boolean;
  /** Field separator (default ','). */
  separator?: string;
  /** How messages name the file (default 'csvLogger'; the CLI says '--log'). */
  what?: string;
}

/** Keys that go last, in this order, after the loss and the metrics. */
const TAIL = ['lr', 'seconds', 'elapsed', 'cpu_elapsed'];

/** The columns for an epoch's logs: epoch, loss, val_loss, the other metrics as they come, then lr and the times. */
export function csvColumns(logs: Logs): string[] {
  const keys = Object.keys(logs).filter((k) => k !== 'epoch' && k !== 'loss' && k !== 'val_loss' && !TAIL.includes(k));
  return ['epoch', 'loss', ...('val_loss' in logs ? ['val_loss'] : []), ...keys, ...TAIL.filter((k) => k in logs)];
}

/**
 * A CSV row per epoch (Keras's `CSVLogger`), appended as each epoch ends so the file can be
 * followed or plotted during training: `epoch` (1-based, as the progress lines count), `loss`,
 * `val_loss`, the metrics, `lr` and `seconds`. The columns are those of the first epoch; a later
 * epoch's missing value is an empty cell. The file (and its folder) is created when training
 * starts, so a path that cannot be written fails before any training.
 */
export function csvLogger(path: string, o: CsvLoggerOptions = {}): Callback {
  const sep = o.separator ?? ',';
  const what = o.what ?? 'csvLogger';
  let columns: string[] | null = null;
  return {
    onTrainBegin() {
      startLogFile(what, path, o.append === true);
      columns = null;
      if (o.append) {
        const first = readFileSync(path, 'utf8').split('\n', 1)[0]!;
        if (first) columns = first.split(sep);
      }
    },
    onEpochEnd(epoch, logs) {
      let text = '';
      if (!columns) {
        columns = csvColumns(logs);
        text += columns.join(sep) + '\n';
      }
      const row = columns.map((k) => (k === 'epoch' ? String(epoch + 1) : logs[k] === undefined ? '' : String(logs[k])));
      text += row.join(sep) + '\n';
      logWrite(what, path, () => appendFileSync(path, text));
    },
  };
}
