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
  /** With `around` > 0: the last 2·around + 1 epochs' weights, and the best epoch whose average is still to be taken (absent in older checkpoints: none). */
  recent?: { epoch: number; weights: Record<string, ReturnType<typeof encodeFloats>> }[];
  pending?: number | null;
}

type Weights = Map<string, Float32Array | Float64Array | Int32Array>;

/** The mean of some weight sets, name by name (float32, as the parameters). */
export function averageWeights(sets: readonly Weights[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, d] of sets[0]!) {
    const sum = new Float64Array(d.length);
    for (const w of sets) {
      const v = w.get(name)!;
      for (let i = 0; i < v.length; i++) sum[i]! += v[i]!;
    }
    out.set(name, Float32Array.from(sum, (v) => v / sets.length));
  }
  return out;
}

/**
 * Keep the weights of the epoch with the lowest `val_loss` (or `loss` without validation), put
 * them back when training ends, and stop after `patience` epochs without improvement.
 *
 * With `around` = h > 0 the weights kept are the mean of the epochs best − h .. best + h (those
 * that ran) instead of the best epoch's alone: checkpoint averaging, as stochastic weight averaging
 * (Izmailov et al. 2018) and the averaged last checkpoints of machine translation. The best epoch is
 * the argmin of a noisy validation curve, and each member's forecast at that one epoch carries the
 * SGD noise of its last few steps; on UKDriverDeaths the test MASE of single members ranged from
 * 0.55 to 1.22, and the ensembles of 13 from 0.62 to 0.74 over seeds 0–9 with nothing shared between
 * a run's members (docs/time-series-forecasting.md, "Seed 7 on UKDriverDeaths").
 */
export function keepBest(patience: number, warmup = 0, around = 0): Callback & { bestEpoch: number; best: number; readonly around: number; readonly stopped: boolean; save(): KeepBestState; restore(s: KeepBestState): void } {
  let model: Sequential | null = null;
  let saved: Weights | null = null;
  let wait = 0;
  // with `around`: the last 2h+1 epochs' weights, and the best epoch whose window is not complete yet
  let recent: { epoch: number; weights: Weights }[] = [];
  let pending: number | null = null;
  // never the epochs before the warm-up (barely trained networks, the reason for the warm-up), unless the best is one of them
  const windowMean = (b: number): Weights => averageWeights(recent.filter((r) => r.epoch >= Math.max(b - around, b >= warmup ? warmup : 0) && r.epoch <= b + around).map((r) => r.weights));
  const newBest = (epoch: number, v: number, now: Weights | null) => {
    cb.best = v;
    cb.bestEpoch = epoch;
    saved = now ?? (model!.params!.toHost() as Weights);
    if (around > 0) pending = epoch;
  };
  const cb = {
    bestEpoch: -1,
    best: Infinity,
    around,
    /** Whether `patience` epochs have passed without a better loss (training stops at the next batch). */
    get stopped() {
      return wait >= patience;
    },
    onTrainBegin(info: TrainBegin) {
      model = info.model as Sequential;
    },
    // a run resumed from the checkpoint of a run that had stopped early stops at once, as that run did
    onBatchBegin(): 'stop' | void {
      if (wait >= patience) return 'stop';
    },
    onEpochEnd(epoch: number, logs: Record<string, number>): 'stop' | void {
      const v = logs['val_loss'] ?? logs['loss']!;
      // with `around`, this epoch's weights are copied once: for the window and, if best, as the fallback
      const now = around > 0 ? (model!.params!.toHost() as Weights) : null;
      if (now) {
        recent.push({ epoch, weights: now });
        if (recent.length > 2 * around + 1) recent.shift();
      }
      let stop = false;
      // before `warmup` epochs the weights are only kept as a fallback: an untrained network can look best on a short validation part
      if (epoch < warmup) {
        if (cb.bestEpoch < 0 || v < cb.best) newBest(epoch, v, now);
      } else if (epoch === warmup || v < cb.best) {
        newBest(epoch, v, now);
        wait = 0;
      } else if (++wait >= patience) stop = true;
      // the window around the best epoch is complete: its mean replaces the best epoch's weights
      if (pending !== null && epoch >= pending + around) {
        saved = windowMean(pending);
        pending = null;
      }
      if (stop) return 'stop';
    },
    onTrainEnd() {
      // training ended less than `around` epochs after the best: the mean of the epochs that ran
      if (pending !== null && recent.length) {
        saved = windowMean(pending);
        pending = null;
      }
      if (saved && model) for (const [name, d] of saved) model.params!.set(name, d);
    },
    save(): KeepBestState {
      const enc = (w: Weights) => Object.fromEntries([...w].map(([k, d]) => [k, encodeFloats(d as Float32Array)]));
      return {
        best: Number.isFinite(cb.best) ? cb.best : null,
        bestEpoch: cb.bestEpoch,
        wait,
        saved: saved ? enc(saved) : null,
        ...(around > 0 ? { recent: recent.map((r) => ({ epoch: r.epoch, weights: enc(r.weights) })), pending } : {}),
      };
    },
    restore(s: KeepBestState) {
      const dec = (w: KeepBestState['saved'] & object): Weights => new Map(Object.entries(w).map(([k, d]) => [k, decodeFloats(d)]));
      cb.best = s.best ?? Infinity;
      cb.bestEpoch = s.bestEpoch;
      wait = s.wait;
      saved = s.saved ? dec(s.saved) : null;
      recent = (s.recent ?? []).map((r) => ({ epoch: r.epoch, weights: dec(r.weights) }));
      pending = s.pending ?? null;
    },
  };
  return cb;
}
