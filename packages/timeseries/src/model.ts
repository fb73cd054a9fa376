import { ConfigError, decodeFloats, encodeFloats } from '@rnn/core';
import { dense, gru, lstm, sequential, simpleRNN, type Callback, type Sequential, type TrainBegin } from '@rnn/layers';

/** The recurrent cells a forecaster is built from. */
export const CELLS = ['lstm', 'gru', 'rnn'] as const;
export type CellName = (typeof CELLS)[number];

/** The recurrent layer of a cell name, named after it (the tensor names of the model file follow). */
function recurrent(cell: CellName, o: { hiddenSize: number; numLayers: number }) {
  const make = cell === 'gru' ? gru : cell === 'rnn' ? simpleRNN : lstm;
  return make({ name: cell, ...o });
}

/** `numLayers` stacked recurrent layers reading the window, then one linear output per forecast step. */
export function forecastModel(o: { cell: CellName; hidden: number; layers: number; horizon: number; features: number; seed: number }): Sequential {
  for (const [k, v] of [['hidden', o.hidden], ['layers', o.layers]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`--${k} must be a positive integer, found ${v}`);
  }
  const m = sequential([recurrent(o.cell, { hiddenSize: o.hidden, numLayers: o.layers }), dense({ name: 'out', units: o.horizon })]);
  return m.build({ inputSize: o.features, seed: o.seed });
}

/** What `keepBest` carries through a checkpoint, so that a resumed run selects and stops as the straight one. */
export interface KeepBestState {
  best: number | null;
  bestEpoch: number;
  wait: number;
  saved: Record<string, ReturnType<typeof encodeFloats>> | null;
}

/**
 * Keep the weights of the epoch with the lowest `val_loss` (or `loss` without validation), put
 * them back when training ends, and stop after `patience` epochs without improvement.
 */
export function keepBest(patience: number, warmup = 0): Callback & { bestEpoch: number; best: number; save(): KeepBestState; restore(s: KeepBestState): void } {
  let model: Sequential | null = null;
  let saved: Map<string, Float32Array | Float64Array | Int32Array> | null = null;
  let wait = 0;
  const cb = {
    bestEpoch: -1,
    best: Infinity,
    onTrainBegin(info: TrainBegin) {
      model = info.model as Sequential;
    },
    // a run resumed from the checkpoint of a run that had stopped early stops at once, as that run did
    onBatchBegin(): 'stop' | void {
      if (wait >= patience) return 'stop';
    },
    onEpochEnd(epoch: number, logs: Record<string, number>): 'stop' | void {
      const v = logs['val_loss'] ?? logs['loss']!;
      // before `warmup` epochs the weights are only kept as a fallback: an untrained network can look best on a short validation part
      if (epoch < warmup) {
        if (cb.bestEpoch < 0 || v < cb.best) {
          cb.best = v;
          cb.bestEpoch = epoch;
          saved = model!.params!.toHost() as Map<string, Float32Array>;
        }
        return;
      }
      if (epoch === warmup || v < cb.best) {
        cb.best = v;
        cb.bestEpoch = epoch;
        saved = model!.params!.toHost() as Map<string, Float32Array>;
        wait = 0;
      } else if (++wait >= patience) return 'stop';
    },
    onTrainEnd() {
      if (saved && model) for (const [name, d] of saved) model.params!.set(name, d);
    },
    save(): KeepBestState {
      return {
        best: Number.isFinite(cb.best) ? cb.best : null,
        bestEpoch: cb.bestEpoch,
        wait,
        saved: saved ? Object.fromEntries([...saved].map(([k, d]) => [k, encodeFloats(d as Float32Array)])) : null,
      };
    },
    restore(s: KeepBestState) {
      cb.best = s.best ?? Infinity;
      cb.bestEpoch = s.bestEpoch;
      wait = s.wait;
      saved = s.saved ? new Map(Object.entries(s.saved).map(([k, d]) => [k, decodeFloats(d)])) : null;
    },
  };
  return cb;
}
