import { ConfigError, parseOptions } from '@rnn/core';
import { optimizerSpec, type OptimizerSpec } from './options.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './rmsprop.js';
export * from './adagrad.js';
export * from './clip.js';

export { OPTIMIZER_NAMES, type OptimizerName, type OptimizerSpec, type OptimizerConfig } from './options.js';

/** The optimizer a spec names: an instance as is, a name with PyTorch's defaults, or `{ type, …options }`. */
export function getOptimizer(spec: OptimizerSpec, where = 'getOptimizer'): Optimizer {
  const checked = parseOptions(optimizerSpec, spec, where);
  if (typeof checked === 'object' && 'step' in checked) return checked;
  const { type, ...o } = typeof checked === 'string' ? { type: checked } : checked;
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
