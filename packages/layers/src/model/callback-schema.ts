import { z } from 'zod';
import type { Callback } from './types.js';

const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/** A callback is an object with at least one of the `Callback` hooks (its own or its class's). */
export const callbackSchema = z.custom<Callback>(
  (v) => typeof v === 'object' && v !== null && HOOKS.some((h) => typeof (v as Record<string, unknown>)[h] === 'function'),
  { error: `a Callback (an object with at least one of ${HOOKS.join(', ')})` },
);
