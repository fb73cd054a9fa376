import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { logWrite, startLogFile } from '../log-files.js';
import type { Callback } from '../types.js';
import { fileVersionEvent, scalarsEvent, tfRecord } from './events.js';

export interface TensorBoardOptions {
  /** How messages name the folder (default 'tensorBoard'; the CLI says '--tensorboard'). */
  what?: string;
}

let files = 0;

/** One event file: created with its version record, then one record per `write`. */
function eventFile(folder: string, what: string): { path: string; write(step: number, scalars: Record<string, number>): void } {
  const name = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}.${process.pid}.${files++}`;
  const path = join(folder, name);
  startLogFile(what, path, false);
  logWrite(what, path, () => appendFileSync(path, tfRecord(fileVersionEvent(Date.now() / 1000))));
  return {
    path,
    write(step, scalars) {
      logWrite(what, path, () => appendFileSync(path, tfRecord(scalarsEvent(Date.now() / 1000, step, scalars))));
    },
  };
}

/**
 * Scalars per epoch for TensorBoard (`tensorboard --logdir DIR`), laid out as Keras does so that
 * training and validation curves share a chart: `DIR/train/events.out.tfevents.*` holds
 * `epoch_loss`, `epoch_<metric>`, `epoch_lr`, `epoch_seconds`; `DIR/validation/…` holds each
 * `val_<x>` as `epoch_<x>`. The step is the epoch, counted from 1. Each epoch's event is appended
 * as the epoch ends. The train file is created when training starts (a folder that cannot be
 * written fails before any training); the validation file at the first epoch with validation.
 */
export function tensorBoard(dir: string, o: TensorBoardOptions = {}): Callback {
  const what = o.what ?? 'tensorBoard';
  let train: ReturnType<typeof eventFile> | null = null;
  let validation: ReturnType<typeof eventFile> | null = null;
  return {
    onTrainBegin() {
      train = eventFile(join(dir, 'train'), what);
      validation = null;
    },
    onEpochEnd(epoch, logs) {
      const t: Record<string, number> = {};
      const v: Record<string, number> = {};
      for (const [k, x] of Object.entries(logs)) {
        if (k === 'epoch') continue;
        if (k.startsWith('val_')) v[`epoch_${k.slice(4)}`] = x;
        else t[`epoch_${k}`] = x;
      }
      train!.write(epoch + 1, t);
      if (Object.keys(v).length) (validation ??= eventFile(join(dir, 'validation'), what)).write(epoch + 1, v);
    },
  };
}
