import { ConfigError } from '@rnn/core';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Callback, Logs } from './types.js';

export interface ReduceLROnPlateauOptions {
  /** The log to watch (default `val_loss` when the epoch has it, else `loss`). */
  monitor?: string;
  /** The new rate is the old one times this, in (0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before the rate drops (default 10). */
  patience?: number;
  /** The rate never drops below this (default 0). */
  minLr?: number;
  /** Epochs to wait after a drop before counting again (default 0). */
  cooldown?: number;
  /** A change smaller than this is no improvement (default 1e-4). */
  minDelta?: number;
  /** 'min': lower is better; 'max': higher is better; 'auto' (default): 'max' for accuracies, else 'min'. */
  mode?: 'auto' | 'min' | 'max';
  /** Called after each drop (to say so). */
  onReduce?(info: { epoch: number; from: number; to: number; monitor: string; best: number }): void;
}

/** What a resumed run needs to carry on exactly where the callback was. */
export interface ReduceLROnPlateauState {
  best: number;
  wait: number;
  cooldown: number;
}

const KNOWN = ['monitor', 'factor', 'patience', 'minLr', 'cooldown', 'minDelta', 'mode', 'onReduce'];

function check(o: ReduceLROnPlateauOptions): void {
  const bad = (msg: string) => new ConfigError(`reduceLROnPlateau: ${msg}`);
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) throw bad(`unknown option '${k}'; the options are ${KNOWN.join(', ')}`);
  if (o.factor !== undefined && !(o.factor > 0 && o.factor < 1)) throw bad(`factor must be in (0, 1) (the rate is multiplied by it), found ${o.factor}`);
  const count = (k: 'patience' | 'cooldown') => {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw bad(`${k} must be a whole number of epochs >= 0, found ${v}`);
  };
  count('patience');
  count('cooldown');
  for (const k of ['minLr', 'minDelta'] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw bad(`${k} must be a number >= 0, found ${v}`);
  }
  if (o.mode !== undefined && !['auto', 'min', 'max'].includes(o.mode)) throw bad(`mode must be 'auto', 'min' or 'max', found '${String(o.mode)}'`);
  if (o.monitor !== undefined && typeof o.monitor !== 'string') throw bad(`monitor must be the name of a log (e.g. 'val_loss'), found ${String(o.monitor)}`);
}

/**
 * Lower the learning rate when a log stops improving (Keras's `ReduceLROnPlateau`): after
 * `patience` epochs in which `monitor` did not beat its best by `minDelta`, the rate becomes
 * `max(rate * factor, minLr)`; then `cooldown` epochs pass before epochs without improvement are
 * counted again. The epoch's `lr` log is the rate it trained with; a drop applies from the next
 * epoch. Do not combine it with a schedule (`stepLR`, `cosineLR`), which sets the rate every epoch.
 */
export function reduceLROnPlateau(o: ReduceLROnPlateauOptions = {}): Callback & {
  getState(): ReduceLROnPlateauState;
  setState(s: ReduceLROnPlateauState): void;
} {
  check(o);
  const factor = o.factor ?? 0.1;
  const patience = o.patience ?? 10;
  const minLr = o.minLr ?? 0;
  const cooldown = o.cooldown ?? 0;
  const minDelta = o.minDelta ?? 1e-4;
  let optimizer: Optimizer | null = null;
  let best = NaN; // NaN until the first epoch: the mode is known then
  let wait = 0;
  let cooling = 0;
  const monitorOf = (logs: Logs) => o.monitor ?? ('val_loss' in logs ? 'val_loss' : 'loss');
  const higher = (monitor: string) => o.mode === 'max' || ((o.mode ?? 'auto') === 'auto' && /acc/.test(monitor));
  return {
    getState: () => ({ best, wait, cooldown: cooling }),
    setState(s) {
      ({ best, wait, cooldown: cooling } = s);
    },
    onTrainBegin(info) {
      optimizer = info.optimizer;
      best = NaN;
      wait = 0;
      cooling = 0;
    },
    onEpochEnd(epoch, logs) {
      const monitor = monitorOf(logs);
      const v = logs[monitor];
      if (v === undefined) {
        throw new ConfigError(
          `reduceLROnPlateau: monitor '${monitor}' is not among the epoch's logs (${Object.keys(logs).filter((k) => k !== 'epoch').join(', ')}); pick one of those`,
        );
      }
      const up = higher(monitor);
      if (Number.isNaN(best)) best = up ? -Infinity : Infinity;
      if (cooling > 0) {
        cooling--;
        wait = 0;
      }
      if (up ? v > best + minDelta : v < best - minDelta) {
        best = v;
        wait = 0;
      } else if (cooling === 0 && ++wait >= patience) {
        const from = optimizer!.lr;
        if (from > minLr) {
          const to = Math.max(from * factor, minLr);
          optimizer!.lr = to;
          cooling = cooldown;
          wait = 0;
          o.onReduce?.({ epoch, from, to, monitor, best });
        }
      }
    },
  };
}
