import { z } from 'zod';
import { Rng, parseOptions, schemas } from '@rnn/core';
import { callbackSchema } from '../model/callback-schema.js';
import { optimizerSpec } from '../optimizers/options.js';
import { Trainer } from '../model/trainer.js';
import type { Logs } from '../model/types.js';
import { getOptimizer } from '../optimizers/index.js';
import type { EncodedTree } from './batch.js';
import { evaluateTrees, type TreeScores } from './evaluate.js';
import type { TreeNet } from './model.js';

export type TreeMetric = 'fineRoot' | 'fineAll' | 'binaryRoot' | 'binaryAll';

/** The epoch-log key of each dev metric. */
const LOG_KEY: Record<TreeMetric, string> = {
  fineRoot: 'val_fine_root',
  fineAll: 'val_fine_all',
  binaryRoot: 'val_binary_root',
  binaryAll: 'val_binary_all',
};

const { positiveInt, positiveNumber, nonNegativeNumber, nonNegativeInt, bool, integer, fn } = schemas;

const fitTreesOptions = z.strictObject({
  /** Most passes over the training trees (default 1). */
  epochs: positiveInt().optional(),
  /** Stop after this many minutes of training (the epoch in progress ends early, and is scored). */
  minutes: positiveNumber().optional(),
  batchSize: positiveInt().optional(),
  /** Default Adam, lr 0.001 (fused on backends with `adamStep`). Tai et al. 2015 used Adagrad, lr 0.05. */
  optimizer: optimizerSpec.optional(),
  l2: nonNegativeNumber().optional(),
  /** Loss on the roots only (default: on every labelled node). */
  rootOnly: bool().optional(),
  clipNorm: positiveNumber().optional(),
  seed: integer().optional(),
  /** Scored after every epoch; the best epoch's weights are kept. */
  dev: z.array(z.custom<EncodedTree>((v) => typeof v === 'object' && v !== null), { error: 'an array of encoded trees' }).readonly().optional(),
  /** What "best" means on dev (default fineRoot). */
  select: z.enum(['fineRoot', 'fineAll', 'binaryRoot', 'binaryAll']).optional(),
  /** Called with the net holding the new best weights (write a checkpoint here). */
  onBest: fn<(net: TreeNet, epoch: number, dev: TreeScores) => void | Promise<void>>('a function (net, epoch, dev) => void').optional(),
  callbacks: z.array(callbackSchema, { error: 'an array of Callbacks' }).optional(),
  /** Run the cell node by node instead of level by level (for comparison; much slower). */
  nodeByNode: bool().optional(),
  /** Start counting epochs here (resuming; a callback restores the optimizer, generator and selection, see `TrainBegin`). */
  initialEpoch: nonNegativeInt().optional(),
  /** With `initialEpoch`: skip that epoch's first batches (resuming mid-epoch). */
  initialBatch: nonNegativeInt().optional(),
});

export type FitTreesOptions = z.infer<typeof fitTreesOptions>;

export interface TreeHistory {
  /** One `Logs` per epoch: `loss`, `seconds`, `lr`, `trees`, `fine_root`, `val_*` with dev, `elapsed`, `cpu_elapsed`. */
  epochs: Logs[];
  /** 0-based epoch whose weights the net holds at the end (the best on dev), or the last. */
  bestEpoch: number;
  bestDev: TreeScores | null;
  seconds: number;
  /** Training trees processed per second of training (excluding dev scoring). */
  treesPerSecond: number;
}

/**
 * Train a tree net with a loss at every labelled node (or the roots), select the epoch that scores
 * best on `dev`, and leave the net holding its weights: the `Trainer` with tree options.
 */
export async function fitTrees(net: TreeNet, train: readonly EncodedTree[], options: FitTreesOptions = {}): Promise<TreeHistory> {
  const o = parseOptions(fitTreesOptions, options, 'fitTrees');
  net.training = { rootOnly: o.rootOnly, l2: o.l2, nodeByNode: o.nodeByNode };
  let lastDev: TreeScores | null = null;
  let bestDev: TreeScores | null = null;
  const dev = o.dev;
  const trainer = new Trainer(net, {
    optimizer: getOptimizer(o.optimizer ?? { type: 'adam', lr: 0.001 }),
    epochs: o.epochs,
    batchSize: o.batchSize ?? 25,
    rng: new Rng(o.seed ?? 0),
    callbacks: o.callbacks,
    clipNorm: o.clipNorm,
    // a non-finite gradient makes the next loss non-finite: no extra pass over the gradients
    checkNumerics: 'epoch',
    minutes: o.minutes,
    initialEpoch: o.initialEpoch,
    initialBatch: o.initialBatch,
    countKey: 'trees',
    clock: true,
    validate: dev
      ? () => {
          const s = (lastDev = evaluateTrees(net, dev));
          return { val_loss: s.loss, val_fine_root: s.fineRoot, val_fine_all: s.fineAll, val_binary_root: s.binaryRoot, val_binary_all: s.binaryAll };
        }
      : undefined,
    select: dev
      ? {
          key: LOG_KEY[o.select ?? 'fineRoot'],
          higher: true,
          onBest: async (epoch) => {
            bestDev = lastDev;
            await o.onBest?.(net, epoch, lastDev!);
          },
        }
      : undefined,
  });
  const h = await trainer.fit({ size: train.length, take: (idx) => Array.from(idx, (i) => train[i]!) });
  return { epochs: h.epochs, bestEpoch: h.bestEpoch, bestDev, seconds: h.seconds, treesPerSecond: h.samplesPerSecond };
}
