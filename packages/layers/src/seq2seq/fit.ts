import { z } from 'zod';
import { Rng, parseOptions, schemas } from '@rnn/core';
import { callbackSchema } from '../model/callback-schema.js';
import { Trainer } from '../model/trainer.js';
import type { Logs } from '../model/types.js';
import { getOptimizer } from '../optimizers/index.js';
import { optimizerSpec } from '../optimizers/options.js';
import type { Seq2SeqPair } from './batch.js';
import type { Seq2Seq } from './model.js';

const { positiveInt, positiveNumber, nonNegativeInt, integer, bool, text, fn } = schemas;

const pairsSchema = z.array(z.custom<Seq2SeqPair>((v) => typeof v === 'object' && v !== null && Array.isArray((v as Seq2SeqPair).source), { error: 'a pair { source: ids, target: ids }' }), {
  error: 'an array of pairs { source: number[], target: number[] } (model.encodePairs(...))',
});

const fitOptions = z.strictObject({
  /** Most passes over the pairs (=1). */
  epochs: positiveInt().optional(),
  /** Stop after this many minutes (the epoch in progress ends early, and is validated). */
  minutes: positiveNumber().optional(),
  /** =64 */
  batchSize: positiveInt().optional(),
  /** =Adam, lr 0.001. */
  optimizer: optimizerSpec.optional(),
  /**
   * Length bucketing (=false): batches of pairs of similar source and target lengths, drawn from
   * chunks of 50 batches (see `bucketedOrder`); much less padding for the fused kernels to run.
   */
  buckets: bool().optional(),
  /** =5 (clip_grad_norm_), as the usual recipes for LSTM encoder–decoders. */
  clipNorm: positiveNumber().optional(),
  seed: integer().optional(),
  /** Dev pairs: their teacher-forced loss is logged as `val_loss` after every epoch. */
  dev: pairsSchema.optional(),
  /** More scores after every epoch (e.g. a word error rate from decoding dev), merged into the logs. */
  validate: fn<(model: Seq2Seq, epoch: number) => Record<string, number>>('a function (model, epoch) => { val_…: number }').optional(),
  /** Keep the weights of the best epoch by a log key (=val_loss, lower, when there is dev). */
  select: z.strictObject({ key: text(), higher: bool() }).optional(),
  /** Called with the model holding the new best weights (write a checkpoint here). */
  onBest: fn<(model: Seq2Seq, epoch: number, logs: Logs) => void | Promise<void>>('a function (model, epoch, logs) => void').optional(),
  callbacks: z.array(callbackSchema, { error: 'an array of Callbacks' }).optional(),
  initialEpoch: nonNegativeInt().optional(),
  initialBatch: nonNegativeInt().optional(),
});

export type FitSeq2SeqOptions = z.infer<typeof fitOptions>;

export interface Seq2SeqHistory {
  epochs: Logs[];
  bestEpoch: number;
  seconds: number;
  pairsPerSecond: number;
}

/**
 * The bucketing key of each pair: source length first, then target length (the encoder and the
 * decoder each run as many steps as the longest row of the batch on their side).
 */
export function pairLengthKeys(pairs: readonly Seq2SeqPair[]): Int32Array {
  return Int32Array.from(pairs, (p) => p.source.length * 65536 + Math.min(65535, p.target.length));
}

/** Train a `Seq2Seq` on id pairs with the shared `Trainer` (shuffled batches, clipping, selection on dev, time budget). */
export async function fitSeq2Seq(model: Seq2Seq, train: readonly Seq2SeqPair[], options: FitSeq2SeqOptions = {}): Promise<Seq2SeqHistory> {
  const o = parseOptions(fitOptions, options, 'fitSeq2Seq');
  const dev = o.dev;
  const validate =
    dev || o.validate
      ? (epoch: number) => ({ ...(dev ? { val_loss: model.evaluateLoss(dev) } : {}), ...(o.validate?.(model, epoch) ?? {}) })
      : undefined;
  const select = o.select ?? (dev ? { key: 'val_loss', higher: false } : undefined);
  const trainer = new Trainer(model, {
    optimizer: getOptimizer(o.optimizer ?? { type: 'adam', lr: 0.001 }),
    epochs: o.epochs,
    batchSize: o.batchSize ?? 64,
    buckets: o.buckets ? { keys: pairLengthKeys(train) } : undefined,
    rng: new Rng(o.seed ?? 0),
    callbacks: o.callbacks,
    clipNorm: o.clipNorm ?? 5,
    checkNumerics: 'epoch',
    minutes: o.minutes,
    initialEpoch: o.initialEpoch,
    initialBatch: o.initialBatch,
    countKey: 'pairs',
    clock: true,
    validate,
    select: select ? { ...select, onBest: o.onBest ? (epoch, logs) => o.onBest!(model, epoch, logs) : undefined } : undefined,
  });
  const h = await trainer.fit({ size: train.length, take: (idx) => Array.from(idx, (i) => train[i]!) });
  return { epochs: h.epochs, bestEpoch: h.bestEpoch, seconds: h.seconds, pairsPerSecond: h.samplesPerSecond };
}
