import { ConfigError, describeValue, parseOptions } from '@rnn/core';
import type { Optimizer } from '../optimizers/optimizer.js';
import {
  checkpointOptions,
  cosineLRArgs,
  earlyStoppingOptions,
  stepLRArgs,
  type CheckpointOptions,
  type CosineLROptions,
  type EarlyStoppingOptions,
  type StepLROptions,
} from './callback-options.js';
import type { Callback, Logs, TrainableModel } from './types.js';

export type { BatchLogs, Callback, History, Logs, TrainBegin } from './types.js';

export type { EarlyStoppingOptions, CheckpointOptions, StepLROptions, CosineLROptions } from './callback-options.js';

/** Stop when `monitor` (default `val_loss`, else `loss`) has not improved for `patience` epochs. */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback & { stoppedEpoch: number | null } {
  const o = parseOptions(earlyStoppingOptions, options, 'earlyStopping');
  let best = Infinity;
  let wait = 0;
  let model: TrainableModel | null = null;
  let bestWeights: Float32Array | Float64Array | null = null;
  const cb = {
    stoppedEpoch: null as number | null,
    onTrainBegin(info: { model: TrainableModel }) {
      model = info.model;
      best = Infinity;
      wait = 0;
    },
    onEpochEnd(epoch: number, logs: Logs): 'stop' | void {
      const key = o.monitor ?? ('val_loss' in logs ? 'val_loss' : 'loss');
      const v = logs[key];
      if (v === undefined) return;
      if (v < best - (o.minDelta ?? 0)) {
        best = v;
        wait = 0;
        if (o.restoreBestWeights && model?.params) bestWeights = model.params.values.data() as Float32Array;
        return;
      }
      if (++wait >= (o.patience ?? 5)) {
        cb.stoppedEpoch = epoch;
        if (bestWeights && model?.params) {
          const p = model.params;
          const s = p.backend.write(bestWeights);
          p.backend.assign(p.values, { storage: s, shape: p.values.shape, dtype: p.values.dtype });
        }
        return 'stop';
      }
    },
  };
  return cb;
}

/** A callback setting the learning rate at the start of each epoch from the rate it began with. */
function schedule(lrAt: (base: number, epoch: number) => number): Callback {
  let base = 0;
  let opt: Optimizer | null = null;
  return {
    onTrainBegin(info) {
      opt = info.optimizer;
      base = opt.lr;
    },
    onEpochBegin(epoch) {
      if (opt) opt.lr = lrAt(base, epoch);
    },
  };
}

/** Learning-rate schedules, applied at the start of each epoch (PyTorch `StepLR`, `CosineAnnealingLR`). */
export function stepLR(stepSizeOrOptions: number | StepLROptions, gammaArg?: number): Callback {
  const { stepSize, gamma } = stepLRArgs(stepSizeOrOptions, gammaArg);
  return schedule((base, epoch) => base * Math.pow(gamma, Math.floor(epoch / stepSize)));
}

export function cosineLR(tMaxOrOptions: number | CosineLROptions, etaMinArg?: number): Callback {
  const { tMax, etaMin } = cosineLRArgs(tMaxOrOptions, etaMinArg);
  return schedule((base, epoch) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * Math.min(epoch, tMax)) / tMax))) / 2);
}

/** Save the model file every `every` epochs (atomically: temp file, fsync, rename). */
export function modelCheckpoint(path: string, options: CheckpointOptions = {}): Callback {
  if (typeof path !== 'string') throw new ConfigError(`modelCheckpoint: the first argument is the file to write, found ${describeValue(path)}`);
  const o = parseOptions(checkpointOptions, options, 'modelCheckpoint');
  let model: TrainableModel | null = null;
  let best = Infinity;
  return {
    onTrainBegin(info) {
      model = info.model;
    },
    async onEpochEnd(epoch, logs) {
      if (!model || (epoch + 1) % (o.every ?? 1) !== 0) return;
      if (o.saveBestOnly) {
        const v = logs[o.monitor ?? ('val_loss' in logs ? 'val_loss' : 'loss')] ?? Infinity;
        if (!(v < best)) return;
        best = v;
      }
      await model.save(path);
    },
  };
}
