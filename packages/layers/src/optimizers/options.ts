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

/** The kinds of value an optimizer option takes, each optional (absent: the optimizer's default). */
const kinds = { positive: positiveNumber, nonNegative: nonNegativeNumber, bool, beta };
type Kind = keyof typeof kinds;

/** A strict object's shape, one optional entry per option, in the order given (the order errors list them in). */
function shape<K extends Record<string, Kind>>(spec: K): { [P in keyof K]: z.ZodOptional<ReturnType<(typeof kinds)[K[P]]>> } {
  return Object.fromEntries(Object.entries(spec).map(([key, kind]) => [key, kinds[kind]().optional()])) as never;
}

export const sgdShape = shape({ lr: 'positive', momentum: 'nonNegative', dampening: 'nonNegative', nesterov: 'bool', weightDecay: 'nonNegative' });
export const adamShape = shape({ lr: 'positive', beta1: 'beta', beta2: 'beta', eps: 'positive', weightDecay: 'nonNegative' });
export const rmspropShape = shape({ lr: 'positive', alpha: 'beta', eps: 'positive', weightDecay: 'nonNegative', momentum: 'nonNegative', centered: 'bool' });
export const adagradShape = shape({ lr: 'positive', lrDecay: 'nonNegative', weightDecay: 'nonNegative', initialAccumulatorValue: 'nonNegative', eps: 'positive' });

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
