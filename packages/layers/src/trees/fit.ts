import { ConfigError, NumericalError, Rng, backward, noGrad, sum, type TypedArray } from '@rnn/core';
import { clipGradNorm, getOptimizer, type OptimizerSpec } from '../optimizers/index.js';
import type { EncodedTree } from './batch.js';
import { evaluateTrees, scoreAccumulator, type TreeScores } from './evaluate.js';
import type { TreeNet } from './model.js';

export interface TreeTrainLogs {
  epoch: number;
  loss: number;
  [key: string]: number;
}

/** Hooks into `fitTrees`, shaped like `fit`'s callbacks. Returning 'stop' from `onEpochEnd` ends training. */
export interface TreeCallback {
  onTrainBegin?(info: { net: TreeNet; epochs: number; batches: number }): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onBatchEnd?(batch: number, logs: { epoch: number; batch: number; loss: number; size: number }): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: TreeTrainLogs): void | 'stop' | Promise<void | 'stop'>;
}

export type TreeMetric = 'fineRoot' | 'fineAll' | 'binaryRoot' | 'binaryAll';

export interface FitTreesOptions {
  /** Most passes over the training trees (default 1). */
  epochs?: number;
  /** Stop after this many minutes of training (the epoch in progress ends early, and is scored). */
  minutes?: number;
  batchSize?: number;
  /** Default Adam, lr 0.001 (fused on backends with `adamStep`). Tai et al. 2015 used Adagrad, lr 0.05. */
  optimizer?: OptimizerSpec;
  l2?: number;
  /** Loss on the roots only (default: on every labelled node). */
  rootOnly?: boolean;
  clipNorm?: number;
  seed?: number;
  /** Scored after every epoch; the best epoch's weights are kept. */
  dev?: readonly EncodedTree[];
  /** What "best" means on dev (default fineRoot). */
  select?: TreeMetric;
  /** Called with the net holding the new best weights (write a checkpoint here). */
  onBest?(net: TreeNet, epoch: number, dev: TreeScores): void | Promise<void>;
  callbacks?: TreeCallback[];
  /** Run the cell node by node instead of level by level (for comparison; much slower). */
  nodeByNode?: boolean;
}

export interface TreeHistory {
  epochs: TreeTrainLogs[];
  /** 0-based epoch whose weights the net holds at the end (the best on dev), or the last. */
  bestEpoch: number;
  bestDev: TreeScores | null;
  seconds: number;
  /** Training trees processed per second of training (excluding dev scoring). */
  treesPerSecond: number;
}

/**
 * Train a tree net with a loss at every labelled node (or the roots), select the epoch that scores
 * best on `dev`, and leave the net holding its weights. Async: yields between batches.
 */
export async function fitTrees(net: TreeNet, train: readonly EncodedTree[], o: FitTreesOptions = {}): Promise<TreeHistory> {
  const epochs = o.epochs ?? 1;
  const batchSize = o.batchSize ?? 25;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigError(`fitTrees: epochs must be a positive integer, found ${o.epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigError(`fitTrees: batchSize must be a positive integer, found ${o.batchSize}`);
  if (o.minutes !== undefined && !(o.minutes > 0)) throw new ConfigError(`fitTrees: minutes must be a positive number, found ${o.minutes}`);
  if (train.length === 0) throw new ConfigError('fitTrees: no training trees');
  const optimizer = getOptimizer(o.optimizer ?? { type: 'adam', lr: 0.001 });
  const select = o.select ?? 'fineRoot';
  const rng = new Rng(o.seed ?? 0);
  const params = net.params;
  const callbacks = o.callbacks ?? [];
  const batches = Math.ceil(train.length / batchSize);
  const deadline = o.minutes !== undefined ? performance.now() + o.minutes * 60_000 : Infinity;
  const history: TreeHistory = { epochs: [], bestEpoch: -1, bestDev: null, seconds: 0, treesPerSecond: 0 };
  let best: TypedArray | null = null;
  let trainMs = 0;
  let seen = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const cb of callbacks) await cb.onTrainBegin?.({ net, epochs, batches });
  let stop = false;
  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
    const order = rng.permutation(train.length);
    let lossSum = 0;
    let count = 0;
    const acc = scoreAccumulator(net.numClasses);
    const e0 = performance.now();
    for (let b = 0; b < batches; b++) {
      const s0 = performance.now();
      const batch = Array.from(order.subarray(b * batchSize, Math.min(train.length, (b + 1) * batchSize)), (i) => train[i]!);
      params.zeroGrad();
      const out = net.forward(batch, { training: true, rng, nodeByNode: o.nodeByNode });
      const loss = net.loss(out, { rootOnly: o.rootOnly, l2: o.l2 });
      const value = loss.item();
      if (!Number.isFinite(value)) throw diverged(`the loss is ${value}`, epoch, b, o);
      backward(loss);
      // (a non-finite gradient makes the next loss non-finite, caught above: no extra pass over the gradients)
      if (o.clipNorm !== undefined) clipGradNorm(params, o.clipNorm);
      optimizer.step(params);
      acc.add(out);
      lossSum += value * batch.length;
      count += batch.length;
      trainMs += performance.now() - s0;
      seen += batch.length;
      for (const cb of callbacks) await cb.onBatchEnd?.(b, { epoch, batch: b, loss: value, size: batch.length });
      await new Promise<void>((r) => setImmediate(r));
      if (performance.now() > deadline) {
        stop = true;
        break;
      }
    }
    if (!Number.isFinite(noGrad(() => sum(params.values).item()))) throw diverged('a parameter is not finite', epoch, batches - 1, o);
    const tr = acc.result();
    const logs: TreeTrainLogs = {
      epoch,
      loss: lossSum / count,
      seconds: (performance.now() - e0) / 1000,
      trees: count,
      fine_root: tr.fineRoot,
    };
    if (o.dev) {
      const dev = evaluateTrees(net, o.dev);
      Object.assign(logs, {
        val_loss: dev.loss,
        val_fine_root: dev.fineRoot,
        val_fine_all: dev.fineAll,
        val_binary_root: dev.binaryRoot,
        val_binary_all: dev.binaryAll,
      });
      if (history.bestDev === null || dev[select] > history.bestDev[select]) {
        history.bestDev = dev;
        history.bestEpoch = epoch;
        best = params.values.data();
        await o.onBest?.(net, epoch, dev);
      }
    } else {
      history.bestEpoch = epoch;
    }
    logs['elapsed'] = (performance.now() - t0) / 1000;
    // this process's CPU time: on a shared machine, the time the run would take alone
    const cpu = process.cpuUsage(cpu0);
    logs['cpu_elapsed'] = (cpu.user + cpu.system) / 1e6;
    history.epochs.push(logs);
    for (const cb of callbacks) if ((await cb.onEpochEnd?.(epoch, logs)) === 'stop') stop = true;
  }
  if (best) noGrad(() => params.backend.assign(params.values, { storage: params.backend.write(best!), shape: params.values.shape, dtype: params.values.dtype }));
  history.seconds = (performance.now() - t0) / 1000;
  history.treesPerSecond = seen / (trainMs / 1000);
  return history;
}

function diverged(what: string, epoch: number, batch: number, o: FitTreesOptions): NumericalError {
  const hint = o.clipNorm === undefined ? ' Try clipping gradients (clipNorm, CLI --clip-norm 5) or a lower learning rate.' : ' Try a lower learning rate.';
  return new NumericalError(`tree training diverged at epoch ${epoch + 1}, batch ${batch + 1}: ${what}.${hint}`);
}
