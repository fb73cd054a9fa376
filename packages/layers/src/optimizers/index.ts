import { ConfigError } from '@rnn/core';
import { Adagrad, type AdagradOptions } from './adagrad.js';
import { Adam, AdamW, type AdamOptions } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './rmsprop.js';
export * from './adagrad.js';
export * from './clip.js';

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
export type OptimizerSpec = Optimizer | OptimizerName | ({ type: OptimizerName } & SGDOptions & AdamOptions & RMSpropOptions & AdagradOptions);

export function getOptimizer(spec: OptimizerSpec): Optimizer {
  if (typeof spec === 'object' && 'step' in spec) return spec;
  const { type, ...o } = typeof spec === 'string' ? { type: spec } : spec;
  switch (type) {
    case 'sgd':
      return new SGD(o);
    case 'adam':
      return new Adam(o);
    case 'adamw':
      return new AdamW(o);
    case 'rmsprop':
      return new RMSprop(o);
    case 'adagrad':
      return new Adagrad(o);
    default:
      throw new ConfigError(`unknown optimizer '${String(type)}'; expected sgd, adam, adamw, rmsprop or adagrad`);
  }
}
