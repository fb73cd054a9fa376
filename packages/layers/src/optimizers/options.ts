import { z } from 'zod';
import { schemas } from '@rnn/core';
import type { Optimizer } from './optimizer.js';

/**
 * Every optimizer's options as a strict schema (PyTorch's names, camelCase): the constructors and
 * `compile({ optimizer: { type, … } })` check against these, so `learningRate` or `betas` is
 * refused by name with the key meant, never ignored.
 */
const { positiveNumber, nonNegativeNumber, bool } = schemas;
const beta = () => z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });

export const sgdShape = {
  lr: positiveNumber().optional(),
  momentum: nonNegativeNumber().optional(),
  dampening: nonNegativeNumber().optional(),
  nesterov: bool().optional(),
  weightDecay: nonNegativeNumber().optional(),
};
export const adamShape = {
  lr: positiveNumber().optional(),
  beta1: beta().optional(),
  beta2: beta().optional(),
  eps: positiveNumber().optional(),
  weightDecay: nonNegativeNumber().optional(),
};
export const rmspropShape = {
  lr: positiveNumber().optional(),
  alpha: beta().optional(),
  eps: positiveNumber().optional(),
  weightDecay: nonNegativeNumber().optional(),
  momentum: nonNegativeNumber().optional(),
  centered: bool().optional(),
};
export const adagradShape = {
  lr: positiveNumber().optional(),
  lrDecay: nonNegativeNumber().optional(),
  weightDecay: nonNegativeNumber().optional(),
  initialAccumulatorValue: nonNegativeNumber().optional(),
  eps: positiveNumber().optional(),
};

export const sgdOptions = z.strictObject(sgdShape);
export const adamOptions = z.strictObject(adamShape);
export const rmspropOptions = z.strictObject(rmspropShape);
export const adagradOptions = z.strictObject(adagradShape);

export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** `{ type: 'adam', lr: 0.01 }`: one strict object per optimizer, chosen by `type`. */
export const optimizerConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sgd'), ...sgdShape }),
  z.strictObject({ type: z.literal('adam'), ...adamShape }),
  z.strictObject({ type: z.literal('adamw'), ...adamShape }),
  z.strictObject({ type: z.literal('rmsprop'), ...rmspropShape }),
  z.strictObject({ type: z.literal('adagrad'), ...adagradShape }),
]);

/** An optimizer instance, its name (defaults), or `{ type, …options }`. */
export const optimizerSpec = z.union(
  [z.custom<Optimizer>((v) => typeof v === 'object' && v !== null && typeof (v as Optimizer).step === 'function'), z.enum(OPTIMIZER_NAMES), optimizerConfig],
  { error: `an optimizer: one of ${OPTIMIZER_NAMES.join(', ')}, an object { type: 'adam', lr: 0.001, … }, or an Optimizer (new Adam({ lr }))` },
);

export type OptimizerConfig = z.infer<typeof optimizerConfig>;
export type OptimizerSpec = z.infer<typeof optimizerSpec>;
